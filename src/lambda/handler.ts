// The Lambda entry's one decision: an internal job event runs the job; anything else is an
// HTTP request from API Gateway and goes to Bolt's AwsLambdaReceiver, which checks Slack's
// signature before any listener sees it, once its date is known to be within five minutes.
import type { AwsEvent, AwsHandler, AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
import type { Logger } from '../logger';
import type { RunJob } from '../slack/jobs';
import { isAcceptableSlackTimestamp, SLACK_TIMESTAMP_HEADER } from '../slack/request-verification';
import { isAddressedAsJob, JobEvent } from './job-event';

export type LambdaHandler = (event: unknown, context: unknown) => Promise<AwsResponse | undefined>;

/** A header's value whatever its case: API Gateway's HTTP API lowercases names, other front doors may not. */
function headerOf(event: unknown, name: string): string | undefined {
  const headers = (event as { headers?: unknown } | null)?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return typeof found?.[1] === 'string' ? found[1] : undefined;
}

export function lambdaHandler(parts: {
  receive: AwsHandler;
  runJob: RunJob;
  logger: Logger;
  now?: () => number;
}): LambdaHandler {
  const { receive, runJob, logger } = parts;
  const now = parts.now ?? Date.now;
  return async (event, context) => {
    if (isAddressedAsJob(event)) {
      const parsed = JobEvent.safeParse(event);
      if (!parsed.success) {
        // Only an Invoke can send this (e.g. from another code version mid-deploy); a retry would fail alike.
        logger.error('dropped an internal job event that does not fit this version', {
          problems: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
        });
        return undefined;
      }
      await runJob(parsed.data.ecrAccessJob);
      return undefined;
    }
    const timestamp = headerOf(event, SLACK_TIMESTAMP_HEADER);
    if (!isAcceptableSlackTimestamp(timestamp, now())) {
      // Bolt refuses requests dated too long ago, not those dated too far ahead.
      logger.warn('refused a request not dated within five minutes of now', { timestamp });
      return { statusCode: 401, body: '' };
    }
    try {
      return await receive(event as AwsEvent, context);
    } catch (error) {
      // The receiver parses the body before it checks the signature; an unreadable request is refused.
      logger.warn('refused an HTTP request that could not be read', { error });
      return { statusCode: 400, body: '' };
    }
  };
}

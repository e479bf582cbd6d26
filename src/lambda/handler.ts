// The Lambda entry's one decision: an internal job event runs the job; the sweep's schedule
// event runs one pass of the sweep; an HTTP request from API Gateway goes to Bolt's
// AwsLambdaReceiver, which checks Slack's signature before any listener sees it, once its date
// is known to be within five minutes. Anything else is refused and logged.
import type { AwsEvent, AwsHandler, AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
import type { Logger } from '../logger';
import type { RunJob } from '../slack/jobs';
import { isAcceptableSlackTimestamp, SLACK_TIMESTAMP_HEADER } from '../slack/request-verification';
import { isAddressedAsJob, JobEvent } from './job-event';
import { isAddressedAsSweep, SweepEvent } from './sweep-event';

/** API Gateway's events carry headers; EventBridge's and anything invoked by hand need not. */
const isHttpRequest = (event: unknown): boolean => typeof (event as { headers?: unknown } | null)?.headers === 'object' && (event as { headers?: unknown }).headers !== null;

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
  /** One pass of the sweep, for the schedule's event. */
  sweep: () => Promise<unknown>;
  logger: Logger;
  now?: () => number;
}): LambdaHandler {
  const { receive, runJob, sweep, logger } = parts;
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
    if (isAddressedAsSweep(event)) {
      if (!SweepEvent.safeParse(event).success) {
        logger.error('refused an event addressed to ecr-access that is not { "ecr-access": "sweep" }', { event: JSON.stringify(event).slice(0, 500) });
        return undefined;
      }
      // A failed pass fails the invocation, so it shows in the function's error metrics; the next schedule tries again.
      await sweep();
      return undefined;
    }
    if (!isHttpRequest(event)) {
      logger.error('refused an event that is neither a Slack request, a job nor the sweep', { keys: typeof event === 'object' && event !== null ? Object.keys(event).slice(0, 20) : typeof event });
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

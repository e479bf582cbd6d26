// The Lambda entry's one decision: an internal job event runs the job; anything else is an
// HTTP request from API Gateway and goes to Bolt's AwsLambdaReceiver, which checks Slack's
// signature before any listener sees it.
import type { AwsEvent, AwsHandler, AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
import type { Logger } from '../logger';
import type { RunJob } from '../slack/jobs';
import { isAddressedAsJob, JobEvent } from './job-event';

export type LambdaHandler = (event: unknown, context: unknown) => Promise<AwsResponse | undefined>;

export function lambdaHandler(parts: { receive: AwsHandler; runJob: RunJob; logger: Logger }): LambdaHandler {
  const { receive, runJob, logger } = parts;
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
    try {
      return await receive(event as AwsEvent, context);
    } catch (error) {
      // The receiver parses the body before it checks the signature; an unreadable request is refused.
      logger.warn('refused an HTTP request that could not be read', { error });
      return { statusCode: 400, body: '' };
    }
  };
}

// The Lambda entry's one decision: an internal job event runs the job; a task event runs one
// pass of the sweep (the schedule's) or replays the jobs waiting in the dead-letter queue (an
// operator's); an HTTP request from API Gateway goes to Bolt's AwsLambdaReceiver, which checks
// Slack's signature before any listener sees it, once its date is known to be within five
// minutes. Anything else is refused and logged.
import type { AwsEvent, AwsHandler, AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
import { EcrAccessError, ErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { SweepReport } from '../service/sweep';
import type { RunJob } from '../slack/jobs';
import { isAcceptableSlackTimestamp, SLACK_TIMESTAMP_HEADER } from '../slack/request-verification';
import { isAddressedAsJob, JobEvent } from './job-event';
import type { ReplayReport } from './replay';
import { isAddressedAsTask, taskOf } from './task-event';

/** API Gateway's events carry headers; EventBridge's and anything invoked by hand need not. */
const isHttpRequest = (event: unknown): boolean => typeof (event as { headers?: unknown } | null)?.headers === 'object' && (event as { headers?: unknown }).headers !== null;

/** An HTTP answer for API Gateway, the replay's report for whoever invoked it, or nothing. */
export type LambdaHandler = (event: unknown, context: unknown) => Promise<AwsResponse | ReplayReport | undefined>;

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
  sweep: () => Promise<SweepReport>;
  /** Runs again the jobs waiting in the dead-letter queue. */
  replay: () => Promise<ReplayReport>;
  logger: Logger;
  now?: () => number;
}): LambdaHandler {
  const { receive, runJob, sweep, replay, logger } = parts;
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
      // A job that fails throws: Lambda runs it once more, then puts it in the dead-letter queue.
      await runJob(parsed.data.ecrAccessJob);
      return undefined;
    }
    if (isAddressedAsTask(event)) {
      const task = taskOf(event);
      if (task === 'sweep') {
        const report = await sweep();
        // A pass that left something undone fails the invocation, so the function's errors (and
        // their alarm) show it; what it left stays due, and the next pass tries again.
        if (report.failures > 0) throw new EcrAccessError(ErrorCode.SweepIncomplete, `the sweep could not finish ${report.failures} item(s); they stay due and the next pass tries again`);
        return undefined;
      }
      if (task === 'replay') return replay();
      logger.error('refused an event addressed to ecr-access that is neither { "ecr-access": "sweep" } nor { "ecr-access": "replay" }', { event: JSON.stringify(event).slice(0, 500) });
      return undefined;
    }
    if (!isHttpRequest(event)) {
      logger.error('refused an event that is neither a Slack request, a job nor a task', { keys: typeof event === 'object' && event !== null ? Object.keys(event).slice(0, 20) : typeof event });
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

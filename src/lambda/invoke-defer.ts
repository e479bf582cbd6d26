// Lambda's Defer: hands the job to a new, asynchronous invocation of this same function, so
// this one can answer Slack at once. Resolves when Lambda has queued the job (202).
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { clientFrom, onFirstUse, type ClientSource } from '../aws/clients';
import { EcrAccessError, ErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { Defer } from '../slack/jobs';
import { jobEvent } from './job-event';

/** The one command the hand-over sends; the SDK package loads with the first hand-over, not with this module. */
const commands = onFirstUse(async () => {
  const { InvokeCommand } = await import('@aws-sdk/client-lambda');
  return { InvokeCommand };
});

export function invokeDefer(source: ClientSource<LambdaClient>, functionName: string, logger: Logger, now: () => number = Date.now): Defer {
  return async (job) => {
    try {
      const [client, { InvokeCommand }] = await Promise.all([clientFrom(source), commands()]);
      const out = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(jobEvent(job, now()))),
        }),
      );
      if (out.StatusCode !== 202) {
        throw new EcrAccessError(ErrorCode.JobHandover, `Lambda answered ${out.StatusCode ?? 'no status'} instead of 202 to a queued invocation`);
      }
    } catch (error) {
      // The listener tells the user; the reason (often a missing lambda:InvokeFunction) goes here.
      logger.error('could not hand the job to a new invocation', { kind: job.kind, functionName, error });
      throw error;
    }
  };
}

// The event one invocation of the function sends another to run a job after Slack has had its
// acknowledgement. API Gateway builds its own events (version, routeKey, headers, the request
// body as a string), so no HTTP request can take this shape: only an IAM-allowed Invoke can.
// `at` is when the job was handed over, a moment after Slack asked: a job that failed every try
// is replayed from the dead-letter queue only while Slack still takes answers for it.
import * as z from 'zod';
import { Job } from '../slack/jobs';

const JOB_EVENT_KEY = 'ecrAccessJob';

// `at` is optional so that a job handed over by the version before it is still run.
export const JobEvent = z.strictObject({ [JOB_EVENT_KEY]: Job, at: z.number().int().positive().optional() });
export type JobEvent = z.infer<typeof JobEvent>;

export function jobEvent(job: Job, at: number): JobEvent {
  return { [JOB_EVENT_KEY]: job, at };
}

/** Addressed as a job, well-formed or not: such an event is never handed to the Slack receiver. */
export function isAddressedAsJob(event: unknown): boolean {
  return typeof event === 'object' && event !== null && JOB_EVENT_KEY in event;
}

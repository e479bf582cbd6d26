// The event one invocation of the function sends another to run a job after Slack has had its
// acknowledgement. API Gateway builds its own events (version, routeKey, headers, the request
// body as a string), so no HTTP request can take this shape: only an IAM-allowed Invoke can.
import * as z from 'zod';
import { Job } from '../slack/jobs';

const JOB_EVENT_KEY = 'ecrAccessJob';

export const JobEvent = z.strictObject({ [JOB_EVENT_KEY]: Job });
export type JobEvent = z.infer<typeof JobEvent>;

export function jobEvent(job: Job): JobEvent {
  return { [JOB_EVENT_KEY]: job };
}

/** Addressed as a job, well-formed or not: such an event is never handed to the Slack receiver. */
export function isAddressedAsJob(event: unknown): boolean {
  return typeof event === 'object' && event !== null && JOB_EVENT_KEY in event;
}

// The events that ask the function for one task rather than a Slack request: the sweep's
// EventBridge schedule sends { "ecr-access": "sweep" } (serverless.yml), and an operator sends
// { "ecr-access": "replay" } to run again the jobs waiting in the dead-letter queue. No HTTP
// request from API Gateway can take this shape, only an IAM-allowed Invoke.
import * as z from 'zod';

const TASK_EVENT_KEY = 'ecr-access';

const TaskEvent = z.strictObject({ [TASK_EVENT_KEY]: z.enum(['sweep', 'replay']) });
export type Task = z.infer<typeof TaskEvent>[typeof TASK_EVENT_KEY];

/** The task an event asks for; undefined when it is not one of them. */
export function taskOf(event: unknown): Task | undefined {
  const parsed = TaskEvent.safeParse(event);
  return parsed.success ? parsed.data[TASK_EVENT_KEY] : undefined;
}

/** Addressed to ecr-access as a task, well-formed or not: such an event is never handed to the Slack receiver. */
export function isAddressedAsTask(event: unknown): boolean {
  return typeof event === 'object' && event !== null && TASK_EVENT_KEY in event;
}

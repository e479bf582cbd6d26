// The event the sweep's EventBridge schedule sends the function (serverless.yml): one pass of
// the sweep. No HTTP request from API Gateway can take this shape, only an IAM-allowed Invoke.
import * as z from 'zod';

const SWEEP_EVENT_KEY = 'ecr-access';

export const SweepEvent = z.strictObject({ [SWEEP_EVENT_KEY]: z.literal('sweep') });

/** Addressed to ecr-access as a scheduled event, well-formed or not: such an event is never handed to the Slack receiver. */
export function isAddressedAsSweep(event: unknown): boolean {
  return typeof event === 'object' && event !== null && SWEEP_EVENT_KEY in event;
}

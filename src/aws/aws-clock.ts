// How far this process's clock is from AWS's, learnt from the Date header of every AWS answer.
// Repository leases and announcement take-overs compare times that different processes wrote,
// so each process has to know its own clock agrees with AWS's (src/aws/clock-check.ts decides).
//
// Not the SDK's own systemClockOffset: each client keeps its own, and it is one reading
// (serverTime − receivedAt of the last answer, @aws-sdk/core's getUpdatedSystemClockOffset)
// that ignores the round trip and the header's whole seconds, so one slow answer moves it;
// @aws-sdk/core 3.812 even moved it only for a skew of 5 minutes or more. It corrects the time
// requests are signed with; this measures the clock the process reads its own times from.
//
// Only structural types here, no SDK import: the module loads with the Lambda's HTTP path.

/**
 * What one answer says: AWS read its clock (to whole seconds) somewhere between the request's
 * sending and the answer's arrival, so this clock was ahead of AWS's by at least
 * `minAheadMs` and at most `maxAheadMs` (negative: behind).
 */
interface Reading {
  readonly minAheadMs: number;
  readonly maxAheadMs: number;
}

/** The best of the recent readings: this clock is `aheadMs` ahead of AWS's (negative: behind), give or take `withinMs`. */
interface ClockEstimate {
  readonly aheadMs: number;
  readonly withinMs: number;
}

/** So many readings are kept: enough that one slow answer among them never decides. */
const RECENT_READINGS = 8;

/** The resolution of an HTTP Date header (RFC 9110: whole seconds, the fraction cut off). */
const DATE_RESOLUTION_MS = 1000;

/** A header of a smithy HttpResponse (Node's handler lowercases names; others may not). */
function header(response: unknown, name: string): string | undefined {
  const headers = (response as { headers?: unknown } | null | undefined)?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return typeof found?.[1] === 'string' ? found[1] : undefined;
}

/** What an answer says, for a request sent at `sentAt` and answered at `receivedAt` on this clock; undefined when it has no usable date. */
function readingOf(response: unknown, sentAt: number, receivedAt: number): Reading | undefined {
  // An answer with an Age came from a cache, and its Date from whenever it was cached.
  if (header(response, 'age') !== undefined) return undefined;
  const date = Date.parse(header(response, 'date') ?? '');
  if (Number.isNaN(date)) return undefined;
  // AWS's clock read between `date` and `date` + 1 s, while this one read between `sentAt` and `receivedAt`.
  return { minAheadMs: sentAt - (date + DATE_RESOLUTION_MS), maxAheadMs: receivedAt - date };
}

const width = (reading: Reading) => reading.maxAheadMs - reading.minAheadMs;
const agree = (a: Reading, b: Reading) => a.minAheadMs <= b.maxAheadMs && b.minAheadMs <= a.maxAheadMs;

/** The part of an SDK call's answer seen at the deserialize step: `response` is the raw HTTP response. */
interface Answer {
  readonly response: unknown;
}

/** Wraps the sending of one request; installed on every client by createAwsClients (src/aws/clients.ts). */
export type AnswerMiddleware = <Args, Out extends Answer>(next: (args: Args) => Promise<Out>) => (args: Args) => Promise<Out>;

export interface AwsClock {
  readonly middleware: AnswerMiddleware;
  /** How far this clock is ahead of AWS's, in ms (negative: behind); undefined before the first dated answer. */
  offsetMs(): number | undefined;
  estimate(): ClockEstimate | undefined;
}

/** `now` is the clock being measured: the wall clock every runtime reads its times from. */
export function awsClock(now: () => number = Date.now): AwsClock {
  let readings: Reading[] = [];

  const learn = (reading: Reading) => {
    // Readings that cannot all be true straddle a step of one of the clocks: the newest tells how they are now.
    readings = [...readings.filter((kept) => agree(kept, reading)), reading].slice(-RECENT_READINGS);
  };

  const estimate = (): ClockEstimate | undefined => {
    // The narrowest reading is the one with the shortest round trip; on a tie, the newest.
    const best = readings.reduce<Reading | undefined>((narrowest, reading) => (narrowest && width(narrowest) < width(reading) ? narrowest : reading), undefined);
    return best && { aheadMs: (best.minAheadMs + best.maxAheadMs) / 2, withinMs: width(best) / 2 };
  };

  return {
    middleware: (next) => async (args) => {
      const sentAt = now();
      const answer = await next(args);
      const reading = readingOf(answer.response, sentAt, now());
      if (reading) learn(reading);
      return answer;
    },
    offsetMs: () => estimate()?.aheadMs,
    estimate,
  };
}

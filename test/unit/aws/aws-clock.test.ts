/**
 * How far this process's clock is from AWS's, learnt from the Date header of AWS's answers:
 * allowing for the round trip and the header's whole seconds, led by the quickest recent answer,
 * and following the clock when it steps.
 */
import fc from 'fast-check';
import { awsClock } from '../../../src/aws/aws-clock';
import { runs } from '../domain/property-runs';

const START = Date.parse('2026-12-01T09:00:00.000Z');

/** A Date header as AWS writes it: its clock, to the whole second. */
const dateHeader = (awsMs: number) => new Date(awsMs).toUTCString();

/** How far off one answer may leave the estimate: half its round trip, and half the header's second. */
const allowance = (roundTripMs: number) => (roundTripMs + 1000) / 2;

/** This process's clock, `aheadMs` ahead of AWS's (a test may step it), and AWS calls through the clock's middleware. */
class World {
  at = START;
  readonly clock = awsClock(() => this.at);
  constructor(public aheadMs = 0) {}

  /**
   * One call that takes `roundTripMs`; AWS reads its clock `readAfterMs` into it (half-way by
   * default) and answers with `headers`, by default its Date.
   */
  call(roundTripMs: number, options: { readAfterMs?: number; statusCode?: number; headers?: (awsMs: number) => Record<string, string> } = {}) {
    const readAfterMs = options.readAfterMs ?? roundTripMs / 2;
    const headers = options.headers ?? ((awsMs: number) => ({ date: dateHeader(awsMs) }));
    return this.clock.middleware(async (request: { operation: string }) => {
      this.at += readAfterMs;
      const response = { statusCode: options.statusCode ?? 200, headers: headers(this.at - this.aheadMs) };
      this.at += roundTripMs - readAfterMs;
      return { response, output: { answered: request.operation } };
    })({ operation: 'GetItem' });
  }
}

const world = (aheadMs = 0) => new World(aheadMs);

describe('awsClock', () => {
  it('knows nothing before AWS has answered', () => {
    const w = world();
    expect(w.clock.offsetMs()).toBeUndefined();
    expect(w.clock.estimate()).toBeUndefined();
  });

  it('measures a clock two minutes ahead of AWS’s from one answer', async () => {
    const w = world(120_000);
    await w.call(40);
    expect(Math.abs(w.clock.offsetMs()! - 120_000)).toBeLessThanOrEqual(allowance(40));
  });

  it('measures a clock behind AWS’s as a negative offset', async () => {
    const w = world(-45_000);
    await w.call(40);
    expect(Math.abs(w.clock.offsetMs()! - -45_000)).toBeLessThanOrEqual(allowance(40));
  });

  it('is never further off than it says: half the round trip plus half the header’s second', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -600_000, max: 600_000 }),
        fc.integer({ min: 0, max: 5_000 }).chain((roundTripMs) => fc.tuple(fc.constant(roundTripMs), fc.integer({ min: 0, max: roundTripMs }))),
        fc.integer({ min: 0, max: 999 }),
        async (aheadMs, [roundTripMs, readAfterMs], startMs) => {
          const w = world(aheadMs);
          w.at += startMs;
          await w.call(roundTripMs, { readAfterMs });
          const estimate = w.clock.estimate()!;
          expect(estimate.withinMs).toBe(allowance(roundTripMs));
          expect(Math.abs(estimate.aheadMs - aheadMs)).toBeLessThanOrEqual(estimate.withinMs);
        },
      ),
      runs(500),
    );
  });

  it('hands the answer on as it came', async () => {
    const w = world();
    const answer = await w.call(10);
    expect(answer.output).toEqual({ answered: 'GetItem' });
    expect(answer.response).toMatchObject({ statusCode: 200 });
  });

  it('learns from an error answer as from any other', async () => {
    const w = world(90_000);
    await w.call(10, { statusCode: 400, headers: (awsMs: number) => ({ 'x-amzn-errortype': 'ConditionalCheckFailedException', date: dateHeader(awsMs) }) });
    expect(Math.abs(w.clock.offsetMs()! - 90_000)).toBeLessThanOrEqual(allowance(10));
  });

  it('reads the Date header whatever the case of its name', async () => {
    const w = world(90_000);
    await w.call(10, { headers: (awsMs: number) => ({ Date: dateHeader(awsMs) }) });
    expect(Math.abs(w.clock.offsetMs()! - 90_000)).toBeLessThanOrEqual(allowance(10));
  });

  it('learns nothing from an answer without a usable date', async () => {
    const w = world();
    await w.call(10, { headers: () => ({}) });
    await w.call(10, { headers: () => ({ date: 'yesterday' }) });
    expect(w.clock.estimate()).toBeUndefined();
  });

  it('learns nothing from a cached answer, whose date is when it was cached', async () => {
    const w = world();
    await w.call(10, { headers: (awsMs: number) => ({ date: dateHeader(awsMs - 300_000), age: '300' }) });
    expect(w.clock.estimate()).toBeUndefined();
  });

  it('learns nothing from a call that got no answer, and lets its failure through', async () => {
    const w = world();
    const timedOut = w.clock.middleware(async () => {
      throw new Error('socket hang up');
    });
    await expect(timedOut({})).rejects.toThrow('socket hang up');
    expect(w.clock.estimate()).toBeUndefined();
  });

  it('is not moved by one slow answer among quick ones', async () => {
    const w = world(10_000);
    for (let i = 0; i < 3; i++) await w.call(20);
    const before = w.clock.estimate();
    // Four seconds, and AWS read its clock at the very start: its midpoint is two seconds off.
    await w.call(4_000, { readAfterMs: 0 });
    expect(w.clock.estimate()).toEqual(before);
  });

  it('takes a quicker answer over a slower one that came first', async () => {
    const w = world(10_000);
    await w.call(3_000, { readAfterMs: 0 });
    await w.call(20);
    expect(w.clock.estimate()!.withinMs).toBe(allowance(20));
    expect(Math.abs(w.clock.offsetMs()! - 10_000)).toBeLessThanOrEqual(allowance(20));
  });

  it('follows a step of the clock at its first answer after it, however quick the answers before', async () => {
    const w = world(0);
    for (let i = 0; i < 5; i++) await w.call(5);
    w.aheadMs = 120_000;
    await w.call(300);
    expect(Math.abs(w.clock.offsetMs()! - 120_000)).toBeLessThanOrEqual(allowance(300));
  });

  it('counts only the last eight answers, so an old quick one gives way in time', async () => {
    const w = world(0);
    await w.call(0);
    for (let i = 0; i < 7; i++) await w.call(10);
    expect(w.clock.estimate()!.withinMs).toBe(allowance(0));
    await w.call(10);
    expect(w.clock.estimate()!.withinMs).toBe(allowance(10));
  });
});

// The sweep's timer in a long-running process: one pass at a time, every `everyMs` counted from
// the end of the last, failures logged, stopped with the server.
import { startSweepTimer } from '../../src/sweep-timer';
import { inMemoryDeps } from '../support/in-memory-ports';

const TIMES = { pendingLapseMs: 7 * 86_400_000, nudgeFirstMs: 900_000, reminderLeadMs: 86_400_000 };
const EVERY = 300_000;

/** In-memory deps whose work list answers after `passMs` of (fake) time, or fails. */
function world(passMs = 0, fail = false) {
  const w = inMemoryDeps();
  let passes = 0;
  let running = 0;
  let overlapped = false;
  const due = w.store.due.bind(w.store);
  w.store.due = async (now, limit) => {
    passes += 1;
    running += 1;
    overlapped ||= running > 1;
    if (passMs > 0) await new Promise((resolve) => setTimeout(resolve, passMs));
    running -= 1;
    if (fail) throw new Error('DynamoDB is down');
    return due(now, limit);
  };
  return { ...w, passes: () => passes, overlapped: () => overlapped };
}

beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] }));
afterEach(() => jest.useRealTimers());

describe('startSweepTimer', () => {
  it('runs a pass every interval, the next counted from the end of the last, never two at once', async () => {
    const w = world(EVERY * 2);
    const timer = startSweepTimer(w.deps, TIMES, EVERY);
    await jest.advanceTimersByTimeAsync(EVERY - 1);
    expect(w.passes()).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(w.passes()).toBe(1);
    // The pass takes two intervals; the next starts one interval after it ended.
    await jest.advanceTimersByTimeAsync(EVERY * 2 + EVERY - 1);
    expect(w.passes()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(w.passes()).toBe(2);
    expect(w.overlapped()).toBe(false);
    const stopped = timer.stop();
    await jest.advanceTimersByTimeAsync(EVERY * 2);
    await stopped;
  });

  it('logs a failed pass and goes on', async () => {
    const w = world(0, true);
    const timer = startSweepTimer(w.deps, TIMES, EVERY);
    await jest.advanceTimersByTimeAsync(EVERY);
    expect(w.logs.filter((line) => line.includes('a sweep pass failed'))).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(EVERY);
    expect(w.passes()).toBe(2);
    expect(w.logs.filter((line) => line.includes('a sweep pass failed'))).toHaveLength(2);
    await timer.stop();
  });

  it('stops: waits for the pass in flight, and runs no other', async () => {
    const w = world(1_000);
    const timer = startSweepTimer(w.deps, TIMES, EVERY);
    await jest.advanceTimersByTimeAsync(EVERY);
    let done = false;
    const stopped = timer.stop().then(() => {
      done = true;
    });
    await jest.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await stopped;
    await jest.advanceTimersByTimeAsync(EVERY * 5);
    expect(w.passes()).toBe(1);
  });

  it('runs a pass at once on demand, after the one in flight, and answers its report', async () => {
    const w = world();
    const timer = startSweepTimer(w.deps, TIMES, EVERY);
    await expect(timer.passNow()).resolves.toMatchObject({ looked: 0, failures: 0 });
    expect(w.passes()).toBe(1);
    await timer.stop();
  });

  it('never keeps the process alive by itself', () => {
    const w = world();
    const spy = jest.spyOn(global, 'setTimeout');
    const timer = startSweepTimer(w.deps, TIMES, EVERY);
    const handle = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    spy.mockRestore();
    return timer.stop();
  });
});

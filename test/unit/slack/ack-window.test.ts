// Work a listener does before it answers Slack: its answer when it comes in time, nothing when it
// does not (the work goes on, and a late failure is no unhandled rejection).
import { withinAckWindow } from '../../../src/slack/ack-window';

/** A clock whose sleeps end only when the test says so. */
function heldClock() {
  const sleeps: Array<{ ms: number; end: () => void; signal: AbortSignal | undefined }> = [];
  return {
    sleeps,
    sleep: (ms: number, signal?: AbortSignal) => new Promise<void>((end) => sleeps.push({ ms, end, signal })),
  };
}

describe('withinAckWindow', () => {
  it('answers the work’s value when it comes first, and stops the timer', async () => {
    const clock = heldClock();
    expect(await withinAckWindow(Promise.resolve('checked'), clock, 2000)).toEqual({ value: 'checked' });
    expect(clock.sleeps[0]).toMatchObject({ ms: 2000 });
    expect(clock.sleeps[0]!.signal!.aborted).toBe(true);
  });

  it('answers nothing once the window is over, while the work goes on', async () => {
    const clock = heldClock();
    let finish: (value: string) => void = () => undefined;
    const work = new Promise<string>((resolve) => {
      finish = resolve;
    });
    const answer = withinAckWindow(work, clock, 2000);
    await new Promise((resolve) => setImmediate(resolve));
    clock.sleeps[0]!.end();
    expect(await answer).toBeUndefined();
    finish('late');
    await expect(work).resolves.toBe('late');
  });

  it('passes a failure within the window on', async () => {
    await expect(withinAckWindow(Promise.reject(new Error('ECR said no')), heldClock(), 2000)).rejects.toThrow('ECR said no');
  });
});

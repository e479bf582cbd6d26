// Slack's rate limits on the bot's side: one call at a time per allowance, a 429 waited out and
// sent again, nothing else sent twice, and no call kept waiting past its bound.
import { webApi } from '@slack/bolt';
import { slackPacer } from '../../../src/slack/pacing';

const MAX_WAIT_MS = 10_000;

/** A clock that moves only when the pacer sleeps, so no answer depends on this machine's speed. */
function steppedClock() {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A call to Slack the test answers by hand; `sent` counts how often it went out. */
function pendingCall<T>() {
  const answers: Array<{ resolve: (value: T) => void; reject: (error: unknown) => void }> = [];
  const call = () => new Promise<T>((resolve, reject) => answers.push({ resolve, reject }));
  return {
    call,
    get sent() {
      return answers.length;
    },
    answer: (value: T) => answers.at(-1)!.resolve(value),
    fail: (error: unknown) => answers.at(-1)!.reject(error),
  };
}

/** Lets the pacer's promise chain move on. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const ratelimited = (seconds: number) => new webApi.WebAPIRateLimitedError(seconds);

describe('slackPacer', () => {
  it('sends the posts to one channel one at a time, in the order asked', async () => {
    const pacer = slackPacer({ maxWaitMs: MAX_WAIT_MS, clock: steppedClock() });
    const first = pendingCall<string>();
    const second = pendingCall<string>();
    const firstDone = pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, first.call);
    const secondDone = pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, second.call);
    await settle();
    expect([first.sent, second.sent]).toEqual([1, 0]);

    first.answer('first');
    await settle();
    expect(second.sent).toBe(1);
    second.answer('second');
    expect([await firstDone, await secondDone]).toEqual(['first', 'second']);
  });

  it('lets posts to different channels go at the same time', async () => {
    const pacer = slackPacer({ maxWaitMs: MAX_WAIT_MS, clock: steppedClock() });
    const thread = pendingCall<string>();
    const dm = pendingCall<string>();
    void pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, thread.call);
    void pacer.send('chat.postMessage', { channel: 'U0REQUESTER' }, dm.call);
    await settle();
    expect([thread.sent, dm.sent]).toEqual([1, 1]);
  });

  it('counts chat.update for the whole workspace, whatever the channel', async () => {
    const pacer = slackPacer({ maxWaitMs: MAX_WAIT_MS, clock: steppedClock() });
    const first = pendingCall<string>();
    const second = pendingCall<string>();
    void pacer.send('chat.update', { channel: 'C0APPROVALS' }, first.call);
    void pacer.send('chat.update', { channel: 'C0OTHER' }, second.call);
    await settle();
    expect([first.sent, second.sent]).toEqual([1, 0]);
  });

  it('sends a post Slack refused with 429 again after its Retry-After, holding the posts behind it', async () => {
    const clock = steppedClock();
    const pacer = slackPacer({ maxWaitMs: MAX_WAIT_MS, clock });
    const refused = pendingCall<string>();
    const behind = pendingCall<string>();
    const refusedDone = pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, refused.call);
    void pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, behind.call);
    await settle();
    refused.fail(ratelimited(2));
    await settle();
    expect([refused.sent, behind.sent]).toEqual([2, 0]);
    expect(clock.slept).toEqual([2000]);

    refused.answer('posted');
    expect(await refusedDone).toBe('posted');
    await settle();
    expect(behind.sent).toBe(1);
  });

  it('does not send again a post that failed otherwise, as it may have reached Slack', async () => {
    const pacer = slackPacer({ maxWaitMs: MAX_WAIT_MS, clock: steppedClock() });
    const timedOut = pendingCall<string>();
    const done = pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, timedOut.call);
    await settle();
    timedOut.fail(new Error('request timed out'));
    await expect(done).rejects.toThrow('request timed out');
    expect(timedOut.sent).toBe(1);
  });

  it('lets the next post go when one before it failed', async () => {
    const pacer = slackPacer({ maxWaitMs: MAX_WAIT_MS, clock: steppedClock() });
    const failing = pendingCall<string>();
    const next = pendingCall<string>();
    const failed = pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, failing.call);
    void pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, next.call);
    await settle();
    failing.fail(new Error('channel_not_found'));
    await expect(failed).rejects.toThrow('channel_not_found');
    await settle();
    expect(next.sent).toBe(1);
  });

  it('gives up with the 429 when its Retry-After would outlast the wait the post may spend', async () => {
    const clock = steppedClock();
    const pacer = slackPacer({ maxWaitMs: MAX_WAIT_MS, clock });
    const refused = pendingCall<string>();
    const done = pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, refused.call);
    await settle();
    refused.fail(ratelimited(MAX_WAIT_MS / 1000 + 1));
    await expect(done).rejects.toBeInstanceOf(webApi.WebAPIRateLimitedError);
    expect(refused.sent).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it('does not send a post whose turn comes after the wait it may spend', async () => {
    const clock = steppedClock();
    const pacer = slackPacer({ maxWaitMs: MAX_WAIT_MS, clock });
    const slow = pendingCall<string>();
    const late = pendingCall<string>();
    void pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, slow.call);
    const lateDone = pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, late.call);
    await settle();
    clock.advance(MAX_WAIT_MS + 1);
    slow.answer('posted');
    await expect(lateDone).rejects.toThrow(/was not sent/);
    expect(late.sent).toBe(0);
  });
});

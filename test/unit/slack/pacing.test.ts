// Slack's rate limits on the bot's side: at most an allowance's burst at a time, a 429 holding
// the allowance and waited out before the call goes again, nothing else sent twice, and no call
// kept waiting past its bound.
import { webApi } from '@slack/bolt';
import { slackPacer } from '../../../src/slack/pacing';
import { WEB_API_LIMITS } from '../../../src/slack/web-api-limits';

const POST_BURST = WEB_API_LIMITS['chat.postMessage'].burst;
const UPDATE_BURST = WEB_API_LIMITS['chat.update'].burst;

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

/** A clock whose sleeps end only when the test wakes them, moving time on by what they slept. */
function manualClock() {
  let now = 0;
  const sleeping: Array<{ ms: number; wake: () => void }> = [];
  return {
    sleeping,
    now: () => now,
    sleep: (ms: number) => new Promise<void>((resolve) => sleeping.push({ ms, wake: resolve })),
    wakeAll: () => {
      now += Math.max(0, ...sleeping.map((s) => s.ms));
      for (const s of sleeping.splice(0)) s.wake();
    },
  };
}

/** Many calls answered by hand, each sent at most once. */
const calls = (n: number) => Array.from({ length: n }, () => pendingCall<string>());

/** Lets the pacer's promise chain move on. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const ratelimited = (seconds: number) => new webApi.WebAPIRateLimitedError(seconds);

describe('slackPacer', () => {
  it("sends up to a channel's burst of posts at once, and the next as soon as one is answered", async () => {
    const pacer = slackPacer({ maxWaitMs: MAX_WAIT_MS, clock: steppedClock() });
    const posts = calls(POST_BURST + 1);
    const done = posts.map((post, i) => pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, post.call).then(() => i));
    await settle();
    expect(posts.map((p) => p.sent)).toEqual([...Array(POST_BURST).fill(1), 0]);

    posts[0]!.answer('first');
    await settle();
    expect(posts.at(-1)!.sent).toBe(1);
    for (const post of posts.slice(1)) post.answer('posted');
    expect(await Promise.all(done)).toEqual(posts.map((_, i) => i));
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
    const updates = calls(UPDATE_BURST + 1);
    for (const [i, update] of updates.entries()) void pacer.send('chat.update', { channel: `C0CHANNEL${i}` }, update.call);
    await settle();
    expect(updates.filter((u) => u.sent === 1)).toHaveLength(UPDATE_BURST);
    expect(updates.at(-1)!.sent).toBe(0);
  });

  it('sends a post Slack refused with 429 again after its Retry-After, and holds the channel meanwhile', async () => {
    const clock = manualClock();
    const pacer = slackPacer({ maxWaitMs: MAX_WAIT_MS, clock });
    const refused = pendingCall<string>();
    const refusedDone = pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, refused.call);
    await settle();
    refused.fail(ratelimited(2));
    await settle();
    // Asked while the channel is held: it waits out the same Retry-After instead of meeting another 429.
    const behind = pendingCall<string>();
    void pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, behind.call);
    await settle();
    expect([refused.sent, behind.sent]).toEqual([1, 0]);
    expect(clock.sleeping.map((s) => s.ms)).toEqual([2000, 2000]);

    clock.wakeAll();
    await settle();
    expect([refused.sent, behind.sent]).toEqual([2, 1]);
    refused.answer('posted');
    expect(await refusedDone).toBe('posted');
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
    const slow = calls(POST_BURST);
    for (const post of slow) void pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, post.call);
    const late = pendingCall<string>();
    const lateDone = pacer.send('chat.postMessage', { channel: 'C0APPROVALS' }, late.call);
    await settle();
    clock.advance(MAX_WAIT_MS + 1);
    slow[0]!.answer('posted');
    await expect(lateDone).rejects.toThrow(/was not sent/);
    expect(late.sent).toBe(0);
  });
});

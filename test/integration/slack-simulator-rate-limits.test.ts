/**
 * Slack's Web API rate limits in the simulator: chat.postMessage per channel with a small burst,
 * the tiers per method, answered with 429 and Retry-After as the official client expects.
 */
import { webApi } from '@slack/bolt';
import { startSlackSimulator, type RateLimitSetting, type SlackSimulator } from '../../sandbox/slack-simulator';
import { WEB_API_LIMITS } from '../../src/slack/web-api-limits';

const BOT_TOKEN = 'xoxb-test-token';
const APPROVALS = 'C0APPROVALS';
const RANDOM = 'C0RANDOM';
const ALICE = 'U0REQUESTER';
const BOB = 'U0APPROVER';
const POST_BURST = WEB_API_LIMITS['chat.postMessage'].burst;

let sim: SlackSimulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A clock the test steps by hand, so no answer depends on how fast this machine is. */
function steppedClock() {
  let now = Date.UTC(2026, 0, 1);
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

async function start(rateLimits?: RateLimitSetting): Promise<SlackSimulator> {
  sim = await startSlackSimulator({
    signingSecret: 'test-signing-secret',
    botToken: BOT_TOKEN,
    channels: [
      { id: APPROVALS, name: 'ecr-approvals' },
      { id: RANDOM, name: 'random' },
    ],
    ...(rateLimits !== undefined && { rateLimits }),
  });
  return sim;
}

interface RawAnswer {
  status: number;
  retryAfter: string | null;
  body: { ok: boolean; error?: string } & Record<string, unknown>;
}

/** One Web API call over plain HTTP, to see the status, header and body exactly as sent. */
async function call(method: string, args: Record<string, unknown>): Promise<RawAnswer> {
  const response = await fetch(`${sim!.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${BOT_TOKEN}` },
    body: JSON.stringify(args),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as RawAnswer['body'] };
}

async function callTimes(times: number, method: string, args: Record<string, unknown>): Promise<RawAnswer[]> {
  const answers: RawAnswer[] = [];
  for (let i = 0; i < times; i += 1) answers.push(await call(method, args));
  return answers;
}

/** Calls sent together, as a burst of approvals sends them. */
function callAtOnce(times: number, method: string, args: Record<string, unknown>): Promise<RawAnswer[]> {
  return Promise.all(Array.from({ length: times }, () => call(method, args)));
}

const post = (channel: string, text = 'approved') => call('chat.postMessage', { channel, text });

describe('chat.postMessage, one message a second per channel', () => {
  it('posts the burst allowance at once, then answers 429 with Retry-After and Slack’s ratelimited body', async () => {
    await start({ now: steppedClock().now });

    const burst = await callTimes(POST_BURST, 'chat.postMessage', { channel: APPROVALS, text: 'approved' });
    const refused = await post(APPROVALS);

    expect(burst.map((a) => a.status)).toEqual(Array(POST_BURST).fill(200));
    expect(refused).toEqual({ status: 429, retryAfter: '1', body: { ok: false, error: 'ratelimited' } });
    expect(sim!.messages(APPROVALS)).toHaveLength(POST_BURST);
  });

  it('leaves another channel its own allowance', async () => {
    await start({ now: steppedClock().now });
    await callTimes(POST_BURST + 1, 'chat.postMessage', { channel: APPROVALS, text: 'approved' });

    const elsewhere = await post(RANDOM);

    expect(elsewhere).toMatchObject({ status: 200, body: { ok: true, channel: RANDOM } });
  });

  it('counts a channel named by name and by ID as one channel', async () => {
    await start({ now: steppedClock().now });
    await callTimes(POST_BURST, 'chat.postMessage', { channel: '#ecr-approvals', text: 'approved' });

    const byId = await post(APPROVALS);

    expect(byId.status).toBe(429);
  });

  it('takes the message once Retry-After has passed', async () => {
    const clock = steppedClock();
    await start({ now: clock.now });
    await callTimes(POST_BURST, 'chat.postMessage', { channel: APPROVALS, text: 'approved' });
    const refused = await post(APPROVALS);

    clock.advance(Number(refused.retryAfter) * 1000);
    const retried = await post(APPROVALS, 'approved, once more');

    expect(retried).toMatchObject({ status: 200, body: { ok: true } });
    expect(sim!.messages(APPROVALS).at(-1)?.text).toBe('approved, once more');
  });

  it('still refuses a message sent before Retry-After has passed', async () => {
    const clock = steppedClock();
    await start({ now: clock.now });
    await callTimes(POST_BURST, 'chat.postMessage', { channel: APPROVALS, text: 'approved' });
    const refused = await post(APPROVALS);

    clock.advance(Number(refused.retryAfter) * 1000 - 1);

    expect((await post(APPROVALS)).status).toBe(429);
  });

  it('refills one message a second, not the whole burst at once', async () => {
    const clock = steppedClock();
    await start({ now: clock.now });
    await callTimes(POST_BURST, 'chat.postMessage', { channel: APPROVALS, text: 'approved' });

    clock.advance(2000);
    const answers = await callTimes(3, 'chat.postMessage', { channel: APPROVALS, text: 'approved' });

    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
  });
});

describe('tier limits, per method per workspace', () => {
  /** What each call needs to be a valid call, where the simulator implements the method. */
  const argsFor = async (method: string): Promise<Record<string, unknown>> => {
    if (method === 'chat.update') {
      const posted = await post(RANDOM, 'card');
      return { channel: RANDOM, ts: posted.body.ts, text: 'decided' };
    }
    if (method === 'chat.postEphemeral') return { channel: APPROVALS, user: ALICE, text: 'only you' };
    if (method === 'conversations.history') return { channel: APPROVALS };
    if (method === 'conversations.replies') return { channel: APPROVALS, ts: (await post(APPROVALS, 'card')).body.ts };
    if (method === 'conversations.open') return { users: ALICE };
    return { trigger_id: '12345.98765.abcd2358fdea', view: { type: 'modal' } };
  };

  // Retry-After is how long one request takes to come back: 60/50 s for Tier 3, 60/100 s for Tier 4, rounded up.
  it.each([
    ['chat.update', 50, '2'],
    ['chat.postEphemeral', 100, '1'],
    ['views.open', 100, '1'],
    ['views.update', 100, '1'],
    ['views.push', 100, '1'],
    ['usergroups.users.list', 20, '3'],
    ['conversations.history', 50, '2'],
    ['conversations.replies', 50, '2'],
    ['conversations.open', 50, '2'],
    ['auth.test', 100, '1'],
  ])('allows %s %i calls at once, then answers 429 with Retry-After %s', async (method, allowed, retryAfter) => {
    await start({ now: steppedClock().now });
    const args = await argsFor(method);

    const answers = await callAtOnce(allowed + 1, method, args);

    expect(answers.filter((a) => a.status === 429)).toEqual([
      { status: 429, retryAfter, body: { ok: false, error: 'ratelimited' } },
    ]);
  });

  it('keeps each method’s allowance apart: chat.update spent leaves chat.postEphemeral its own', async () => {
    await start({ now: steppedClock().now });
    const args = await argsFor('chat.update');
    await callAtOnce(51, 'chat.update', args);

    const ephemeral = await call('chat.postEphemeral', { channel: APPROVALS, user: ALICE, text: 'only you' });

    expect(ephemeral).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('counts views.publish per user', async () => {
    await start({ now: steppedClock().now });
    const publish = (user: string) => call('views.publish', { user_id: user, view: { type: 'home' } });
    await Promise.all(Array.from({ length: 100 }, () => publish(ALICE)));

    expect((await publish(ALICE)).status).toBe(429);
    expect((await publish(BOB)).status).not.toBe(429);
  });

});

describe('turning limits off or scaling them', () => {
  it('enforces Slack’s limits when no setting is given', async () => {
    await start();

    // Thirty at once would take far more than the burst's refill time to be let through.
    await Promise.all(Array.from({ length: 30 }, () => post(APPROVALS)));

    expect(sim!.rateLimitedCalls.length).toBeGreaterThan(0);
  });

  it('lets every call through when off', async () => {
    await start('off');

    const answers = await callTimes(POST_BURST * 4, 'chat.postMessage', { channel: APPROVALS, text: 'approved' });

    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(sim!.messages(APPROVALS)).toHaveLength(POST_BURST * 4);
  });

  it('shortens every window by the scale, keeping Retry-After whole seconds and at least one', async () => {
    const clock = steppedClock();
    await start({ scale: 0.1, now: clock.now });
    await callTimes(20, 'usergroups.users.list', { usergroup: 'S0APPROVERS' });
    const refused = await call('usergroups.users.list', { usergroup: 'S0APPROVERS' });

    clock.advance(300);
    const after = await call('usergroups.users.list', { usergroup: 'S0APPROVERS' });

    expect(refused.retryAfter).toBe('1');
    expect(after).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('refuses a scale that is not a positive number, before it listens', async () => {
    await expect(start({ scale: 0 })).rejects.toThrow(/scale must be a positive number/);
  });
});

describe('what tests can count', () => {
  it('records each 429 it answers, with the allowance that ran out', async () => {
    await start({ now: steppedClock().now });
    await callTimes(POST_BURST + 2, 'chat.postMessage', { channel: APPROVALS, text: 'approved' });

    expect(sim!.rateLimitedCalls).toHaveLength(2);
    expect(sim!.rateLimitedCalls[0]).toMatchObject({
      method: 'chat.postMessage',
      status: 429,
      error: 'ratelimited',
      rateLimited: { by: 'limit', key: `chat.postMessage ${APPROVALS}`, retryAfterSeconds: 1 },
    });
  });

  it('tells an armed rate-limit fault apart from the method’s limit', async () => {
    await start({ now: steppedClock().now });
    sim!.setFault('chat.update', { ratelimited: { retryAfterSeconds: 7 }, times: 1 });

    await call('chat.update', { channel: APPROVALS, ts: '1.000001', text: 'x' });

    expect(sim!.rateLimitedCalls.map((c) => c.rateLimited)).toEqual([{ by: 'fault', retryAfterSeconds: 7 }]);
  });
});

describe('the official @slack/web-api client', () => {
  const clientFor = (options: webApi.WebClientOptions) =>
    new webApi.WebClient(BOT_TOKEN, { slackApiUrl: sim!.apiUrl, logLevel: webApi.LogLevel.ERROR, ...options });

  it('throws its rate-limited error with retryAfter when told to reject rate-limited calls', async () => {
    await start({ now: steppedClock().now });
    const slack = clientFor({ rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    for (let i = 0; i < POST_BURST; i += 1) await slack.chat.postMessage({ channel: APPROVALS, text: 'approved' });

    const refused = slack.chat.postMessage({ channel: APPROVALS, text: 'one too many' });

    await expect(refused).rejects.toMatchObject({ code: webApi.ErrorCode.RateLimitedError, retryAfter: 1 });
  });

  it('otherwise waits Retry-After and delivers the message on its own', async () => {
    const clock = steppedClock();
    await start({ now: clock.now });
    const slack = clientFor({ retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } });
    // The client sleeps Retry-After on the wall clock; the simulator's clock moves on with it.
    slack.on(webApi.WebClientEvent.RATE_LIMITED, (seconds: number) => clock.advance(seconds * 1000));
    for (let i = 0; i < POST_BURST; i += 1) await slack.chat.postMessage({ channel: APPROVALS, text: 'approved' });

    const delivered = await slack.chat.postMessage({ channel: APPROVALS, text: 'one too many' });

    expect(delivered).toMatchObject({ ok: true, channel: APPROVALS });
    expect(sim!.rateLimitedCalls).toHaveLength(1);
    expect(sim!.messages(APPROVALS)).toHaveLength(POST_BURST + 1);
  });
});

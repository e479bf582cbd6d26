/**
 * Reading conversations back from the Slack simulator through the real @slack/web-api client:
 * message metadata on chat.postMessage, conversations.history and conversations.replies, with
 * Slack's windows, pages, errors and timestamps.
 */
import { webApi } from '@slack/bolt';
import { startSlackSimulator, type SlackSimulator } from '../../sandbox/slack-simulator';

const BOT_TOKEN = 'xoxb-test-token';
const APPROVALS = 'C0APPROVALS';
const ELSEWHERE = 'C0ELSEWHERE';
const ALICE = 'U0REQUESTER';
const METADATA = { event_type: 'ecr_access_outcome', event_payload: { request_id: 'r-0000000001', part: 'thread' } };

let sim: SlackSimulator;
let slack: webApi.WebClient;
/** Slack's clock, stepped by the tests: one second per message unless a test moves it. */
let now: number;

beforeEach(async () => {
  now = Date.parse('2026-12-01T09:00:00Z');
  sim = await startSlackSimulator({
    signingSecret: 'test-signing-secret',
    botToken: BOT_TOKEN,
    channels: [
      { id: APPROVALS, name: 'ecr-approvals' },
      { id: ELSEWHERE, name: 'random', botIsMember: false },
    ],
    now: () => now,
  });
  slack = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR });
});

afterEach(async () => {
  await sim.close();
});

async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof webApi.WebAPIPlatformError) return error.data.error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Posts `texts` one second apart, in order; answers their timestamps. */
async function post(texts: readonly string[], where: { channel?: string; thread_ts?: string } = {}): Promise<string[]> {
  const timestamps: string[] = [];
  for (const text of texts) {
    now += 1000;
    const posted = await slack.chat.postMessage({ channel: where.channel ?? APPROVALS, text, ...(where.thread_ts && { thread_ts: where.thread_ts }) });
    timestamps.push(posted.ts!);
  }
  return timestamps;
}

/** A raw Web API call, for what the client would not send. */
async function call(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${sim.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${BOT_TOKEN}` },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

const seconds = (ms: number) => (ms / 1000).toFixed(6);

describe('message metadata', () => {
  it('keeps the metadata a message was posted with, sent as JSON in a form as the client sends it', async () => {
    const posted = await slack.chat.postMessage({ channel: APPROVALS, text: 'granted', metadata: METADATA });

    expect(sim.calls[0]?.params.metadata).toEqual(METADATA);
    expect(sim.messages(APPROVALS)).toEqual([expect.objectContaining({ ts: posted.ts, metadata: METADATA })]);
  });

  it('keeps metadata sent as an object in a JSON body', async () => {
    await expect(call('chat.postMessage', { channel: APPROVALS, text: 'granted', metadata: METADATA })).resolves.toMatchObject({ ok: true });

    expect(sim.messages(APPROVALS)[0]?.metadata).toEqual(METADATA);
  });

  it.each<[string, unknown]>([
    ['JSON text that does not parse', '{"event_type": '],
    ['an array', [METADATA]],
    ['no event_type', { event_payload: {} }],
    ['an event_payload that is not an object', { event_type: 'ecr_access_outcome', event_payload: 'r-0000000001' }],
  ])('refuses metadata that is %s with invalid_metadata_format, and posts nothing', async (_what, metadata) => {
    await expect(call('chat.postMessage', { channel: APPROVALS, text: 'granted', metadata })).resolves.toEqual({ ok: false, error: 'invalid_metadata_format' });

    expect(sim.messages(APPROVALS)).toEqual([]);
  });

  it('posts the message without metadata whose event_type has other characters, with Slack’s warning', async () => {
    const answer = await call('chat.postMessage', { channel: APPROVALS, text: 'granted', metadata: { event_type: 'ecr.access outcome', event_payload: {} } });

    expect(answer).toMatchObject({ ok: true, warning: 'invalid_metadata_schema', response_metadata: { warnings: ['invalid_metadata_schema'] } });
    expect(sim.messages(APPROVALS)).toEqual([expect.not.objectContaining({ metadata: expect.anything() })]);
  });
});

describe('message timestamps', () => {
  it('stamps each message with the time Slack’s clock says it was posted', async () => {
    const [ts] = await post(['one']);

    expect(ts).toBe(seconds(now));
  });

  it('keeps timestamps unique and increasing when messages are posted within one instant', async () => {
    const first = await slack.chat.postMessage({ channel: APPROVALS, text: 'one' });
    const second = await slack.chat.postMessage({ channel: APPROVALS, text: 'two' });

    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
  });
});

describe('conversations.history', () => {
  it('lists a channel’s messages newest first, threads by their parent only', async () => {
    const [card, other] = await post(['card', 'another card']);
    await post(['a reply'], { thread_ts: card! });

    const history = await slack.conversations.history({ channel: APPROVALS });

    expect(history).toMatchObject({ ok: true, has_more: false });
    expect(history.messages?.map((m) => [m.ts, m.text])).toEqual([
      [other, 'another card'],
      [card, 'card'],
    ]);
    expect(history.messages?.[1]).toMatchObject({ thread_ts: card, reply_count: 1 });
  });

  it('returns metadata only when asked with include_all_metadata', async () => {
    await slack.chat.postMessage({ channel: APPROVALS, text: 'granted', metadata: METADATA });

    const plain = await slack.conversations.history({ channel: APPROVALS });
    const withMetadata = await slack.conversations.history({ channel: APPROVALS, include_all_metadata: true });

    expect(plain.messages?.[0]).not.toHaveProperty('metadata');
    expect(withMetadata.messages?.[0]?.metadata).toEqual(METADATA);
  });

  it('keeps to the window after oldest and before latest, their own messages included only with inclusive', async () => {
    const [, second, third, fourth] = await post(['one', 'two', 'three', 'four']);

    const between = await slack.conversations.history({ channel: APPROVALS, oldest: second!, latest: fourth! });
    const inclusive = await slack.conversations.history({ channel: APPROVALS, oldest: second!, latest: fourth!, inclusive: true });
    // A Unix time without decimals: the first message's second.
    const afterFirst = await slack.conversations.history({ channel: APPROVALS, oldest: String(Math.round(Number(second)) - 1) });

    expect(between.messages?.map((m) => m.ts)).toEqual([third]);
    expect(inclusive.messages?.map((m) => m.ts)).toEqual([fourth, third, second]);
    expect(afterFirst.messages?.map((m) => m.text)).toEqual(['four', 'three', 'two']);
  });

  it('pages with Slack’s cursor, limit messages at a time, until has_more is false', async () => {
    await post(['one', 'two', 'three', 'four', 'five']);

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await slack.conversations.history({ channel: APPROVALS, limit: 2, ...(cursor && { cursor }) });
      pages.push(page.messages!.map((m) => m.text!));
      cursor = page.has_more ? page.response_metadata?.next_cursor : undefined;
      if (page.has_more) expect(Buffer.from(cursor!, 'base64').toString()).toMatch(/^next_ts:\d+$/);
    } while (cursor);

    expect(pages).toEqual([['five', 'four'], ['three', 'two'], ['one']]);
  });

  it('reads the bot’s DM with a user by the channel conversations.open answers', async () => {
    await slack.chat.postMessage({ channel: ALICE, text: 'your request was granted', metadata: METADATA });
    const dm = await slack.conversations.open({ users: ALICE });

    const history = await slack.conversations.history({ channel: dm.channel!.id!, include_all_metadata: true });

    expect(history.messages).toEqual([expect.objectContaining({ text: 'your request was granted', metadata: METADATA })]);
  });

  it.each([
    ['a channel it does not know', 'C0NOWHERE'],
    ['a channel name', 'ecr-approvals'],
    ['a user ID', ALICE],
  ])('refuses %s with channel_not_found', async (_what, channel) => {
    await expect(slackError(slack.conversations.history({ channel }))).resolves.toBe('channel_not_found');
  });

  it('refuses a channel the bot is not in with not_in_channel', async () => {
    await expect(slackError(slack.conversations.history({ channel: ELSEWHERE }))).resolves.toBe('not_in_channel');
  });

  it('refuses a window or a cursor it cannot read', async () => {
    await expect(slackError(slack.conversations.history({ channel: APPROVALS, oldest: 'yesterday' }))).resolves.toBe('invalid_ts_oldest');
    await expect(slackError(slack.conversations.history({ channel: APPROVALS, latest: '-1' }))).resolves.toBe('invalid_ts_latest');
    await expect(slackError(slack.conversations.history({ channel: APPROVALS, cursor: 'not-a-cursor' }))).resolves.toBe('invalid_cursor');
  });
});

describe('conversations.replies', () => {
  it('answers a thread: its parent, then its replies oldest first, with metadata only when asked', async () => {
    const [card] = await post(['card']);
    const replies = await post(['first reply', 'second reply'], { thread_ts: card! });
    await slack.chat.postMessage({ channel: APPROVALS, thread_ts: card!, text: 'granted', metadata: METADATA });

    const plain = await slack.conversations.replies({ channel: APPROVALS, ts: card! });
    const thread = await slack.conversations.replies({ channel: APPROVALS, ts: card!, include_all_metadata: true });

    expect(plain.messages?.map((m) => m.text)).toEqual(['card', 'first reply', 'second reply', 'granted']);
    expect(plain.messages?.map((m) => m.ts).slice(1, 3)).toEqual(replies);
    expect(plain.messages?.[3]).not.toHaveProperty('metadata');
    expect(thread).toMatchObject({ ok: true, has_more: false });
    expect(thread.messages?.[3]?.metadata).toEqual(METADATA);
  });

  it('answers the whole thread when ts names one of its replies', async () => {
    const [card] = await post(['card']);
    const [reply] = await post(['a reply'], { thread_ts: card! });

    const thread = await slack.conversations.replies({ channel: APPROVALS, ts: reply! });

    expect(thread.messages?.map((m) => m.text)).toEqual(['card', 'a reply']);
  });

  it('answers a message without replies on its own', async () => {
    const [card] = await post(['card']);

    const thread = await slack.conversations.replies({ channel: APPROVALS, ts: card! });

    expect(thread.messages?.map((m) => m.text)).toEqual(['card']);
  });

  it('keeps the replies to the window after oldest, the parent still leading', async () => {
    const [card] = await post(['card']);
    const [first] = await post(['first reply', 'second reply'], { thread_ts: card! });

    const thread = await slack.conversations.replies({ channel: APPROVALS, ts: card!, oldest: first! });

    expect(thread.messages?.map((m) => m.text)).toEqual(['card', 'second reply']);
  });

  it('pages a long thread with Slack’s cursor', async () => {
    const [card] = await post(['card']);
    await post(['one', 'two', 'three'], { thread_ts: card! });

    const first = await slack.conversations.replies({ channel: APPROVALS, ts: card!, limit: 2 });
    const second = await slack.conversations.replies({ channel: APPROVALS, ts: card!, limit: 2, cursor: first.response_metadata!.next_cursor! });

    expect([first.messages?.map((m) => m.text), first.has_more]).toEqual([['card', 'one'], true]);
    expect([second.messages?.map((m) => m.text), second.has_more]).toEqual([['two', 'three'], false]);
  });

  it('refuses a ts that names no message with thread_not_found', async () => {
    await post(['card']);

    await expect(slackError(slack.conversations.replies({ channel: APPROVALS, ts: '1600000000.000100' }))).resolves.toBe('thread_not_found');
  });

  it('refuses an unknown channel with channel_not_found and one the bot is not in with not_in_channel', async () => {
    await expect(slackError(slack.conversations.replies({ channel: 'C0NOWHERE', ts: '1600000000.000100' }))).resolves.toBe('channel_not_found');
    await expect(slackError(slack.conversations.replies({ channel: ELSEWHERE, ts: '1600000000.000100' }))).resolves.toBe('not_in_channel');
  });
});

/**
 * The notifier's posts name the outcome they tell, and the notifier finds them again: the real
 * notifier, paced, through the real @slack/web-api client, against the Slack simulator over HTTP.
 */
import { webApi } from '@slack/bolt';
import { startSlackSimulator, type SimMessage, type SlackSimulator } from '../../sandbox/slack-simulator';
import type { AccessRequest, HistoryEvent } from '../../src/domain/access-request';
import { ErrorCode } from '../../src/errors';
import type { Notifier } from '../../src/service/ports';
import { slackNotifier } from '../../src/slack/notifier';
import { pacedChat, slackPacer } from '../../src/slack/pacing';

const BOT_TOKEN = 'xoxb-test-token';
const APPROVALS = 'C0APPROVALS';
const ALICE = 'U0REQUESTER';
const GRANTED_AT = '2026-12-01T09:01:00.000Z';
/** A minute after the grant, so the grant's posts are inside the window a look for the revocation reads. */
const REVOKED_AT = '2026-12-01T09:02:00.000Z';

let sim: SlackSimulator;
let client: webApi.WebClient;
let notifier: Notifier;
/** One clock for Slack and the bot, moved by the tests. */
let now: number;

beforeEach(async () => {
  now = Date.parse('2026-12-01T09:00:00Z');
  sim = await startSlackSimulator({ signingSecret: 'test-signing-secret', botToken: BOT_TOKEN, now: () => now, rateLimits: 'off' });
  client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: sim.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR });
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
  notifier = slackNotifier(pacedChat(client, slackPacer({ maxWaitMs: 5_000, clock })), APPROVALS, 'eu-west-1');
});

afterEach(async () => {
  await sim.close();
});

const event = (kind: HistoryEvent['kind'], at: string): HistoryEvent => ({ kind, at });

/** A granted request whose card is in the approvers' channel, as recorded at GRANTED_AT. */
async function grantedRequest(overrides: Partial<AccessRequest> = {}): Promise<AccessRequest> {
  const card = await client.chat.postMessage({ channel: APPROVALS, text: 'alice asks to pull common-images' });
  now = Date.parse(GRANTED_AT);
  return {
    id: 'r-0000000001',
    repository: 'common-images',
    account: '222233334444',
    requester: ALICE,
    state: 'GRANTED',
    createdAt: '2026-12-01T09:00:00.000Z',
    card: { channel: APPROVALS, ts: card.ts! },
    decidedBy: 'U0APPROVER',
    grantedAt: GRANTED_AT,
    expiresAt: '2026-12-08T09:01:00.000Z',
    verifiedPolicy: '{"Version":"2012-10-17","Statement":[]}',
    attempts: 1,
    owed: [],
    history: [event('requested', '2026-12-01T09:00:00.000Z'), event('approved', '2026-12-01T09:00:30.000Z'), event('granted', GRANTED_AT)],
    ...overrides,
  };
}

/** The same request, its grant revoked now. */
function revokeNow(request: AccessRequest): AccessRequest {
  now = Date.parse(REVOKED_AT);
  return { ...request, state: 'REVOKED', endedAt: REVOKED_AT, history: [...request.history!, event('revoked', REVOKED_AT)] };
}

const replies = (request: AccessRequest): SimMessage[] => sim.thread(APPROVALS, request.card!.ts).slice(1);

describe('each post', () => {
  it('names the request, the part and the outcome it tells in its message metadata', async () => {
    const request = await grantedRequest();
    await notifier.postInThread(request);
    await notifier.tellRequester(request);
    await notifier.remindRequester(request);

    const metadata = (part: string, outcome: string, at: string) => ({
      event_type: 'ecr_access_outcome',
      event_payload: { request_id: request.id, part, outcome, at },
    });
    expect(replies(request).map((m) => m.metadata)).toEqual([metadata('thread', 'granted', GRANTED_AT)]);
    expect(sim.dms(ALICE).map((m) => m.metadata)).toEqual([metadata('dm', 'granted', GRANTED_AT), metadata('reminder', 'reminder', request.expiresAt!)]);
  });
});

describe('looking for a post already made', () => {
  it('finds the thread post under the card once it is there', async () => {
    const request = await grantedRequest();
    await expect(notifier.alreadyTold(request, 'thread')).resolves.toBe(false);

    await notifier.postInThread(request);

    await expect(notifier.alreadyTold(request, 'thread')).resolves.toBe(true);
  });

  it('finds the DM and the reminder in the requester’s direct message, each apart from the other', async () => {
    const request = await grantedRequest();
    await notifier.tellRequester(request);

    await expect(notifier.alreadyTold(request, 'dm')).resolves.toBe(true);
    await expect(notifier.alreadyTold(request, 'reminder')).resolves.toBe(false);
    await notifier.remindRequester(request);
    await expect(notifier.alreadyTold(request, 'reminder')).resolves.toBe(true);
  });

  it('finds the post about an account added by hand, which has no card, in the approvers’ channel', async () => {
    const { card: _card, ...cardless } = revokeNow(await grantedRequest({ origin: 'outside' }));
    await expect(notifier.alreadyTold(cardless, 'thread')).resolves.toBe(false);

    await notifier.postInThread(cardless);

    expect(sim.messages(APPROVALS).at(-1)?.metadata?.event_payload).toMatchObject({ request_id: cardless.id, outcome: 'revoked' });
    await expect(notifier.alreadyTold(cardless, 'thread')).resolves.toBe(true);
  });

  it('does not take the post about the grant for the one about its revocation', async () => {
    const request = await grantedRequest();
    await notifier.postInThread(request);
    await notifier.tellRequester(request);
    const ended = revokeNow(request);

    await expect(notifier.alreadyTold(ended, 'thread')).resolves.toBe(false);
    await expect(notifier.alreadyTold(ended, 'dm')).resolves.toBe(false);
  });

  it('does not take another request’s post for this one', async () => {
    const request = await grantedRequest();
    await notifier.tellRequester({ ...request, id: 'r-0000000002' });

    await expect(notifier.alreadyTold(request, 'dm')).resolves.toBe(false);
  });

  it('reads from five minutes before the outcome was recorded, with metadata, and opens the DM to read it', async () => {
    const request = await grantedRequest();
    await notifier.alreadyTold(request, 'thread');
    await notifier.alreadyTold(request, 'dm');

    const oldest = String((Date.parse(GRANTED_AT) - 5 * 60_000) / 1000);
    expect(sim.calls.filter((c) => c.method.startsWith('conversations.')).map((c) => [c.method, c.params])).toEqual([
      ['conversations.replies', expect.objectContaining({ channel: APPROVALS, ts: request.card!.ts, oldest: expect.stringMatching(new RegExp(`^${oldest}\\.0+$`)), include_all_metadata: 'true' })],
      ['conversations.open', expect.objectContaining({ users: ALICE })],
      ['conversations.history', expect.objectContaining({ channel: `D${ALICE.slice(1)}`, oldest: expect.stringMatching(new RegExp(`^${oldest}\\.0+$`)), include_all_metadata: 'true' })],
    ]);
  });

  it('reads page after page of a busy channel', async () => {
    const { card: _card, ...cardless } = revokeNow(await grantedRequest({ origin: 'outside' }));
    await notifier.postInThread(cardless);
    for (let i = 0; i < 450; i += 1) sim.postAsUser({ user: 'U0OTHER', channel: APPROVALS, text: `message ${i}` });

    await expect(notifier.alreadyTold(cardless, 'thread')).resolves.toBe(true);
    expect(sim.calls.filter((c) => c.method === 'conversations.history')).toHaveLength(3);
  });

  it('says it cannot tell when the channel is busier than it reads', async () => {
    const { card: _card, ...cardless } = revokeNow(await grantedRequest({ origin: 'outside' }));
    for (let i = 0; i < 1001; i += 1) sim.postAsUser({ user: 'U0OTHER', channel: APPROVALS, text: `message ${i}` });

    await expect(notifier.alreadyTold(cardless, 'thread')).rejects.toMatchObject({ code: ErrorCode.Slack, message: expect.stringMatching(/1000 messages since .* were read/) });
  });

  it('says it cannot tell when Slack answers with an error', async () => {
    const request = await grantedRequest();
    sim.setFault('conversations.open', { error: 'missing_scope' });

    await expect(notifier.alreadyTold(request, 'dm')).rejects.toMatchObject({ code: ErrorCode.Slack, message: 'missing_scope' });
  });
});

// Fifty approvals on one repository at once, across two bot processes, with Slack's rate limits
// on: every announcement arrives (card, thread, DM), none arrives twice, and none stays owed.
import type { AccessRequest } from '../../src/domain/access-request';
import { SANDBOX } from '../../sandbox/local-world';
import { startMultiBot, type MultiBot } from '../support/multi-bot';

const ACCOUNTS = Array.from({ length: 50 }, (_, i) => String(500000000001 + i));

/**
 * Slack's windows a fifth as long (chat.postMessage: 5 a second per channel, burst 5): fifty
 * thread posts still meet the limit, and are through in seconds instead of most of a minute.
 */
const FASTER_SLACK = { slack: { rateLimits: { scale: 0.2 } } };

/** Reads the table until `done` holds for its requests: the outbox is ticked off just after Slack answers. */
async function untilRequests(m: MultiBot, done: (requests: AccessRequest[]) => boolean, timeoutMs: number): Promise<AccessRequest[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const requests = await m.requests();
    if (done(requests)) return requests;
    if (Date.now() > deadline) throw new Error(`still owed after ${timeoutMs} ms: ${JSON.stringify(requests.map((r) => [r.account, r.state, r.owed]))}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('fifty simultaneous approvals with Slack’s rate limits on', () => {
  let m: MultiBot;
  let requests: AccessRequest[];
  const dmsAbout = (account: string) => m.world.slack.dms(SANDBOX.requester).filter((dm) => dm.text.includes(`\`${account}\``));

  beforeAll(async () => {
    m = await startMultiBot(FASTER_SLACK);
    for (const [i, account] of ACCOUNTS.entries()) await m.request(account, i % 2);
    await Promise.all(m.cards().map((card, i) => m.click(card, 'approve', i % 2)));
    await m.world.slack.waitFor(
      () => m.cards().every((card) => m.threadReplies(card).length > 0) && m.world.slack.dms(SANDBOX.requester).length >= ACCOUNTS.length,
      120_000,
    );
    requests = await untilRequests(m, (all) => all.length === ACCOUNTS.length && all.every((r) => r.owed.length === 0), 30_000);
  }, 240_000);
  afterAll(async () => m.close());

  it('meets Slack’s rate limit on the way: some calls are answered 429', () => {
    expect(m.world.slack.rateLimitedCalls.length).toBeGreaterThan(0);
  });

  it('grants all fifty', () => {
    expect(requests.filter((r) => r.state !== 'GRANTED')).toEqual([]);
  });

  it('updates every card to show the grant', () => {
    expect(m.cards().filter((card) => !card.text.endsWith(': granted'))).toEqual([]);
  });

  it('posts exactly one verified policy in each card’s thread', () => {
    expect(m.cards().map((card) => m.threadReplies(card).length)).toEqual(ACCOUNTS.map(() => 1));
  });

  it('tells the requester exactly once about each request', () => {
    expect(ACCOUNTS.map((account) => dmsAbout(account).length)).toEqual(ACCOUNTS.map(() => 1));
  });

  it('leaves nothing owed', () => {
    expect(requests.filter((r) => r.owed.length > 0)).toEqual([]);
  });
});

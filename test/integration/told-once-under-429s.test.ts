// Approvals announced while Slack answers most posts with 429, and sweep passes run the whole time
// in processes of their own: an announcer waiting out Retry-After keeps its claim, so no sweep
// takes its announcement over, and every card, thread post and DM is told once. The times are
// scaled down (retry 1 s, clock margin 2 s, Retry-After 2 s) so the waits outlast a claim's
// abandonment several times over within a few seconds.
import type { AccessRequest } from '../../src/domain/access-request';
import { SANDBOX } from '../../sandbox/local-world';
import { startMultiBot, type MultiBot } from '../support/multi-bot';
import { runSweepProcess } from '../support/sweep-process';

const ACCOUNTS = Array.from({ length: 8 }, (_, i) => String(600000000001 + i));
const SCALED = {
  ECR_ACCESS_ANNOUNCE_RETRY_SECONDS: '1',
  ECR_ACCESS_CLOCK_MARGIN_SECONDS: '2',
  ECR_ACCESS_WRITE_LANDING_SECONDS: '3',
  ECR_ACCESS_LEASE_SECONDS: '4',
};

describe('announcements held up by 429s while sweeps run', () => {
  let m: MultiBot;
  const sweeps: Array<{ announced: number; code: number | null }> = [];
  let requests: AccessRequest[];
  const dmsAbout = (account: string) => m.world.slack.dms(SANDBOX.requester).filter((dm) => dm.text.includes(`\`${account}\``));

  beforeAll(async () => {
    m = await startMultiBot({ processes: [SCALED, SCALED] });
    for (const [i, account] of ACCOUNTS.entries()) await m.request(account, i % 2);
    // From here on Slack answers 7 posts in 10 with a 429 and a Retry-After of 2 s.
    m.world.slack.setFault('chat.postMessage', { ratelimited: { retryAfterSeconds: 2 }, share: 0.7 });
    const clicks = Promise.all(m.cards().map((card, i) => m.click(card, 'approve', i % 2)));
    const delivered = () => m.cards().every((card) => m.threadReplies(card).length > 0) && ACCOUNTS.every((account) => dmsAbout(account).length > 0);
    await clicks;
    while (!delivered()) {
      const run = await runSweepProcess({ ...m.world.env, ...SCALED });
      sweeps.push({ announced: run.report?.announced ?? Number.NaN, code: run.code });
      if (sweeps.length > 60) throw new Error(`not delivered after ${sweeps.length} sweep passes`);
    }
    m.world.slack.clearFaults();
    for (;;) {
      requests = await m.requests();
      if (requests.every((r) => r.owed.length === 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 180_000);
  afterAll(async () => m.close());

  it('met 429s on the way, and swept several times while announcements waited', () => {
    expect(m.world.slack.rateLimitedCalls.length).toBeGreaterThan(ACCOUNTS.length);
    expect(sweeps.length).toBeGreaterThan(1);
  });

  it('let no sweep take an announcement over from an announcer that was waiting', () => {
    expect(sweeps.map((s) => s.announced)).toEqual(sweeps.map(() => 0));
  });

  it('granted every approval and told each outcome in the thread and by DM once', () => {
    expect(requests.filter((r) => r.state !== 'GRANTED')).toEqual([]);
    expect(m.cards().map((card) => m.threadReplies(card).length)).toEqual(ACCOUNTS.map(() => 1));
    expect(ACCOUNTS.map((account) => dmsAbout(account).length)).toEqual(ACCOUNTS.map(() => 1));
  });
});

// Policy writes whose outcome the bot cannot know: ECR answers too late, and the request still
// lands after the bot gave up on it. No such write may land on top of a newer one, and every
// recorded grant must be in the policy at the end. Two bot processes share one local world.
import { canPull, managedAccounts, parsePolicy } from '../../src/domain/policy';
import type { SimMessage } from '../../sandbox/slack-simulator';
import { startMultiBot, type MultiBot } from '../support/multi-bot';

/**
 * The bot gives up on an ECR call after 1 s; ECR accepts a signed request for 5 s; the bot waits
 * 6 s for a write to land; the processes share this machine's clock, so the least margin will do.
 */
const TIMES = {
  ECR_ACCESS_AWS_TIMEOUT_SECONDS: '1',
  ECR_ACCESS_WRITE_LANDING_SECONDS: '6',
  ECR_ACCESS_CLOCK_MARGIN_SECONDS: '2',
  ECR_ACCESS_LEASE_SECONDS: '8',
  ECR_ACCESS_WAIT_SECONDS: '20',
};
const SIGNATURE_LIFETIME_MS = 5_000;

async function everyRecordedGrantCanPull(m: MultiBot, repository: string) {
  const policy = parsePolicy(m.world.ecr.policyText(repository));
  const records = (await m.requests()).filter((r) => r.repository === repository);
  const granted = records.filter((r) => r.state === 'GRANTED');
  for (const r of granted) expect({ account: r.account, canPull: canPull(policy, r.account) }).toEqual({ account: r.account, canPull: true });
  // And nothing else is in the managed statement: failures left no entry.
  expect(managedAccounts(policy)).toEqual(granted.map((r) => r.account).sort());
  return records;
}

/** Clicks Approve again on every card whose request is still approved, until none is (a person finishing up). */
async function finishApproved(m: MultiBot, cards: readonly SimMessage[], repository: string) {
  for (let round = 0; round < 10; round++) {
    const approved = (await m.requests()).filter((r) => r.repository === repository && r.state === 'APPROVED');
    if (approved.length === 0) return;
    const card = cards.find((c) => c.text.includes(approved[0]!.account))!;
    await m.world.ecr.waitForLateDeliveries(10_000);
    const reply = await m.click(card, 'approve', round % 2);
    await m.world.slack.waitFor(() => m.repliesTo(reply.responseUrl).length > 0 || (m.threadReplies(card).length > 0 ? true : undefined), 30_000).catch(() => undefined);
  }
  throw new Error('approved requests were still not applied after ten more clicks');
}

describe('a policy write that times out and lands later', () => {
  let m: MultiBot;
  beforeAll(async () => {
    m = await startMultiBot({ repositories: ['late-write'], ecrSignatureLifetimeMs: SIGNATURE_LIFETIME_MS, processes: [TIMES, TIMES] });
  }, 60_000);
  afterAll(async () => m.close());

  it('keeps every other bot from writing until it can no longer land, so it erases no recorded grant', async () => {
    const first = await m.request('222233334444', 0, 'late-write');
    const second = await m.request('333344445555', 1, 'late-write');

    // Bot A's write reaches ECR only after A has given up on it.
    m.world.ecr.deliverLate('SetRepositoryPolicy', { delayMs: 2_000 });
    const a = await m.click(first, 'approve', 0);
    const aReply = await m.world.slack.waitFor(() => m.repliesTo(a.responseUrl)[0], 20_000);
    expect(aReply).toMatch(/ECR did not confirm the last policy write.*writes nothing there until/);

    // Bot B approves another account meanwhile: it waits, and writes only once A's write can no longer land.
    await m.click(second, 'approve', 1);
    await m.world.slack.waitFor(() => m.threadReplies(first).length > 0 && m.threadReplies(second).length > 0, 30_000);
    const writes = m.world.ecr.calls.filter((c) => c.action === 'SetRepositoryPolicy');
    expect(writes).toHaveLength(2);
    const [late] = m.world.ecr.landings;
    expect(late).toMatchObject({ outcome: 'applied' });
    expect(late!.at).toBeLessThan(writes[1]!.at);
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(Number(TIMES.ECR_ACCESS_WRITE_LANDING_SECONDS) * 1000);

    const records = await everyRecordedGrantCanPull(m, 'late-write');
    expect(records.map((r) => r.state)).toEqual(['GRANTED', 'GRANTED']);
  }, 90_000);
});

describe('a burst of approvals while writes are randomly delivered late', () => {
  let m: MultiBot;
  beforeAll(async () => {
    m = await startMultiBot({ repositories: ['burst'], ecrSignatureLifetimeMs: SIGNATURE_LIFETIME_MS, processes: [TIMES, TIMES] });
  }, 60_000);
  afterAll(async () => m.close());

  it('ends with every recorded grant in the policy', async () => {
    const accounts = Array.from({ length: 12 }, (_, i) => String(500000000000 + i));
    const cards: SimMessage[] = [];
    for (const [i, account] of accounts.entries()) cards.push(await m.request(account, i % 2, 'burst'));

    // Approvals come in waves of three, on both processes, while 40 % of the writes land 2.5 s late.
    // With seed 12 the first two writes are among the late ones, however the waves are batched.
    m.world.ecr.setFaults({ lateRate: 0.4, lateMs: 2_500, actions: ['SetRepositoryPolicy'], seed: 12 });
    for (let wave = 0; wave < cards.length; wave += 3) {
      const clicked = cards.slice(wave, wave + 3);
      await Promise.all(clicked.map((card, i) => m.click(card, 'approve', i % 2)));
      await m.world.slack
        .waitFor(() => clicked.every((card) => m.threadReplies(card).length > 0) || undefined, 10_000)
        .catch(() => undefined);
    }
    m.world.ecr.clearFaults();
    await m.world.ecr.waitForLateDeliveries(10_000);
    expect(m.world.ecr.landings.filter((l) => l.outcome === 'applied').length).toBeGreaterThan(0);

    await finishApproved(m, cards, 'burst');
    const records = await everyRecordedGrantCanPull(m, 'burst');
    expect(records.filter((r) => r.state === 'GRANTED')).toHaveLength(accounts.length);
  }, 120_000);
});

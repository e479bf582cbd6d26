// Many approvals at once, across separate bot processes: no grant is lost, none is applied
// twice, and approvals for one repository share policy writes.
import { canPull, parsePolicy, pullers } from '../../src/domain/policy';
import { CI_PUSH_STATEMENT } from '../support/bot-world';
import { startMultiBot, type MultiBot } from '../support/multi-bot';

const ACCOUNTS = Array.from({ length: 20 }, (_, i) => String(300000000001 + i));

/** What is under test is the policy path; Slack's rate limits would only spread the messages out. */
const NO_SLACK_LIMITS = { slack: { rateLimits: 'off' as const } };

describe('twenty simultaneous approvals on one repository across two bot processes', () => {
  let m: MultiBot;
  beforeAll(async () => {
    m = await startMultiBot(NO_SLACK_LIMITS);
    m.world.ecr.putPolicy('common-images', JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH_STATEMENT] }));
    for (const [i, account] of ACCOUNTS.entries()) await m.request(account, i % 2);
    m.world.ecr.resetCalls();
    await Promise.all(m.cards().map((card, i) => m.click(card, 'approve', i % 2)));
    await m.world.slack.waitFor(() => m.cards().every((card) => m.threadReplies(card).length > 0), 60_000);
  }, 120_000);
  afterAll(async () => m.close());

  it('leaves every account able to pull', () => {
    const policy = parsePolicy(m.world.ecr.policyText('common-images'));
    expect(ACCOUNTS.filter((a) => !canPull(policy, a))).toEqual([]);
  });

  it('keeps the other statements unchanged', () => {
    const stored = JSON.parse(m.world.ecr.policyText('common-images')!) as { Statement: unknown[] };
    expect(stored.Statement).toContainEqual(CI_PUSH_STATEMENT);
    expect(stored.Statement).toHaveLength(2);
  });

  it('records all twenty as GRANTED and none as FAILED', async () => {
    const states = (await m.requests()).map((r) => r.state);
    expect(states).toHaveLength(20);
    expect(states.every((s) => s === 'GRANTED')).toBe(true);
  });

  it('applies them in far fewer policy writes than approvals', () => {
    expect(m.world.ecr.countCalls('SetRepositoryPolicy')).toBeLessThanOrEqual(10);
  });

  it('posts each verified policy exactly once', () => {
    expect(m.cards().map((card) => m.threadReplies(card).length)).toEqual(ACCOUNTS.map(() => 1));
  });
});

describe('approvals on different repositories', () => {
  let m: MultiBot;
  beforeAll(async () => {
    m = await startMultiBot({ ...NO_SLACK_LIMITS, repositories: ['team-a', 'team-b', 'team-c', 'team-d'] });
  }, 60_000);
  afterAll(async () => m.close());

  it('grants each on its own repository without touching the others', async () => {
    const repos = ['team-a', 'team-b', 'team-c', 'team-d'];
    for (const [i, repository] of repos.entries()) await m.request(String(400000000001 + i), i % 2, repository);
    await Promise.all(m.cards().map((card, i) => m.click(card, 'approve', i % 2)));
    await m.world.slack.waitFor(() => m.cards().every((card) => m.threadReplies(card).length > 0), 30_000);
    const pulling = repos.map((repository) => pullers(parsePolicy(m.world.ecr.policyText(repository))).accounts);
    expect(pulling).toEqual(repos.map((_, i) => [String(400000000001 + i)]));
  }, 60_000);
});

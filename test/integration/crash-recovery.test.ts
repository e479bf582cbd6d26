// A process that dies between writing the policy and recording the grant leaves nothing stuck:
// its lease runs out and the next click (or the next approval for the repository) finishes it.
import { MANAGED_SID, canPull, parsePolicy } from '../../src/domain/policy';
import { startMultiBot, type MultiBot } from '../support/multi-bot';

const LEASE = { ECR_ACCESS_LEASE_SECONDS: '3' };

describe('a bot process killed right after SetRepositoryPolicy', () => {
  let m: MultiBot;
  beforeAll(async () => {
    m = await startMultiBot({
      repositories: ['retry-click', 'next-approval'],
      processes: [{ ...LEASE }, { ...LEASE, ECR_ACCESS_FAULT: 'exit-after-set-policy' }, { ...LEASE, ECR_ACCESS_FAULT: 'exit-after-set-policy' }],
    });
  }, 60_000);
  afterAll(async () => m.close());

  const principals = (repository: string) => {
    const statement = (JSON.parse(m.world.ecr.policyText(repository)!) as { Statement: Array<{ Sid?: string; Principal: { AWS: string[] } }> }).Statement.find((s) => s.Sid === MANAGED_SID)!;
    return ([] as string[]).concat(statement.Principal.AWS);
  };

  it('is completed by a second click on Approve, with one principal and one record', async () => {
    const card = await m.request('222233334444', 0, 'retry-click');
    await m.click(card, 'approve', 1);
    expect(await m.bots[1]!.exited).toBe(86);
    expect(canPull(parsePolicy(m.world.ecr.policyText('retry-click')), '222233334444')).toBe(true);
    expect((await m.requests()).find((r) => r.repository === 'retry-click')!.state).toBe('APPROVED');

    const retry = await m.click(card, 'approve', 0);
    await m.world.slack.waitFor(() => m.threadReplies(card).length > 0, 20_000);
    const records = (await m.requests()).filter((r) => r.repository === 'retry-click');
    expect(records.map((r) => r.state)).toEqual(['GRANTED']);
    expect(principals('retry-click')).toEqual(['arn:aws:iam::222233334444:root']);
    expect(m.world.ecr.calls.filter((c) => c.action === 'SetRepositoryPolicy' && c.repositoryName === 'retry-click')).toHaveLength(1);
    const reply = await m.world.slack.waitFor(() => m.repliesTo(retry.responseUrl)[0], 20_000);
    expect(reply).toMatch(/already approved by <@U0APPROVER> and is granted/);
    expect(m.threadReplies(card)).toHaveLength(1);
  }, 60_000);

  it('is completed by the next approval for the same repository', async () => {
    const first = await m.request('333344445555', 0, 'next-approval');
    const second = await m.request('444455556666', 0, 'next-approval');
    await m.click(first, 'approve', 2);
    expect(await m.bots[2]!.exited).toBe(86);

    await m.click(second, 'approve', 0);
    await m.world.slack.waitFor(() => m.threadReplies(first).length > 0 && m.threadReplies(second).length > 0, 20_000);
    const states = (await m.requests()).filter((r) => r.repository === 'next-approval').map((r) => r.state);
    expect(states).toEqual(['GRANTED', 'GRANTED']);
    expect(principals('next-approval').sort()).toEqual(['arn:aws:iam::333344445555:root', 'arn:aws:iam::444455556666:root']);
  }, 60_000);
});

// One decision per request, whatever Slack or people do: double-clicks, duplicate deliveries
// to two processes, and Approve racing Deny.
import { canPull, parsePolicy } from '../../src/domain/policy';
import { startMultiBot, type MultiBot } from '../support/multi-bot';

const ACCOUNT = '222233334444';

// One pair of processes for the file; each test uses its own repository so they cannot interfere.
const REPOSITORIES = ['double-click', 'two-processes', 'approve-deny-race'];

describe('exactly one decision', () => {
  let m: MultiBot;
  beforeAll(async () => {
    m = await startMultiBot({ repositories: REPOSITORIES });
  }, 60_000);
  afterAll(async () => m.close());

  const dmsAbout = (repository: string) => m.world.slack.dms('U0REQUESTER').filter((d) => d.text.includes(repository));
  const settled = (repository: string) => m.world.slack.waitFor(() => dmsAbout(repository).length > 0, 15_000);
  const writes = (repository: string) => m.world.ecr.calls.filter((c) => c.action === 'SetRepositoryPolicy' && c.repositoryName === repository).length;
  const stateOf = async (repository: string) => (await m.requests()).filter((r) => r.repository === repository).map((r) => r.state);

  /** Requests access on `repository`, clicks Approve twice at once through the given processes, and waits for the outcome. */
  const approveTwice = async (repository: string, via: [number, number]) => {
    const card = await m.request(ACCOUNT, 0, repository);
    const clicks = await Promise.all(via.map((bot) => m.click(card, 'approve', bot)));
    await settled(repository);
    await m.world.slack.waitFor(() => clicks.some((c) => m.repliesTo(c.responseUrl).length > 0), 15_000);
    return { card, clicks };
  };

  it('applies a double-click on Approve once and tells the second click who approved', async () => {
    const { card, clicks } = await approveTwice('double-click', [0, 0]);
    expect(writes('double-click')).toBe(1);
    expect(await stateOf('double-click')).toEqual(['GRANTED']);
    expect(m.threadReplies(card)).toHaveLength(1);
    expect(clicks.flatMap((c) => m.repliesTo(c.responseUrl)).join('\n')).toMatch(/already approved by <@U0APPROVER>/);
  });

  it('applies the same click delivered to two processes once', async () => {
    const { card } = await approveTwice('two-processes', [0, 1]);
    expect(writes('two-processes')).toBe(1);
    expect(await stateOf('two-processes')).toEqual(['GRANTED']);
    expect(m.threadReplies(card)).toHaveLength(1);
    expect(dmsAbout('two-processes')).toHaveLength(1);
  });

  it('lets exactly one of Approve and Deny win a race, and tells the loser', async () => {
    const repository = 'approve-deny-race';
    const card = await m.request(ACCOUNT, 0, repository);
    const [approve, deny] = await Promise.all([m.click(card, 'approve', 0), m.click(card, 'deny', 1)]);
    await settled(repository);
    await m.world.slack.waitFor(() => [approve, deny].some((c) => m.repliesTo(c.responseUrl).length > 0), 15_000);
    const [state] = await stateOf(repository);
    const granted = canPull(parsePolicy(m.world.ecr.policyText(repository)), ACCOUNT);
    if (state === 'GRANTED') {
      expect(granted).toBe(true);
      expect(writes(repository)).toBe(1);
      expect(m.repliesTo(deny.responseUrl).join('\n')).toMatch(/already approved by/);
    } else {
      expect(state).toBe('DENIED');
      expect(granted).toBe(false);
      expect(writes(repository)).toBe(0);
      expect(m.repliesTo(approve.responseUrl).join('\n')).toMatch(/already denied by/);
    }
    expect(dmsAbout(repository)).toHaveLength(1);
  });
});

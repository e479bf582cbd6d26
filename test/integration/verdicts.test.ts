// Every recorded state agrees with the live policy: GRANTED means the account can pull; a
// request that is not granted left no entry for its account. And what may be decided follows
// the configuration as it is at the click, not as it was when the card was posted.
import { canPull, parsePolicy } from '../../src/domain/policy';
import { CI_PUSH_STATEMENT, SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';
import { startMultiBot, type MultiBot } from '../support/multi-bot';

const ACCOUNT = '222233334444';

/** A statement somebody adds by hand in the console while the bot is at work. */
const HAND_ADDED = { Sid: 'AddedInTheConsole', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: ['ecr:DescribeImages'] };

const canPullNow = (w: BotWorld) => canPull(parsePolicy(w.world.ecr.policyText('common-images')), ACCOUNT);

describe('a grant whose policy was written', () => {
  let w: BotWorld;
  beforeEach(async () => {
    w = await startBotWorld();
    w.world.ecr.putPolicy('common-images', JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH_STATEMENT] }));
    await w.command(`request common-images ${ACCOUNT}`);
  });
  afterEach(async () => w.close());

  it('is recorded GRANTED when another statement changed between the write and the read-back, because the account can pull', async () => {
    const unsubscribe = w.world.ecr.on('call', (call) => {
      if (call.action !== 'SetRepositoryPolicy') return;
      unsubscribe();
      // Right after the bot's write lands, someone adds a statement in the console.
      const off = w.world.ecr.on('change', () => {
        off();
        const policy = JSON.parse(w.world.ecr.policyText('common-images')!) as { Statement: unknown[] };
        w.world.ecr.putPolicy('common-images', JSON.stringify({ ...policy, Statement: [...policy.Statement, HAND_ADDED] }));
      });
    });
    await w.click(w.cards()[0]!, 'approve');
    expect((await w.requests())[0]!.state).toBe('GRANTED');
    expect(canPullNow(w)).toBe(true);
    expect(w.logs.some((l) => l.includes('another statement of the policy changed while ecr-access wrote it'))).toBe(true);
  });

  it('cannot be denied while it is not yet verified: Deny says it is being applied, and Approve finishes it', async () => {
    // The read-back fails: the account is in the policy, not yet verified.
    const unsubscribe = w.world.ecr.on('call', (call) => {
      if (call.action === 'SetRepositoryPolicy') {
        unsubscribe();
        w.world.ecr.failNext('GetRepositoryPolicy', 3, 'server');
      }
    });
    await w.click(w.cards()[0]!, 'approve');
    expect((await w.requests())[0]!.state).toBe('APPROVED');
    expect(canPullNow(w)).toBe(true);

    const deny = await w.click(w.cards()[0]!, 'deny');
    expect(deny.replies.join('\n')).toMatch(/already approved by <@U0APPROVER>; the grant is being applied/);
    expect((await w.requests())[0]!.state).toBe('APPROVED');

    await w.click(w.cards()[0]!, 'approve');
    expect((await w.requests())[0]!.state).toBe('GRANTED');
    const again = await w.command(`request common-images ${ACCOUNT}`);
    expect(again.replies.join('\n')).toMatch(/can already pull/);
  });

  it('is recorded FAILED only with no entry for the account left in the policy', async () => {
    w.world.ecr.failNext('SetRepositoryPolicy', 5, 'throttle');
    await w.click(w.cards()[0]!, 'approve');
    expect((await w.requests())[0]!.state).toBe('FAILED');
    expect(canPullNow(w)).toBe(false);
    expect(w.world.ecr.policyText('common-images')).not.toContain(ACCOUNT);
  });
});

describe('a repository taken off the shareable list', () => {
  let m: MultiBot;
  beforeAll(async () => {
    // Bot 1 runs with the new configuration: common-images is no longer shareable.
    m = await startMultiBot({ repositories: ['common-images', 'base-images'], processes: [{}, { ECR_ACCESS_REPOSITORIES: 'base-images' }] });
  }, 60_000);
  afterAll(async () => m.close());

  it('refuses an approval from a card posted before, and writes nothing', async () => {
    const card = await m.request(ACCOUNT, 0, 'common-images');
    const click = await m.click(card, 'approve', 1);
    const reply = await m.world.slack.waitFor(() => m.repliesTo(click.responseUrl)[0], 15_000);
    expect(reply).toMatch(/no longer one of the repositories ecr-access shares.*nothing changed/);
    expect((await m.requests())[0]!.state).toBe('PENDING');
    expect(m.world.ecr.countCalls('SetRepositoryPolicy')).toBe(0);
    expect(SANDBOX.approver).toBe('U0APPROVER');
  }, 60_000);
});

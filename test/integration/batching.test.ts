// Approvals that arrive while a repository's policy is being written go out together in the
// next write. That write builds on the policy the holder has just read back and verified,
// unless that read-back is too old to trust; then the policy is read again.
import { REUSE_READ_BACK_MS } from '../../src/service/apply-batch';
import { APPROVE_ACTION } from '../../src/slack/blocks/request-card';
import type { SimMessage } from '../../sandbox/slack-simulator';
import { startDynamoFaults, type DynamoFaults } from '../support/dynamo-faults';
import { CI_PUSH_STATEMENT, SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';

const ACCOUNTS = ['222233334444', '333344445555', '444455556666'];

/** A statement somebody adds by hand in the console while the bot is busy. */
const HAND_ADDED = {
  Sid: 'AddedInTheConsole',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::999988887777:root' },
  Action: ['ecr:DescribeImages'],
};

describe('approvals that arrive during a policy write', () => {
  let w: BotWorld;
  let dynamo: DynamoFaults;
  let cards: SimMessage[];

  beforeEach(async () => {
    w = await startBotWorld({
      dynamoEndpoint: async (direct) => {
        dynamo = await startDynamoFaults(direct);
        return dynamo.url;
      },
    });
    w.world.ecr.putPolicy('common-images', JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH_STATEMENT] }));
    for (const account of ACCOUNTS) await w.command(`request common-images ${account}`);
    cards = w.cards();
    expect(cards).toHaveLength(ACCOUNTS.length);
  });
  afterEach(async () => {
    await w.close();
    await dynamo.close();
  });

  const approve = (card: SimMessage) =>
    w.world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: card.ts, actionId: APPROVE_ACTION });

  /** Approves the first card and holds its policy write until the other two are approved and queued behind it. */
  async function approveTwoDuringTheFirstWrite(): Promise<void> {
    const ids = new Map((await w.requests()).map((r) => [r.account, r.id]));
    const queuedBehind = ACCOUNTS.slice(1).map((account) =>
      dynamo.answered('UpdateItem', (body) => body.includes('ADD queued') && body.includes(`"${ids.get(account)}"`)),
    );
    w.world.ecr.failNext('SetRepositoryPolicy', 1, 'hang');
    await approve(cards[0]!);
    await w.world.ecr.waitForCalls('SetRepositoryPolicy', 1);
    await Promise.all(cards.slice(1).map(approve));
    await Promise.all(queuedBehind);
    expect([...(await w.store.queued('common-images'))].sort()).toEqual(ACCOUNTS.map((a) => ids.get(a)).sort());
  }

  const statementIds = () => (w.policy()?.Statement ?? []).map((s) => s['Sid']);

  it('writes them together on top of the verified read-back, without reading the policy again', async () => {
    await approveTwoDuringTheFirstWrite();
    w.world.ecr.resetCalls();
    w.world.ecr.clearFaults();
    await w.bot.idle();

    // The held write lands, is read back, and the next write builds on that read-back.
    expect(w.world.ecr.calls.map((c) => c.action)).toEqual(['GetRepositoryPolicy', 'SetRepositoryPolicy', 'GetRepositoryPolicy']);
    expect((await w.requests()).map((r) => r.state)).toEqual(['GRANTED', 'GRANTED', 'GRANTED']);
    expect(statementIds()).toEqual(expect.arrayContaining([CI_PUSH_STATEMENT.Sid, 'crossAccountAllowRead']));
    for (const card of cards) {
      expect(w.world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1).map((m) => m.text).join('\n')).toMatch(/verified/i);
    }
  });

  it('reads the policy again when the read-back is too old, so a change made meanwhile is kept', async () => {
    await approveTwoDuringTheFirstWrite();
    // Reading the queued approvals takes longer than a read-back may be trusted.
    dynamo.delayWhen('BatchGetItem', REUSE_READ_BACK_MS + 500);
    const readingTheQueue = dynamo.nextRequest('BatchGetItem');
    w.world.ecr.clearFaults();
    await readingTheQueue;
    const policy = w.policy()!;
    w.world.ecr.putPolicy('common-images', JSON.stringify({ ...policy, Statement: [...policy.Statement, HAND_ADDED] }));
    w.world.ecr.resetCalls();
    await w.bot.idle();

    expect(w.world.ecr.calls.map((c) => c.action)).toEqual(['GetRepositoryPolicy', 'SetRepositoryPolicy', 'GetRepositoryPolicy']);
    expect((await w.requests()).map((r) => r.state)).toEqual(['GRANTED', 'GRANTED', 'GRANTED']);
    expect(statementIds()).toEqual(expect.arrayContaining([CI_PUSH_STATEMENT.Sid, 'crossAccountAllowRead', HAND_ADDED.Sid]));
  });
});

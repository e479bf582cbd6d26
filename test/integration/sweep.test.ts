// The sweep from outside: `npm run sweep` as separate OS processes against the local world (dynalite,
// the ECR emulator, the Slack simulator), after real requests and approvals over HTTP.
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { keys } from '../../src/aws/table-schema';
import { canPull, parsePolicy } from '../../src/domain/policy';
import { startBotWorld, SANDBOX, type BotWorld } from '../support/bot-world';
import { hasButtons, runSweepProcess } from '../support/sweep-process';

const ACCOUNTS = ['222233334444', '333344445555', '444455556666', '555566667777', '666677778888'];

describe('two sweeps at once, in two processes, over the same due grants', () => {
  let w: BotWorld;
  beforeAll(async () => {
    w = await startBotWorld();
  }, 60_000);
  afterAll(async () => w.close());

  it('expires each grant once and tells it once: one thread post and one DM each, nothing lost', async () => {
    for (const account of ACCOUNTS) await w.command(`request common-images ${account} --for 1h nightly builds`);
    for (const card of w.cards()) await w.click(card, 'approve');
    const granted = await w.requests();
    expect(granted.map((r) => r.state)).toEqual(ACCOUNTS.map(() => 'GRANTED'));

    // The hour passes: each grant's end moves into the past, and the grants are due now.
    const now = Date.now();
    const clients = w.world.clients();
    for (const grant of granted) {
      await clients.dynamo.send(
        new UpdateItemCommand({
          TableName: SANDBOX.table,
          Key: { pk: { S: keys.request(grant.id) } },
          UpdateExpression: 'SET expiresAt = :end, dueAt = :now',
          ExpressionAttributeValues: { ':end': { S: new Date(now - 1_000).toISOString() }, ':now': { N: String(now) } },
        }),
      );
    }
    clients.dynamo.destroy();
    clients.ecr.destroy();
    const dmsBefore = w.world.slack.dms(SANDBOX.requester).length;

    const runs = await Promise.all([runSweepProcess(w.world.env), runSweepProcess(w.world.env)]);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    expect(runs.reduce((sum, r) => sum + (r.report?.expired ?? 0), 0)).toBe(ACCOUNTS.length);

    const after = await w.requests();
    expect(after.map((r) => r.state)).toEqual(ACCOUNTS.map(() => 'EXPIRED'));
    for (const request of after) {
      expect(request.history?.filter((e) => e.kind === 'expired')).toHaveLength(1);
      expect(request.owed).toEqual([]);
      expect(canPull(parsePolicy(w.world.ecr.policyText('common-images')), request.account)).toBe(false);
    }
    for (const card of w.cards()) {
      // The verified policy when it was granted, and the expiry: each once.
      expect(w.world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1)).toHaveLength(2);
      expect(hasButtons(card)).toBe(false);
      expect(card.text).toMatch(/expired/i);
    }
    expect(w.world.slack.dms(SANDBOX.requester).length - dmsBefore).toBe(ACCOUNTS.length);
  }, 120_000);
});

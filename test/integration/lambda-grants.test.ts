// Grants for Lambda consumers as people meet them in Slack: `request … --lambda` (or the form's
// Lambda box) asks for the account's Lambda functions too; approval writes the pull statement and
// the Lambda statement, read back and checked; list says so; revoke and expiry take both out.
// Signed requests over the bot's real HTTP receiver, against the local DynamoDB, ECR emulator and
// Slack simulator, and the sweep as its own process.
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { keys } from '../../src/aws/table-schema';
import { canPull, inLambdaStatement, LAMBDA_SID, MANAGED_SID, parsePolicy } from '../../src/domain/policy';
import { findButton } from '../../sandbox/slack/payloads';
import { REVOKE_ACTION } from '../../src/slack/blocks/revoke-confirmation';
import { CI_PUSH_STATEMENT, SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';
import { runSweepProcess } from '../support/sweep-process';

const ACCOUNT = '222233334444';
const livePolicy = (w: BotWorld) => parsePolicy(w.world.ecr.policyText('common-images'));

/** The requester asks for Lambda too, the approver approves: the grant and its card. */
async function grantedForLambda(w: BotWorld, extra = '') {
  await w.command(`request common-images ${ACCOUNT} --lambda${extra} functions from container images`);
  const card = w.cards().find((c) => JSON.stringify(c.blocks).includes(ACCOUNT))!;
  await w.click(card, 'approve');
  const request = (await w.requests()).find((r) => r.account === ACCOUNT && r.state === 'GRANTED');
  if (!request) throw new Error('not granted');
  return { card, request };
}

describe('a grant for Lambda consumers', () => {
  let w: BotWorld;
  beforeEach(async () => {
    w = await startBotWorld();
    w.world.ecr.putPolicy('common-images', JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH_STATEMENT] }));
  });
  afterEach(async () => w.close());

  it('shows both statements on the card, writes both, and tells the thread and the requester', async () => {
    const { card, request } = await grantedForLambda(w);
    expect(request.lambda).toBe(true);
    const posted = JSON.stringify(w.world.slack.messages(SANDBOX.approvalChannel).find((m) => m.ts === card.ts)?.blocks);
    expect(posted).toContain('and its Lambda functions');

    const statements = w.policy()!.Statement;
    expect(statements.map((s) => s.Sid)).toEqual([CI_PUSH_STATEMENT.Sid, MANAGED_SID, LAMBDA_SID]);
    expect(statements.find((s) => s.Sid === LAMBDA_SID)).toEqual({
      Sid: LAMBDA_SID,
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Condition: { StringLike: { 'aws:sourceARN': [`arn:aws:lambda:${SANDBOX.region}:${ACCOUNT}:function:*`] } },
    });
    expect([canPull(livePolicy(w), ACCOUNT), inLambdaStatement(livePolicy(w), ACCOUNT)]).toEqual([true, true]);

    const thread = JSON.stringify(w.world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1));
    expect(thread).toContain(`\`${ACCOUNT}\` and its Lambda functions can now pull from \`common-images\``);
    expect(JSON.stringify(w.world.slack.dms(SANDBOX.requester))).toContain('and its Lambda functions can now pull');
  });

  it('is listed as pull, also for Lambda', async () => {
    await grantedForLambda(w);
    const { ack } = await w.command('list common-images');
    const list = JSON.stringify(w.world.slack.responses.filter((r) => r.url === ack.responseUrl).at(-1)?.body);
    expect(list).toContain('pull, also for Lambda; approved by');
  });

  it('is asked for by an account that pulls already, and adds only its functions', async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    await w.click(w.cards()[0]!, 'approve');
    expect(inLambdaStatement(livePolicy(w), ACCOUNT)).toBe(false);
    await w.command(`request common-images ${ACCOUNT} --lambda`);
    const second = w.cards().find((c) => JSON.stringify(c.blocks).includes('and its Lambda functions'));
    expect(second).toBeDefined();
    await w.click(second!, 'approve');
    expect(inLambdaStatement(livePolicy(w), ACCOUNT)).toBe(true);
    expect((await w.requests()).map((r) => r.state).sort()).toEqual(['GRANTED', 'GRANTED']);
  });

  it('is revoked out of both statements, every other statement kept', async () => {
    await grantedForLambda(w);
    const { ack } = await w.command(`revoke common-images ${ACCOUNT} no longer needed`, SANDBOX.approver);
    const answer = w.world.slack.ephemerals(SANDBOX.approver).find((e) => e.responseUrlId !== undefined && ack.responseUrl.endsWith(`/${e.responseUrlId}`));
    expect(findButton(answer!.blocks, REVOKE_ACTION)).toBeDefined();
    await w.world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: answer!.ts, actionId: REVOKE_ACTION });
    await w.bot.idle();
    expect((await w.requests()).map((r) => r.state)).toEqual(['REVOKED']);
    expect(w.policy()!.Statement).toEqual([CI_PUSH_STATEMENT]);
  });

  it('expires out of both statements when its time is up, by the sweep', async () => {
    const { request } = await grantedForLambda(w, ' --for 1h');
    const clients = w.world.clients();
    const now = Date.now();
    await clients.dynamo.send(
      new UpdateItemCommand({
        TableName: SANDBOX.table,
        Key: { pk: { S: keys.request(request.id) } },
        UpdateExpression: 'SET expiresAt = :end, dueAt = :now',
        ExpressionAttributeValues: { ':end': { S: new Date(now - 1_000).toISOString() }, ':now': { N: String(now) } },
      }),
    );
    clients.dynamo.destroy();
    clients.ecr.destroy();
    const run = await runSweepProcess(w.world.env);
    expect([run.code, run.report?.expired]).toEqual([0, 1]);
    expect((await w.requests()).map((r) => r.state)).toEqual(['EXPIRED']);
    expect(w.policy()!.Statement).toEqual([CI_PUSH_STATEMENT]);
  });

  it('is asked for from the request form by ticking its Lambda box', async () => {
    await w.world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: '' });
    const lambdaField = w.world.slack.modals(SANDBOX.requester)[0]!.view.blocks.find((b) => b.block_id === 'lambda');
    expect(lambdaField).toMatchObject({ type: 'input', optional: true, element: { type: 'checkboxes' } });
    await w.world.slack.submitView({ user: SANDBOX.requester, values: { repository: 'common-images', account: ACCOUNT, duration: 'permanent', lambda: 'lambda' } });
    await w.bot.idle();
    expect(await w.requests()).toMatchObject([{ state: 'PENDING', lambda: true }]);
  });
});

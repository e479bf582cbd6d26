// AWS and Slack misbehaving: retries where they help, clear failures where they do not, and
// never a policy change without a record, a record that disagrees with the policy, or a message posted twice.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { keys } from '../../src/aws/table-schema';
import { canPull, parsePolicy } from '../../src/domain/policy';
import { ErrorCode } from '../../src/errors';
import { startDynamoFaults, type DynamoFaults } from '../support/dynamo-faults';
import { CI_PUSH_STATEMENT, SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';

const ACCOUNT = '222233334444';

async function withPendingRequest(w: BotWorld) {
  w.world.ecr.putPolicy('common-images', JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH_STATEMENT] }));
  await w.command(`request common-images ${ACCOUNT}`);
  return w.cards()[0]!;
}

async function lockHolder(w: BotWorld) {
  const out = await w.world.clients().dynamo.send(
    new GetItemCommand({ TableName: SANDBOX.table, Key: { pk: { S: keys.repository('common-images') } }, ConsistentRead: true }),
  );
  return out.Item?.holder?.S;
}

const grantedTo = (w: BotWorld) => canPull(parsePolicy(w.world.ecr.policyText('common-images')), ACCOUNT);

describe('ECR faults', () => {
  let w: BotWorld;
  beforeEach(async () => {
    w = await startBotWorld({ callTimeoutMs: 1000 });
  });
  afterEach(async () => w.close());

  it('retries throttling and still grants', async () => {
    const card = await withPendingRequest(w);
    w.world.ecr.failNext('SetRepositoryPolicy', 2, 'throttle');
    await w.click(card, 'approve');
    expect((await w.requests())[0]!.state).toBe('GRANTED');
    expect(w.world.ecr.countCalls('SetRepositoryPolicy')).toBe(3);
  });

  it('records FAILED in plain words when throttling persists, and releases the repository', async () => {
    const card = await withPendingRequest(w);
    w.world.ecr.failNext('SetRepositoryPolicy', 20, 'throttle');
    await w.click(card, 'approve');
    const [request] = await w.requests();
    expect(request).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.Registry, detail: expect.stringMatching(/ThrottlingException/) } });
    expect(await lockHolder(w)).toBeUndefined();
    expect(w.world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1).map((m) => m.text).join('\n')).toMatch(/ThrottlingException.*try again/);
  });

  it('gives up on a hanging ECR within bounds, keeps the approval queued, releases the repository, and a second click finishes it', async () => {
    const card = await withPendingRequest(w);
    w.world.ecr.failNext('GetRepositoryPolicy', 3, 'hang');
    const first = await w.click(card, 'approve');
    const [request] = await w.requests();
    expect(request!.state).toBe('APPROVED');
    expect(first.replies.join('\n')).toMatch(/ECR could not be read or the write verified just now.*Press \*Approve\* again/);
    expect(await lockHolder(w)).toBeUndefined();

    w.world.ecr.clearFaults();
    await w.click(w.cards()[0]!, 'approve');
    expect((await w.requests())[0]!.state).toBe('GRANTED');
  });

  it('keeps a written but unverified approval queued, never FAILED, and a second click verifies it without writing again', async () => {
    const card = await withPendingRequest(w);
    // The read before the write succeeds; every attempt at reading back fails.
    const reads = w.world.ecr.countCalls('GetRepositoryPolicy');
    const unsubscribe = w.world.ecr.on('call', (call) => {
      if (call.action === 'SetRepositoryPolicy') w.world.ecr.failNext('GetRepositoryPolicy', 3, 'server');
    });
    await w.click(card, 'approve');
    unsubscribe();
    const [unverified] = await w.requests();
    expect(w.world.ecr.countCalls('GetRepositoryPolicy')).toBeGreaterThan(reads);
    expect(unverified).toMatchObject({ state: 'APPROVED' });
    expect(grantedTo(w)).toBe(true);

    await w.click(w.cards()[0]!, 'approve');
    expect((await w.requests())[0]!.state).toBe('GRANTED');
    expect(w.world.ecr.countCalls('SetRepositoryPolicy')).toBe(1);
  });
});

describe('a DynamoDB failure after the policy was written', () => {
  let w: BotWorld;
  let faults: DynamoFaults;
  beforeEach(async () => {
    w = await startBotWorld({
      dynamoEndpoint: async (direct) => {
        faults = await startDynamoFaults(direct);
        return faults.url;
      },
    });
  });
  afterEach(async () => {
    await w.close();
    await faults.close();
  });

  it('leaves the request approved, and the next click records the grant without writing again', async () => {
    const card = await withPendingRequest(w);
    faults.failWhen('UpdateItem', '"GRANTED"');
    const first = await w.click(card, 'approve');
    expect(faults.failed).toBeGreaterThan(0);
    expect(grantedTo(w)).toBe(true);
    expect((await w.requests())[0]!.state).toBe('APPROVED');
    expect(first.replies.join('\n')).toMatch(/could not finish/);

    faults.clear();
    await w.click(w.cards()[0]!, 'approve');
    expect((await w.requests())[0]!.state).toBe('GRANTED');
    expect(w.world.ecr.countCalls('SetRepositoryPolicy')).toBe(1);
    expect(w.world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1)).toHaveLength(1);
  });
});

describe('Slack faults', () => {
  let w: BotWorld;
  beforeEach(async () => {
    w = await startBotWorld();
  });
  afterEach(async () => w.close());

  const updates = (ok: boolean) => w.world.slack.calls.filter((c) => c.method === 'chat.update' && c.ok === ok);

  it('waits out a rate limit and updates the card exactly once', async () => {
    const card = await withPendingRequest(w);
    w.world.slack.setFault('chat.update', { ratelimited: { retryAfterSeconds: 1 }, times: 1 });
    await w.click(card, 'approve');
    expect((await w.requests())[0]!.state).toBe('GRANTED');
    expect(updates(false)).toHaveLength(1);
    expect(updates(true)).toHaveLength(1);
    expect(w.world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1)).toHaveLength(1);
  });

  it('keeps the grant applied and recorded when posting fails, and logs what could not be said', async () => {
    const card = await withPendingRequest(w);
    w.world.slack.setFault('chat.postMessage', { error: 'channel_not_found' });
    await w.click(card, 'approve');
    expect((await w.requests())[0]!.state).toBe('GRANTED');
    expect(grantedTo(w)).toBe(true);
    expect(updates(true)).toHaveLength(1);
    const logged = w.logs.filter((l) => l.includes('could not announce an outcome in Slack'));
    expect(logged.map((l) => (JSON.parse(l) as { part: string }).part).sort()).toEqual(['dm', 'thread']);
    expect(logged.every((l) => l.includes('channel_not_found'))).toBe(true);
    expect((await w.requests())[0]!.owed).toEqual(['dm', 'thread']);
  });

  it('survives slow Slack answers without posting anything twice', async () => {
    const card = await withPendingRequest(w);
    w.world.slack.setFault('chat.update', { delayMs: 1500 });
    await w.click(card, 'approve');
    expect((await w.requests())[0]!.state).toBe('GRANTED');
    expect(updates(true)).toHaveLength(1);
    expect(w.world.slack.dms(SANDBOX.requester)).toHaveLength(1);
  });

  it('refuses a request the approvers cannot see, recording nothing', async () => {
    w.world.slack.setFault('chat.postMessage', { error: 'not_in_channel', times: 1 });
    const { replies } = await w.command(`request common-images ${ACCOUNT}`);
    expect(replies.join('\n')).toMatch(/could not reach the approvers' channel \(not_in_channel\).*invite the ecr-access bot/);
    expect(await w.requests()).toEqual([]);
  });
});

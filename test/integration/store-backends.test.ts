// The DynamoDB store's contract, on dynalite and on AWS's DynamoDB Local: every state change,
// slot claim and lock move is a single-item conditional write, and both backends agree.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoRequestStore } from '../../src/aws/request-store';
import { keys } from '../../src/aws/table-schema';
import { createTable } from '../../src/create-table';
import type { AccessRequest } from '../../src/domain/access-request';
import type { RequestStore } from '../../src/service/ports';
import { startDynamoFaults, type DynamoFaults } from '../support/dynamo-faults';
import { javaProblem, startDynalite, startDynamoDbLocal, type LocalDynamo } from '../support/dynamodb-local';
import { describeNeeding } from '../support/needs-installed';

const TABLE = 'ecr-access';
let sequence = 0;

function pending(overrides: Partial<AccessRequest> = {}): AccessRequest {
  sequence += 1;
  return {
    id: `r-${String(sequence).padStart(10, '0')}`,
    repository: 'common-images',
    account: '222233334444',
    requester: 'U0REQUESTER',
    state: 'PENDING',
    createdAt: new Date(1_800_000_000_000 + sequence).toISOString(),
    attempts: 0,
    ...overrides,
  };
}

const approve = { to: 'APPROVED' as const, from: ['PENDING', 'FAILED'] as const, by: 'U0APPROVER', at: '2027-01-01T00:00:00.000Z' };

const BACKENDS: [name: string, start: () => Promise<LocalDynamo>, missing: string | undefined][] = [
  ['dynalite', startDynalite, undefined],
  ['DynamoDB Local', startDynamoDbLocal, javaProblem()],
];

for (const [name, start, missing] of BACKENDS) describeNeeding(`the request store on ${name}`, missing, () => {
  let backend: LocalDynamo;
  let client: DynamoDBClient;
  let store: RequestStore;
  beforeAll(async () => {
    backend = await start();
    client = new DynamoDBClient({ region: 'us-east-1', endpoint: backend.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await createTable(client, TABLE);
    store = dynamoRequestStore(client, TABLE);
  }, 60_000);
  afterAll(async () => {
    client.destroy();
    await backend.close();
  });

  it('records a request and reads it back as it was', async () => {
    const request = pending({ reason: 'dashboards', account: '100000000001' });
    expect(await store.create(request)).toEqual({ created: true });
    expect(await store.get(request.id)).toEqual(request);
  });

  it('refuses a second open request for the same repository and account, naming the first', async () => {
    const first = pending({ account: '100000000002' });
    await store.create(first);
    const second = await store.create(pending({ account: '100000000002' }));
    expect(second).toMatchObject({ created: false, existing: { id: first.id } });
  });

  it('takes the slot over from a settled request', async () => {
    const first = pending({ account: '100000000003' });
    await store.create(first);
    await store.decide(first.id, { ...approve, to: 'DENIED' });
    expect(await store.create(pending({ account: '100000000003' }))).toEqual({ created: true });
  });

  it('lets exactly one of two decisions through and answers the other with the current state', async () => {
    const request = pending({ account: '100000000004' });
    await store.create(request);
    const [a, b] = await Promise.all([store.decide(request.id, approve), store.decide(request.id, { ...approve, to: 'DENIED', by: 'U0OTHER' })]);
    const winners = [a, b].flatMap((o) => (o.decided ? [o.request] : []));
    const losers = [a, b].flatMap((o) => (o.decided ? [] : [o.current]));
    expect(winners).toHaveLength(1);
    expect(losers.map((current) => current?.state)).toEqual([winners[0]!.state]);
  });

  it("refuses, in the same write, a decision by the request's own requester or from another card", async () => {
    const request = pending({ account: '100000000009' });
    await store.create(request);
    const card = { channel: 'C0APPROVALS', ts: '1700000000.000100' };
    await store.attachCard(request.id, card);
    const byRequester = await store.decide(request.id, { ...approve, by: request.requester, card });
    expect(byRequester).toMatchObject({ decided: false, current: { state: 'PENDING' } });
    const fromOtherCard = await store.decide(request.id, { ...approve, card: { ...card, ts: '1700000000.000999' } });
    expect(fromOtherCard).toMatchObject({ decided: false, current: { state: 'PENDING' } });
    expect(await store.decide(request.id, { ...approve, card })).toMatchObject({ decided: true, request: { state: 'APPROVED', decidedBy: 'U0APPROVER' } });
  });

  it('answers a decision on a request that does not exist without creating it', async () => {
    expect(await store.decide('r-nosuchreqs', approve)).toEqual({ decided: false, current: undefined });
    expect(await store.get('r-nosuchreqs')).toBeUndefined();
  });

  it('reads many requests at once, past the hundred keys one batch read takes, leaving out missing ones', async () => {
    const many = Array.from({ length: 130 }, (_, i) => pending({ repository: 'batch-repo', account: String(200000000000 + i) }));
    await Promise.all(many.map((r) => store.create(r)));
    const wanted = [...many.map((r) => r.id), 'r-missing000', many[0]!.id];
    const read = await store.getMany(wanted);
    expect(read.size).toBe(many.length);
    for (const r of many) expect(read.get(r.id)).toEqual(r);
    expect(read.has('r-missing000')).toBe(false);
    expect(await store.getMany([])).toEqual(new Map());
  });

  it('records GRANTED only from APPROVED, once', async () => {
    const request = pending({ account: '100000000005' });
    await store.create(request);
    expect(await store.recordGranted(request.id, { at: 'now', policyHash: 'a'.repeat(64) })).toBeUndefined();
    await store.decide(request.id, approve);
    expect(await store.recordGranted(request.id, { at: 'now', policyHash: 'a'.repeat(64) })).toMatchObject({ state: 'GRANTED', attempts: 1 });
    expect(await store.recordFailed(request.id, { at: 'now', reason: 'late' })).toBeUndefined();
  });

  it('gives the repository lock to one holder at a time, and to the next once the lease has run out', async () => {
    const repo = 'lock-repo';
    expect(await store.acquire(repo, 'a', 1000, 10_000)).toMatchObject({ acquired: true });
    expect(await store.acquire(repo, 'b', 1000, 10_500)).toEqual({ acquired: false });
    expect(await store.renew(repo, 'b', 1000, 10_500)).toBe(false);
    expect(await store.acquire(repo, 'b', 1000, 11_001)).toMatchObject({ acquired: true });
    expect(await store.settle(repo, 'a', [], 1000, 11_002)).toBe(false);
    await store.release(repo, 'b');
    expect(await store.acquire(repo, 'c', 1000, 11_003)).toMatchObject({ acquired: true });
  });

  it('queues approved requests with the lock, and hands the holder what arrived meanwhile', async () => {
    const repo = 'queue-repo';
    expect(await store.enqueueAndAcquire(repo, 'r-aaaaaaaaaa', 'holder', 60_000, 1)).toEqual({ acquired: true, queue: ['r-aaaaaaaaaa'] });
    expect(await store.enqueueAndAcquire(repo, 'r-bbbbbbbbbb', 'waiter', 60_000, 2)).toEqual({ acquired: false });
    expect(await store.settle(repo, 'holder', ['r-aaaaaaaaaa'], 60_000, 3)).toBe(true);
    expect(await store.queued(repo)).toEqual(['r-bbbbbbbbbb']);
    expect(await store.settle(repo, 'intruder', ['r-bbbbbbbbbb'], 60_000, 4)).toBe(false);
    expect(await store.queued(repo)).toEqual(['r-bbbbbbbbbb']);
    await store.settle(repo, 'holder', ['r-bbbbbbbbbb'], 60_000, 4);
    expect(await store.queued(repo)).toEqual([]);
    await store.release(repo, 'holder');
    expect(await store.acquire(repo, 'other', 60_000, 5)).toEqual({ acquired: true, queue: [] });
  });

  it("lists a repository's requests through its index", async () => {
    const mine = [pending({ repository: 'listed-repo', account: '100000000006' }), pending({ repository: 'listed-repo', account: '100000000007' })];
    for (const r of mine) await store.create(r);
    await store.create(pending({ repository: 'other-repo', account: '100000000008' }));
    const listed = await store.listByRepository('listed-repo');
    expect(listed.map((r) => r.id).sort()).toEqual(mine.map((r) => r.id).sort());
  });

  it('reports a malformed stored item instead of trusting it', async () => {
    await client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: keys.request('r-mangled000') }, id: { S: 'r-mangled000' }, state: { S: 'GRANTED' }, account: { S: 'not-an-account' } },
      }),
    );
    await expect(store.get('r-mangled000')).rejects.toMatchObject({ code: 'ecr_access_store' });
  });
});

describe('the request store when DynamoDB leaves batch reads unprocessed', () => {
  let backend: LocalDynamo;
  let faults: DynamoFaults;
  let client: DynamoDBClient;
  let store: RequestStore;
  // More keys than the store's five tries, when each answer reads only one of them.
  const requests = Array.from({ length: 8 }, (_, i) => pending({ repository: 'throttled-repo', account: String(300000000000 + i) }));
  beforeAll(async () => {
    backend = await startDynalite();
    const direct = new DynamoDBClient({ region: 'us-east-1', endpoint: backend.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await createTable(direct, TABLE);
    await Promise.all(requests.map((r) => dynamoRequestStore(direct, TABLE).create(r)));
    direct.destroy();
    faults = await startDynamoFaults(backend.url);
    client = new DynamoDBClient({ region: 'us-east-1', endpoint: faults.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    store = dynamoRequestStore(client, TABLE);
  }, 60_000);
  afterAll(async () => {
    client.destroy();
    await faults.close();
    await backend.close();
  });

  it('asks again for the keys left over until it has every request', async () => {
    faults.leaveReadsUnprocessed(3);
    const read = await store.getMany(requests.map((r) => r.id));
    expect([...read.keys()].sort()).toEqual(requests.map((r) => r.id).sort());
  });

  it('gives up with a clear error when the keys keep coming back unprocessed', async () => {
    faults.leaveReadsUnprocessed(100);
    await expect(store.getMany(requests.map((r) => r.id))).rejects.toMatchObject({
      code: 'ecr_access_store',
      message: expect.stringMatching(/left \d+ reads unprocessed.*try again/),
    });
    faults.leaveReadsUnprocessed(0);
  });
});

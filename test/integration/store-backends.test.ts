// The DynamoDB adapters' contracts, on dynalite and on AWS's DynamoDB Local: every state change,
// slot claim, outbox tick and lease move is a single-item conditional write, and both backends agree.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoTable } from '../../src/aws/dynamo';
import { dynamoChangeQueue, KEPT } from '../../src/aws/repository-lease';
import { dynamoRequestStore } from '../../src/aws/request-store';
import { keys } from '../../src/aws/table-schema';
import { createTable } from '../../src/create-table';
import type { AccessRequest } from '../../src/domain/access-request';
import type { PolicyChange } from '../../src/domain/policy-change';
import { ErrorCode } from '../../src/errors';
import { createLogger } from '../../src/logger';
import { type ChangeQueue, type Lease, NO_DRIFT, type RequestStore } from '../../src/service/ports';
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
    card: { channel: 'C0APPROVALS', ts: `1700000000.${String(sequence).padStart(6, '0')}` },
    attempts: 0,
    owed: [],
    ...overrides,
  };
}

const decision = (request: AccessRequest, overrides: Partial<Parameters<RequestStore['decide']>[1]> = {}) => ({
  to: 'APPROVED' as const,
  from: ['PENDING', 'FAILED'] as const,
  by: 'U0APPROVER',
  at: '2027-01-01T00:00:00.000Z',
  card: request.card!,
  announcer: 'process-a',
  ...overrides,
});
const GRANTED = { state: 'GRANTED' as const, at: '2027-01-01T00:00:01.000Z', policyHashBefore: 'b'.repeat(64), policyHash: 'a'.repeat(64), verifiedPolicy: '{"Statement":[]}' };
const FAILED = { state: 'FAILED' as const, at: '2027-01-01T00:00:01.000Z', failure: { code: ErrorCode.PolicyRejected, detail: 'InvalidParameterException' } };
const announcer = { by: 'process-a', at: 1_000 };

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
    store = dynamoRequestStore(dynamoTable(client, TABLE));
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

  it('reads many requests at once, past one call of 100 keys, leaving out the missing', async () => {
    const requests = Array.from({ length: 130 }, (_, i) => pending({ repository: 'many-reads', account: String(300_000_000_000 + i) }));
    for (const request of requests) expect(await store.create(request)).toEqual({ created: true });
    const ids = [...requests.map((r) => r.id), 'r-zzzzzzzzzz'];
    const found = await store.getMany(ids);
    expect(found.size).toBe(130);
    expect(found.get(requests[0]!.id)).toEqual(requests[0]);
    expect(found.get(requests[129]!.id)).toEqual(requests[129]);
    expect(found.has('r-zzzzzzzzzz')).toBe(false);
    expect(await store.getMany([])).toEqual(new Map());
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
    await store.decide(first.id, decision(first, { to: 'DENIED' }));
    expect(await store.create(pending({ account: '100000000003' }))).toEqual({ created: true });
  });

  it('lets exactly one of two decisions through and answers the other with the current state', async () => {
    const request = pending({ account: '100000000004' });
    await store.create(request);
    const [a, b] = await Promise.all([store.decide(request.id, decision(request)), store.decide(request.id, decision(request, { to: 'DENIED', by: 'U0OTHER' }))]);
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
    const byRequester = await store.decide(request.id, decision(request, { by: request.requester, card }));
    expect(byRequester).toMatchObject({ decided: false, current: { state: 'PENDING' } });
    const fromOtherCard = await store.decide(request.id, decision(request, { card: { ...card, ts: '1700000000.000999' } }));
    expect(fromOtherCard).toMatchObject({ decided: false, current: { state: 'PENDING' } });
    expect(await store.decide(request.id, decision(request, { card }))).toMatchObject({ decided: true, request: { state: 'APPROVED', decidedBy: 'U0APPROVER' } });
  });

  it('decides, in the same write, only for the repository and account the card names', async () => {
    const request = pending({ account: '100000000014' });
    await store.create(request);
    const otherRepository = await store.decide(request.id, decision(request, { target: { repository: 'team-other/images', account: request.account } }));
    expect(otherRepository).toMatchObject({ decided: false, current: { state: 'PENDING' } });
    const otherAccount = await store.decide(request.id, decision(request, { target: { repository: request.repository, account: '100000000015' } }));
    expect(otherAccount).toMatchObject({ decided: false, current: { state: 'PENDING' } });
    const approved = await store.decide(request.id, decision(request, { target: { repository: request.repository, account: request.account } }));
    expect(approved).toMatchObject({ decided: true, request: { state: 'APPROVED' } });
  });

  it('answers a decision on a request that does not exist without creating it', async () => {
    expect(await store.decide('r-nosuchreqs', decision(pending()))).toEqual({ decided: false, current: undefined });
    expect(await store.get('r-nosuchreqs')).toBeUndefined();
  });

  it('records a verdict only from APPROVED, once, owing its announcement', async () => {
    const request = pending({ account: '100000000005' });
    await store.create(request);
    expect(await store.record(request.id, GRANTED, announcer)).toBeUndefined();
    await store.decide(request.id, decision(request));
    expect(await store.record(request.id, GRANTED, announcer)).toMatchObject({
      state: 'GRANTED',
      attempts: 1,
      policyHash: GRANTED.policyHash,
      verifiedPolicy: GRANTED.verifiedPolicy,
      owed: ['card', 'dm', 'thread'],
      announcer,
    });
    expect(await store.record(request.id, FAILED, announcer)).toBeUndefined();
  });

  it('records a failure with its code, and a retry clears it', async () => {
    const request = pending({ account: '100000000010' });
    await store.create(request);
    await store.decide(request.id, decision(request));
    expect(await store.record(request.id, FAILED, announcer)).toMatchObject({ state: 'FAILED', failure: FAILED.failure, owed: ['card', 'thread'] });
    const retried = await store.decide(request.id, decision(request));
    expect(retried).toMatchObject({ decided: true, request: { state: 'APPROVED', attempts: 2 } });
    expect(retried.decided && retried.request.failure).toBeUndefined();
  });

  it('owes a denial its card and DM from the deciding write', async () => {
    const request = pending({ account: '100000000011' });
    await store.create(request);
    expect(await store.decide(request.id, decision(request, { to: 'DENIED' }))).toMatchObject({ decided: true, request: { state: 'DENIED', owed: ['card', 'dm'] } });
  });

  it('ticks off told parts, forgetting the verified policy once the thread has it', async () => {
    const request = pending({ account: '100000000012' });
    await store.create(request);
    await store.decide(request.id, decision(request));
    await store.record(request.id, GRANTED, announcer);
    await store.delivered(request.id, ['card', 'thread']);
    const after = await store.get(request.id);
    expect(after).toMatchObject({ owed: ['dm'] });
    expect(after!.verifiedPolicy).toBeUndefined();
    await store.delivered(request.id, ['dm']);
    expect((await store.get(request.id))!.owed).toEqual([]);
  });

  it('lets an announcement be taken over only once its announcer is stale and while something is owed', async () => {
    const request = pending({ account: '100000000013' });
    await store.create(request);
    await store.decide(request.id, decision(request));
    await store.record(request.id, GRANTED, { by: 'dead', at: 1_000 });
    expect(await store.claimAnnouncement(request.id, { by: 'b', at: 2_000 }, 500)).toBeUndefined();
    expect(await store.claimAnnouncement(request.id, { by: 'b', at: 40_000 }, 10_000)).toMatchObject({ announcer: { by: 'b' } });
    await store.delivered(request.id, ['card', 'thread', 'dm']);
    expect(await store.claimAnnouncement(request.id, { by: 'c', at: 90_000 }, 80_000)).toBeUndefined();
  });

  it('renews an announcement only for the announcer that holds it, so a waiting announcer never looks stale', async () => {
    const request = pending({ account: '100000000040' });
    await store.create(request);
    await store.decide(request.id, decision(request));
    await store.record(request.id, GRANTED, { by: 'a', at: 1_000 });
    expect(await store.holdAnnouncement(request.id, { by: 'a', at: 30_000 })).toBe(true);
    expect((await store.get(request.id))!.announcer).toEqual({ by: 'a', at: 30_000 });
    // Stale by the first claim, fresh by the renewed one.
    expect(await store.claimAnnouncement(request.id, { by: 'b', at: 35_000 }, 20_000)).toBeUndefined();
    expect(await store.claimAnnouncement(request.id, { by: 'b', at: 70_000 }, 40_000)).toMatchObject({ announcer: { by: 'b', at: 70_000 } });
    expect(await store.holdAnnouncement(request.id, { by: 'a', at: 71_000 })).toBe(false);
    expect((await store.get(request.id))!.announcer).toEqual({ by: 'b', at: 70_000 });
    expect(await store.holdAnnouncement('r-zzzzzzzzzz', { by: 'a', at: 71_000 })).toBe(false);
  });

  it("lists a repository's requests through its index", async () => {
    const mine = [pending({ repository: 'listed-repo', account: '100000000006' }), pending({ repository: 'listed-repo', account: '100000000007' })];
    for (const r of mine) await store.create(r);
    await store.create(pending({ repository: 'other-repo', account: '100000000008' }));
    const listed = await store.listByRepository('listed-repo');
    expect(listed.map((r) => r.id).sort()).toEqual(mine.map((r) => r.id).sort());
  });

  const dueIds = async (now: number) => (await store.due(now, 1_000)).map(({ request, dueAt }) => ({ id: request.id, dueAt }));

  it("puts every new request in the sweep's work list, due at once, and look-again moves it only from the due time it saw", async () => {
    const request = pending({ account: '100000000020' });
    await store.create(request);
    const createdAt = Date.parse(request.createdAt);
    expect(await dueIds(createdAt - 1)).not.toContainEqual({ id: request.id, dueAt: createdAt });
    expect(await dueIds(createdAt)).toContainEqual({ id: request.id, dueAt: createdAt });

    expect(await store.sweepStep(request.id, { kind: 'look-again', at: createdAt + 5_000, seen: createdAt - 7 }, announcer)).toBeUndefined();
    expect(await store.sweepStep(request.id, { kind: 'look-again', at: createdAt + 5_000, seen: createdAt }, announcer)).toMatchObject({ id: request.id });
    expect((await dueIds(createdAt + 4_999)).map((d) => d.id)).not.toContain(request.id);
    expect(await dueIds(createdAt + 5_000)).toContainEqual({ id: request.id, dueAt: createdAt + 5_000 });

    await store.sweepStep(request.id, { kind: 'look-again', at: undefined, seen: createdAt + 5_000 }, announcer);
    expect((await dueIds(Number.MAX_SAFE_INTEGER)).map((d) => d.id)).not.toContain(request.id);
  });

  it('makes a request due again at every change of state', async () => {
    const request = pending({ account: '100000000021' });
    await store.create(request);
    await store.sweepStep(request.id, { kind: 'look-again', at: undefined, seen: Date.parse(request.createdAt) }, announcer);
    await store.decide(request.id, decision(request));
    expect(await dueIds(Date.parse('2027-01-01T00:00:00.000Z'))).toContainEqual({ id: request.id, dueAt: Date.parse('2027-01-01T00:00:00.000Z') });
  });

  it('begins one removal of a grant, and records it ENDED (EXPIRED, owing card, thread and DM) or KEPT once', async () => {
    const request = pending({ account: '100000000022' });
    await store.create(request);
    await store.decide(request.id, decision(request));
    await store.record(request.id, { ...GRANTED, expiresAt: '2027-01-02T00:00:00.000Z' }, announcer);
    await store.delivered(request.id, ['card', 'thread', 'dm']);
    const ending = { kind: 'expire' as const, by: 'ecr-access', at: '2027-01-02T00:00:00.000Z' };
    expect(await store.beginEnding(request.id, ending)).toMatchObject({ state: 'GRANTED', ending });
    expect(await store.beginEnding(request.id, { ...ending, kind: 'revoke', by: 'U0APPROVER' })).toBeUndefined();

    // ECR refused the removal: the grant stands, says why, and may be removed again.
    const kept = await store.record(request.id, { state: 'KEPT', at: '2027-01-02T00:00:01.000Z', failure: FAILED.failure }, announcer);
    expect(kept).toMatchObject({ state: 'GRANTED', endFailure: FAILED.failure, owed: ['thread'] });
    expect(kept!.ending).toBeUndefined();
    expect(await store.record(request.id, { state: 'KEPT', at: '2027-01-02T00:00:02.000Z', failure: FAILED.failure }, announcer)).toBeUndefined();

    expect(await store.beginEnding(request.id, ending)).toMatchObject({ ending });
    const ended = { state: 'ENDED' as const, at: '2027-01-02T00:00:03.000Z', policyHashBefore: 'a'.repeat(64), policyHash: 'c'.repeat(64), stillPullsThrough: [], ending, outside: false };
    const expired = await store.record(request.id, ended, announcer);
    expect(expired).toMatchObject({ state: 'EXPIRED', endedAt: ended.at, owed: ['card', 'dm', 'thread'] });
    expect(expired!.history?.map((e) => e.kind)).toEqual(['approved', 'granted', 'revoke-refused', 'expired']);
    expect(await store.record(request.id, ended, announcer)).toBeUndefined();
  });

  it('lets a pending request lapse once, and never a decided one', async () => {
    const request = pending({ account: '100000000023' });
    await store.create(request);
    const lapse = { kind: 'expire-pending' as const, at: '2027-01-08T00:00:00.000Z' };
    expect(await store.sweepStep(request.id, lapse, announcer)).toMatchObject({ state: 'EXPIRED', owed: ['card', 'dm'], announcer });
    expect(await store.sweepStep(request.id, lapse, announcer)).toBeUndefined();
    const decided = pending({ account: '100000000024' });
    await store.create(decided);
    await store.decide(decided.id, decision(decided, { to: 'DENIED' }));
    expect(await store.sweepStep(decided.id, lapse, announcer)).toBeUndefined();
  });

  it('counts a nudge once per previous nudge, so two passes cannot both nudge', async () => {
    const request = pending({ account: '100000000025' });
    await store.create(request);
    const first = { kind: 'nudged' as const, at: '2027-01-01T00:15:00.000Z', previous: undefined };
    const both = await Promise.all([store.sweepStep(request.id, first, announcer), store.sweepStep(request.id, first, announcer)]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await store.sweepStep(request.id, { kind: 'nudged', at: '2027-01-01T00:45:00.000Z', previous: first.at }, announcer)).toMatchObject({ nudges: 2 });
    expect(await store.sweepStep(request.id, { kind: 'nudged', at: '2027-01-01T00:46:00.000Z', previous: first.at }, announcer)).toBeUndefined();
  });

  it('owes one reminder before a grant ends, and none while it is being removed', async () => {
    const request = pending({ account: '100000000026' });
    await store.create(request);
    await store.decide(request.id, decision(request));
    await store.record(request.id, { ...GRANTED, expiresAt: '2027-01-02T00:00:00.000Z' }, announcer);
    await store.delivered(request.id, ['card', 'thread', 'dm']);
    expect(await store.sweepStep(request.id, { kind: 'remind' }, announcer)).toMatchObject({ reminded: true, owed: ['reminder'] });
    expect(await store.sweepStep(request.id, { kind: 'remind' }, announcer)).toBeUndefined();

    const other = pending({ account: '100000000027' });
    await store.create(other);
    await store.decide(other.id, decision(other));
    await store.record(other.id, { ...GRANTED, expiresAt: '2027-01-02T00:00:00.000Z' }, announcer);
    await store.beginEnding(other.id, { kind: 'revoke', by: 'U0APPROVER', at: '2027-01-01T12:00:00.000Z' });
    expect(await store.sweepStep(other.id, { kind: 'remind' }, announcer)).toBeUndefined();
  });

  it('notes each change of drift once, and nothing for a repository that never drifted', async () => {
    const event = (detail: string) => ({ kind: 'drift' as const, at: '2027-01-01T00:00:00.000Z', by: 'ecr-access', detail });
    expect(await store.noteDrift('drifty', NO_DRIFT, event('no drift'))).toBe(false);
    const both = await Promise.all([store.noteDrift('drifty', 'sig-1', event('one')), store.noteDrift('drifty', 'sig-1', event('one'))]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await store.noteDrift('drifty', 'sig-2', event('two'))).toBe(true);
    expect(await store.noteDrift('drifty', NO_DRIFT, event('no drift'))).toBe(true);
    expect(await store.noteDrift('drifty', NO_DRIFT, event('no drift'))).toBe(false);
    expect((await store.driftHistory('drifty')).map((e) => e.detail)).toEqual(['one', 'two', 'no drift']);
    expect(await store.driftHistory('never-drifted')).toEqual([]);
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

const change = (account: string, n: number): PolicyChange => ({ kind: 'grant', account, requestId: `r-${String(n).padStart(10, '0')}` });

for (const [name, start, missing] of BACKENDS) describeNeeding(`the repository lease and change queue on ${name}`, missing, () => {
  let backend: LocalDynamo;
  let client: DynamoDBClient;
  let now = 1_000_000;
  const clock = { now: () => now };
  const times = { leaseMs: 1_000, landingMs: 600 };
  let queue: ChangeQueue;
  beforeAll(async () => {
    backend = await start();
    client = new DynamoDBClient({ region: 'us-east-1', endpoint: backend.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await createTable(client, TABLE);
    queue = dynamoChangeQueue(dynamoTable(client, TABLE), times, clock, createLogger({ write: () => undefined }));
  }, 60_000);
  afterAll(async () => {
    client.destroy();
    await backend.close();
  });

  it('gives the lease to one holder at a time, queueing a change either way', async () => {
    const repo = 'one-holder';
    const inner = await queue.withLease(
      repo,
      async (_lease, waiting) => {
        expect(waiting).toEqual([change('222233334444', 1)]);
        return queue.withLease(repo, async () => 'second', change('333344445555', 2));
      },
      change('222233334444', 1),
    );
    // The one not let in learns the repository's status from the write that queued its change.
    const both = [change('222233334444', 1), change('333344445555', 2)];
    expect(inner).toEqual({ held: true, value: { held: false, status: { waiting: both, heldUntil: now + times.leaseMs, kept: false } } });
    expect((await queue.status(repo)).waiting).toEqual(both);
    expect(await queue.withLease(repo, async () => 'free again')).toEqual({ held: true, value: 'free again' });
  });

  it('queues a change with the lease only, when asked, and queues one without trying the lease', async () => {
    const repo = 'only-if-free';
    const inner = await queue.withLease(
      repo,
      async (_lease, waiting) => {
        expect(waiting).toEqual([change('222233334444', 1)]);
        const held = await queue.withLease(repo, async () => 'second', change('333344445555', 2), { onlyIfFree: true });
        expect((await queue.status(repo)).waiting).toEqual([change('222233334444', 1)]);
        expect(await queue.queue(repo, change('333344445555', 2))).toEqual({
          waiting: [change('222233334444', 1), change('333344445555', 2)],
          heldUntil: now + times.leaseMs,
          kept: false,
        });
        return held;
      },
      change('222233334444', 1),
      { onlyIfFree: true },
    );
    expect(inner).toEqual({ held: true, value: { held: false } });
    const after = await queue.status(repo);
    expect(after).toEqual({ waiting: [change('222233334444', 1), change('333344445555', 2)], heldUntil: 0, kept: false });
  });

  it('hands the lease to another once it has run out, and the first holder can then neither settle nor write', async () => {
    const repo = 'run-out';
    let stale: Lease | undefined;
    await queue.withLease(repo, async (lease) => {
      stale = lease;
      now += times.leaseMs + 1;
      expect(await queue.withLease(repo, async () => 'taken over')).toEqual({ held: true, value: 'taken over' });
      await queue.withLease(repo, async () => {
        expect(await lease.settle([])).toBeUndefined();
        expect(await lease.coverWrite()).toBe(false);
      });
    }, change('222233334444', 3));
    expect(stale).toBeDefined();
  });

  it('renews the lease before a write it no longer covers until the write can no longer land', async () => {
    const repo = 'cover';
    await queue.withLease(repo, async (lease) => {
      expect(await lease.coverWrite()).toBe(true);
      const first = (await queue.status(repo)).heldUntil;
      now += times.leaseMs - times.landingMs + 1;
      expect(await lease.coverWrite()).toBe(true);
      expect((await queue.status(repo)).heldUntil).toBe(now + times.leaseMs);
      expect((await queue.status(repo)).heldUntil).toBeGreaterThan(first);
    });
  });

  it('takes settled changes off the queue and answers what still waits', async () => {
    const repo = 'settle';
    await queue.withLease(
      repo,
      async (lease) => {
        await queue.withLease(repo, async () => undefined, change('333344445555', 5));
        expect(await lease.settle([change('222233334444', 4)])).toEqual([change('333344445555', 5)]);
      },
      change('222233334444', 4),
    );
  });

  it('keeps a repository from every holder until a write whose outcome is unknown can no longer land', async () => {
    const repo = 'kept';
    await queue.withLease(repo, async (lease) => lease.keepUntil(now + times.landingMs), change('222233334444', 6));
    expect(await queue.status(repo)).toEqual({ waiting: [change('222233334444', 6)], heldUntil: now + times.landingMs, kept: true });
    expect(await queue.withLease(repo, async () => 'too soon')).toEqual({ held: false });
    now += times.landingMs + 1;
    expect(await queue.withLease(repo, async () => 'after')).toEqual({ held: true, value: 'after' });
    expect((await queue.status(repo)).kept).toBe(false);
  });

  it('replaces a change in the queue', async () => {
    const repo = 'replace';
    await queue.withLease(repo, async (lease) => lease.replace(change('222233334444', 7), { ...change('222233334444', 7), kind: 'revoke' }), change('222233334444', 7));
    expect((await queue.status(repo)).waiting).toEqual([{ ...change('222233334444', 7), kind: 'revoke' }]);
  });

  it('ignores a malformed queue entry instead of trusting it', async () => {
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: keys.repository('mangled') }, queue: { SS: ['grant:not-an-account:r-0000000001', 'grant:222233334444:r-0000000002'] } } }));
    expect((await queue.status('mangled')).waiting).toEqual([change('222233334444', 2)]);
  });

  it('names the kept holder in one place', () => {
    expect(KEPT).toMatch(/unknown-write/);
  });
});

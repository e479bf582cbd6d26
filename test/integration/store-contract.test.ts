// One contract for the request store, the repository lease and the Home tab turns, run on the in-memory fakes the
// unit tests use and on the DynamoDB adapters over dynalite and AWS's DynamoDB Local: every
// state change, slot claim, outbox tick and lease move is a single-item conditional write, and
// all three agree, order included.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { MAX_DRIFT_EVENTS } from '../../src/aws/drift-notes';
import { dynamoTable } from '../../src/aws/dynamo';
import { dynamoHomeTurns, HOME_TURN_MS } from '../../src/aws/home-turns';
import { dynamoChangeQueue, type LeaseTimes } from '../../src/aws/repository-lease';
import { dynamoRequestStore } from '../../src/aws/request-store';
import { keys } from '../../src/aws/table-schema';
import { createTable } from '../../src/create-table';
import type { AccessRequest, Ending } from '../../src/domain/access-request';
import { ErrorCode } from '../../src/errors';
import { createLogger } from '../../src/logger';
import type { HomeTurns } from '../../src/slack/home-publisher';
import { type ChangeQueue, type Lease, NO_DRIFT, type RequestStore, type Verdict } from '../../src/service/ports';
import { InMemoryChangeQueue, InMemoryHomeTurns, InMemoryRequestStore } from '../support/in-memory-ports';
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
const verdict = { at: '2027-01-01T00:00:01.000Z', policyHashBefore: 'b'.repeat(64), policyHash: 'a'.repeat(64), verifiedPolicy: '{"Statement":[]}', pullsThrough: [] };
const GRANTED: Verdict = { ...verdict, outcome: { state: 'GRANTED' } };
const failure = { code: ErrorCode.PolicyRejected, detail: 'InvalidParameterException' };
const FAILED: Verdict = { ...verdict, outcome: { state: 'FAILED', failure } };
const ended = (ending: Ending, at = '2027-01-02T00:00:03.000Z'): Verdict => ({ ...verdict, at, policyHash: 'c'.repeat(64), outcome: { state: 'ENDED', ending, keptBy: [], outside: false } });
const announcer = { by: 'process-a', at: 1_000 };

/** A backend as the contract needs it: a store, a lease on a clock the test moves, and DynamoDB's client when there is one. */
interface Backend {
  store: RequestStore;
  queue(times: LeaseTimes, clock: { now(): number }): ChangeQueue;
  turns(clock: { now(): number }): HomeTurns;
  /** For what only a DynamoDB table can hold: malformed items written around the adapter. */
  client?: DynamoDBClient;
  close(): Promise<void>;
}

const onDynamo = (start: () => Promise<LocalDynamo>) => async (): Promise<Backend> => {
  const backend = await start();
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: backend.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await createTable(client, TABLE);
  const table = dynamoTable(client, TABLE);
  return {
    store: dynamoRequestStore(table),
    queue: (times, clock) => dynamoChangeQueue(table, times, clock, createLogger({ write: () => undefined })),
    turns: (clock) => dynamoHomeTurns(table, clock),
    client,
    close: async () => {
      client.destroy();
      await backend.close();
    },
  };
};

const inMemory = async (): Promise<Backend> => ({
  store: new InMemoryRequestStore(),
  queue: (times, clock) => new InMemoryChangeQueue({ now: () => clock.now(), sleep: async () => undefined }, times),
  turns: (clock) => new InMemoryHomeTurns(clock),
  close: async () => undefined,
});

const BACKENDS: [name: string, start: () => Promise<Backend>, missing: string | undefined][] = [
  ['the in-memory fake', inMemory, undefined],
  ['dynalite', onDynamo(startDynalite), undefined],
  ['DynamoDB Local', onDynamo(startDynamoDbLocal), javaProblem()],
];

for (const [name, start, missing] of BACKENDS) describeNeeding(`the request store on ${name}`, missing, () => {
  let backend: Backend;
  let store: RequestStore;
  beforeAll(async () => {
    backend = await start();
    store = backend.store;
  }, 60_000);
  afterAll(async () => backend.close());

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

  describe('the two-person rule', () => {
    const first = (request: AccessRequest, by = 'U0BOB', overrides: Partial<Parameters<RequestStore['approveFirst']>[1]> = {}) => ({
      by,
      at: '2027-01-01T00:00:00.000Z',
      card: request.card!,
      target: { repository: request.repository, account: request.account },
      ...overrides,
    });
    const second = (request: AccessRequest, by: string) => decision(request, { by, second: true, target: { repository: request.repository, account: request.account } });

    it('records a first approval on the pending request, with its history event, and nothing else', async () => {
      const request = pending({ account: '100000000230' });
      await store.create(request);
      const recorded = await store.approveFirst(request.id, first(request));
      expect(recorded).toEqual({
        decided: true,
        request: { ...request, firstApproval: { by: 'U0BOB', at: '2027-01-01T00:00:00.000Z' }, history: [{ kind: 'approved', at: '2027-01-01T00:00:00.000Z', by: 'U0BOB', detail: '1 of 2 approvals' }] },
      });
      expect(await store.get(request.id)).toEqual(recorded.decided && recorded.request);
    });

    it('refuses a first approval by the requester, from another card or for another account, and a second first approval', async () => {
      const request = pending({ account: '100000000231' });
      await store.create(request);
      expect(await store.approveFirst(request.id, first(request, request.requester))).toMatchObject({ decided: false, current: { state: 'PENDING' } });
      expect(await store.approveFirst(request.id, first(request, 'U0BOB', { card: { channel: 'C0APPROVALS', ts: '1700000000.999999' } }))).toMatchObject({ decided: false });
      expect(await store.approveFirst(request.id, first(request, 'U0BOB', { target: { repository: request.repository, account: '100000000099' } }))).toMatchObject({ decided: false });
      expect((await store.get(request.id))?.firstApproval).toBeUndefined();
      await store.approveFirst(request.id, first(request));
      expect(await store.approveFirst(request.id, first(request, 'U0CAROL'))).toMatchObject({ decided: false, current: { state: 'PENDING', firstApproval: { by: 'U0BOB' } } });
      expect(await store.approveFirst('r-nosuchreqs', first(request))).toEqual({ decided: false, current: undefined });
    });

    it('refuses a first approval on a request no longer pending', async () => {
      const request = pending({ account: '100000000232' });
      await store.create(request);
      await store.decide(request.id, decision(request, { to: 'DENIED' }));
      expect(await store.approveFirst(request.id, first(request))).toMatchObject({ decided: false, current: { state: 'DENIED' } });
    });

    it('approves as the second approval only after a first by another approver, in order', async () => {
      const request = pending({ account: '100000000233' });
      await store.create(request);
      expect(await store.decide(request.id, second(request, 'U0CAROL'))).toMatchObject({ decided: false, current: { state: 'PENDING' } });
      await store.approveFirst(request.id, first(request));
      expect(await store.decide(request.id, second(request, 'U0BOB'))).toMatchObject({ decided: false, current: { state: 'PENDING', firstApproval: { by: 'U0BOB' } } });
      expect(await store.decide(request.id, second(request, request.requester))).toMatchObject({ decided: false, current: { state: 'PENDING' } });
      const approved = await store.decide(request.id, second(request, 'U0CAROL'));
      expect(approved).toMatchObject({ decided: true, request: { state: 'APPROVED', decidedBy: 'U0CAROL', firstApproval: { by: 'U0BOB' }, attempts: 1 } });
      expect(approved.decided && approved.request.history).toEqual([
        { kind: 'approved', at: '2027-01-01T00:00:00.000Z', by: 'U0BOB', detail: '1 of 2 approvals' },
        { kind: 'approved', at: '2027-01-01T00:00:00.000Z', by: 'U0CAROL', detail: '2 of 2 approvals' },
      ]);
      expect(await store.decide(request.id, second(request, 'U0DAVE'))).toMatchObject({ decided: false, current: { state: 'APPROVED' } });
    });

    it('takes a failed request back as a second approval by anyone but the requester: the retry', async () => {
      const request = pending({ account: '100000000234' });
      await store.create(request);
      await store.approveFirst(request.id, first(request));
      await store.decide(request.id, second(request, 'U0CAROL'));
      await store.record(request.id, FAILED, announcer);
      expect(await store.decide(request.id, second(request, 'U0BOB'))).toMatchObject({ decided: true, request: { state: 'APPROVED', decidedBy: 'U0BOB', attempts: 2 } });
    });

    it('records one first approval of the same approver clicking twice at once', async () => {
      const request = pending({ account: '100000000235' });
      await store.create(request);
      const both = await Promise.all([store.approveFirst(request.id, first(request)), store.approveFirst(request.id, first(request))]);
      expect(both.map((o) => o.decided).sort()).toEqual([false, true]);
      expect((await store.get(request.id))?.history).toHaveLength(1);
    });

    it('of two approvers at once, records one first approval, and the other then approves as the second', async () => {
      const request = pending({ account: '100000000236' });
      await store.create(request);
      const [bob, carol] = await Promise.all([store.approveFirst(request.id, first(request, 'U0BOB')), store.approveFirst(request.id, first(request, 'U0CAROL'))]);
      const winner = [bob, carol].find((o) => o.decided);
      const loser = [bob, carol].find((o) => !o.decided);
      expect(winner && loser).toBeTruthy();
      const firstBy = winner?.decided ? winner.request.firstApproval?.by : undefined;
      expect(loser).toMatchObject({ decided: false, current: { state: 'PENDING', firstApproval: { by: firstBy } } });
      const other = firstBy === 'U0BOB' ? 'U0CAROL' : 'U0BOB';
      expect(await store.decide(request.id, second(request, other))).toMatchObject({ decided: true, request: { state: 'APPROVED', decidedBy: other } });
    });

    it('of two second approvals at once, lets one through', async () => {
      const request = pending({ account: '100000000237' });
      await store.create(request);
      await store.approveFirst(request.id, first(request));
      const both = await Promise.all([store.decide(request.id, second(request, 'U0CAROL')), store.decide(request.id, second(request, 'U0DAVE'))]);
      expect(both.filter((o) => o.decided)).toHaveLength(1);
      expect((await store.get(request.id))?.attempts).toBe(1);
    });
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
      history: [
        { kind: 'approved', at: '2027-01-01T00:00:00.000Z', by: 'U0APPROVER' },
        { kind: 'granted', at: GRANTED.at, policyHashBefore: GRANTED.policyHashBefore, policyHash: GRANTED.policyHash },
      ],
      owed: ['card', 'dm', 'thread'],
      announcer,
    });
    expect(await store.record(request.id, FAILED, announcer)).toBeUndefined();
  });

  it('records a failure with its code, and a retry clears it', async () => {
    const request = pending({ account: '100000000010' });
    await store.create(request);
    await store.decide(request.id, decision(request));
    expect(await store.record(request.id, FAILED, announcer)).toMatchObject({ state: 'FAILED', failure, owed: ['card', 'thread'] });
    const retried = await store.decide(request.id, decision(request));
    expect(retried).toMatchObject({ decided: true, request: { state: 'APPROVED', attempts: 2 } });
    expect(retried.decided && retried.request.failure).toBeUndefined();
  });

  it('owes a denial its card and DM from the deciding write', async () => {
    const request = pending({ account: '100000000011' });
    await store.create(request);
    expect(await store.decide(request.id, decision(request, { to: 'DENIED' }))).toMatchObject({ decided: true, request: { state: 'DENIED', owed: ['card', 'dm'] } });
  });

  it("finds every request a person asked for, newest first, each as it is now, and no one else's", async () => {
    const mine = [pending({ requester: 'U0HOMEOWNER', account: '100000000051' }), pending({ requester: 'U0HOMEOWNER', account: '100000000052', repository: 'team-home/images' })];
    const theirs = pending({ requester: 'U0SOMEONEELSE', account: '100000000053' });
    for (const request of [...mine, theirs]) await store.create(request);
    await store.decide(mine[0]!.id, decision(mine[0]!, { to: 'DENIED' }));
    const found = await store.requesterRequests('U0HOMEOWNER');
    expect(found.map((r) => [r.id, r.state])).toEqual([
      [mine[1]!.id, 'PENDING'],
      [mine[0]!.id, 'DENIED'],
    ]);
    expect(await store.requesterRequests('U0NOBODYATALL')).toEqual([]);
  });

  it('notes why an approver denies a request open to a decision, and the denial carries the note', async () => {
    const request = pending({ account: '100000000041' });
    await store.create(request);
    const note = { by: 'U0APPROVER', at: '2027-01-01T00:00:00.000Z', reason: 'use the public mirror' };
    expect(await store.noteDenialReason(request.id, note)).toBe(true);
    expect(await store.decide(request.id, decision(request, { to: 'DENIED' }))).toMatchObject({ decided: true, request: { state: 'DENIED', denialNote: note } });
  });

  it('notes no reason on a request already decided, or on none at all', async () => {
    const request = pending({ account: '100000000042' });
    await store.create(request);
    await store.decide(request.id, decision(request));
    expect(await store.noteDenialReason(request.id, { by: 'U0OTHER', at: '2027-01-01T00:00:00.000Z', reason: 'too late' })).toBe(false);
    expect((await store.get(request.id))!.denialNote).toBeUndefined();
    expect(await store.noteDenialReason('r-nosuchnote', { by: 'U0OTHER', at: '2027-01-01T00:00:00.000Z' })).toBe(false);
    expect(await store.get('r-nosuchnote')).toBeUndefined();
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

  it("puts every new request in the sweep's work list, due at once, and look-again moves it only from the version it saw", async () => {
    const request = pending({ account: '100000000020' });
    await store.create(request);
    const createdAt = Date.parse(request.createdAt);
    expect(await dueIds(createdAt - 1)).not.toContainEqual({ id: request.id, dueAt: createdAt });
    expect(await dueIds(createdAt)).toContainEqual({ id: request.id, dueAt: createdAt });
    const seen = (await store.due(createdAt, 1_000)).find((d) => d.request.id === request.id)!.version;
    expect(seen).toBe(0);

    expect(await store.sweepStep(request.id, { kind: 'look-again', at: createdAt + 5_000, seen: seen + 1 }, announcer)).toBeUndefined();
    expect(await store.sweepStep(request.id, { kind: 'look-again', at: createdAt + 5_000, seen }, announcer)).toMatchObject({ id: request.id });
    expect((await dueIds(createdAt + 4_999)).map((d) => d.id)).not.toContain(request.id);
    expect(await dueIds(createdAt + 5_000)).toContainEqual({ id: request.id, dueAt: createdAt + 5_000 });

    await store.sweepStep(request.id, { kind: 'look-again', at: undefined, seen }, announcer);
    expect((await dueIds(Number.MAX_SAFE_INTEGER)).map((d) => d.id)).not.toContain(request.id);
  });

  it('makes a request due again at every change of state', async () => {
    const request = pending({ account: '100000000021' });
    await store.create(request);
    await store.sweepStep(request.id, { kind: 'look-again', at: undefined, seen: 0 }, announcer);
    await store.decide(request.id, decision(request));
    expect(await dueIds(Date.parse('2027-01-01T00:00:00.000Z'))).toContainEqual({ id: request.id, dueAt: Date.parse('2027-01-01T00:00:00.000Z') });
  });

  it('keeps a change the sweep did not see due, even one made at the very moment it saw', async () => {
    const request = pending({ account: '100000000033' });
    await store.create(request);
    await store.decide(request.id, decision(request));
    const [read] = (await store.due(Number.MAX_SAFE_INTEGER, 1_000)).filter((d) => d.request.id === request.id);
    // Approved, then revoked in the same millisecond, after the sweep read it approved.
    await store.record(request.id, GRANTED, announcer);
    await store.beginEnding(request.id, { kind: 'revoke', by: 'U0APPROVER', at: '2027-01-01T00:00:00.000Z' });
    expect(await store.sweepStep(request.id, { kind: 'look-again', at: undefined, seen: read!.version }, announcer)).toBeUndefined();
    expect(await dueIds(Date.parse('2027-01-01T00:00:00.000Z'))).toContainEqual({ id: request.id, dueAt: Date.parse('2027-01-01T00:00:00.000Z') });
  });

  it('begins one end of a grant, and records it EXPIRED (owing card, thread and DM) or its removal refused, once', async () => {
    const request = pending({ account: '100000000022' });
    await store.create(request);
    await store.decide(request.id, decision(request));
    await store.record(request.id, { ...GRANTED, expiresAt: '2027-01-02T00:00:00.000Z' }, announcer);
    await store.delivered(request.id, ['card', 'thread', 'dm']);
    const ending = { kind: 'expire' as const, by: 'ecr-access', at: '2027-01-02T00:00:00.000Z' };
    expect(await store.beginEnding(request.id, ending)).toMatchObject({ state: 'GRANTED', ending });
    expect(await store.beginEnding(request.id, { ...ending, kind: 'revoke', by: 'U0APPROVER' })).toBeUndefined();

    // ECR refused the removal: the grant is live again, says why, and may be ended again.
    const refused: Verdict = { ...verdict, at: '2027-01-02T00:00:01.000Z', outcome: { state: 'REMOVAL_REFUSED', failure } };
    const kept = await store.record(request.id, refused, announcer);
    expect(kept).toMatchObject({ state: 'GRANTED', endFailure: failure, owed: ['thread'] });
    expect(kept!.ending).toBeUndefined();
    expect(await store.record(request.id, refused, announcer)).toBeUndefined();

    expect(await store.beginEnding(request.id, ending)).toMatchObject({ ending });
    // An end of another kind than the one under way is not this end.
    expect(await store.record(request.id, ended({ ...ending, kind: 'revoke' }), announcer)).toBeUndefined();
    const expired = await store.record(request.id, ended(ending), announcer);
    expect(expired).toMatchObject({ state: 'EXPIRED', endedAt: '2027-01-02T00:00:03.000Z', owed: ['card', 'dm', 'thread'], keptBy: [], stillPullsThrough: [] });
    expect(expired!.history?.map((e) => e.kind)).toEqual(['approved', 'granted', 'revoke-refused', 'expired']);
    expect(await store.record(request.id, ended(ending), announcer)).toBeUndefined();
  });

  it('ends an approval before it is verified: never granted, recorded REVOKED with who, why and the grants that keep the account in', async () => {
    const request = pending({ account: '100000000028' });
    await store.create(request);
    await store.decide(request.id, decision(request));
    const ending = { kind: 'revoke' as const, by: 'U0RITA', at: '2027-01-01T00:00:02.000Z', reason: 'wrong account' };
    expect(await store.beginEnding(request.id, ending)).toMatchObject({ state: 'APPROVED', ending });
    expect(await store.record(request.id, GRANTED, announcer)).toBeUndefined();
    expect(await store.record(request.id, FAILED, announcer)).toBeUndefined();
    const keptBy = [{ id: 'r-0000000099', requester: 'U0SAM', expiresAt: '2027-01-05T00:00:00.000Z' }];
    const revoked = await store.record(request.id, { ...ended(ending), outcome: { state: 'ENDED', ending, keptBy, outside: false } }, announcer);
    expect(revoked).toMatchObject({ state: 'REVOKED', keptBy, owed: ['card', 'dm', 'thread'] });
    expect(revoked!.grantedAt).toBeUndefined();
    expect(revoked!.history?.at(-1)).toEqual({ kind: 'revoked', at: '2027-01-02T00:00:03.000Z', by: 'U0RITA', policyHashBefore: verdict.policyHashBefore, policyHash: 'c'.repeat(64), detail: 'wrong account' });
  });

  it('owes only the channel post when an account added by hand is taken out', async () => {
    const outside: AccessRequest = { ...pending({ account: '100000000029', state: 'GRANTED', origin: 'outside' }) };
    delete outside.card;
    await store.recordOutside(outside);
    const ending = { kind: 'revoke' as const, by: 'U0APPROVER', at: '2027-01-01T00:00:02.000Z' };
    await store.beginEnding(outside.id, ending);
    expect(await store.record(outside.id, { ...ended(ending), outcome: { state: 'ENDED', ending, keptBy: [], outside: true } }, announcer)).toMatchObject({ state: 'REVOKED', owed: ['thread'] });
  });

  it("finds every request of the accounts asked for on a repository, however many, and the ones it is told of", async () => {
    const mine = [pending({ repository: 'accounts-repo', account: '100000000030' }), pending({ repository: 'accounts-repo', account: '100000000031' })];
    for (const r of mine) await store.create(r);
    await store.create(pending({ repository: 'accounts-repo', account: '100000000032' }));
    await store.create(pending({ repository: 'other-accounts-repo', account: '100000000030' }));
    const found = await store.accountRequests('accounts-repo', ['100000000030', '100000000031'], [mine[0]!.id, 'r-zzzzzzzzzz']);
    expect(found.map((r) => r.id).sort()).toEqual(mine.map((r) => r.id).sort());
    expect(await store.accountRequests('accounts-repo', [], [])).toEqual([]);
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

  it('keeps the newest drift events only, so a repository edited by hand every day keeps a bounded item', async () => {
    const event = (n: number) => ({ kind: 'drift' as const, at: '2027-01-01T00:00:00.000Z', by: 'ecr-access', detail: `seen ${n}` });
    for (let n = 1; n <= MAX_DRIFT_EVENTS + 5; n++) await store.noteDrift('bounded', n % 2 === 0 ? NO_DRIFT : `sig-${n}`, event(n));
    const kept = await store.driftHistory('bounded');
    expect(kept).toHaveLength(MAX_DRIFT_EVENTS);
    expect(kept[0]!.detail).toBe('seen 6');
    expect(kept.at(-1)!.detail).toBe(`seen ${MAX_DRIFT_EVENTS + 5}`);
  });
});

for (const [name, start, missing] of BACKENDS.slice(1)) describeNeeding(`stored items on ${name}`, missing, () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await start();
  }, 60_000);
  afterAll(async () => backend.close());

  it('reports a malformed stored request instead of trusting it', async () => {
    await backend.client!.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: keys.request('r-mangled000') }, id: { S: 'r-mangled000' }, state: { S: 'GRANTED' }, account: { S: 'not-an-account' } },
      }),
    );
    await expect(backend.store.get('r-mangled000')).rejects.toMatchObject({ code: 'ecr_access_store' });
  });

  it('ignores a malformed mark instead of trusting it', async () => {
    await backend.client!.send(
      new PutItemCommand({ TableName: TABLE, Item: { pk: { S: keys.repository('mangled') }, queue: { SS: ['not-an-account:r-0000000001:a1', '222233334444:r-0000000002:b2', 'grant:222233334444:r-0000000003'] } } }),
    );
    const queue = backend.queue({ leaseMs: 1_000, landingMs: 600 }, { now: () => 0 });
    expect((await queue.status('mangled')).marks).toEqual([{ account: '222233334444', requestId: 'r-0000000002', token: 'b2' }]);
  });
});

const marking = (account: string, n: number) => ({ account, requestId: `r-${String(n).padStart(10, '0')}` });
/** Marks as a test compares them: which account and request, whatever token each got. */
const marked = (marks: ReadonlyArray<{ account: string; requestId: string }>) => marks.map(({ account, requestId }) => ({ account, requestId }));

for (const [name, start, missing] of BACKENDS) describeNeeding(`the repository lease and marks on ${name}`, missing, () => {
  let backend: Backend;
  let now = 1_000_000;
  const clock = { now: () => now };
  const times = { leaseMs: 1_000, landingMs: 600 };
  let queue: ChangeQueue;
  beforeAll(async () => {
    backend = await start();
    queue = backend.queue(times, clock);
  }, 60_000);
  afterAll(async () => backend.close());

  it('gives the lease to one holder at a time, marking the account either way', async () => {
    const repo = 'one-holder';
    const inner = await queue.withLease(
      repo,
      async (_lease, marks) => {
        expect(marked(marks)).toEqual([marking('222233334444', 1)]);
        const second = await queue.withLease(repo, async () => 'second', marking('333344445555', 2));
        expect((await queue.status(repo)).heldUntil).toBe(now + times.leaseMs);
        return second;
      },
      marking('222233334444', 1),
    );
    expect(inner).toEqual({ held: true, value: { held: false } });
    expect(marked((await queue.status(repo)).marks)).toEqual([marking('222233334444', 1), marking('333344445555', 2)]);
    expect(await queue.withLease(repo, async () => 'free again')).toEqual({ held: true, value: 'free again' });
  });

  it('marks an account without trying the lease', async () => {
    const repo = 'mark-only';
    await queue.withLease(repo, async () => {
      await queue.mark(repo, marking('222233334444', 1));
      const status = await queue.status(repo);
      expect({ ...status, marks: marked(status.marks) }).toEqual({ marks: [marking('222233334444', 1)], heldUntil: now + times.leaseMs });
    });
    expect((await queue.status(repo)).heldUntil).toBe(0);
  });

  it('keeps two marks of the same request apart, and answers marks in one order: account, request, token', async () => {
    const repo = 'order';
    for (const [account, n] of [['333344445555', 3], ['222233334444', 2], ['222233334444', 1], ['222233334444', 1]] as const) await queue.mark(repo, marking(account, n));
    const { marks } = await queue.status(repo);
    expect(marked(marks)).toEqual([marking('222233334444', 1), marking('222233334444', 1), marking('222233334444', 2), marking('333344445555', 3)]);
    expect(marks[0]!.token < marks[1]!.token).toBe(true);
  });

  it('takes off only the marks it saw, never one made after', async () => {
    const repo = 'unmark';
    await queue.withLease(
      repo,
      async (lease, seen) => {
        // The same request marks its account again while the holder works.
        await queue.mark(repo, marking('222233334444', 4));
        const left = await lease.unmark(seen);
        expect(marked(left!)).toEqual([marking('222233334444', 4)]);
        expect(left![0]!.token).not.toBe(seen[0]!.token);
      },
      marking('222233334444', 4),
    );
  });

  it('hands the lease to another once it has run out, and the first holder can then neither unmark nor write', async () => {
    const repo = 'run-out';
    let stale: Lease | undefined;
    await queue.withLease(
      repo,
      async (lease) => {
        stale = lease;
        now += times.leaseMs + 1;
        expect(await queue.withLease(repo, async () => 'taken over')).toEqual({ held: true, value: 'taken over' });
        await queue.withLease(repo, async () => {
          expect(await lease.unmark([])).toBeUndefined();
          expect(await lease.coverWrite()).toBe(false);
        });
      },
      marking('222233334444', 3),
    );
    expect(stale).toBeDefined();
  });

  it('renews the lease before a write it no longer covers until the write can no longer land', async () => {
    const repo = 'cover';
    await queue.withLease(repo, async (lease) => {
      expect(await lease.coverWrite()).toBe(true);
      lease.answered();
      const first = (await queue.status(repo)).heldUntil;
      now += times.leaseMs - times.landingMs + 1;
      expect(await lease.coverWrite()).toBe(true);
      lease.answered();
      expect((await queue.status(repo)).heldUntil).toBe(now + times.leaseMs);
      expect((await queue.status(repo)).heldUntil).toBeGreaterThan(first);
    });
  });

  it('is let run out, never released, while a write sent under it is unanswered, even when its holder fails', async () => {
    const repo = 'unanswered';
    await expect(
      queue.withLease(repo, async (lease) => {
        await lease.coverWrite();
        throw new Error('the process fails before ECR answers');
      }),
    ).rejects.toThrow('before ECR answers');
    const heldUntil = (await queue.status(repo)).heldUntil;
    expect(heldUntil).toBeGreaterThanOrEqual(now + times.landingMs);
    expect(await queue.withLease(repo, async () => 'too soon')).toEqual({ held: false });
    now = heldUntil + 1;
    expect(await queue.withLease(repo, async () => 'after')).toEqual({ held: true, value: 'after' });
  });

  it('is released once ECR answered the write', async () => {
    const repo = 'answered';
    await queue.withLease(repo, async (lease) => {
      await lease.coverWrite();
      lease.answered();
    });
    expect((await queue.status(repo)).heldUntil).toBe(0);
  });
});

for (const [name, start, missing] of BACKENDS) describeNeeding(`the Home tab turns on ${name}`, missing, () => {
  let backend: Backend;
  let now = 5_000_000;
  let turns: HomeTurns;
  beforeAll(async () => {
    backend = await start();
    turns = backend.turns({ now: () => now });
  }, 60_000);
  afterAll(async () => backend.close());

  it('gives a person\'s turn to one process, tells that process of the others\' changes, and ends it only when nothing was told', async () => {
    expect(await turns.take('U0ALICE', 'a')).toBe('taken');
    expect(await turns.take('U0ALICE', 'b')).toBe('told');
    expect(await turns.take('U0BOB', 'b')).toBe('taken');
    // A change was told: one more publish, after which the turn ends.
    expect(await turns.end('U0ALICE', 'a')).toBe(false);
    expect(await turns.renew('U0ALICE', 'a')).toBe(true);
    expect(await turns.end('U0ALICE', 'a')).toBe(true);
    expect(await turns.take('U0ALICE', 'b')).toBe('taken');
  });

  it('lets only its owner renew or end a turn', async () => {
    expect(await turns.take('U0CAROL', 'a')).toBe('taken');
    expect(await turns.renew('U0CAROL', 'b')).toBe(false);
    expect(await turns.end('U0CAROL', 'b')).toBe(false);
    expect(await turns.end('U0CAROL', 'a')).toBe(true);
    // Ended: nobody's to renew or end.
    expect(await turns.renew('U0CAROL', 'a')).toBe(false);
    expect(await turns.end('U0CAROL', 'a')).toBe(false);
  });

  it('lets a turn lapse when its owner stops renewing it, and then the lapsed owner can neither renew nor end it', async () => {
    expect(await turns.take('U0DAVE', 'a')).toBe('taken');
    now += HOME_TURN_MS;
    expect(await turns.take('U0DAVE', 'b')).toBe('told');
    now += 1;
    expect(await turns.take('U0DAVE', 'b')).toBe('taken');
    expect(await turns.renew('U0DAVE', 'a')).toBe(false);
    expect(await turns.end('U0DAVE', 'a')).toBe(false);
    expect(await turns.end('U0DAVE', 'b')).toBe(true);
  });

  it('renews a turn for as long again from now, and clears what was told', async () => {
    expect(await turns.take('U0ERIN', 'a')).toBe('taken');
    expect(await turns.take('U0ERIN', 'b')).toBe('told');
    now += HOME_TURN_MS - 1;
    expect(await turns.renew('U0ERIN', 'a')).toBe(true);
    now += HOME_TURN_MS - 1;
    expect(await turns.take('U0ERIN', 'b')).toBe('told');
    expect(await turns.renew('U0ERIN', 'a')).toBe(true);
    expect(await turns.end('U0ERIN', 'a')).toBe(true);
  });
});

// A job waiting for the verdicts on its requests, on in-memory ports and a fake clock: recorded
// by itself or by the holder, stalled when it held the repository and stopped short, queued when
// the bounded wait runs out; the pauses between looks double up to a second and never run past
// the deadline or the end of a hold.
import type { AccessRequest, Ending } from '../../../src/domain/access-request';
import type { Mark } from '../../../src/domain/membership';
import type { Lease, Marking } from '../../../src/service/ports';
import { awaitVerdicts } from '../../../src/service/policy-changes/await-verdicts';
import { approvedRequest, inMemoryDeps } from '../../support/in-memory-ports';

const REPOSITORY = 'common-images';
const ID = 'r-0000000001';
const ACCOUNT = '222233334444';

/**
 * The in-memory world, watched: the pauses the job takes (a pause of nothing would never end on
 * a fake clock, so it fails the test), the requests it reads, and how often it tries the lease.
 */
function world(overrides: Parameters<typeof inMemoryDeps>[0] = {}, afterPause: (count: number) => void = () => undefined) {
  const w = inMemoryDeps(overrides);
  const start = w.clock.now();
  const pauses: number[] = [];
  const sleep = w.clock.sleep;
  w.clock.sleep = async (ms, signal) => {
    // An announcement renewing its claim sleeps too, until it is done: that is not the job pausing.
    if (signal) return sleep(ms, signal);
    if (ms <= 0) throw new Error(`paused for ${ms} ms`);
    pauses.push(ms);
    await sleep(ms);
    afterPause(pauses.length);
  };
  const reads: string[][] = [];
  const getMany = w.store.getMany.bind(w.store);
  w.store.getMany = async (ids) => {
    reads.push([...ids]);
    return getMany(ids);
  };
  let takes = 0;
  const withLease = w.changes.withLease.bind(w.changes);
  w.changes.withLease = async <T>(repository: string, work: (lease: Lease, marks: readonly Mark[]) => Promise<T>, marking?: Marking) => {
    if (++takes > 50) throw new Error('tried the lease over and over without waiting');
    return withLease(repository, work, marking);
  };
  return { ...w, start, pauses, reads, takes: () => takes };
}

type World = ReturnType<typeof world>;

/** Another process holds the repository until `until`. */
const heldByAnother = (w: World, until: number) => w.changes.locks.set(REPOSITORY, { holder: 'another-holder', until });
const approved = (w: World, id = ID, account = ACCOUNT) => approvedRequest(w.store, id, account);
const REVOKE: Ending = { kind: 'revoke', by: 'U0APPROVER', at: '2026-12-01T08:00:00.000Z' };

describe('a job awaiting its verdicts', () => {
  it('records them itself when the repository is free, without pausing or reading its requests again', async () => {
    const w = world();
    const request = await approved(w);
    const outcome = await awaitVerdicts(w.deps, REPOSITORY, [request]);
    expect(outcome).toEqual({ kind: 'recorded', requests: [expect.objectContaining({ id: ID, state: 'GRANTED' })] });
    expect(w.pauses).toEqual([]);
    expect(w.reads).toEqual([]);
  });

  it('waits for every request it ended, of one account, and answers them as recorded', async () => {
    const w = world();
    w.registry.policies.set(REPOSITORY, '{"Version":"2012-10-17","Statement":[{"Sid":"crossAccountAllowRead","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222233334444:root"]},"Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:DescribeImages","ecr:GetDownloadUrlForLayer","ecr:ListImages"]}]}');
    const ended: AccessRequest[] = [];
    for (const id of [ID, 'r-0000000002']) {
      const request = { ...(await approved(w, id)), state: 'GRANTED' as const, ending: REVOKE };
      w.store.requests.set(id, request);
      ended.push(request);
    }
    const outcome = await awaitVerdicts(w.deps, REPOSITORY, [ended[0]!, ended[1]!]);
    expect(outcome).toEqual({ kind: 'recorded', requests: [expect.objectContaining({ id: ID, state: 'REVOKED' }), expect.objectContaining({ id: 'r-0000000002', state: 'REVOKED' })] });
  });

  it('is recorded by the holder of the repository: once its account is no longer marked, it answers its requests as recorded', async () => {
    const w = world({}, (count) => {
      // The other holder records it during the second pause and lets the repository go.
      if (count !== 2) return;
      const request = w.store.requests.get(ID)!;
      w.store.requests.set(ID, { ...request, state: 'GRANTED' });
      w.changes.marks.set(REPOSITORY, []);
      w.changes.locks.delete(REPOSITORY);
    });
    const request = await approved(w);
    heldByAnother(w, w.start + 420_000);
    const outcome = await awaitVerdicts(w.deps, REPOSITORY, [request]);
    expect(outcome).toEqual({ kind: 'recorded', requests: [expect.objectContaining({ id: ID, state: 'GRANTED' })] });
    expect(w.pauses).toEqual([100, 200]);
    // Its requests are read only once nothing of its account is marked.
    expect(w.reads).toEqual([[ID]]);
  });

  it('keeps waiting while its account is marked, though marks of other accounts come and go', async () => {
    const w = world({ waitForChangeMs: 1_000 }, (count) => {
      if (count === 1) void w.changes.mark(REPOSITORY, { account: '333344445555', requestId: 'r-0000000009' });
    });
    const request = await approved(w);
    heldByAnother(w, w.start + 420_000);
    const outcome = await awaitVerdicts(w.deps, REPOSITORY, [request]);
    expect(outcome).toEqual({ kind: 'queued' });
    expect(w.reads).toEqual([]);
  });

  it('marks its account again when it found it unmarked while its request still awaits its verdict', async () => {
    const w = world({}, (count) => {
      // The other holder stops and lets the repository go, having taken the mark off.
      if (count === 1) {
        w.changes.marks.set(REPOSITORY, []);
        w.changes.locks.delete(REPOSITORY);
      }
    });
    const request = await approved(w);
    heldByAnother(w, w.start + 420_000);
    const outcome = await awaitVerdicts(w.deps, REPOSITORY, [request]);
    expect(outcome).toEqual({ kind: 'recorded', requests: [expect.objectContaining({ state: 'GRANTED' })] });
  });

  it('waits until every one of its requests has its verdict, not just the first', async () => {
    const w = world({}, (count) => {
      const set = (id: string) => w.store.requests.set(id, { ...w.store.requests.get(id)!, state: 'REVOKED' });
      // The other holder records one, then, a pause later, the other, and lets the repository go.
      if (count === 1) {
        set(ID);
        w.changes.marks.set(REPOSITORY, []);
      }
      if (count === 3) {
        set('r-0000000002');
        w.changes.locks.delete(REPOSITORY);
      }
    });
    const ended: AccessRequest[] = [];
    for (const id of [ID, 'r-0000000002']) {
      const request = { ...(await approved(w, id)), state: 'GRANTED' as const, ending: REVOKE };
      w.store.requests.set(id, request);
      ended.push(request);
    }
    heldByAnother(w, w.start + 420_000);
    const outcome = await awaitVerdicts(w.deps, REPOSITORY, [ended[0]!, ended[1]!]);
    expect(outcome).toEqual({ kind: 'recorded', requests: [expect.objectContaining({ id: ID, state: 'REVOKED' }), expect.objectContaining({ id: 'r-0000000002', state: 'REVOKED' })] });
    expect(w.pauses.length).toBeGreaterThanOrEqual(3);
  });

  it('waits one moment on a hold whose last moment is now, then takes the repository', async () => {
    const w = world();
    const request = await approved(w);
    heldByAnother(w, w.start);
    expect(await awaitVerdicts(w.deps, REPOSITORY, [request])).toMatchObject({ kind: 'recorded' });
    expect(w.pauses).toEqual([1]);
  });

  it('pauses 100 ms, doubling up to 1 s, and gives up at its deadline with its account still marked', async () => {
    const w = world({ waitForChangeMs: 5_000 });
    const request = await approved(w);
    heldByAnother(w, w.start + 420_000);
    const outcome = await awaitVerdicts(w.deps, REPOSITORY, [request]);
    expect(outcome).toEqual({ kind: 'queued' });
    expect(w.pauses).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 500]);
    expect(w.clock.now() - w.start).toBe(5_000);
    expect((w.changes.marks.get(REPOSITORY) ?? []).map((m) => m.account)).toEqual([ACCOUNT]);
  });

  it('pauses no longer than the hold lasts, and takes the repository the moment after its last', async () => {
    const w = world();
    const request = await approved(w);
    heldByAnother(w, w.start + 250);
    const outcome = await awaitVerdicts(w.deps, REPOSITORY, [request]);
    expect(w.pauses).toEqual([100, 151]);
    expect(outcome).toMatchObject({ kind: 'recorded' });
  });

  it('stalls when it held the repository but could not read the policy, leaving its account marked', async () => {
    const w = world();
    const request = await approved(w);
    w.registry.nextReads.push('fail');
    const outcome = await awaitVerdicts(w.deps, REPOSITORY, [request]);
    expect(outcome).toEqual({ kind: 'stalled', stop: 'unreadable' });
    expect(w.pauses).toEqual([]);
    expect((w.changes.marks.get(REPOSITORY) ?? []).map((m) => m.account)).toEqual([ACCOUNT]);
  });

  it('stalls at once when its own write may still land, saying so', async () => {
    const w = world();
    const request = await approved(w);
    w.registry.nextWrites.push('unknown');
    expect(await awaitVerdicts(w.deps, REPOSITORY, [request])).toEqual({ kind: 'stalled', stop: 'unconfirmed', heldUntil: w.clock.now() + 420_000 });
  });

  it('does not spin on a free repository its clock will not let it take: it pauses between looks, and stays queued', async () => {
    const w = world({ waitForChangeMs: 3_000 });
    const request = await approved(w);
    w.clockCheck.aheadMs = 120_000;
    const outcome = await awaitVerdicts(w.deps, REPOSITORY, [request]);
    expect(outcome).toEqual({ kind: 'queued' });
    expect(w.takes()).toBe(0);
    expect(w.pauses.every((ms) => ms >= 100)).toBe(true);
    expect(w.store.requests.get(ID)!.state).toBe('APPROVED');
  });
});

// A job waiting for its own change, on in-memory ports and a fake clock: settled by itself or by
// the holder, stalled when it stopped short, queued when the bounded wait runs out; the pauses
// between looks double up to a second and never run past the deadline or the end of a hold.
import type { PolicyChange } from '../../../src/domain/policy-change';
import type { Lease } from '../../../src/service/ports';
import { settleChange } from '../../../src/service/policy-changes/settle-change';
import { approvedRequest, inMemoryDeps } from '../../support/in-memory-ports';

const REPOSITORY = 'common-images';
const ID = 'r-0000000001';
const ACCOUNT = '222233334444';
const grant = (account: string, requestId: string): PolicyChange => ({ kind: 'grant', account, requestId });

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
  const reads: string[] = [];
  const get = w.store.get.bind(w.store);
  w.store.get = async (id) => {
    reads.push(id);
    return get(id);
  };
  let takes = 0;
  const withLease = w.changes.withLease.bind(w.changes);
  w.changes.withLease = async <T>(repository: string, work: (lease: Lease, waiting: readonly PolicyChange[]) => Promise<T>, adding?: PolicyChange) => {
    if (++takes > 50) throw new Error('tried the lease over and over without waiting');
    return withLease(repository, work, adding);
  };
  return { ...w, start, pauses, reads };
}

type World = ReturnType<typeof world>;

/** Another process holds the repository until `until`. */
const heldByAnother = (w: World, until: number) => w.changes.locks.set(REPOSITORY, { holder: 'another-holder', until });
/** The repository is kept until `until`, after a write whose outcome is unknown. */
const keptFor = (w: World, until: number) => w.changes.locks.set(REPOSITORY, { holder: 'kept', until });

async function wantedGrant(w: World) {
  const request = await approvedRequest(w.store, ID, ACCOUNT);
  return { change: grant(ACCOUNT, ID), request };
}

describe('a job settling its change', () => {
  it('settles the change itself when the repository is free, without pausing or reading its request again', async () => {
    const w = world();
    const outcome = await settleChange(w.deps, REPOSITORY, await wantedGrant(w));
    expect(outcome).toMatchObject({ kind: 'settled', request: { id: ID, state: 'GRANTED' } });
    expect(w.registry.writes).toHaveLength(1);
    expect(w.reads).toEqual([]);
    expect(w.pauses).toEqual([]);
  });

  it('is settled by the holder of the repository: once its change has left the queue, it answers the request as recorded', async () => {
    const w = world({}, (count) => {
      if (count !== 1) return;
      // The other holder records the grant and takes the change off the queue.
      w.store.requests.set(ID, { ...w.store.requests.get(ID)!, state: 'GRANTED' });
      w.changes.queues.set(REPOSITORY, []);
    });
    heldByAnother(w, w.start + 420_000);
    const outcome = await settleChange(w.deps, REPOSITORY, await wantedGrant(w));
    expect(outcome).toEqual({ kind: 'settled', request: w.store.requests.get(ID) });
    expect(outcome).toMatchObject({ request: { state: 'GRANTED' } });
    expect(w.pauses).toEqual([100]);
    expect(w.reads).toEqual([ID]);
    expect(w.registry.writes).toEqual([]);
  });

  it('is settled once its own change has left the queue, while changes of others still wait', async () => {
    const earlier = grant('333344445555', 'r-0000000002');
    const w = world({}, (count) => {
      if (count !== 1) return;
      // The other holder settles this job's change; one that arrived before it still waits.
      w.store.requests.set(ID, { ...w.store.requests.get(ID)!, state: 'GRANTED' });
      w.changes.queues.set(REPOSITORY, [earlier]);
    });
    heldByAnother(w, w.start + 420_000);
    w.changes.queues.set(REPOSITORY, [earlier]);
    const outcome = await settleChange(w.deps, REPOSITORY, await wantedGrant(w));
    expect(outcome).toMatchObject({ kind: 'settled', request: { id: ID, state: 'GRANTED' } });
    expect(w.pauses).toEqual([100]);
  });

  it('takes its first look from the write that queued its change, and reads the queue only after a pause', async () => {
    const w = world({}, (count) => {
      if (count !== 1) return;
      w.store.requests.set(ID, { ...w.store.requests.get(ID)!, state: 'GRANTED' });
      w.changes.queues.set(REPOSITORY, []);
    });
    let looks = 0;
    const status = w.changes.status.bind(w.changes);
    w.changes.status = async (repository) => {
      looks++;
      return status(repository);
    };
    heldByAnother(w, w.start + 420_000);
    expect(await settleChange(w.deps, REPOSITORY, await wantedGrant(w))).toMatchObject({ kind: 'settled', request: { state: 'GRANTED' } });
    expect(w.pauses).toEqual([100]);
    expect(looks).toBe(1);
  });

  it('keeps waiting when its change left the queue but its request cannot be found', async () => {
    const w = world({ waitForChangeMs: 300 }, (count) => {
      if (count !== 1) return;
      w.store.requests.delete(ID);
      w.changes.queues.set(REPOSITORY, []);
    });
    heldByAnother(w, w.start + 420_000);
    const outcome = await settleChange(w.deps, REPOSITORY, await wantedGrant(w));
    expect(outcome).toEqual({ kind: 'queued', heldUntil: w.start + 420_000, kept: false });
    expect(w.pauses).toEqual([100, 200]);
    expect(w.reads).toEqual([ID, ID]);
  });

  it('pauses 100 ms, doubling up to 1 s, and gives up at its deadline with the change still queued behind the others', async () => {
    const w = world({ waitForChangeMs: 5_000 });
    heldByAnother(w, w.start + 420_000);
    const earlier = grant('333344445555', 'r-0000000002');
    w.changes.queues.set(REPOSITORY, [earlier]);
    const outcome = await settleChange(w.deps, REPOSITORY, await wantedGrant(w));
    expect(outcome).toEqual({ kind: 'queued', heldUntil: w.start + 420_000, kept: false });
    expect(w.pauses).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 500]);
    expect(w.clock.now()).toBe(w.start + 5_000);
    expect(w.changes.queues.get(REPOSITORY)).toEqual([earlier, grant(ACCOUNT, ID)]);
    expect(w.reads).toEqual([]);
  });

  it('pauses no longer than the hold lasts, and takes the repository the moment after its last', async () => {
    const w = world();
    heldByAnother(w, w.start + 250);
    const outcome = await settleChange(w.deps, REPOSITORY, await wantedGrant(w));
    expect(outcome).toMatchObject({ kind: 'settled', request: { id: ID, state: 'GRANTED' } });
    expect(w.pauses).toEqual([100, 151]);
    expect(w.clock.now()).toBe(w.start + 251);
    expect(w.registry.writes).toHaveLength(1);
  });

  it('waits one moment on a hold whose last moment is now, then takes the repository', async () => {
    const w = world();
    heldByAnother(w, w.start);
    const outcome = await settleChange(w.deps, REPOSITORY, await wantedGrant(w));
    expect(outcome).toMatchObject({ kind: 'settled', request: { id: ID, state: 'GRANTED' } });
    expect(w.pauses).toEqual([1]);
    expect(w.registry.writes).toHaveLength(1);
  });

  it('stalls when it held the repository but could not read the policy, leaving the change queued', async () => {
    const w = world();
    w.registry.nextReads.push('fail');
    const outcome = await settleChange(w.deps, REPOSITORY, await wantedGrant(w));
    expect(outcome).toEqual({ kind: 'stalled' });
    expect(w.pauses).toEqual([]);
    expect(w.changes.queues.get(REPOSITORY)).toEqual([grant(ACCOUNT, ID)]);
    expect(w.store.requests.get(ID)!.state).toBe('APPROVED');
  });

  it('answers queued and kept at once when its own write may still land, even before its deadline', async () => {
    const w = world({ writeLandingMs: 1_000 });
    w.registry.nextWrites.push('unknown');
    const outcome = await settleChange(w.deps, REPOSITORY, await wantedGrant(w));
    expect(outcome).toEqual({ kind: 'queued', heldUntil: w.start + 1_000, kept: true });
    expect(w.pauses).toEqual([]);
    expect(w.store.requests.get(ID)!.state).toBe('APPROVED');
  });
});

describe('a job facing a repository kept for a write whose outcome is unknown', () => {
  it('does not wait for a hold that outlasts its deadline, and says until when', async () => {
    const w = world();
    keptFor(w, w.start + 60_001);
    const outcome = await settleChange(w.deps, REPOSITORY, await wantedGrant(w));
    expect(outcome).toEqual({ kind: 'queued', heldUntil: w.start + 60_001, kept: true });
    expect(w.pauses).toEqual([]);
  });

  it('waits out a hold that ends exactly at its deadline, and then stays queued', async () => {
    const w = world({ waitForChangeMs: 5_000 });
    keptFor(w, w.start + 5_000);
    const outcome = await settleChange(w.deps, REPOSITORY, await wantedGrant(w));
    expect(outcome).toEqual({ kind: 'queued', heldUntil: w.start + 5_000, kept: true });
    expect(w.pauses).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 500]);
  });

  it('takes the repository when a hold ending before its deadline runs out, and settles the change', async () => {
    const w = world();
    keptFor(w, w.start + 1_200);
    const outcome = await settleChange(w.deps, REPOSITORY, await wantedGrant(w));
    expect(outcome).toMatchObject({ kind: 'settled', request: { id: ID, state: 'GRANTED' } });
    expect(w.pauses).toEqual([100, 200, 400, 501]);
    expect(w.registry.writes).toHaveLength(1);
  });
});

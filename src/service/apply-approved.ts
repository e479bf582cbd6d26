// Applies approved requests to a repository policy: one holder at a time per repository,
// every approved request for it in as few writes as possible, each verified by reading the
// policy back (src/service/apply-batch.ts), and the jobs of one process sharing the work.
import { setTimeout as sleep } from 'node:timers/promises';
import { byCreation, type AccessRequest } from '../domain/access-request';
import { EcrAccessError, ErrorCode, isEcrAccessError } from '../errors';
import { applyBatch, type Lease, type Outcome } from './apply-batch';
import { coalescing } from './coalesce';
import type { ServiceDeps } from './deps';
import type { RequestStore } from './ports';

/**
 * The approved requests behind queued IDs, read in one round trip. `known` are requests this
 * process just moved to APPROVED itself (the store answered their new state), so they need no read.
 */
async function loadApproved(deps: ServiceDeps, repository: string, ids: readonly string[], known: readonly AccessRequest[] = []) {
  const unknown = ids.filter((id) => !known.some((r) => r.id === id));
  const read = unknown.length > 0 ? await deps.store.getMany(unknown) : new Map<string, AccessRequest>();
  const requests = ids.map((id) => known.find((r) => r.id === id) ?? read.get(id));
  const approved = requests.filter((r): r is AccessRequest => r?.state === 'APPROVED' && r.repository === repository);
  const settled = ids.filter((id) => !approved.some((r) => r.id === id));
  if (settled.length > 0) await deps.store.dequeue(repository, settled);
  return approved.sort(byCreation);
}

/** Bounds how long one holder keeps a repository while approvals keep arriving. */
const MAX_PASSES = 5;

/**
 * While holding the repository: applies what is queued, then looks again for approvals that
 * arrived meanwhile, so waiting jobs need not take the lock one after another. Each batch is
 * recorded, announced and dequeued while the next one is being written.
 */
async function drain(
  deps: ServiceDeps,
  lease: Lease,
  repository: string,
  queue: readonly string[],
  known: readonly AccessRequest[],
  announcing: Promise<void>[],
): Promise<Outcome[]> {
  const all: Outcome[] = [];
  const settling: Promise<void>[] = [];
  let failed = false;
  // Applied by an earlier pass: still queued until recorded, and never applied twice.
  const taken = new Set<string>();
  let current = queue;
  let stopped: { error: unknown } | undefined;
  try {
    for (let pass = 0; pass < MAX_PASSES && !failed; pass++) {
      const fresh = current.filter((id) => !taken.has(id));
      const approved = await loadApproved(deps, repository, fresh, pass === 0 ? known : []);
      if (approved.length === 0) break;
      for (const request of approved) taken.add(request.id);
      const { recorded } = await applyBatch(deps, announcing, lease, repository, approved);
      const settled = recorded.then(async (outcomes) => {
        all.push(...outcomes);
        // A request recorded by nobody here was settled elsewhere: it leaves the queue as well.
        const now = deps.clock.now();
        if (!(await deps.store.settle(repository, lease.holder, approved.map((r) => r.id), deps.leaseMs, now))) {
          throw new EcrAccessError(ErrorCode.LockLost, 'Lost the repository lock while recording.');
        }
        lease.renewedAt = Math.max(lease.renewedAt, now);
      });
      settled.catch(() => {
        failed = true;
      });
      settling.push(settled);
      current = await deps.store.queued(repository);
    }
  } catch (error) {
    stopped = { error };
  }
  // Earlier batches finish recording before the caller lets the lock go, whatever stopped a later one.
  const results = await Promise.allSettled(settling);
  if (stopped) throw stopped.error;
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return all;
}

let attempts = 0;

interface Held {
  /** Everything this worker recorded, across every time it held the lock. */
  readonly outcomes: readonly Outcome[];
  /** `mine` once settled, or undefined when the worker gave up waiting. */
  readonly settled?: AccessRequest;
}

/**
 * Takes the repository's lock (queueing `mine` in the same write unless it is queued already)
 * and applies everything approved for it, until `mine` is settled here or by another holder.
 */
async function holdRepository(deps: ServiceDeps, repository: string, mine: AccessRequest | undefined, queued: boolean): Promise<Held> {
  // Each attempt holds the lock under its own name: two jobs in one process must exclude each other too.
  const holder = `${deps.holderId}#${++attempts}`;
  const deadline = deps.clock.now() + 2 * deps.leaseMs;
  const all: Outcome[] = [];
  let pause = 25;
  let lock =
    mine && !queued
      ? await deps.store.enqueueAndAcquire(repository, mine.id, holder, deps.leaseMs, deps.clock.now())
      : await deps.store.acquire(repository, holder, deps.leaseMs, deps.clock.now());
  for (;;) {
    if (lock.acquired) {
      const lease: Lease = { holder, renewedAt: deps.clock.now() };
      const announcing: Promise<void>[] = [];
      try {
        all.push(...(await drain(deps, lease, repository, lock.queue, mine?.state === 'APPROVED' ? [mine] : [], announcing)));
      } catch (error) {
        if (!isEcrAccessError(error, ErrorCode.LockLost)) throw error;
        deps.logger.warn('lost the repository lock; leaving the work to the next holder', { repository });
      } finally {
        await deps.store.release(repository, holder).catch((error: unknown) =>
          deps.logger.warn('could not release the repository lock; its lease will run out', { repository, error }),
        );
        await Promise.all(announcing);
      }
    }
    if (mine === undefined) return { outcomes: all };
    const pastDeadline = deps.clock.now() > deadline;
    // While another holder works, polling the lock alone is enough: it settles our request with
    // its own or releases, and then we take the lock and find it settled or still queued.
    if (lock.acquired || pastDeadline) {
      const latest = all.find((o) => o.request.id === mine.id)?.request ?? (await readRequest(deps, mine.id));
      if (latest === undefined || latest.state !== 'APPROVED') return latest ? { outcomes: all, settled: latest } : { outcomes: all };
      if (pastDeadline) return { outcomes: all };
    }
    // Somebody else holds the repository and will most likely apply our request with theirs;
    // if they crashed, their lease runs out and the next acquire succeeds.
    // Only one job per process polls (the others wait on it), so polling can stay brisk.
    await sleep(pause * (0.5 + Math.random()));
    pause = Math.min(pause * 2, 200);
    lock = await deps.store.acquire(repository, holder, deps.leaseMs, deps.clock.now());
  }
}

/**
 * What this process is doing with a store: per repository, the job that holds or awaits it
 * (so other jobs join in instead of polling DynamoDB); and the queue entries and request reads
 * its jobs ask for at the same moment, sent together.
 */
interface Local {
  readonly flights: Map<string, Promise<Held>>;
  readonly enqueue: Map<string, (id: string) => Promise<void>>;
  readonly read: (id: string) => Promise<ReadonlyMap<string, AccessRequest>>;
}

const locals = new WeakMap<RequestStore, Local>();

function local(store: RequestStore): Local {
  let found = locals.get(store);
  if (!found) {
    found = { flights: new Map(), enqueue: new Map(), read: coalescing((ids) => store.getMany(ids)) };
    locals.set(store, found);
  }
  return found;
}

function enqueue(deps: ServiceDeps, repository: string, id: string): Promise<void> {
  const { enqueue: byRepository } = local(deps.store);
  let send = byRepository.get(repository);
  if (!send) byRepository.set(repository, (send = coalescing((ids) => deps.store.enqueue(repository, ids))));
  return send(id);
}

async function readRequest(deps: ServiceDeps, id: string): Promise<AccessRequest | undefined> {
  return (await local(deps.store).read(id)).get(id);
}

/**
 * Applies everything approved for the repository. With `mine` (a request this process just
 * approved) it makes sure it is queued and keeps going until it is settled, here or by another
 * process. Returns `mine` once settled, or undefined when it gave up waiting (it stays approved
 * and queued for the next holder).
 */
export async function applyApproved(deps: ServiceDeps, repository: string, mine?: AccessRequest): Promise<AccessRequest | undefined> {
  const { flights } = local(deps.store);
  let queued = false;
  for (let flight = flights.get(repository); flight; flight = flights.get(repository)) {
    // A job of this process holds or awaits the repository: queue and let it take ours along.
    if (mine && !queued) {
      await enqueue(deps, repository, mine.id);
      queued = true;
    }
    const held = await flight.catch((): Held => ({ outcomes: [] }));
    // That flight is over whatever happens next; never wait on it twice.
    if (flights.get(repository) === flight) flights.delete(repository);
    if (!mine) return undefined;
    // Settled by that job, or by another process's holder while that job waited its turn.
    const settled = held.outcomes.find((o) => o.request.id === mine.id)?.request ?? (await readRequest(deps, mine.id));
    if (settled === undefined || settled.state !== 'APPROVED') return settled;
  }
  const flight = holdRepository(deps, repository, mine, queued);
  flights.set(repository, flight);
  try {
    return (await flight).settled;
  } finally {
    if (flights.get(repository) === flight) flights.delete(repository);
  }
}

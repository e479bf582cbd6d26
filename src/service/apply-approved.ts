// Applies approved requests to a repository policy: one holder at a time per repository,
// every approved request for it in one write, each verified by reading the policy back.
import { createHash } from 'node:crypto';
import { byCreation, type AccessRequest } from '../domain/access-request';
import { grantPull, parsePolicy, verifyGrant, type RepositoryPolicy } from '../domain/policy';
import { EcrAccessError, ErrorCode, isEcrAccessError } from '../errors';
import { coalescing } from './coalesce';
import type { ServiceDeps } from './deps';
import type { RequestStore } from './ports';

interface Outcome {
  readonly request: AccessRequest;
  readonly verifiedPolicy?: string;
}

function describeFailure(error: unknown): string {
  if (isEcrAccessError(error)) return error.message;
  return `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * The lock as this attempt holds it; `renewedAt` is when its lease was last extended.
 * `verified` is the policy as this holder last read it back with every other statement intact.
 */
interface Lease {
  readonly holder: string;
  renewedAt: number;
  verified?: { readonly policy: RepositoryPolicy; readonly at: number };
}

/**
 * How old a verified read-back may be for the next batch to build on it instead of reading
 * the policy again. ECR has no conditional write, so an outside edit that lands between the
 * read a write builds on and the write itself is overwritten whichever read it is; building
 * on the read-back stretches that window by the queue check in between (milliseconds), never
 * past this bound, and saves one ECR round trip per batch.
 */
export const REUSE_READ_BACK_MS = 1000;

/** The policy the next write builds on: the holder's fresh verified read-back, or a new read. */
async function currentPolicy(deps: ServiceDeps, lease: Lease, repository: string): Promise<RepositoryPolicy> {
  const verified = lease.verified;
  lease.verified = undefined;
  if (verified && deps.clock.now() - verified.at < REUSE_READ_BACK_MS) return verified.policy;
  return parsePolicy(await deps.registry.getPolicy(repository));
}

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

interface ReadBack {
  /** The policy text as read back. */
  readonly text: string | undefined;
  readonly wrote: boolean;
  /** When the read-back was sent: the policy is at least this fresh. */
  readonly at: number;
}

/** Writes the accounts into the policy and reads it back. */
async function writeAndReadBack(
  deps: ServiceDeps,
  lease: Lease,
  repository: string,
  before: RepositoryPolicy,
  accounts: readonly string[],
): Promise<ReadBack> {
  const grant = grantPull(before, accounts);
  if (!grant.changed) {
    const at = deps.clock.now();
    return { text: await deps.registry.getPolicy(repository), wrote: false, at };
  }
  // The write must land while the lease is surely ours. Fresh from acquiring or renewing it
  // (under a quarter of the lease ago, against AWS call timeouts far shorter) it is; otherwise
  // renewing right before the write doubles as the check that nobody took it from us.
  const now = deps.clock.now();
  if (now - lease.renewedAt >= deps.leaseMs / 4) {
    if (!(await deps.store.renew(repository, lease.holder, deps.leaseMs, now))) {
      throw new EcrAccessError(ErrorCode.LockLost, 'Lost the repository lock before writing; the next holder will apply it.');
    }
    lease.renewedAt = now;
  }
  await deps.registry.setPolicy(repository, grant.text);
  deps.fault?.('after-set-policy');
  try {
    const at = deps.clock.now();
    return { text: await deps.registry.getPolicy(repository), wrote: true, at };
  } catch (error) {
    // Written but unproven: not a grant yet. Retry finds the accounts present, writes nothing and verifies.
    throw new EcrAccessError(
      ErrorCode.VerificationFailed,
      `The policy was written, but reading it back to verify it failed (${describeFailure(error)}). Press Retry to verify it; nothing will be written twice.`,
      { cause: error },
    );
  }
}

/**
 * Records the verdict and, once recorded, starts announcing it (into `announcing`): a request
 * is told about as soon as it is settled, not when its whole batch is.
 */
async function record(
  deps: ServiceDeps,
  announcing: Promise<void>[],
  request: AccessRequest,
  verdict: { policyText?: string; failure?: string },
): Promise<Outcome | undefined> {
  const at = new Date(deps.clock.now()).toISOString();
  let outcome: Outcome | undefined;
  if (verdict.failure === undefined && verdict.policyText !== undefined) {
    const policyHash = createHash('sha256').update(verdict.policyText).digest('hex');
    const recorded = await deps.store.recordGranted(request.id, { at, policyHash });
    outcome = recorded && { request: recorded, verifiedPolicy: verdict.policyText };
  } else {
    const recorded = await deps.store.recordFailed(request.id, { at, reason: verdict.failure ?? 'unknown failure' });
    outcome = recorded && { request: recorded };
  }
  if (outcome) announcing.push(announce(deps, [outcome]));
  return outcome;
}

/** A batch whose policy is written and checked (or given up on): its records are on their way. */
interface Applied {
  readonly recorded: Promise<Outcome[]>;
}

/** The records in flight, already marked as handled: whoever awaits them later still sees a failure. */
function applied(recorded: Promise<Outcome[]>): Applied {
  recorded.catch(() => undefined);
  return { recorded };
}

/**
 * Grants every approved request in `requests` in as few policy writes as possible, and answers
 * once the policy is written and read back; recording the outcomes goes on meanwhile. A batch
 * the registry refuses as a whole is split, so one bad account cannot fail the others.
 */
async function applyBatch(
  deps: ServiceDeps,
  announcing: Promise<void>[],
  lease: Lease,
  repository: string,
  requests: readonly AccessRequest[],
): Promise<Applied> {
  let before: RepositoryPolicy;
  try {
    before = await currentPolicy(deps, lease, repository);
  } catch (error) {
    if (isEcrAccessError(error, ErrorCode.LockLost)) throw error;
    return applied(settleAll(deps, announcing, requests, describeFailure(error)));
  }
  const accounts = requests.map((r) => r.account);
  let readBack: ReadBack;
  try {
    readBack = await writeAndReadBack(deps, lease, repository, before, accounts);
  } catch (error) {
    if (isEcrAccessError(error, ErrorCode.LockLost)) throw error;
    // Some refusals may concern only part of the batch (size, one unknown or denied account):
    // halve the batch so the others still get through.
    const partial = [ErrorCode.PolicyTooLarge, ErrorCode.PolicyRejected, ErrorCode.DeniedByPolicy].some((code) =>
      isEcrAccessError(error, code),
    );
    if (requests.length === 1 || !partial) return applied(settleAll(deps, announcing, requests, describeFailure(error)));
    const middle = Math.ceil(requests.length / 2);
    const first = await applyBatch(deps, announcing, lease, repository, requests.slice(0, middle));
    const second = await applyBatch(deps, announcing, lease, repository, requests.slice(middle));
    return applied(Promise.all([first.recorded, second.recorded]).then(([a, b]) => [...a, ...b]));
  }

  let after: RepositoryPolicy;
  try {
    after = parsePolicy(readBack.text);
  } catch (error) {
    return applied(settleAll(deps, announcing, requests, `The policy read back from ECR could not be checked: ${describeFailure(error)}`));
  }
  const verification = verifyGrant(before, after, accounts);
  const clobbered =
    verification.changedStatements.length > 0
      ? 'Reading the policy back showed other statements changed, so somebody else edited it at the same time. Nothing was recorded as granted; check the policy and try again.'
      : undefined;
  // Only a read-back that shows nobody else at work is worth building on.
  if (!clobbered) lease.verified = { policy: after, at: readBack.at };
  const recorded = Promise.all(
    requests.map((request) => {
      const failure =
        clobbered ??
        (verification.missing.includes(request.account)
          ? `The policy was written, but reading it back shows ${request.account} still cannot pull all five read-only actions.`
          : undefined);
      return record(deps, announcing, request, failure ? { failure } : { policyText: readBack.text ?? '' });
    }),
  ).then((all) => {
    const outcomes = all.filter((o): o is Outcome => o !== undefined);
    deps.logger.info('applied approved requests', {
      repository,
      requests: requests.length,
      wrote: readBack.wrote,
      granted: outcomes.filter((o) => o.request.state === 'GRANTED').length,
    });
    return outcomes;
  });
  return applied(recorded);
}

async function settleAll(deps: ServiceDeps, announcing: Promise<void>[], requests: readonly AccessRequest[], failure: string): Promise<Outcome[]> {
  const recorded = await Promise.all(requests.map((request) => record(deps, announcing, request, { failure })));
  return recorded.filter((o): o is Outcome => o !== undefined);
}

/**
 * Tells Slack about outcomes this process recorded. Every outcome comes from a conditional
 * write only one caller can win, so each is announced once; a Slack failure never undoes a grant.
 */
export async function announce(deps: ServiceDeps, outcomes: readonly Outcome[]): Promise<void> {
  await Promise.all(
    outcomes.map(async ({ request, verifiedPolicy }) => {
      try {
        await deps.notifier.announceOutcome(request, verifiedPolicy);
      } catch (error) {
        deps.logger.error('could not announce the outcome in Slack', { requestId: request.id, state: request.state, error });
      }
    }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

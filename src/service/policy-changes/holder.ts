// The one path every policy change takes. Whoever holds a repository's lease applies every
// waiting change in one write built on a fresh read of the policy, verifies each by reading the
// policy back (what each came to: verdicts.ts), records and announces each, and goes again until
// nothing waits. The lease rules are drawn where the lock lives: src/aws/repository-lease.ts.
import type { AccessRequest, Failure } from '../../domain/access-request';
import { oneChangePerAccount, type PolicyChange } from '../../domain/policy-change';
import { applyToPolicy, parsePolicy, type PolicyUpdate, type RepositoryPolicy } from '../../domain/policy';
import { ErrorCode, isEcrAccessError } from '../../errors';
import { announce } from '../announce';
import type { ServiceDeps } from '../deps';
import { stillWanted, type Adding, type Wanted } from './still-wanted';
import { verdicts, type Decided } from './verdicts';
import type { Lease, LeaseOutcome } from '../ports';

/** Bounds how long one holder keeps a repository while changes keep arriving. */
const MAX_PASSES = 10;

/** Refusals that may concern only some accounts of a batch: the batch is halved, so the others still go through. */
const PARTIAL = [ErrorCode.PolicyTooLarge, ErrorCode.PolicyRejected, ErrorCode.DeniedByPolicy];

interface Pass {
  /** Changes that are done with (recorded, or recorded by someone before us) and leave the queue. */
  readonly settled: PolicyChange[];
  /** Requests this holder recorded. */
  readonly recorded: AccessRequest[];
  /** Their announcements, under way: awaited once the repository is let go, so Slack's pace never holds up a write. */
  readonly telling: Promise<void>[];
  /** The holder must stop: ECR could not be read, or a write's outcome is unknown. */
  readonly stop: boolean;
}

/** A pass that stops before anything is recorded. */
const NOTHING_YET: Pass = { settled: [], recorded: [], telling: [], stop: true };

const asFailure = (error: unknown): Failure =>
  isEcrAccessError(error)
    ? { code: error.code, detail: error.message }
    : { code: ErrorCode.Registry, detail: error instanceof Error ? error.message : String(error) };

/** The policy as read at the start of a pass, or why it could not be read. */
type PolicyRead = { text: string | undefined; policy: RepositoryPolicy } | { error: unknown };

async function readPolicy(deps: ServiceDeps, repository: string): Promise<PolicyRead> {
  try {
    const text = await deps.registry.getPolicy(repository);
    return { text, policy: parsePolicy(text) };
  } catch (error) {
    return { error };
  }
}

/**
 * Takes the repository's lease if it is free and applies what waits (queueing `adding`, a
 * change just approved, in the same write; with `onlyIfFree`, only if the lease is taken).
 * Answers the requests it recorded, once they are announced, or `held: false` when another
 * holder has it.
 */
export async function applyWaitingChanges(
  deps: ServiceDeps,
  repository: string,
  adding?: Adding,
  options?: { onlyIfFree?: boolean },
): Promise<LeaseOutcome<ReadonlyMap<string, AccessRequest>>> {
  const telling: Promise<void>[] = [];
  const outcome = await deps.changes.withLease(
    repository,
    async (lease, waiting) => {
      const recorded = new Map<string, AccessRequest>();
      const shareable = deps.repositories.includes(repository);
      let queue = waiting;
      for (let pass = 0; pass < MAX_PASSES && queue.length > 0; pass++) {
        // The policy is read alongside the requests: under the lease the read is fresh whatever they say.
        const [{ wanted, stale }, read] = await Promise.all([
          stillWanted(deps, repository, oneChangePerAccount(queue), pass === 0 ? adding : undefined),
          shareable ? readPolicy(deps, repository) : undefined,
        ]);
        const result = wanted.length > 0 ? await applyBatch(deps, lease, repository, wanted, read) : { ...NOTHING_YET, stop: false };
        for (const request of result.recorded) recorded.set(request.id, request);
        telling.push(...result.telling);
        if (result.stop) break;
        const left = await lease.settle([...result.settled, ...stale]);
        if (left === undefined) {
          deps.logger.warn('lost the repository lease; the next holder takes over', { repository });
          break;
        }
        queue = left;
      }
      return recorded;
    },
    adding?.change,
    options,
  );
  await Promise.all(telling);
  return outcome;
}

/** Applies a batch on top of the policy as `read` (read now when not given: after a write of this holder). */
async function applyBatch(deps: ServiceDeps, lease: Lease, repository: string, batch: readonly Wanted[], read?: PolicyRead): Promise<Pass> {
  if (!deps.repositories.includes(repository)) {
    return fail(deps, batch, { code: ErrorCode.NotShareable, detail: `${repository} is not in ECR_ACCESS_REPOSITORIES` });
  }
  const current = read ?? (await readPolicy(deps, repository));
  if ('error' in current) {
    // A policy that cannot be read tells nothing; one that cannot be understood is not ours to rewrite.
    if (isEcrAccessError(current.error, ErrorCode.InvalidPolicy)) return fail(deps, batch, asFailure(current.error));
    deps.logger.error('could not read the policy; the changes stay queued', { repository, error: current.error });
    return NOTHING_YET;
  }
  const { policy: before, text: beforeText } = current;

  let update: PolicyUpdate;
  try {
    update = applyToPolicy(
      before,
      batch.filter(({ change }) => change.kind === 'grant').map(({ change }) => change.account),
      batch.filter(({ change }) => change.kind === 'revoke').map(({ change }) => change.account),
    );
  } catch (error) {
    return refused(deps, lease, repository, batch, error);
  }

  let afterText = beforeText;
  if (update.changed) {
    if (!(await lease.coverWrite())) return NOTHING_YET;
    try {
      await deps.registry.setPolicy(repository, update.text);
    } catch (error) {
      if (isEcrAccessError(error, ErrorCode.WriteOutcomeUnknown)) {
        // ECR may still apply it: nobody writes this repository before it no longer can.
        deps.logger.error('a policy write may still land; the repository stays held until it cannot', { repository, error });
        await lease.keepUntil(deps.clock.now() + deps.writeLandingMs);
        return NOTHING_YET;
      }
      return refused(deps, lease, repository, batch, error);
    }
    try {
      afterText = await deps.registry.getPolicy(repository);
    } catch (error) {
      // Written, not yet verified: the changes stay queued, and the next pass or holder verifies them.
      deps.logger.error('the policy was written but could not be read back; the changes stay queued', { repository, error });
      return NOTHING_YET;
    }
  }
  const decided = await verdicts(deps, lease, repository, batch, { before, beforeText, afterText });
  return decided ? settle(deps, decided) : NOTHING_YET;
}

/** A refusal of the whole batch: halved when it may concern only some changes, else every change fails. */
async function refused(deps: ServiceDeps, lease: Lease, repository: string, batch: readonly Wanted[], error: unknown): Promise<Pass> {
  if (batch.length > 1 && PARTIAL.some((code) => isEcrAccessError(error, code))) {
    const middle = Math.ceil(batch.length / 2);
    const first = await applyBatch(deps, lease, repository, batch.slice(0, middle));
    if (first.stop) return first;
    const second = await applyBatch(deps, lease, repository, batch.slice(middle));
    return {
      settled: [...first.settled, ...second.settled],
      recorded: [...first.recorded, ...second.recorded],
      telling: [...first.telling, ...second.telling],
      stop: second.stop,
    };
  }
  return fail(deps, batch, asFailure(error));
}

/** Records the verdict on every change of a batch that was not written: an approval fails, a removal leaves the grant standing. */
async function fail(deps: ServiceDeps, batch: readonly Wanted[], failure: Failure): Promise<Pass> {
  const at = new Date(deps.clock.now()).toISOString();
  return settle(
    deps,
    batch.map(({ change, request }) => ({ change, verdict: { state: request.state === 'GRANTED' ? ('KEPT' as const) : ('FAILED' as const), at, failure } })),
  );
}

/** Records each verdict and announces what was recorded; a change someone else recorded first is settled too. */
async function settle(deps: ServiceDeps, decided: readonly Decided[]): Promise<Pass> {
  const announcer = { by: deps.processId, at: deps.clock.now() };
  const recorded = await Promise.all(decided.map(({ change, verdict }) => deps.store.record(change.requestId, verdict, announcer)));
  const mine = recorded.filter((r): r is AccessRequest => r !== undefined);
  const telling = mine.map((request) => announce(deps, request));
  deps.logger.info('applied policy changes', { changes: decided.length, granted: mine.filter((r) => r.state === 'GRANTED').length });
  return { settled: decided.map((d) => d.change), recorded: mine, telling, stop: false };
}


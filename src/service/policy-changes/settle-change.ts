// A job waiting for its own change: it takes the repository when it is free, and otherwise
// waits, within a bound, for the holder to settle the change.
import type { AccessRequest } from '../../domain/access-request';
import type { ServiceDeps } from '../deps';
import { applyWaitingChanges } from './holder';
import type { Wanted } from './still-wanted';
import type { LeaseOutcome } from '../ports';

export type ChangeOutcome =
  | { kind: 'settled'; request: AccessRequest }
  /** This job held the repository but had to stop short: ECR could not be read, or a write could not be verified yet. */
  | { kind: 'stalled' }
  /** Still queued: `kept` when the repository is held until a write whose outcome is unknown can no longer land. */
  | { kind: 'queued'; heldUntil: number; kept: boolean };

/**
 * Queues the change its request wants (queueing it again changes nothing) and waits until it is
 * settled or the wait runs out. `taken`: this job already tried the repository for the change (an
 * approval does while its decision is written) and goes on from there: from its own hold, or,
 * when it was held by another, by queueing the change.
 */
export async function settleChange(
  deps: ServiceDeps,
  repository: string,
  wanted: Wanted,
  taken?: LeaseOutcome<ReadonlyMap<string, AccessRequest>>,
): Promise<ChangeOutcome> {
  const { change } = wanted;
  const deadline = deps.clock.now() + deps.waitForChangeMs;
  let attempt = taken ?? (await applyWaitingChanges(deps, repository, wanted));
  // The write that queues the change answers the repository's status: the first look costs no read.
  let seen = attempt.held ? undefined : taken ? await deps.changes.queue(repository, change) : attempt.status;
  for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
    const mine = attempt.held ? attempt.value.get(change.requestId) : undefined;
    if (mine) return { kind: 'settled', request: mine };
    const { waiting, heldUntil, kept } = seen ?? (await deps.changes.status(repository));
    seen = undefined;
    if (!waiting.some((c) => c.requestId === change.requestId)) {
      const request = await deps.store.get(change.requestId);
      if (request) return { kind: 'settled', request };
    }
    const now = deps.clock.now();
    // Held by us and still waiting: the holder stopped short (ECR unreadable, or a write whose outcome is unknown).
    if (attempt.held && !kept) return { kind: 'stalled' };
    if (attempt.held || now >= deadline || (kept && heldUntil > deadline)) return { kind: 'queued', heldUntil, kept };
    // A lease can be taken once it has run out, which is after its last moment.
    if (heldUntil < now) {
      attempt = await applyWaitingChanges(deps, repository);
      continue;
    }
    attempt = { held: false };
    await deps.clock.sleep(Math.min(pause, heldUntil - now + 1, deadline - now));
  }
}

// The policy path's metrics, read where its work crosses a port, so the path itself stays as it
// is: every verdict is recorded once by the store (grants, removals and their failures), every
// policy read passes the registry (the policy's size), and a lease whose write went unanswered
// is kept by the change queue (src/aws/repository-lease.ts keeps it by the same rule).
import { MAX_POLICY_LENGTH, parsePolicy, serializePolicy } from './domain/policy';
import type { Metrics } from './metrics';
import type { ChangeQueue, Lease, Registry, RequestStore } from './service/ports';

/** The port with one method replaced; every other call goes to the port as it is. */
function replacing<T extends object, K extends keyof T>(port: T, name: K, method: T[K]): T {
  return new Proxy(port, { get: (target, key, receiver) => (key === name ? method : Reflect.get(target, key, receiver)) });
}

/** Counts each verdict the store takes, by its outcome. */
export function measuredStore(store: RequestStore, metrics: Metrics): RequestStore {
  return replacing(store, 'record', async (id, verdict, announcer) => {
    const recorded = await store.record(id, verdict, announcer);
    if (recorded) {
      const about = { requestId: id, repository: recorded.repository, account: recorded.account };
      const { outcome } = verdict;
      if (outcome.state === 'GRANTED') metrics.put('granted', { Grants: 1 }, about);
      else if (outcome.state === 'ENDED') metrics.put('removed', { Removals: 1 }, { ...about, ending: outcome.ending.kind });
      else if (outcome.state === 'FAILED') metrics.put('a grant failed', { FailedGrants: 1 }, { ...about, code: outcome.failure.code });
      else metrics.put('a removal was refused', { RefusedRemovals: 1 }, { ...about, code: outcome.failure.code });
    }
    return recorded;
  });
}

/**
 * The size of the policy as ecr-access would write it back (compact JSON; ECR may hand it back
 * reformatted, longer), against the limit ECR applies to a write. A policy ecr-access cannot
 * parse is measured as it reads.
 */
export function policySizePercent(text: string | undefined): number {
  let length = text?.length ?? 0;
  try {
    length = text === undefined ? 0 : serializePolicy(parsePolicy(text)).length;
  } catch {
    // Not ecr-access's to rewrite: its own length is all there is to say.
  }
  return Math.round((length / MAX_POLICY_LENGTH) * 1000) / 10;
}

/** Measures every policy read: the read-back after each write, and the sweep's read of every repository each pass. */
export function measuredRegistry(registry: Registry, metrics: Metrics): Registry {
  return replacing(registry, 'getPolicy', async (repository) => {
    const text = await registry.getPolicy(repository);
    metrics.put('read a repository policy', { PolicySize: policySizePercent(text) }, { repository });
    return text;
  });
}

/** Counts the leases kept because a write sent under them went unanswered (from its fence until ECR answered). */
export function measuredChangeQueue(changes: ChangeQueue, metrics: Metrics): ChangeQueue {
  return replacing(changes, 'withLease', (repository, work, marking) =>
    changes.withLease(
      repository,
      async (lease, marks) => {
        let unanswered = false;
        const watched: Lease = {
          coverWrite: () => {
            unanswered = true;
            return lease.coverWrite();
          },
          answered: () => {
            unanswered = false;
            lease.answered();
          },
          unmark: (done) => lease.unmark(done),
        };
        try {
          return await work(watched, marks);
        } finally {
          if (unanswered) metrics.put('a repository stays held until an unanswered policy write can no longer land', { LeasesKeptAfterUnknownWrite: 1 }, { repository });
        }
      },
      marking,
    ),
  );
}

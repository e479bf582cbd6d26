// Everything the use cases are built from, passed in so tests and runtimes choose the adapters.
import type { Logger } from '../logger';
import type { Clock, IsApprover, Notifier, Registry, RequestStore } from './ports';

/** Points where a test may stop the process, to prove crash recovery. */
export type FaultPoint = 'after-set-policy';

export interface ServiceDeps {
  readonly registry: Registry;
  readonly store: RequestStore;
  readonly notifier: Notifier;
  readonly isApprover: IsApprover;
  readonly clock: Clock;
  readonly newId: () => string;
  /** Identifies this process as a lock holder. */
  readonly holderId: string;
  readonly logger: Logger;
  readonly repositories: readonly string[];
  /** How long a repository lock lasts unless renewed; every AWS call is bounded well below it. */
  readonly leaseMs: number;
  readonly fault?: (point: FaultPoint) => void;
}

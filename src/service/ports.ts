// What the service needs from the outside world; adapters in aws/ and slack/ provide it.
import type { AccessRequest, RequestState } from '../domain/access-request';

export interface Registry {
  /** The registry that holds the repository, or undefined when there is no such repository. */
  describeRepository(repository: string): Promise<{ registryId: string } | undefined>;
  /** The policy text, or undefined when the repository has no policy. */
  getPolicy(repository: string): Promise<string | undefined>;
  setPolicy(repository: string, policyText: string): Promise<void>;
}

export type CreateOutcome = { created: true } | { created: false; existing: AccessRequest };
export type DecideOutcome = { decided: true; request: AccessRequest } | { decided: false; current: AccessRequest | undefined };
export type LockOutcome = { acquired: true; queue: readonly string[] } | { acquired: false };

export interface RequestStore {
  /** Records a PENDING request unless another open request holds the same repository and account. */
  create(request: AccessRequest): Promise<CreateOutcome>;
  /** Forgets a request that never reached the approvers. */
  discard(id: string): Promise<void>;
  attachCard(id: string, card: { channel: string; ts: string }): Promise<AccessRequest>;
  get(id: string): Promise<AccessRequest | undefined>;
  /** Reads several requests at once; the ones that do not exist are missing from the answer. */
  getMany(ids: readonly string[]): Promise<ReadonlyMap<string, AccessRequest>>;
  /**
   * Moves the request from one of `from` to `to`, unless `by` asked for it or `card` is not its
   * card; a refused decision answers the request as it is, for the caller to explain.
   */
  decide(
    id: string,
    decision: { to: 'APPROVED' | 'DENIED'; from: readonly RequestState[]; by: string; at: string; card?: { channel: string; ts: string } },
  ): Promise<DecideOutcome>;
  /** Marks approved requests as waiting for their repository's next policy write. */
  enqueue(repository: string, ids: readonly string[]): Promise<void>;
  dequeue(repository: string, ids: readonly string[]): Promise<void>;
  /** The IDs queued for the repository now. */
  queued(repository: string): Promise<readonly string[]>;
  /** For the lock holder: dequeues what it settled and renews its lease; false when the lease was lost. */
  settle(repository: string, holder: string, ids: readonly string[], leaseMs: number, now: number): Promise<boolean>;
  acquire(repository: string, holder: string, leaseMs: number, now: number): Promise<LockOutcome>;
  /** Queues the request and tries the lock in one write; queues it anyway when the lock is taken. */
  enqueueAndAcquire(repository: string, id: string, holder: string, leaseMs: number, now: number): Promise<LockOutcome>;
  /** Extends a held lease; false when the lease was lost to someone else. */
  renew(repository: string, holder: string, leaseMs: number, now: number): Promise<boolean>;
  release(repository: string, holder: string): Promise<void>;
  recordGranted(id: string, outcome: { at: string; policyHash: string }): Promise<AccessRequest | undefined>;
  recordFailed(id: string, outcome: { at: string; reason: string }): Promise<AccessRequest | undefined>;
  listByRepository(repository: string): Promise<AccessRequest[]>;
}

/** Tells people in Slack what happened to a request. */
export interface Notifier {
  postRequestCard(request: AccessRequest, statementPreview: string): Promise<{ channel: string; ts: string }>;
  /** Updates the card, posts the outcome in its thread, and tells the requester. */
  announceOutcome(request: AccessRequest, verifiedPolicy?: string): Promise<void>;
}

/**
 * Whether the user may decide requests. `unknown` means Slack could not say (a rate limit, an
 * outage): not a no, so the decision is refused with the reason and may be tried again.
 */
export type ApproverCheck = { kind: 'approver' } | { kind: 'not-approver' } | { kind: 'unknown'; reason: string };
export type IsApprover = (user: string) => Promise<ApproverCheck>;

export interface Clock {
  now(): number;
}

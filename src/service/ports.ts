// What the service needs from the outside world; adapters in aws/ and slack/ provide it.
import type { AccessRequest, AnnouncementPart, Ending, Failure, HistoryEvent, MessageRef, RequestState } from '../domain/access-request';
import type { PolicyChange } from '../domain/policy-change';
import type { PostedPart } from '../domain/told-outcome';

export interface Registry {
  /** The registry that holds the repository, or undefined when there is no such repository. */
  describeRepository(repository: string): Promise<{ registryId: string } | undefined>;
  /** The policy text, or undefined when the repository has no policy. */
  getPolicy(repository: string): Promise<string | undefined>;
  /**
   * Writes the policy, or deletes it when `policyText` is undefined. Throws an EcrAccessError;
   * WriteOutcomeUnknown means ECR may still apply this write later.
   */
  setPolicy(repository: string, policyText: string | undefined): Promise<void>;
}

type CreateOutcome = { created: true } | { created: false; existing: AccessRequest };
type DecideOutcome = { decided: true; request: AccessRequest } | { decided: false; current: AccessRequest | undefined };

/** What the lock holder records once a change is verified (or given up on). */
export type Verdict =
  /** APPROVED → GRANTED; `expiresAt` for a time-bound grant. */
  | { state: 'GRANTED'; at: string; policyHashBefore: string; policyHash: string; verifiedPolicy: string; expiresAt?: string }
  /** APPROVED → FAILED. */
  | { state: 'FAILED'; at: string; failure: Failure }
  /** A GRANTED request whose removal (`ending`) is under way → REVOKED or EXPIRED; `outside` owes only the channel post. */
  | { state: 'ENDED'; at: string; policyHashBefore: string; policyHash: string; stillPullsThrough: readonly string[]; ending: Ending; outside: boolean }
  /** A removal ECR refused: the grant stands, and says why. */
  | { state: 'KEPT'; at: string; failure: Failure };

/** What a pass of the sweep may do to a request; each is one conditional write, done once. */
export type SweepStep =
  /** PENDING → EXPIRED: nobody decided in time. */
  | { kind: 'expire-pending'; at: string }
  /** The approvers were reminded of a PENDING request. */
  | { kind: 'nudged'; at: string; previous: string | undefined }
  /** The reminder before a time-bound grant ends is owed. */
  | { kind: 'remind' }
  /** When the sweep should look at the request next; undefined when never again. */
  | { kind: 'look-again'; at: number | undefined; seen: number };

/** What a decision is for: the request's repository and account, as its card names them. */
export interface DecisionTarget {
  readonly repository: string;
  readonly account: string;
}

/** The request records. Every state change is one conditional write. */
export interface RequestStore {
  /** Records a PENDING request unless another open request holds the same repository and account. */
  create(request: AccessRequest): Promise<CreateOutcome>;
  /** Forgets a request that never reached the approvers. */
  discard(id: string): Promise<void>;
  attachCard(id: string, card: MessageRef): Promise<AccessRequest>;
  get(id: string): Promise<AccessRequest | undefined>;
  /** Several requests, each read as it is now, in as few calls as the store allows; missing ones are left out. */
  getMany(ids: readonly string[]): Promise<ReadonlyMap<string, AccessRequest>>;
  /**
   * Moves the request from one of `from` to `to`, unless `by` asked for it, `card` is not its
   * card, or `target` is given and is not its repository and account. A denial owes its
   * announcement from the same write, with `by` as its announcer. When nothing moved, answers the
   * request as it is (for saying why).
   */
  decide(
    id: string,
    decision: {
      to: 'APPROVED' | 'DENIED';
      from: readonly RequestState[];
      by: string;
      at: string;
      card: MessageRef;
      announcer: string;
      /** The repository and account the decision is for (an approval's repository is checked shareable before). */
      target?: DecisionTarget;
    },
  ): Promise<DecideOutcome>;
  /**
   * Records the verdict, owing its announcement: GRANTED and FAILED from APPROVED, ENDED and
   * KEPT from a GRANTED request with a removal under way. Undefined when the request was not
   * in that state (someone recorded first).
   */
  record(id: string, verdict: Verdict, announcer: { by: string; at: number }): Promise<AccessRequest | undefined>;
  /** Marks a GRANTED request's removal as under way; undefined when it is not GRANTED or a removal is under way already. */
  beginEnding(id: string, ending: Ending): Promise<AccessRequest | undefined>;
  /** Records an account found in the statement that no request explains, as GRANTED with origin `outside`. */
  recordOutside(request: AccessRequest): Promise<void>;
  /** Requests the sweep should look at by `now`, oldest first, at most `limit`. */
  due(now: number, limit: number): Promise<Array<{ request: AccessRequest; dueAt: number }>>;
  /** One sweep step on a request; the request after it, or undefined when it no longer applied. */
  sweepStep(id: string, step: SweepStep, announcer: { by: string; at: number }): Promise<AccessRequest | undefined>;
  /**
   * Notes the drift seen in a repository's policy: true (and the event kept in the repository's
   * history) only when it differs from the drift noted last, so each change is reported once. A
   * repository never noted counts as NO_DRIFT, so a repository that never drifted keeps no event.
   */
  noteDrift(repository: string, signature: string, event: HistoryEvent): Promise<boolean>;
  /** Drift events noted for a repository, oldest first. */
  driftHistory(repository: string): Promise<HistoryEvent[]>;
  /** Takes on a still-owed announcement whose announcer is older than `staleBefore`; undefined when someone else has it. */
  claimAnnouncement(id: string, announcer: { by: string; at: number }, staleBefore: number): Promise<AccessRequest | undefined>;
  /** Renews the claim of an announcer still at work, only while `announcer.by` holds it; false when another has taken it. */
  holdAnnouncement(id: string, announcer: { by: string; at: number }): Promise<boolean>;
  /** Marks announcement parts as told. */
  delivered(id: string, parts: readonly AnnouncementPart[]): Promise<void>;
  listByRepository(repository: string): Promise<AccessRequest[]>;
}

/** The repository's lock, as one holder holds it. */
export interface Lease {
  /**
   * Makes sure the lease lasts until a write sent now can no longer reach ECR (renewing it if
   * needed); false when the lease was lost, and then nothing may be written.
   */
  coverWrite(): Promise<boolean>;
  /** Takes settled changes off the queue and renews the lease; answers what still waits, or undefined when the lease was lost. */
  settle(settled: readonly PolicyChange[]): Promise<readonly PolicyChange[] | undefined>;
  /** Puts `to` in the queue in place of `from`. */
  replace(from: PolicyChange, to: PolicyChange): Promise<void>;
  /** Keeps the repository from every holder, this one included, until `until`, instead of releasing it. */
  keepUntil(until: number): Promise<void>;
}

/** What waits for a repository, and until when it is held (0 when it is free); `kept` while a write whose outcome is unknown may still land. */
export interface QueueStatus {
  readonly waiting: readonly PolicyChange[];
  readonly heldUntil: number;
  readonly kept: boolean;
}

/** Held: what `work` answered. Not held: `status` as the write that queued the change left it, when one did. */
export type LeaseOutcome<T> = { held: true; value: T } | { held: false; status?: QueueStatus };

/** Each repository's queue of policy changes, and the lease that lets one holder at a time apply them. */
export interface ChangeQueue {
  /**
   * Runs `work` as the repository's only holder, with the changes waiting now, then releases
   * the lease (unless `work` kept it). `adding` is queued in the same write, held or not; with
   * `onlyIfFree`, a held repository is left as it is and `adding` is queued only with the lease.
   */
  withLease<T>(
    repository: string,
    work: (lease: Lease, waiting: readonly PolicyChange[]) => Promise<T>,
    adding?: PolicyChange,
    options?: { onlyIfFree?: boolean },
  ): Promise<LeaseOutcome<T>>;
  /** Queues a change without trying the lease (it was found held a moment ago); answers the status the write left. */
  queue(repository: string, change: PolicyChange): Promise<QueueStatus>;
  status(repository: string): Promise<QueueStatus>;
}

/** Tells people in Slack what happened to a request; each part can be done again safely except posts. */
export interface Notifier {
  postRequestCard(request: AccessRequest, statementPreview: string): Promise<MessageRef>;
  /** Shows the request as it is now on its card. */
  updateCard(request: AccessRequest): Promise<void>;
  /** Posts the outcome in the card's thread (or the approvers' channel, for a request without a card): the verified policy, or why it failed. */
  postInThread(request: AccessRequest): Promise<void>;
  tellRequester(request: AccessRequest): Promise<void>;
  /** Reminds the requester that a time-bound grant ends soon. */
  remindRequester(request: AccessRequest): Promise<void>;
  /**
   * Whether the post telling `part` of the request's outcome is in Slack already: a process that
   * died between posting and ticking it off left it owed. Throws when Slack cannot say.
   */
  alreadyTold(request: AccessRequest, part: PostedPart): Promise<boolean>;
  /** Reminds the approvers of a request still waiting for them, in the card's thread. */
  nudgeApprovers(request: AccessRequest): Promise<void>;
  /** Tells the approvers' channel about drift in a repository policy. */
  reportDrift(repository: string, drift: Drift): Promise<void>;
}

/**
 * Whether the user may decide requests. `unknown` means Slack could not say (a rate limit, an
 * outage): not a no, so the decision is refused with the reason and may be tried again.
 */
export type ApproverCheck = { kind: 'approver' } | { kind: 'not-approver' } | { kind: 'unknown'; reason: string };
export type IsApprover = (user: string) => Promise<ApproverCheck>;

/** The signature of a repository whose policy and records agree. */
export const NO_DRIFT = 'none';

/** Accounts whose access changed outside ecr-access, as the sweep saw it. */
export interface Drift {
  /** In the managed statement (or able to pull through another), with no grant to explain it. */
  readonly appeared: readonly string[];
  /** Recorded as granted, but the policy no longer lets them pull. */
  readonly disappeared: readonly string[];
}

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts (its timer cleared). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// What the service needs from the outside world; adapters in aws/ and slack/ provide it.
import type { AccountOwner } from '../domain/account-owner';
import type { AccessRequest, AnnouncementPart, Approvals, Ending, HistoryEvent, MessageRef, RegionVerdict, RequestState } from '../domain/access-request';
import type { Mark, Outcome } from '../domain/membership';
import type { OrganizationalUnit } from '../domain/organizational-unit';
import type { PostedPart } from '../domain/told-outcome';

export interface Registry {
  /** The registry that holds the repository, or undefined when there is no such repository. */
  describeRepository(repository: string): Promise<{ registryId: string } | undefined>;
  /** The name of every repository in the registry, read page by page. */
  repositoryNames(): Promise<string[]>;
  /** The policy text, or undefined when the repository has no policy. */
  getPolicy(repository: string): Promise<string | undefined>;
  /**
   * Writes the policy, or deletes it when `policyText` is undefined. `fence` is checked right
   * before each attempt is sent (after it is signed); when it answers false nothing more is sent
   * and LeaseLost is thrown. Throws an EcrAccessError; WriteOutcomeUnknown means ECR may still
   * apply this write later.
   */
  setPolicy(repository: string, policyText: string | undefined, fence: () => Promise<boolean>): Promise<void>;
}

type CreateOutcome = { created: true } | { created: false; existing: AccessRequest };
type DecideOutcome = { decided: true; request: AccessRequest } | { decided: false; current: AccessRequest | undefined };

/**
 * What the holder records on a request, from the policy as read back: the outcome the membership
 * rule gave it (src/domain/membership.ts), when, and what the policy looked like.
 */
export interface Verdict {
  readonly outcome: Outcome;
  readonly at: string;
  /** sha256 of the policy before and after, and the text read back: for grants and ends. */
  readonly policyHashBefore: string;
  readonly policyHash: string;
  readonly verifiedPolicy: string;
  /** Statements other than ecr-access's that still let the account pull, by Sid. */
  readonly pullsThrough: readonly string[];
  /** When a time-bound grant ends, counted from its verification. */
  readonly expiresAt?: string;
  /** A FAILED request in several regions that some of them granted: it stays live there. */
  readonly partlyGranted?: true;
}

/** What a pass of the sweep may do to a request; each is one conditional write, done once. */
export type SweepStep =
  /** PENDING → EXPIRED: nobody decided in time. */
  | { kind: 'expire-pending'; at: string }
  /** The approvers were reminded of a PENDING request. */
  | { kind: 'nudged'; at: string; previous: string | undefined }
  /** The reminder before a time-bound grant ends is owed (once nothing else is owed about the grant). */
  | { kind: 'remind' }
  /** When the sweep should look at the request next; undefined when never again. Only if its due version is still `seen`. */
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
      /**
       * The second of two approvals (the two-person rule): from PENDING it moves only once another
       * approver's first approval is recorded. A FAILED request's retry needs none.
       */
      second?: boolean;
    },
  ): Promise<DecideOutcome>;
  /**
   * Records the first of two approvals on a PENDING request, in one conditional write checking
   * what `decide` checks (not the requester, its card, its repository and account) and that no
   * approval is recorded yet: of two approvers at once, one is first. Nothing else changes, the
   * policy least of all. When nothing was written, answers the request as it is.
   */
  approveFirst(id: string, approval: { by: string; at: string; card: MessageRef; target?: DecisionTarget }): Promise<DecideOutcome>;
  /**
   * Notes why `note.by` is denying the request, on a request still open to a decision (PENDING or
   * FAILED), just before the denial is written: the denial's announcement and its card then carry
   * it. False when the request is no longer open to one.
   */
  noteDenialReason(id: string, note: { by: string; at: string; reason?: string }): Promise<boolean>;
  /**
   * Records the verdict, owing its announcement: GRANTED and FAILED from an APPROVED request with
   * no end under way; REVOKED or EXPIRED (as its `ending` says) and a refused removal from a request
   * whose end is under way. Undefined when the request is no longer in that state (someone
   * recorded first, or an end began meanwhile).
   */
  record(id: string, verdict: Verdict, announcer: { by: string; at: number }): Promise<AccessRequest | undefined>;
  /**
   * Records one region's verdict on a request in several regions, without announcing it (the
   * request's own verdict follows, by `record`, once every region has one): GRANTED or FAILED
   * while the request is APPROVED with no end under way and the region has not granted it; ENDED
   * while an end is under way (`endKind` names it in the history). Undefined when the request is no longer in that state.
   */
  recordRegion(id: string, region: string, verdict: RegionVerdict, endKind?: Ending['kind']): Promise<AccessRequest | undefined>;
  /** Begins ending a live grant (APPROVED, GRANTED or partly granted, no end under way); undefined when it is not live. */
  beginEnding(id: string, ending: Ending): Promise<AccessRequest | undefined>;
  /**
   * Every request of these accounts on the repository, each read as it is now: the repository's
   * index finds them, and `known` names requests too new to be in the index yet.
   */
  accountRequests(repository: string, accounts: readonly string[], known: readonly string[]): Promise<AccessRequest[]>;
  /** Records an account found in the statement that no request explains, as GRANTED with origin `outside`. */
  recordOutside(request: AccessRequest): Promise<void>;
  /** Requests the sweep should look at by `now`, oldest first, at most `limit`, with the due version each was read at. */
  due(now: number, limit: number): Promise<Array<{ request: AccessRequest; dueAt: number; version: number }>>;
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
  /** Every request a person asked for, newest first, each read as it is now (their App Home). */
  requesterRequests(requester: string): Promise<AccessRequest[]>;
}

/** The repository's lease, as one holder holds it. */
export interface Lease {
  /**
   * The fence, checked before every send of a policy write: makes sure the lease lasts until a
   * write sent now can no longer reach ECR (renewing it if needed); false when the lease was lost,
   * and then nothing may be sent. From the first check until `answered`, the lease is never
   * released, only let run out: a write that may still land keeps everyone else out.
   */
  coverWrite(): Promise<boolean>;
  /** ECR answered the write (applied or refused it): the lease may be released again. */
  answered(): void;
  /** Takes marks off (the accounts they marked are recorded) and renews the lease; answers the marks left, or undefined when the lease was lost. */
  unmark(marks: readonly Mark[]): Promise<readonly Mark[] | undefined>;
}

/** A repository's policy in one region: ECR keeps one per region, and each has its own marks and lease. */
export interface Place {
  readonly repository: string;
  readonly region: string;
}

/**
 * The key of a place's marks and lease: the repository's name in the bot's own region (as before
 * repositories had regions), `name@region` in another (`@` is never in a repository name).
 */
export const placeKey = (place: Place, home: string): string => (place.region === home ? place.repository : `${place.repository}@${place.region}`);

/** The marks waiting on a repository, and until when it is held (0 when it is free). */
export interface QueueStatus {
  readonly marks: readonly Mark[];
  readonly heldUntil: number;
}

/** Held: what `work` answered. */
export type LeaseOutcome<T> = { held: true; value: T } | { held: false };

/** A request that marks its account, as it asks for a mark. */
export interface Marking {
  readonly account: string;
  readonly requestId: string;
}

/** Each repository's marks (the accounts that need attention), and the lease that lets one holder at a time act on them. */
export interface ChangeQueue {
  /**
   * Runs `work` as the repository's only holder, with the marks waiting now, then releases the
   * lease (unless a write may still land). `marking` is marked in the same write, held or not.
   */
  withLease<T>(repository: string, work: (lease: Lease, marks: readonly Mark[]) => Promise<T>, marking?: Marking): Promise<LeaseOutcome<T>>;
  /** Marks the account without trying the lease (this process may not take it now). */
  mark(repository: string, marking: Marking): Promise<void>;
  status(repository: string): Promise<QueueStatus>;
}

/** Tells people in Slack what happened to a request; each part can be done again safely except posts. */
export interface Notifier {
  /** Posts the approvers' card; `approvals` is how many different approvers the request needs, as its repository says now. */
  postRequestCard(request: AccessRequest, statementPreview: string, approvals: Approvals): Promise<MessageRef>;
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
  /** Tells the requester the first of two approvals is in and the request waits for a second approver. */
  tellFirstApproval(request: AccessRequest): Promise<void>;
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
/** Whether the user decides the repository's requests (its rule's approvers); without one, whether they decide any repository's. */
export type IsApprover = (user: string, repository?: string) => Promise<ApproverCheck>;

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

/** Whether this process's clock agrees with AWS's closely enough to compare its times with other processes'. */
export interface ClockCheck {
  /** False while the clock is more than half the clock margin from AWS's, or not yet measured; says why in the log, at most once a minute. */
  trusted(): boolean;
  /** How far this process's clock is ahead of AWS's, in ms (negative: behind); undefined before AWS first answered. */
  offsetMs(): number | undefined;
}

/** Jobs that failed every try and wait to be run again: Lambda's on-failure destination, a dead-letter queue. */
export interface WaitingJobs {
  /** How many wait, as the queue counts them (approximately, for SQS). */
  count(): Promise<number>;
}

/** Each person's App Home tab, kept in step with the requests that concern them. */
export interface Homes {
  /** The request is new or changed: its requester's Home tab and the approvers' are to be published again. */
  changed(request: AccessRequest): void;
}

/**
 * Who owns AWS accounts: AWS Organizations, or the accounts file. Never throws: a lookup that
 * failed answers `unknown` for that account, so a card, a list or a history always shows.
 */
export interface AccountDirectory {
  /** The owner of each account asked about (each asked once, however often it is named). */
  owners(accounts: readonly string[]): Promise<ReadonlyMap<string, AccountOwner>>;
}

/** An organizational unit as AWS Organizations describes it: found, not in the organization, or the lookup failed (throttled, denied, down). */
export type UnitLookup = { kind: 'found'; unit: OrganizationalUnit } | { kind: 'not-found' } | { kind: 'unknown'; reason: string };

/** The organization's OUs, for OU grants; only where accounts come from AWS Organizations. Never throws. */
export interface OrganizationalUnits {
  /** The OU's names and path from the root, and how many accounts it holds today, at every depth. */
  unit(ou: string): Promise<UnitLookup>;
}

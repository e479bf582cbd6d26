// An access request and the states it moves through; every move is a conditional update.
import * as z from 'zod';
import { ErrorCode } from '../errors';
import { AwsRegion } from './region';
import { Grantee, OrgPath, OuId } from './organizational-unit';
import { RepositoryName } from './repository';
import { SlackId } from './slack-id';

export const RequestState = z.enum(['PENDING', 'APPROVED', 'GRANTED', 'FAILED', 'DENIED', 'REVOKED', 'EXPIRED']);
export type RequestState = z.infer<typeof RequestState>;

/** States from which a decision may move a request, per decision. */
export const DECIDABLE_FROM: Record<'approve' | 'deny', readonly RequestState[]> = {
  approve: ['PENDING', 'FAILED'], // approving a FAILED request is the retry
  deny: ['PENDING', 'FAILED'],
};

/** States in which a request still holds its repository/account slot. */
export const OPEN_STATES: readonly RequestState[] = ['PENDING', 'APPROVED', 'FAILED'];

/** How many different approvers must approve a request (never its requester): one, or two under the two-person rule. */
export const Approvals = z.union([z.literal(1), z.literal(2)]);
export type Approvals = z.infer<typeof Approvals>;

export const RequestId = z.string().regex(/^r-[0-9a-z]{10}$/, { message: 'not an ecr-access request ID' });
export type RequestId = z.infer<typeof RequestId>;

/** A message's place in Slack: its channel and timestamp. */
export const MessageRef = z.object({ channel: SlackId, ts: z.string().regex(/^\d+\.\d+$/, { message: 'not a Slack message timestamp' }) });
export type MessageRef = z.infer<typeof MessageRef>;

/** Why a request could not be granted: a code to branch on, and the technical detail behind it. */
export const Failure = z.object({ code: z.enum(ErrorCode), detail: z.string() });
export type Failure = z.infer<typeof Failure>;

/** The places an outcome is told: the approvers' card, its thread, the requester, and (before a grant ends) a reminder to the requester. */
export const AnnouncementPart = z.enum(['card', 'thread', 'dm', 'reminder']);
export type AnnouncementPart = z.infer<typeof AnnouncementPart>;

/** How a grant's life ends: taken away by someone, or run out. */
const EndingKind = z.enum(['revoke', 'expire']);

/** A removal under way: recorded on the grant before it is queued, so a sweep can finish it. */
export const Ending = z.object({ kind: EndingKind, by: z.string(), at: z.string(), reason: z.string().optional() });
export type Ending = z.infer<typeof Ending>;

/** A live grant of another request that kept the account able to pull when a grant ended. */
export const KeptBy = z.object({ id: RequestId, requester: SlackId, expiresAt: z.string().optional() });
export type KeptBy = z.infer<typeof KeptBy>;

/**
 * One region's verdict on a request whose grant lives in several regions: its own policy's read-back
 * granted the account, failed to, or no longer has it (the grant ended there).
 */
export const RegionVerdict = z.object({
  state: z.enum(['GRANTED', 'FAILED', 'ENDED']),
  at: z.string(),
  /** The approval it answers (the request's `attempts` then): a failure counts only until the request is retried. */
  attempt: z.number().int().nonnegative(),
  failure: Failure.optional(),
  /** sha256 of the region's policy as read back. */
  policyHash: z.string().optional(),
});
export type RegionVerdict = z.infer<typeof RegionVerdict>;

/** What happened to a request, as `/ecr-access history` lists it. */
export const HistoryKind = z.enum(['requested', 'approved', 'denied', 'granted', 'failed', 'revoked', 'expired', 'revoke-refused', 'drift']);
export type HistoryKind = z.infer<typeof HistoryKind>;

export const HistoryEvent = z.object({
  kind: HistoryKind,
  at: z.string(),
  /** A Slack user, or `ecr-access` for what the bot did on its own. */
  by: z.string().optional(),
  /** sha256 of the policy before and after, for events that changed or verified it. */
  policyHashBefore: z.string().optional(),
  policyHash: z.string().optional(),
  detail: z.string().optional(),
  /** The region it happened in, for a grant in several regions; absent: the request as a whole. */
  region: AwsRegion.optional(),
});
export type HistoryEvent = z.infer<typeof HistoryEvent>;

/** The history detail of each approval under the two-person rule. */
export const FIRST_APPROVAL = '1 of 2 approvals';
export const SECOND_APPROVAL = '2 of 2 approvals';

/** Who the bot says did what it did on its own (an expiry, a sweep). */
export const BOT_ACTOR = 'ecr-access';

export const AccessRequest = z.object({
  id: RequestId,
  repository: RepositoryName,
  /** The grantee: one AWS account, or an organizational unit (every account under it). */
  account: Grantee,
  requester: SlackId,
  reason: z.string().optional(),
  state: RequestState,
  createdAt: z.string(),
  card: MessageRef.optional(),
  decidedBy: SlackId.optional(),
  decidedAt: z.string().optional(),
  /**
   * Under the two-person rule, the first of the two approvals, recorded on the still-PENDING
   * request; the second, by another approver, is the decision (decidedBy).
   */
  firstApproval: z.object({ by: SlackId, at: z.string() }).optional(),
  grantedAt: z.string().optional(),
  failedAt: z.string().optional(),
  /** sha256 of the policy text before and after the write, as read from ECR. */
  policyHashBefore: z.string().optional(),
  policyHash: z.string().optional(),
  /** The verified policy text, kept only until the thread has been shown it. */
  verifiedPolicy: z.string().optional(),
  failure: Failure.optional(),
  attempts: z.number().int().nonnegative().default(0),
  /** The outbox: what is still to be told about the outcome. */
  owed: z.array(AnnouncementPart).default([]),
  /** Who took on telling it, and when: another may take over once that is stale. */
  announcer: z.object({ by: z.string(), at: z.number() }).optional(),
  /** How long the grant lasts once granted; absent for a grant without end. */
  durationMs: z.number().int().positive().optional(),
  /** The account's Lambda functions may pull its images too (the Lambda statement, beside the pull statement). */
  lambda: z.literal(true).optional(),
  /** The regions the grant is written and verified in (a replicated repository's, by its rule); absent: the bot's own region. */
  regions: z.array(AwsRegion).min(1).optional(),
  /** Each region's verdict so far, for a request with `regions`. */
  regionVerdicts: z.record(AwsRegion, RegionVerdict).optional(),
  /** FAILED in some of its regions and granted in the others: live there, until revoked or retried. */
  partlyGranted: z.literal(true).optional(),
  /** For an organizational unit: its path from the organization down, which the OU statement lists (resolved when asked for). */
  orgPath: OrgPath.optional(),
  /** For an organizational unit: its names from the root down, and how many accounts it held when asked for. */
  unit: z.object({ names: z.array(z.string()), accounts: z.number().int().nonnegative() }).optional(),
  /** For an account: the live OU grant that lets it pull already when it asked (its own grant survives that one's end). */
  coveredBy: z.object({ ou: OuId, name: z.string(), requestId: RequestId }).optional(),
  /** The live grant of the same account this request extends, when it was asked for while one was live. */
  extends: RequestId.optional(),
  /** When a time-bound grant ends (ISO 8601), set when it is granted. */
  expiresAt: z.string().optional(),
  /** The reminder before the end went out. */
  reminded: z.boolean().optional(),
  /** A removal under way (GRANTED until it is verified), or the one that ended the grant. */
  ending: Ending.optional(),
  endedAt: z.string().optional(),
  /** Statements that still let the account pull after it left ours, by Sid (or position). */
  stillPullsThrough: z.array(z.string()).optional(),
  /** Other live grants of the account that kept it able to pull when this one ended. */
  keptBy: z.array(KeptBy).optional(),
  /** Why the last removal could not be made: the grant stands. */
  endFailure: Failure.optional(),
  /** `outside`: the account was put in the statement by hand; this record exists to remove it. */
  origin: z.literal('outside').optional(),
  /** When approvers were last reminded of this pending request, and how often. */
  nudgedAt: z.string().optional(),
  nudges: z.number().int().nonnegative().optional(),
  /** Everything that happened to the request, oldest first. */
  history: z.array(HistoryEvent).optional(),
  /**
   * Why an approver denied it, noted just before the denial is written (src/service/deny.ts);
   * it counts only for the approver whose denial was written (decidedBy).
   */
  denialNote: z.object({ by: SlackId, at: z.string(), reason: z.string().optional() }).optional(),
});
export type AccessRequest = z.infer<typeof AccessRequest>;

/**
 * Oldest first. The timestamps are ISO 8601 in UTC, so comparing them as plain strings orders
 * them in time (and skips the locale-aware collation `localeCompare` would load for nothing).
 */
export const byCreation = (a: AccessRequest, b: AccessRequest): number => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0);

/**
 * The reason given for a denial: the note of the approver whose denial was written. A note left
 * by another approver who denied at the same moment, or one whose click came too late, is no
 * reason for this denial.
 */
export function denialReason(request: AccessRequest): string | undefined {
  if (request.state !== 'DENIED' || request.denialNote?.by !== request.decidedBy) return undefined;
  return request.denialNote?.reason;
}

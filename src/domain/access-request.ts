// An access request and the states it moves through; every move is a conditional update.
import * as z from 'zod';
import { ErrorCode } from '../errors';
import { AccountId } from './account';
import { RepositoryName } from './repository';
import { SlackId } from './slack-id';

export const RequestState = z.enum(['PENDING', 'APPROVED', 'GRANTED', 'FAILED', 'DENIED']);
export type RequestState = z.infer<typeof RequestState>;

/** States from which a decision may move a request, per decision. */
export const DECIDABLE_FROM: Record<'approve' | 'deny', readonly RequestState[]> = {
  approve: ['PENDING', 'FAILED'], // approving a FAILED request is the retry
  deny: ['PENDING', 'FAILED'],
};

/** States in which a request still holds its repository/account slot. */
export const OPEN_STATES: readonly RequestState[] = ['PENDING', 'APPROVED', 'FAILED'];

export const RequestId = z.string().regex(/^r-[0-9a-z]{10}$/, { message: 'not an ecr-access request ID' });
export type RequestId = z.infer<typeof RequestId>;

/** A message's place in Slack: its channel and timestamp. */
export const MessageRef = z.object({ channel: SlackId, ts: z.string().regex(/^\d+\.\d+$/, { message: 'not a Slack message timestamp' }) });
export type MessageRef = z.infer<typeof MessageRef>;

/** Why a request could not be granted: a code to branch on, and the technical detail behind it. */
export const Failure = z.object({ code: z.enum(ErrorCode), detail: z.string() });
export type Failure = z.infer<typeof Failure>;

/** The three places an outcome is told: the approvers' card, its thread, and the requester. */
export const AnnouncementPart = z.enum(['card', 'thread', 'dm']);
export type AnnouncementPart = z.infer<typeof AnnouncementPart>;

export const AccessRequest = z.object({
  id: RequestId,
  repository: RepositoryName,
  account: AccountId,
  requester: SlackId,
  reason: z.string().optional(),
  state: RequestState,
  createdAt: z.string(),
  card: MessageRef.optional(),
  decidedBy: SlackId.optional(),
  decidedAt: z.string().optional(),
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
});
export type AccessRequest = z.infer<typeof AccessRequest>;

/**
 * Oldest first. The timestamps are ISO 8601 in UTC, so comparing them as plain strings orders
 * them in time (and skips the locale-aware collation `localeCompare` would load for nothing).
 */
export const byCreation = (a: AccessRequest, b: AccessRequest): number => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0);

// An access request and the states it moves through; every move is a conditional update.
import * as z from 'zod';
import { AccountId } from './account';
import { RepositoryName } from './repository';

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

const SlackId = z.string().regex(/^[A-Z0-9]{2,32}$/);

export const AccessRequest = z.object({
  id: RequestId,
  repository: RepositoryName,
  account: AccountId,
  requester: SlackId,
  reason: z.string().optional(),
  state: RequestState,
  createdAt: z.string(),
  card: z.object({ channel: SlackId, ts: z.string() }).optional(),
  decidedBy: SlackId.optional(),
  decidedAt: z.string().optional(),
  grantedAt: z.string().optional(),
  policyHash: z.string().optional(),
  failureReason: z.string().optional(),
  attempts: z.number().int().nonnegative().default(0),
});
export type AccessRequest = z.infer<typeof AccessRequest>;

/**
 * Oldest first. The timestamps are ISO 8601 in UTC, so comparing them as plain strings orders
 * them in time (and skips the locale-aware collation `localeCompare` would load for nothing).
 */
export const byCreation = (a: AccessRequest, b: AccessRequest): number => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0);

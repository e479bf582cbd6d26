// Which outcome a post tells, named so that a process taking over an announcement can recognise
// a post another process made before it died. Pure: the request as stored says it all.
import type { AccessRequest, AnnouncementPart } from './access-request';

/** The parts told by a new message; the card is updated in place, so telling it again is harmless. */
export type PostedPart = Exclude<AnnouncementPart, 'card'>;

export interface ToldOutcome {
  readonly requestId: string;
  readonly part: PostedPart;
  /** The history event the outcome was recorded with ('granted', 'failed', 'revoked' …), or 'reminder'. */
  readonly outcome: string;
  /** When it was recorded (for a reminder: when the grant ends). With `outcome`, tells apart two outcomes told in one part. */
  readonly at: string;
  /** No post about it can be older than this, on the bot's clock. */
  readonly toldFrom: string;
}

/**
 * The outcome `part` tells about the request as it is now. Recording an outcome appends its
 * history event in the same conditional write that makes its parts owed, so the last event is
 * the outcome still owed: a request failed, retried and failed again, or granted then revoked,
 * owes a new post each time, each with its own event. A grant is reminded once, before it ends.
 */
export function toldOutcome(request: AccessRequest, part: PostedPart): ToldOutcome {
  const about = { requestId: request.id, part };
  const granted = request.grantedAt ?? request.createdAt;
  if (part === 'reminder') return { ...about, outcome: 'reminder', at: request.expiresAt ?? granted, toldFrom: granted };
  const last = request.history?.at(-1);
  const { outcome, at } = last ? { outcome: last.kind, at: last.at } : recordedBefore(request);
  return { ...about, outcome, at, toldFrom: at };
}

/** For records written before requests kept a history: the outcome as their state and times say it. */
function recordedBefore(request: AccessRequest): { outcome: string; at: string } {
  const { state, createdAt } = request;
  switch (state) {
    case 'GRANTED':
      return request.endFailure ? { outcome: 'revoke-refused', at: request.grantedAt ?? createdAt } : { outcome: 'granted', at: request.grantedAt ?? createdAt };
    case 'FAILED':
      return { outcome: 'failed', at: request.failedAt ?? createdAt };
    case 'REVOKED':
    case 'EXPIRED':
      return { outcome: state.toLowerCase(), at: request.endedAt ?? createdAt };
    case 'DENIED':
      return { outcome: 'denied', at: request.decidedAt ?? createdAt };
    default:
      return { outcome: state.toLowerCase(), at: request.decidedAt ?? createdAt };
  }
}

// How a request is kept in the table: the item and back (stored items are input too), the
// pieces every state change writes (its history event, the sweep's index), and the conditional
// write that records a verdict.
import { AccessRequest, type HistoryEvent } from '../domain/access-request';
import { EcrAccessError, ErrorCode } from '../errors';
import type { Verdict } from '../service/ports';
import type { DynamoTable } from './dynamo';
import { DUE_KEY, DUE_SHARD, DUE_SHARD_KEY, DUE_VERSION, KEY, keys } from './table-schema';

export type ItemUpdate = Parameters<DynamoTable['update']>[1];

export const placeholders = (prefix: string, values: readonly string[]) => Object.fromEntries(values.map((value, i) => [`${prefix}${i}`, value]));

/** The item as stored: the request itself, its key, and the outbox as a string set (so parts can be deleted one by one). */
export function toItem(request: AccessRequest): Record<string, unknown> {
  const { owed, ...rest } = request;
  return { ...rest, [KEY]: keys.request(request.id), ...(owed.length > 0 && { owed: new Set(owed) }), ...dueNow(Date.parse(request.createdAt)) };
}

/**
 * Every change of state puts the request in the sweep's index, due at once: the sweep looks, does
 * what is due, and sets when to look next (or takes it out). Early is always safe; late never happens.
 */
const dueNow = (at: number) => ({ [DUE_SHARD_KEY]: DUE_SHARD, [DUE_KEY]: at, [DUE_VERSION]: 0 });
/**
 * Every change that makes the request due also counts up its due version: the sweep sets when to
 * look next only if the version is the one it read, so a change it did not see always stands,
 * even one made in the same millisecond (or by a process whose clock is a little behind).
 */
export const DUE_SET = `${DUE_SHARD_KEY} = :dueShard, ${DUE_KEY} = :dueAt, ${DUE_VERSION} = if_not_exists(${DUE_VERSION}, :dueNone) + :dueStep`;
export const dueValues = (at: string | number) => ({ ':dueShard': DUE_SHARD, ':dueAt': typeof at === 'number' ? at : Date.parse(at), ':dueNone': 0, ':dueStep': 1 });

/** Appends one event to the request's history, in the same write as the change it records. */
export const HISTORY_SET = 'history = list_append(if_not_exists(history, :noHistory), :event)';
export const historyValues = (event: HistoryEvent) => ({ ':noHistory': [], ':event': [event] });

/** Stored items are input too: a malformed one is reported, never trusted. */
export function fromItem(item: Record<string, unknown>): AccessRequest {
  const { [KEY]: key, owed, cardChannel, cardTs, failureReason, ...rest } = item;
  const candidate = {
    ...rest,
    owed: owed instanceof Set ? [...(owed as Set<string>)].sort() : [],
    // Items written before card and failure were maps.
    ...(rest.card === undefined && typeof cardChannel === 'string' && { card: { channel: cardChannel, ts: cardTs } }),
    ...(rest.failure === undefined && typeof failureReason === 'string' && { failure: { code: ErrorCode.Registry, detail: failureReason } }),
  };
  const parsed = AccessRequest.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EcrAccessError(ErrorCode.Store, `Stored request ${String(item.id ?? key ?? '?')} is malformed: ${issue?.path.join('.')} ${issue?.message}`);
  }
  return parsed.data;
}


/**
 * The conditional write that records a verdict, owing its announcement. The decision or the
 * end that led here made the request due already; a verdict leaves the sweep's index as it
 * is, so recording it rewrites no index entry.
 */
export function verdictUpdate(verdict: Verdict, announcer: { by: string; at: number }): ItemUpdate {
  const { outcome, at } = verdict;
  const every = `announcer = :announcer, ${HISTORY_SET}`;
  // An approval is granted or failed only while no end is under way; an end only while it is under way.
  const approval = { condition: '#state = :approved AND attribute_not_exists(ending)', values: { ':approved': 'APPROVED' } };
  const ending = { condition: '#state IN (:approved, :granted) AND attribute_exists(ending)', values: { ':approved': 'APPROVED', ':granted': 'GRANTED' } };
  const hashes = { ':before': verdict.policyHashBefore, ':after': verdict.policyHash };
  switch (outcome.state) {
    case 'GRANTED':
      return {
        set: `SET #state = :to, grantedAt = :at, policyHashBefore = :before, policyHash = :after, verifiedPolicy = :policy, owed = :owed, ${every}${verdict.expiresAt ? ', expiresAt = :expires' : ''} REMOVE failure, failedAt`,
        ...approval,
        values: {
          ...approval.values,
          ...hashes,
          ':at': at,
          ':announcer': announcer,
          ':to': 'GRANTED',
          ':policy': verdict.verifiedPolicy,
          ':owed': new Set(['card', 'thread', 'dm']),
          ...(verdict.expiresAt && { ':expires': verdict.expiresAt }),
          ...historyValues({ kind: 'granted', at, policyHashBefore: verdict.policyHashBefore, policyHash: verdict.policyHash }),
        },
      };
    case 'FAILED': {
      const failure = { ...outcome.failure, detail: outcome.failure.detail.slice(0, 2000) };
      return {
        set: `SET #state = :to, failedAt = :at, failure = :failure, owed = :owed, ${every}`,
        ...approval,
        values: {
          ...approval.values,
          ':at': at,
          ':announcer': announcer,
          ':to': 'FAILED',
          ':failure': failure,
          ':owed': new Set(['card', 'thread']),
          ...historyValues({ kind: 'failed', at, detail: failure.detail }),
        },
      };
    }
    case 'ENDED': {
      const to = outcome.ending.kind === 'revoke' ? 'REVOKED' : 'EXPIRED';
      return {
        set: `SET #state = :to, endedAt = :at, policyHashBefore = :before, policyHash = :after, stillPullsThrough = :through, keptBy = :kept, owed = :owed, ${every}`,
        condition: `${ending.condition} AND ending.#kind = :kind`,
        names: { '#kind': 'kind' },
        values: {
          ...ending.values,
          ...hashes,
          ':at': at,
          ':announcer': announcer,
          ':to': to,
          ':kind': outcome.ending.kind,
          ':through': [...verdict.pullsThrough],
          ':kept': [...outcome.keptBy],
          ':owed': new Set(outcome.outside ? ['thread'] : ['card', 'thread', 'dm']),
          ...historyValues({
            kind: to === 'REVOKED' ? 'revoked' : 'expired',
            at,
            by: outcome.ending.by,
            policyHashBefore: verdict.policyHashBefore,
            policyHash: verdict.policyHash,
            ...(outcome.ending.reason && { detail: outcome.ending.reason }),
          }),
        },
      };
    }
    case 'REMOVAL_REFUSED': {
      const failure = { ...outcome.failure, detail: outcome.failure.detail.slice(0, 2000) };
      return {
        set: `SET endFailure = :failure, owed = :owed, ${every} REMOVE ending`,
        ...ending,
        values: {
          ...ending.values,
          ':announcer': announcer,
          ':failure': failure,
          ':owed': new Set(['thread']),
          ...historyValues({ kind: 'revoke-refused', at, detail: failure.detail }),
        },
      };
    }
  }
}

// How a request is kept in the table: the item and back (stored items are input too), the
// pieces every state change writes (its history event, the sweep's index), and the conditional
// write that records a verdict.
import { AccessRequest, type Failure, type HistoryEvent, type RegionVerdict } from '../domain/access-request';
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


/** What recording an outcome writes: its fields, what it takes away, what it owes, its history event, and when it may be written. */
function recorded(verdict: Verdict) {
  const { outcome, at } = verdict;
  const hashes = { policyHashBefore: verdict.policyHashBefore, policyHash: verdict.policyHash };
  const clipped = (failure: Failure) => ({ ...failure, detail: failure.detail.slice(0, 2000) });
  switch (outcome.state) {
    case 'GRANTED': {
      const fields = { state: 'GRANTED', grantedAt: at, ...hashes, verifiedPolicy: verdict.verifiedPolicy, ...(verdict.expiresAt && { expiresAt: verdict.expiresAt }) };
      return { fields, remove: ['failure', 'failedAt', 'partlyGranted'], owed: ['card', 'thread', 'dm'], event: { kind: 'granted' as const, at, ...hashes } };
    }
    case 'FAILED': {
      const failure = clipped(outcome.failure);
      const partly = verdict.partlyGranted ? { partlyGranted: true, ...(verdict.expiresAt && { expiresAt: verdict.expiresAt }) } : {};
      return { fields: { state: 'FAILED', failedAt: at, failure, ...partly }, owed: ['card', 'thread'], event: { kind: 'failed' as const, at, detail: failure.detail } };
    }
    case 'ENDED': {
      const { ending } = outcome;
      const fields = { state: ending.kind === 'revoke' ? 'REVOKED' : 'EXPIRED', endedAt: at, ...hashes, stillPullsThrough: [...verdict.pullsThrough], keptBy: [...outcome.keptBy] };
      const event = { kind: ending.kind === 'revoke' ? ('revoked' as const) : ('expired' as const), at, by: ending.by, ...hashes, ...(ending.reason && { detail: ending.reason }) };
      return { fields, owed: outcome.outside ? ['thread'] : ['card', 'thread', 'dm'], event, endOf: ending.kind };
    }
    case 'REMOVAL_REFUSED': {
      const failure = clipped(outcome.failure);
      return { fields: { endFailure: failure }, remove: ['ending'], owed: ['thread'], event: { kind: 'revoke-refused' as const, at, detail: failure.detail }, endOf: 'any' };
    }
  }
}

/**
 * The conditional write that records one region's verdict: no announcement (the request's own
 * verdict follows once every region has one), and its event in the history, naming the region.
 */
export function regionVerdictUpdate(region: string, verdict: RegionVerdict, endKind?: 'revoke' | 'expire'): ItemUpdate {
  const approval = verdict.state !== 'ENDED';
  const event: HistoryEvent = {
    kind: verdict.state === 'GRANTED' ? 'granted' : verdict.state === 'FAILED' ? 'failed' : endKind === 'expire' ? 'expired' : 'revoked',
    at: verdict.at,
    region,
    ...(verdict.policyHash && { policyHash: verdict.policyHash }),
    ...(verdict.failure && { detail: verdict.failure.detail.slice(0, 2000) }),
  };
  return {
    set: `SET regionVerdicts.#region = :verdict, ${HISTORY_SET}`,
    condition: approval
      ? '#state = :approved AND attribute_not_exists(ending) AND (attribute_not_exists(regionVerdicts.#region) OR regionVerdicts.#region.#verdict = :failed)'
      : '#state IN (:approved, :granted, :failed) AND attribute_exists(ending) AND (attribute_not_exists(regionVerdicts.#region) OR regionVerdicts.#region.#verdict <> :ended)',
    names: { '#state': 'state', '#region': region, '#verdict': 'state' },
    values: {
      ':verdict': { ...verdict, ...(verdict.failure && { failure: { ...verdict.failure, detail: verdict.failure.detail.slice(0, 2000) } }) },
      ':approved': 'APPROVED',
      ':failed': 'FAILED',
      ...(approval ? {} : { ':granted': 'GRANTED', ':ended': 'ENDED' }),
      ...historyValues(event),
    },
  };
}

/**
 * The conditional write that records a verdict, owing its announcement: an approval is granted or
 * failed only while no end is under way, an end only while it is. The decision or the end that led
 * here made the request due already; a verdict leaves the sweep's index as it is.
 */
export function verdictUpdate(verdict: Verdict, announcer: { by: string; at: number }): ItemUpdate {
  const { fields, remove = [], owed, event, endOf } = recorded(verdict);
  const names = Object.keys(fields);
  return {
    set: `SET ${[...names.map((name) => `#${name} = :${name}`), 'owed = :owed', 'announcer = :announcer', HISTORY_SET].join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
    condition:
      endOf === undefined
        ? '#state = :approved AND attribute_not_exists(ending)'
        : `#state IN (:approved, :granted, :failed) AND ${endOf === 'any' ? 'attribute_exists(ending)' : 'ending.#kind = :kind'}`,
    names: { '#state': 'state', ...Object.fromEntries(names.map((name) => [`#${name}`, name])), ...(endOf !== undefined && endOf !== 'any' && { '#kind': 'kind' }) },
    values: {
      ...Object.fromEntries(Object.entries(fields).map(([name, value]) => [`:${name}`, value])),
      ':owed': new Set(owed),
      ':announcer': announcer,
      ':approved': 'APPROVED',
      ...(endOf !== undefined && { ':granted': 'GRANTED', ':failed': 'FAILED' }),
      ...(endOf !== undefined && endOf !== 'any' && { ':kind': endOf }),
      ...historyValues(event),
    },
  };
}

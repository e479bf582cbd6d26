// The RequestStore port on DynamoDB: request records and the one-open-request-per-account
// slots, every state change one conditional write on one item.
import { AccessRequest, BOT_ACTOR, HistoryEvent, OPEN_STATES } from '../domain/access-request';
import { EcrAccessError, ErrorCode } from '../errors';
import { inBatches } from '../in-batches';
import { NO_DRIFT, type RequestStore } from '../service/ports';
import type { DynamoTable } from './dynamo';
import { BY_DUE_INDEX, BY_REPOSITORY_INDEX, DUE_KEY, DUE_SHARD, DUE_SHARD_KEY, INDEX_KEY, KEY, keys } from './table-schema';

const STATE = { '#state': 'state' };

/** Most values one IN takes (100 operands, the attribute being one); a longer list is several INs joined by OR. */
const IN_LIMIT = 99;

/**
 * The most shareable repositories an approval's condition can hold: with placeholders of up to
 * five characters the whole condition stays well inside DynamoDB's 4 KB expression limit.
 */
export const MAX_REPOSITORIES = 400;

const placeholders = (prefix: string, values: readonly string[]) => Object.fromEntries(values.map((value, i) => [`${prefix}${i}`, value]));

/** `attribute IN (…)` over any number of placeholders. */
function inList(attribute: string, names: readonly string[]): string {
  const groups: string[] = [];
  for (let i = 0; i < names.length; i += IN_LIMIT) groups.push(`${attribute} IN (${names.slice(i, i + IN_LIMIT).join(', ')})`);
  return `(${groups.join(' OR ') || 'attribute_not_exists(id) AND attribute_exists(id)'})`;
}

/** The item as stored: the request itself, its key, and the outbox as a string set (so parts can be deleted one by one). */
function toItem(request: AccessRequest): Record<string, unknown> {
  const { owed, ...rest } = request;
  return { ...rest, [KEY]: keys.request(request.id), ...(owed.length > 0 && { owed: new Set(owed) }), ...dueNow(Date.parse(request.createdAt)) };
}

/**
 * Every change of state puts the request in the sweep's index, due at once: the sweep looks, does
 * what is due, and sets when to look next (or takes it out). Early is always safe; late never happens.
 */
const dueNow = (at: number) => ({ [DUE_SHARD_KEY]: DUE_SHARD, [DUE_KEY]: at });
/** Due requests read at once by a sweep pass. */
const PARALLEL_READS = 16;
const DUE_SET = `${DUE_SHARD_KEY} = :dueShard, ${DUE_KEY} = :dueAt`;
const dueValues = (at: string | number) => ({ ':dueShard': DUE_SHARD, ':dueAt': typeof at === 'number' ? at : Date.parse(at) });

/** Appends one event to the request's history, in the same write as the change it records. */
const HISTORY_SET = 'history = list_append(if_not_exists(history, :noHistory), :event)';
const historyValues = (event: HistoryEvent) => ({ ':noHistory': [], ':event': [event] });

/** Stored items are input too: a malformed one is reported, never trusted. */
function fromItem(item: Record<string, unknown>): AccessRequest {
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

export function dynamoRequestStore(table: DynamoTable): RequestStore {
  const get = async (id: string) => {
    const item = await table.get(keys.request(id));
    return item && fromItem(item);
  };
  const updated = async (id: string, input: Parameters<DynamoTable['update']>[1]) => {
    const usesState = `${input.set} ${input.condition ?? ''}`.includes('#state');
    const names = { ...(usesState && STATE), ...input.names };
    const item = await table.update(keys.request(id), { ...input, ...(Object.keys(names).length > 0 && { names }) });
    return item && fromItem(item);
  };

  /** Claims the repository/account slot for the request, taking it over only from a settled or vanished request. */
  const claimSlot = async (request: AccessRequest): Promise<AccessRequest | undefined> => {
    const slotKey = keys.slot(request.repository, request.account);
    for (let attempt = 0; attempt < 5; attempt++) {
      const slot = await table.get(slotKey);
      const holderId = typeof slot?.requestId === 'string' ? slot.requestId : undefined;
      if (holderId) {
        const holder = await get(holderId);
        if (holder && OPEN_STATES.includes(holder.state)) return holder;
      }
      const claimed = await table.put(
        { [KEY]: slotKey, requestId: request.id },
        holderId ? { expression: 'requestId = :seen', values: { ':seen': holderId } } : { expression: `attribute_not_exists(${KEY})` },
      );
      if (claimed) return undefined;
    }
    throw new EcrAccessError(ErrorCode.Conflict, 'Too many simultaneous requests for this repository and account.');
  };

  const store: RequestStore = {
    get,

    async create(request) {
      // The request exists before it claims its slot, so a competing claim always finds a live holder.
      await table.put(toItem(request), { expression: `attribute_not_exists(${KEY})` });
      let existing: AccessRequest | undefined;
      try {
        existing = await claimSlot(request);
      } catch (error) {
        await store.discard(request.id);
        throw error;
      }
      if (!existing) return { created: true };
      await store.discard(request.id);
      return { created: false, existing };
    },

    async discard(id) {
      await table.delete(keys.request(id), { expression: '#state = :pending', names: STATE, values: { ':pending': 'PENDING' } });
    },

    async attachCard(id, card) {
      const request = await updated(id, { set: 'SET card = :card', condition: `attribute_exists(${KEY})`, values: { ':card': card } });
      if (!request) throw new EcrAccessError(ErrorCode.Store, `Request ${id} vanished before its card was recorded.`);
      return request;
    },

    async decide(id, { to, from, by, at, card, announcer, shareable }) {
      const fromValues = placeholders(':from', from);
      const repositories = shareable ? placeholders(':r', shareable) : {};
      // Whose request it is, which card it sits on and (for an approval) whether its repository is
      // still shareable are checked in the same write as its state.
      const set =
        to === 'APPROVED'
          ? `SET #state = :to, decidedBy = :by, decidedAt = :at, attempts = if_not_exists(attempts, :zero) + :one, ${HISTORY_SET}, ${DUE_SET} REMOVE failure, failedAt`
          : `SET #state = :to, decidedBy = :by, decidedAt = :at, owed = :owed, announcer = :announcer, ${HISTORY_SET}, ${DUE_SET}`;
      const request = await updated(id, {
        set,
        condition: [
          `#state IN (${Object.keys(fromValues).join(', ')})`,
          'requester <> :by',
          '(attribute_not_exists(card) OR (card.#channel = :channel AND card.#ts = :ts))',
          ...(shareable ? [inList('#repository', Object.keys(repositories))] : []),
        ].join(' AND '),
        names: { '#channel': 'channel', '#ts': 'ts', ...(shareable && { '#repository': INDEX_KEY }) },
        values: {
          ...fromValues,
          ...repositories,
          ':to': to,
          ':by': by,
          ':at': at,
          ':channel': card.channel,
          ':ts': card.ts,
          ...historyValues({ kind: to === 'APPROVED' ? 'approved' : 'denied', at, by }),
          ...dueValues(at),
          ...(to === 'APPROVED' ? { ':zero': 0, ':one': 1 } : { ':owed': new Set(['card', 'dm']), ':announcer': { by: announcer, at: Date.parse(at) } }),
        },
      });
      if (request) return { decided: true, request };
      return { decided: false, current: await get(id) };
    },

    async record(id, verdict, announcer) {
      // The decision or the removal that led here made the request due already; a verdict leaves
      // the sweep's index as it is, so recording it rewrites no index entry.
      const common = { ':at': verdict.at, ':announcer': announcer };
      const every = `announcer = :announcer, ${HISTORY_SET}`;
      switch (verdict.state) {
        case 'GRANTED':
          return updated(id, {
            set: `SET #state = :to, grantedAt = :at, policyHashBefore = :before, policyHash = :after, verifiedPolicy = :policy, owed = :owed, ${every}${verdict.expiresAt ? ', expiresAt = :expires' : ''} REMOVE failure, failedAt`,
            condition: '#state = :approved',
            values: {
              ...common,
              ':to': 'GRANTED',
              ':approved': 'APPROVED',
              ':before': verdict.policyHashBefore,
              ':after': verdict.policyHash,
              ':policy': verdict.verifiedPolicy,
              ':owed': new Set(['card', 'thread', 'dm']),
              ...(verdict.expiresAt && { ':expires': verdict.expiresAt }),
              ...historyValues({ kind: 'granted', at: verdict.at, policyHashBefore: verdict.policyHashBefore, policyHash: verdict.policyHash }),
            },
          });
        case 'FAILED': {
          const failure = { ...verdict.failure, detail: verdict.failure.detail.slice(0, 2000) };
          return updated(id, {
            set: `SET #state = :to, failedAt = :at, failure = :failure, owed = :owed, ${every}`,
            condition: '#state = :approved',
            values: {
              ...common,
              ':to': 'FAILED',
              ':approved': 'APPROVED',
              ':failure': failure,
              ':owed': new Set(['card', 'thread']),
              ...historyValues({ kind: 'failed', at: verdict.at, detail: failure.detail }),
            },
          });
        }
        case 'ENDED': {
          const { ending } = verdict;
          const to = ending.kind === 'revoke' ? 'REVOKED' : 'EXPIRED';
          return updated(id, {
            set: `SET #state = :to, endedAt = :at, policyHashBefore = :before, policyHash = :after, stillPullsThrough = :through, owed = :owed, ${every}`,
            condition: '#state = :granted AND ending.#kind = :kind',
            names: { '#kind': 'kind' },
            values: {
              ...common,
              ':to': to,
              ':granted': 'GRANTED',
              ':kind': ending.kind,
              ':before': verdict.policyHashBefore,
              ':after': verdict.policyHash,
              ':through': [...verdict.stillPullsThrough],
              ':owed': new Set(verdict.outside ? ['thread'] : ['card', 'thread', 'dm']),
              ...historyValues({
                kind: to === 'REVOKED' ? 'revoked' : 'expired',
                at: verdict.at,
                by: ending.by,
                policyHashBefore: verdict.policyHashBefore,
                policyHash: verdict.policyHash,
                ...(ending.reason && { detail: ending.reason }),
              }),
            },
          });
        }
        case 'KEPT': {
          const failure = { ...verdict.failure, detail: verdict.failure.detail.slice(0, 2000) };
          // DynamoDB refuses a value the expressions do not use, and this write has no use for :at.
          const { ':at': _unused, ...keptCommon } = common;
          return updated(id, {
            set: `SET endFailure = :failure, owed = :owed, ${every} REMOVE ending`,
            condition: '#state = :granted AND attribute_exists(ending)',
            values: {
              ...keptCommon,
              ':granted': 'GRANTED',
              ':failure': failure,
              ':owed': new Set(['thread']),
              ...historyValues({ kind: 'revoke-refused', at: verdict.at, detail: failure.detail }),
            },
          });
        }
      }
    },

    async beginEnding(id, ending) {
      return updated(id, {
        set: `SET ending = :ending, ${DUE_SET} REMOVE endFailure`,
        condition: '#state = :granted AND attribute_not_exists(ending)',
        values: { ':ending': ending, ':granted': 'GRANTED', ...dueValues(ending.at) },
      });
    },

    async recordOutside(request) {
      await table.put(toItem(request), { expression: `attribute_not_exists(${KEY})` });
    },

    async due(now, limit) {
      // The index holds keys only (so a write that leaves dueAt alone touches no index entry);
      // each request is then read as it is now, with a consistent read.
      const keysDue = await table.query(
        {
          IndexName: BY_DUE_INDEX,
          KeyConditionExpression: '#shard = :shard AND #due <= :now',
          ExpressionAttributeNames: { '#shard': DUE_SHARD_KEY, '#due': DUE_KEY },
          values: { ':shard': DUE_SHARD, ':now': now },
          Limit: limit,
        },
        limit,
      );
      const items = await inBatches(keysDue.slice(0, limit), PARALLEL_READS, (key) => table.get(String(key[KEY])));
      return items.flatMap((item) => (item && typeof item[DUE_KEY] === 'number' ? [{ request: fromItem(item), dueAt: item[DUE_KEY] }] : []));
    },

    async sweepStep(id, step, announcer) {
      switch (step.kind) {
        case 'expire-pending':
          return updated(id, {
            set: `SET #state = :to, endedAt = :at, owed = :owed, announcer = :announcer, ${HISTORY_SET}`,
            condition: '#state = :pending',
            values: {
              ':to': 'EXPIRED',
              ':pending': 'PENDING',
              ':at': step.at,
              ':owed': new Set(['card', 'dm']),
              ':announcer': announcer,
              ...historyValues({ kind: 'expired', at: step.at, by: BOT_ACTOR, detail: 'nobody decided in time' }),
            },
          });
        case 'nudged':
          return updated(id, {
            set: 'SET nudgedAt = :at, nudges = if_not_exists(nudges, :zero) + :one',
            condition: `#state = :pending AND ${step.previous ? 'nudgedAt = :previous' : 'attribute_not_exists(nudgedAt)'}`,
            values: { ':pending': 'PENDING', ':at': step.at, ':zero': 0, ':one': 1, ...(step.previous && { ':previous': step.previous }) },
          });
        case 'remind':
          return updated(id, {
            set: 'SET reminded = :yes, announcer = :announcer ADD owed :reminder',
            condition: '#state = :granted AND attribute_not_exists(reminded) AND attribute_not_exists(ending)',
            values: { ':yes': true, ':granted': 'GRANTED', ':announcer': announcer, ':reminder': new Set(['reminder']) },
          });
        case 'look-again':
          return updated(id, {
            set: step.at === undefined ? `REMOVE ${DUE_SHARD_KEY}, ${DUE_KEY}` : `SET ${DUE_KEY} = :next`,
            condition: `${DUE_KEY} = :seen`,
            values: { ':seen': step.seen, ...(step.at !== undefined && { ':next': step.at }) },
          });
      }
    },

    async noteDrift(repository, signature, event) {
      const noted = await table.update(keys.drift(repository), {
        set: 'SET driftSeen = :signature, driftHistory = list_append(if_not_exists(driftHistory, :none), :event)',
        // Nothing noted yet is NO_DRIFT: only a change from that is noted.
        condition: signature === NO_DRIFT ? 'attribute_exists(driftSeen) AND driftSeen <> :signature' : 'attribute_not_exists(driftSeen) OR driftSeen <> :signature',
        values: { ':signature': signature, ':none': [], ':event': [event] },
      });
      return noted !== undefined;
    },

    async driftHistory(repository) {
      const item = await table.get(keys.drift(repository));
      const events = Array.isArray(item?.driftHistory) ? item.driftHistory : [];
      return events.flatMap((event) => {
        const parsed = HistoryEvent.safeParse(event);
        return parsed.success ? [parsed.data] : [];
      });
    },

    async claimAnnouncement(id, announcer, staleBefore) {
      return updated(id, {
        set: 'SET announcer = :announcer',
        condition: 'attribute_exists(owed) AND (attribute_not_exists(announcer) OR announcer.#at < :stale)',
        names: { '#at': 'at' },
        values: { ':announcer': announcer, ':stale': staleBefore },
      });
    },

    async delivered(id, parts) {
      if (parts.length === 0) return;
      await updated(id, {
        set: `DELETE owed :parts${parts.includes('thread') ? ' REMOVE verifiedPolicy' : ''}`,
        condition: `attribute_exists(${KEY})`,
        values: { ':parts': new Set(parts) },
      });
    },

    async listByRepository(repository) {
      const items = await table.query({
        IndexName: BY_REPOSITORY_INDEX,
        KeyConditionExpression: '#repository = :repository',
        ExpressionAttributeNames: { '#repository': INDEX_KEY },
        values: { ':repository': repository },
      });
      return items.map(fromItem);
    },
  };
  return store;
}

// The RequestStore port on DynamoDB: request records and the one-open-request-per-account
// slots, every state change one conditional write on one item (shaped in request-item.ts).
import { type AccessRequest, BOT_ACTOR, FIRST_APPROVAL, type MessageRef, OPEN_STATES, SECOND_APPROVAL } from '../domain/access-request';
import { EcrAccessError, ErrorCode } from '../errors';
import type { DecisionTarget, RequestStore } from '../service/ports';
import { dynamoDriftNotes } from './drift-notes';
import type { DynamoTable } from './dynamo';
import { DUE_SET, dueValues, fromItem, HISTORY_SET, historyValues, placeholders, regionVerdictUpdate, toItem, verdictUpdate } from './request-item';
import { BY_DUE_INDEX, BY_REPOSITORY_INDEX, BY_REQUESTER_INDEX, DUE_KEY, DUE_SHARD, DUE_SHARD_KEY, DUE_VERSION, INDEX_KEY, isRequestKey, KEY, keys, REQUESTER_KEY } from './table-schema';

const STATE = { '#state': 'state' };

/**
 * What every decision's write checks besides the request's state: `by` did not ask for it, the
 * click came from its card (a card not recorded yet is checked by the click's write later), and
 * the card's repository and account are the request's.
 */
function decisionChecks({ by, card, target }: { by: string; card: MessageRef; target?: DecisionTarget | undefined }) {
  return {
    condition: [
      'requester <> :by',
      '(attribute_not_exists(card) OR (card.#channel = :channel AND card.#ts = :ts))',
      ...(target ? ['#repository = :repository AND #account = :account'] : []),
    ],
    names: { '#channel': 'channel', '#ts': 'ts', ...(target && { '#repository': INDEX_KEY, '#account': 'account' }) },
    values: { ':by': by, ':channel': card.channel, ':ts': card.ts, ...(target && { ':repository': target.repository, ':account': target.account }) },
  };
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
    async getMany(ids) {
      const items = await table.getMany(ids.map((id) => keys.request(id)));
      return new Map(
        ids.flatMap((id) => {
          const item = items.get(keys.request(id));
          return item ? [[id, fromItem(item)] as const] : [];
        }),
      );
    },
    ...dynamoDriftNotes(table),

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

    async decide(id, { to, from, by, at, card, announcer, target, second }) {
      const fromValues = placeholders(':from', from);
      const checks = decisionChecks({ by, card, target });
      const set =
        to === 'APPROVED'
          ? `SET #state = :to, decidedBy = :by, decidedAt = :at, attempts = if_not_exists(attempts, :zero) + :one, ${HISTORY_SET}, ${DUE_SET} REMOVE failure, failedAt`
          : `SET #state = :to, decidedBy = :by, decidedAt = :at, owed = :owed, announcer = :announcer, ${HISTORY_SET}, ${DUE_SET}`;
      const event = { kind: to === 'APPROVED' ? ('approved' as const) : ('denied' as const), at, by, ...(second && { detail: SECOND_APPROVAL }) };
      const request = await updated(id, {
        set,
        condition: [
          `#state IN (${Object.keys(fromValues).join(', ')})`,
          ...checks.condition,
          // The second approval: a first one, by someone else, is recorded (a retry of a FAILED request needs none).
          ...(second ? ['(#state <> :pending OR (attribute_exists(firstApproval) AND firstApproval.#by <> :by))'] : []),
          // A request granted in some of its regions is revoked, not denied: a denial would leave it there.
          ...(to === 'DENIED' ? ['attribute_not_exists(partlyGranted)'] : []),
        ].join(' AND '),
        names: { ...checks.names, ...(second && { '#by': 'by' }) },
        values: {
          ...fromValues,
          ...checks.values,
          ...(second && { ':pending': 'PENDING' }),
          ':to': to,
          ':at': at,
          ...historyValues(event),
          ...dueValues(at),
          ...(to === 'APPROVED' ? { ':zero': 0, ':one': 1 } : { ':owed': new Set(['card', 'dm']), ':announcer': { by: announcer, at: Date.parse(at) } }),
        },
      });
      if (request) return { decided: true, request };
      return { decided: false, current: await get(id) };
    },

    async approveFirst(id, { by, at, card, target }) {
      const checks = decisionChecks({ by, card, target });
      const request = await updated(id, {
        set: `SET firstApproval = :approval, ${HISTORY_SET}`,
        condition: ['#state = :pending', 'attribute_not_exists(firstApproval)', ...checks.condition].join(' AND '),
        names: checks.names,
        values: { ...checks.values, ':pending': 'PENDING', ':approval': { by, at }, ...historyValues({ kind: 'approved', at, by, detail: FIRST_APPROVAL }) },
      });
      if (request) return { decided: true, request };
      return { decided: false, current: await get(id) };
    },

    async noteDenialReason(id, note) {
      const noted = await updated(id, {
        set: 'SET denialNote = :note',
        condition: '#state IN (:pending, :failed)',
        values: { ':note': note, ':pending': 'PENDING', ':failed': 'FAILED' },
      });
      return noted !== undefined;
    },

    async record(id, verdict, announcer) {
      return updated(id, verdictUpdate(verdict, announcer));
    },

    async recordRegion(id, region, verdict, endKind) {
      return updated(id, regionVerdictUpdate(region, verdict, endKind));
    },

    async beginEnding(id, ending) {
      return updated(id, {
        set: `SET ending = :ending, ${DUE_SET} REMOVE endFailure`,
        condition: '(#state IN (:approved, :granted) OR (#state = :failed AND partlyGranted = :partly)) AND attribute_not_exists(ending)',
        values: { ':ending': ending, ':approved': 'APPROVED', ':granted': 'GRANTED', ':failed': 'FAILED', ':partly': true, ...dueValues(ending.at) },
      });
    },

    async accountRequests(repository, accounts, known) {
      if (accounts.length === 0) return [];
      // The index is read eventually consistently: it finds the requests (IDs and accounts only, any
      // number of accounts), and each is then read as it is now.
      const indexed = await table.query({
        IndexName: BY_REPOSITORY_INDEX,
        KeyConditionExpression: '#repository = :repository',
        ProjectionExpression: '#id, #account',
        ExpressionAttributeNames: { '#repository': INDEX_KEY, '#account': 'account', '#id': 'id' },
        values: { ':repository': repository },
      });
      const ofAccounts = indexed.filter((item) => accounts.includes(String(item.account))).map((item) => String(item.id));
      const ids = [...new Set([...ofAccounts, ...known])];
      const found = await store.getMany(ids);
      return ids.flatMap((id) => {
        const request = found.get(id);
        return request && request.repository === repository && accounts.includes(request.account) ? [request] : [];
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
      const ids = keysDue.slice(0, limit).map((key) => String(key[KEY]));
      const items = await table.getMany(ids);
      return ids.flatMap((id) => {
        const item = items.get(id);
        const version = typeof item?.[DUE_VERSION] === 'number' ? item[DUE_VERSION] : 0;
        return item && typeof item[DUE_KEY] === 'number' ? [{ request: fromItem(item), dueAt: item[DUE_KEY], version }] : [];
      });
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
            // Only once the grant's own announcement is told: owing both, an announcer would tell the earlier parts again.
            condition: '#state = :granted AND attribute_not_exists(reminded) AND attribute_not_exists(ending) AND attribute_not_exists(owed)',
            values: { ':yes': true, ':granted': 'GRANTED', ':announcer': announcer, ':reminder': new Set(['reminder']) },
          });
        case 'look-again':
          return updated(id, {
            set: step.at === undefined ? `REMOVE ${DUE_SHARD_KEY}, ${DUE_KEY}` : `SET ${DUE_KEY} = :next`,
            // Items made due before versions were counted have none: version 0.
            condition: step.seen === 0 ? `(attribute_not_exists(${DUE_VERSION}) OR ${DUE_VERSION} = :seen)` : `${DUE_VERSION} = :seen`,
            values: { ':seen': step.seen, ...(step.at !== undefined && { ':next': step.at }) },
          });
      }
    },

    async claimAnnouncement(id, announcer, staleBefore) {
      return updated(id, {
        set: 'SET announcer = :announcer',
        condition: 'attribute_exists(owed) AND (attribute_not_exists(announcer) OR announcer.#at < :stale)',
        names: { '#at': 'at' },
        values: { ':announcer': announcer, ':stale': staleBefore },
      });
    },

    async holdAnnouncement(id, announcer) {
      const held = await updated(id, {
        set: 'SET announcer = :announcer',
        condition: 'announcer.#by = :by',
        names: { '#by': 'by' },
        values: { ':announcer': announcer, ':by': announcer.by },
      });
      return held !== undefined;
    },

    async delivered(id, parts) {
      if (parts.length === 0) return;
      await updated(id, {
        set: `DELETE owed :parts${parts.includes('thread') ? ' REMOVE verifiedPolicy' : ''}`,
        condition: `attribute_exists(${KEY})`,
        values: { ':parts': new Set(parts) },
      });
    },

    async requesterRequests(requester) {
      // The index is read eventually consistently and holds keys only: it finds the requests, and
      // each is then read as it is now.
      const keysFound = await table.query({
        IndexName: BY_REQUESTER_INDEX,
        KeyConditionExpression: '#requester = :requester',
        ExpressionAttributeNames: { '#requester': REQUESTER_KEY },
        ScanIndexForward: false,
        values: { ':requester': requester },
      });
      const ids = keysFound.map((key) => String(key[KEY])).filter(isRequestKey).map((key) => key.slice(key.indexOf('#') + 1));
      const found = await store.getMany(ids);
      return ids.flatMap((id) => {
        const request = found.get(id);
        return request && request.requester === requester ? [request] : [];
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

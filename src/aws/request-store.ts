// The RequestStore port on DynamoDB, with single-item conditional writes only: every state
// change, slot claim and lock move is one conditional UpdateItem or PutItem.
import type {
  AttributeValue,
  BatchGetItemCommandInput,
  DeleteItemCommandInput,
  DynamoDBClient,
  GetItemCommandInput,
  PutItemCommandInput,
  QueryCommandInput,
  UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccessRequest, OPEN_STATES } from '../domain/access-request';
import { EcrAccessError, ErrorCode } from '../errors';
import type { RequestStore } from '../service/ports';
import { clientFrom, onFirstUse, type ClientSource } from './clients';
import { BY_REPOSITORY_INDEX, INDEX_KEY, KEY, keys } from './table-schema';

/** The commands this store sends; the SDK package loads with the first call, not with this module. */
const commands = onFirstUse(async () => {
  const { BatchGetItemCommand, DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } = await import(
    '@aws-sdk/client-dynamodb'
  );
  return { BatchGetItemCommand, DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand };
});

type Item = Record<string, AttributeValue>;

/** BatchGetItem reads at most this many keys per call. */
const BATCH_GET_LIMIT = 100;
/** Calls per chunk before giving up on keys DynamoDB keeps leaving unprocessed. */
const BATCH_GET_ROUNDS = 5;

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function toItem(request: AccessRequest): Item {
  const item: Item = {
    [KEY]: S(keys.request(request.id)),
    id: S(request.id),
    [INDEX_KEY]: S(request.repository),
    account: S(request.account),
    requester: S(request.requester),
    state: S(request.state),
    createdAt: S(request.createdAt),
    attempts: N(request.attempts),
  };
  if (request.reason) item.reason = S(request.reason);
  if (request.card) {
    item.cardChannel = S(request.card.channel);
    item.cardTs = S(request.card.ts);
  }
  return item;
}

/** Stored items are input too: a malformed one is reported, never trusted. */
function fromItem(item: Item): AccessRequest {
  const text = (name: string) => item[name]?.S;
  const candidate = {
    id: text('id'),
    repository: text(INDEX_KEY),
    account: text('account'),
    requester: text('requester'),
    reason: text('reason'),
    state: text('state'),
    createdAt: text('createdAt'),
    card: item.cardChannel && item.cardTs ? { channel: text('cardChannel'), ts: text('cardTs') } : undefined,
    decidedBy: text('decidedBy'),
    decidedAt: text('decidedAt'),
    grantedAt: text('grantedAt'),
    policyHash: text('policyHash'),
    failureReason: text('failureReason'),
    attempts: item.attempts?.N === undefined ? 0 : Number(item.attempts.N),
  };
  const parsed = AccessRequest.safeParse(
    Object.fromEntries(Object.entries(candidate).filter(([, v]) => v !== undefined)),
  );
  if (!parsed.success) {
    throw new EcrAccessError(ErrorCode.Store, `Stored request ${text('id') ?? text(KEY) ?? '?'} is malformed: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

export function dynamoRequestStore(source: ClientSource<DynamoDBClient>, table: string): RequestStore {
  const ready = onFirstUse(async () => ({ dynamo: await clientFrom(source), ...(await commands()) }));
  const send = {
    async getItem(input: GetItemCommandInput) {
      const { dynamo, GetItemCommand } = await ready();
      return dynamo.send(new GetItemCommand(input));
    },
    async batchGetItem(input: BatchGetItemCommandInput) {
      const { dynamo, BatchGetItemCommand } = await ready();
      return dynamo.send(new BatchGetItemCommand(input));
    },
    async putItem(input: PutItemCommandInput) {
      const { dynamo, PutItemCommand } = await ready();
      return dynamo.send(new PutItemCommand(input));
    },
    async updateItem(input: UpdateItemCommandInput) {
      const { dynamo, UpdateItemCommand } = await ready();
      return dynamo.send(new UpdateItemCommand(input));
    },
    async deleteItem(input: DeleteItemCommandInput) {
      const { dynamo, DeleteItemCommand } = await ready();
      return dynamo.send(new DeleteItemCommand(input));
    },
    async query(input: QueryCommandInput) {
      const { dynamo, QueryCommand } = await ready();
      return dynamo.send(new QueryCommand(input));
    },
  };

  const get = async (id: string) => {
    const out = await send.getItem({ TableName: table, Key: { [KEY]: S(keys.request(id)) }, ConsistentRead: true });
    return out.Item ? fromItem(out.Item) : undefined;
  };

  /** Consistent reads of many requests, up to BatchGetItem's hundred keys per call. */
  const getMany = async (ids: readonly string[]): Promise<Map<string, AccessRequest>> => {
    const found = new Map<string, AccessRequest>();
    const unique = [...new Set(ids)];
    const chunks = Array.from({ length: Math.ceil(unique.length / BATCH_GET_LIMIT) }, (_, i) =>
      unique.slice(i * BATCH_GET_LIMIT, (i + 1) * BATCH_GET_LIMIT),
    );
    await Promise.all(
      chunks.map(async (chunk) => {
        let unread: Item[] | undefined = chunk.map((id) => ({ [KEY]: S(keys.request(id)) }));
        for (let round = 0; unread && unread.length > 0; round++) {
          if (round === BATCH_GET_ROUNDS) {
            throw new EcrAccessError(ErrorCode.Store, `DynamoDB left ${unread.length} reads unprocessed after ${round} tries; try again.`);
          }
          // Unprocessed keys mean the table is throttling: back off before asking again.
          if (round > 0) await sleep(50 * 2 ** round * (0.5 + Math.random()));
          const out = await send.batchGetItem({ RequestItems: { [table]: { Keys: unread, ConsistentRead: true } } });
          for (const item of out.Responses?.[table] ?? []) {
            const request = fromItem(item);
            found.set(request.id, request);
          }
          unread = out.UnprocessedKeys?.[table]?.Keys;
        }
      }),
    );
    return found;
  };

  /** A conditional update that answers the new item, or undefined when the condition failed. */
  const update = async (key: string, input: { set: string; condition: string; names?: Record<string, string>; values?: Item }) => {
    try {
      const out = await send.updateItem({
        TableName: table,
        Key: { [KEY]: S(key) },
        UpdateExpression: input.set,
        ConditionExpression: input.condition,
        ...(input.names && { ExpressionAttributeNames: input.names }),
        ...(input.values && { ExpressionAttributeValues: input.values }),
        ReturnValues: 'ALL_NEW',
      });
      return out.Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  };

  /** Claims the repository/account slot for `id`, taking it over only from a settled or vanished request. */
  const claimSlot = async (request: AccessRequest): Promise<AccessRequest | undefined> => {
    const slotKey = keys.slot(request.repository, request.account);
    for (let attempt = 0; attempt < 5; attempt++) {
      const slot = await send.getItem({ TableName: table, Key: { [KEY]: S(slotKey) }, ConsistentRead: true });
      const holderId = slot.Item?.requestId?.S;
      if (holderId) {
        const holder = await get(holderId);
        if (holder && OPEN_STATES.includes(holder.state)) return holder;
      }
      try {
        await send.putItem({
          TableName: table,
          Item: { [KEY]: S(slotKey), requestId: S(request.id) },
          ...(holderId
            ? { ConditionExpression: 'requestId = :seen', ExpressionAttributeValues: { ':seen': S(holderId) } }
            : { ConditionExpression: `attribute_not_exists(${KEY})` }),
        });
        return undefined;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new EcrAccessError(ErrorCode.Conflict, 'Too many simultaneous requests for this repository and account; try again.');
  };

  return {
    get,
    getMany,

    async create(request) {
      // The request exists before it claims its slot, so a competing claim always finds a live holder.
      await send.putItem({ TableName: table, Item: toItem(request), ConditionExpression: `attribute_not_exists(${KEY})` });
      let existing: AccessRequest | undefined;
      try {
        existing = await claimSlot(request);
      } catch (error) {
        await this.discard(request.id);
        throw error;
      }
      if (!existing) return { created: true };
      await this.discard(request.id);
      return { created: false, existing };
    },

    async discard(id) {
      try {
        await send.deleteItem({
          TableName: table,
          Key: { [KEY]: S(keys.request(id)) },
          ConditionExpression: '#state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':pending': S('PENDING') },
        });
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async attachCard(id, card) {
      const item = await update(keys.request(id), {
        set: 'SET cardChannel = :channel, cardTs = :ts',
        condition: `attribute_exists(${KEY})`,
        values: { ':channel': S(card.channel), ':ts': S(card.ts) },
      });
      if (!item) throw new EcrAccessError(ErrorCode.Store, `Request ${id} vanished before its card was recorded.`);
      return fromItem(item);
    },

    async decide(id, { to, from, by, at, card }) {
      const fromValues = Object.fromEntries(from.map((state, i) => [`:from${i}`, S(state)]));
      // Whose request it is and which card it sits on are checked in the same write as its state,
      // so a refused decision costs no read unless it is refused.
      const conditions = [`#state IN (${Object.keys(fromValues).join(', ')})`, 'requester <> :by'];
      if (card) conditions.push('(attribute_not_exists(cardTs) OR (cardChannel = :channel AND cardTs = :ts))');
      const item = await update(keys.request(id), {
        set:
          to === 'APPROVED'
            ? 'SET #state = :to, decidedBy = :by, decidedAt = :at, attempts = if_not_exists(attempts, :zero) + :one REMOVE failureReason'
            : 'SET #state = :to, decidedBy = :by, decidedAt = :at',
        condition: conditions.join(' AND '),
        names: { '#state': 'state' },
        values: {
          ...fromValues,
          ':to': S(to),
          ':by': S(by),
          ':at': S(at),
          ...(to === 'APPROVED' && { ':zero': N(0), ':one': N(1) }),
          ...(card && { ':channel': S(card.channel), ':ts': S(card.ts) }),
        },
      });
      if (item) return { decided: true, request: fromItem(item) };
      return { decided: false, current: await get(id) };
    },

    async enqueue(repository, ids) {
      if (ids.length === 0) return;
      await send.updateItem({
        TableName: table,
        Key: { [KEY]: S(keys.repository(repository)) },
        UpdateExpression: 'ADD queued :ids',
        ExpressionAttributeValues: { ':ids': { SS: [...new Set(ids)] } },
      });
    },

    async dequeue(repository, ids) {
      if (ids.length === 0) return;
      await send.updateItem({
        TableName: table,
        Key: { [KEY]: S(keys.repository(repository)) },
        UpdateExpression: 'DELETE queued :ids',
        ExpressionAttributeValues: { ':ids': { SS: [...new Set(ids)] } },
      });
    },

    async queued(repository) {
      const out = await send.getItem({ TableName: table, Key: { [KEY]: S(keys.repository(repository)) }, ConsistentRead: true });
      return out.Item?.queued?.SS ?? [];
    },

    async settle(repository, holder, ids, leaseMs, now) {
      const unique = [...new Set(ids)];
      const item = await update(keys.repository(repository), {
        set: unique.length > 0 ? 'SET leaseUntil = :until DELETE queued :ids' : 'SET leaseUntil = :until',
        condition: 'holder = :holder',
        values: { ':holder': S(holder), ':until': N(now + leaseMs), ...(unique.length > 0 && { ':ids': { SS: unique } }) },
      });
      return item !== undefined;
    },

    async acquire(repository, holder, leaseMs, now) {
      const item = await update(keys.repository(repository), {
        set: 'SET holder = :holder, leaseUntil = :until',
        condition: 'attribute_not_exists(holder) OR leaseUntil < :now OR holder = :holder',
        values: { ':holder': S(holder), ':until': N(now + leaseMs), ':now': N(now) },
      });
      if (!item) return { acquired: false };
      return { acquired: true, queue: item.queued?.SS ?? [] };
    },

    async enqueueAndAcquire(repository, id, holder, leaseMs, now) {
      const item = await update(keys.repository(repository), {
        set: 'SET holder = :holder, leaseUntil = :until ADD queued :ids',
        condition: 'attribute_not_exists(holder) OR leaseUntil < :now OR holder = :holder',
        values: { ':holder': S(holder), ':until': N(now + leaseMs), ':now': N(now), ':ids': { SS: [id] } },
      });
      if (item) return { acquired: true, queue: item.queued?.SS ?? [] };
      // Taken: the queue entry alone, so the holder applies it with its own.
      await this.enqueue(repository, [id]);
      return { acquired: false };
    },

    async renew(repository, holder, leaseMs, now) {
      const item = await update(keys.repository(repository), {
        set: 'SET leaseUntil = :until',
        condition: 'holder = :holder',
        values: { ':holder': S(holder), ':until': N(now + leaseMs) },
      });
      return item !== undefined;
    },

    async release(repository, holder) {
      await update(keys.repository(repository), {
        set: 'REMOVE holder, leaseUntil',
        condition: 'holder = :holder',
        values: { ':holder': S(holder) },
      });
    },

    async recordGranted(id, { at, policyHash }) {
      const item = await update(keys.request(id), {
        set: 'SET #state = :granted, grantedAt = :at, policyHash = :hash REMOVE failureReason',
        condition: '#state = :approved',
        names: { '#state': 'state' },
        values: { ':granted': S('GRANTED'), ':approved': S('APPROVED'), ':at': S(at), ':hash': S(policyHash) },
      });
      return item && fromItem(item);
    },

    async recordFailed(id, { at, reason }) {
      const item = await update(keys.request(id), {
        set: 'SET #state = :failed, failedAt = :at, failureReason = :reason',
        condition: '#state = :approved',
        names: { '#state': 'state' },
        values: { ':failed': S('FAILED'), ':approved': S('APPROVED'), ':at': S(at), ':reason': S(reason.slice(0, 2000)) },
      });
      return item && fromItem(item);
    },

    async listByRepository(repository) {
      const requests: AccessRequest[] = [];
      let start: Item | undefined;
      do {
        const out = await send.query({
          TableName: table,
          IndexName: BY_REPOSITORY_INDEX,
          KeyConditionExpression: '#repository = :repository',
          ExpressionAttributeNames: { '#repository': INDEX_KEY },
          ExpressionAttributeValues: { ':repository': S(repository) },
          ...(start && { ExclusiveStartKey: start }),
        });
        for (const item of out.Items ?? []) requests.push(fromItem(item));
        start = out.LastEvaluatedKey;
      } while (start);
      return requests;
    },
  };
}

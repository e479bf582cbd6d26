// The DynamoDB calls the store and the repository lease make, with items converted by the
// SDK's own marshalling. The SDK packages load with the first call, not with this module.
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
import { EcrAccessError, ErrorCode } from '../errors';
import { clientFrom, onFirstUse, type ClientSource } from './clients';
import { KEY } from './table-schema';

type Item = Record<string, AttributeValue>;

/** The commands sent (the package test checks the IAM policy against this list) and the item conversion. */
const sdk = onFirstUse(async () => {
  const { BatchGetItemCommand, DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
  const { marshall, unmarshall } = await import('@aws-sdk/util-dynamodb');
  return { BatchGetItemCommand, DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, marshall, unmarshall };
});

/** BatchGetItem takes at most this many keys a call. */
const BATCH_GET_KEYS = 100;
/** How often keys DynamoDB left unprocessed (throttling) are asked for again, with a pause doubling from 25 ms. */
const UNPROCESSED_RETRIES = 5;

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** One table's calls. `values` are plain JavaScript values, marshalled here. */
export function dynamoTable(source: ClientSource<DynamoDBClient>, table: string) {
  const ready = onFirstUse(async () => ({ client: await clientFrom(source), ...(await sdk()) }));
  const marshalled = async (values: Record<string, unknown> | undefined) =>
    values && (await ready()).marshall(values, { removeUndefinedValues: true, convertClassInstanceToMap: false });

  return {
    async get(key: string): Promise<Record<string, unknown> | undefined> {
      const { client, GetItemCommand, unmarshall } = await ready();
      const input: GetItemCommandInput = { TableName: table, Key: { [KEY]: { S: key } }, ConsistentRead: true };
      const out = await client.send(new GetItemCommand(input));
      return out.Item && unmarshall(out.Item);
    },
    /** Many items by key, each read consistently, in as few calls as DynamoDB allows; absent keys are left out. */
    async getMany(keys: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
      const { client, BatchGetItemCommand, unmarshall } = await ready();
      const found = new Map<string, Record<string, unknown>>();
      const unique = [...new Set(keys)];
      for (let from = 0; from < unique.length; from += BATCH_GET_KEYS) {
        let wanted: Item[] = unique.slice(from, from + BATCH_GET_KEYS).map((key) => ({ [KEY]: { S: key } }));
        for (let attempt = 0; wanted.length > 0; attempt++) {
          if (attempt > UNPROCESSED_RETRIES) {
            throw new EcrAccessError(ErrorCode.Store, `DynamoDB left ${wanted.length} keys unread after ${UNPROCESSED_RETRIES} retries; try again shortly.`);
          }
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** (attempt - 1)));
          const input: BatchGetItemCommandInput = { RequestItems: { [table]: { Keys: wanted, ConsistentRead: true } } };
          const out = await client.send(new BatchGetItemCommand(input));
          for (const item of out.Responses?.[table] ?? []) {
            const plain = unmarshall(item);
            found.set(String(plain[KEY]), plain);
          }
          wanted = out.UnprocessedKeys?.[table]?.Keys ?? [];
        }
      }
      return found;
    },
    async put(item: Record<string, unknown>, condition: { expression: string; values?: Record<string, unknown> }): Promise<boolean> {
      const { client, PutItemCommand, marshall } = await ready();
      const input: PutItemCommandInput = {
        TableName: table,
        Item: marshall(item, { removeUndefinedValues: true }),
        ConditionExpression: condition.expression,
        ...(condition.values && { ExpressionAttributeValues: await marshalled(condition.values) }),
      };
      try {
        await client.send(new PutItemCommand(input));
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    /** A conditional update answering the whole new item, or undefined when the condition failed. */
    async update(
      key: string,
      input: { set: string; condition?: string; names?: Record<string, string>; values?: Record<string, unknown> },
    ): Promise<Record<string, unknown> | undefined> {
      const { client, UpdateItemCommand, unmarshall } = await ready();
      const command: UpdateItemCommandInput = {
        TableName: table,
        Key: { [KEY]: { S: key } },
        UpdateExpression: input.set,
        ...(input.condition && { ConditionExpression: input.condition }),
        ...(input.names && { ExpressionAttributeNames: input.names }),
        ...(input.values && { ExpressionAttributeValues: await marshalled(input.values) }),
        ReturnValues: 'ALL_NEW',
      };
      try {
        const out = await client.send(new UpdateItemCommand(command));
        return unmarshall(out.Attributes ?? {});
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },
    async delete(key: string, condition: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> }): Promise<boolean> {
      const { client, DeleteItemCommand } = await ready();
      const input: DeleteItemCommandInput = {
        TableName: table,
        Key: { [KEY]: { S: key } },
        ConditionExpression: condition.expression,
        ...(condition.names && { ExpressionAttributeNames: condition.names }),
        ...(condition.values && { ExpressionAttributeValues: await marshalled(condition.values) }),
      };
      try {
        await client.send(new DeleteItemCommand(input));
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    /** Every item the query finds (or the first `max`), page after page. */
    async query(input: Omit<QueryCommandInput, 'TableName' | 'ExpressionAttributeValues'> & { values: Record<string, unknown> }, max = Number.POSITIVE_INFINITY) {
      const { client, QueryCommand, unmarshall } = await ready();
      const { values, ...rest } = input;
      const items: Record<string, unknown>[] = [];
      let start: Item | undefined;
      do {
        const out = await client.send(
          new QueryCommand({ ...rest, TableName: table, ExpressionAttributeValues: await marshalled(values), ...(start && { ExclusiveStartKey: start }) }),
        );
        for (const item of out.Items ?? []) items.push(unmarshall(item));
        start = out.LastEvaluatedKey;
      } while (start && items.length < max);
      return items;
    },
  };
}

export type DynamoTable = ReturnType<typeof dynamoTable>;

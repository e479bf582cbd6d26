// The DynamoDB calls the store and the repository lease make, with items converted by the
// SDK's own marshalling. The SDK packages load with the first call, not with this module.
import type {
  AttributeValue,
  DeleteItemCommandInput,
  DynamoDBClient,
  GetItemCommandInput,
  PutItemCommandInput,
  QueryCommandInput,
  UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { clientFrom, onFirstUse, type ClientSource } from './clients';
import { KEY } from './table-schema';

type Item = Record<string, AttributeValue>;

/** The commands sent (the package test checks the IAM policy against this list) and the item conversion. */
const sdk = onFirstUse(async () => {
  const { DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
  const { marshall, unmarshall } = await import('@aws-sdk/util-dynamodb');
  return { DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, marshall, unmarshall };
});

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

// Seeds GRANTED request records in bulk (BatchWriteItem, 25 at a time), for the list
// benchmark's thousands of grants. The item shape mirrors src/aws/request-store.ts; the part
// reads one back through the store first, so a drift in that shape fails loudly, not quietly.
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DUE_KEY, DUE_SHARD, DUE_SHARD_KEY, INDEX_KEY, KEY, keys } from '../src/aws/table-schema';

export interface SeededGrant {
  readonly id: string;
  readonly repository: string;
  readonly account: string;
  /** A time-bound grant's end (ISO 8601). */
  readonly expiresAt?: string;
  /** In the sweep's work list, due at this time (ms). */
  readonly dueAt?: number;
}

const S = (value: string): AttributeValue => ({ S: value });

/** A request ID of the store's shape (`r-` and ten of [0-9a-z]), unique per index. */
export const seededRequestId = (index: number) => `r-${index.toString(36).padStart(10, '0')}`;

export async function seedGrants(client: DynamoDBClient, table: string, grants: readonly SeededGrant[], options: { approver: string; requester: string }) {
  const at = new Date().toISOString();
  const items = grants.map((g) => ({
    [KEY]: S(keys.request(g.id)),
    id: S(g.id),
    [INDEX_KEY]: S(g.repository),
    account: S(g.account),
    requester: S(options.requester),
    state: S('GRANTED'),
    createdAt: S(at),
    attempts: { N: '1' },
    decidedBy: S(options.approver),
    decidedAt: S(at),
    grantedAt: S(at),
    policyHash: S('0'.repeat(64)),
    ...(g.expiresAt && { expiresAt: S(g.expiresAt) }),
    ...(g.dueAt !== undefined && { [DUE_SHARD_KEY]: S(DUE_SHARD), [DUE_KEY]: { N: String(g.dueAt) } }),
  }));
  for (let i = 0; i < items.length; i += 25) {
    let pending: Record<string, AttributeValue>[] = items.slice(i, i + 25);
    while (pending.length > 0) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending.map((Item) => ({ PutRequest: { Item } })) } }));
      pending = (out.UnprocessedItems?.[table] ?? []).flatMap((r) => (r.PutRequest?.Item ? [r.PutRequest.Item] : []));
    }
  }
}

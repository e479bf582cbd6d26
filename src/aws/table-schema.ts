// The one description of the DynamoDB table: the store, `npm run create-table` and the
// deployment all take their key names from here.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';

/** A name CreateTable accepts, checked wherever one is given (the environment, the deploy settings). */
export const TableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, { message: 'must be a DynamoDB table name (3–255 of A-Z a-z 0-9 _ . -)' });

/** Single table: requests, repository/account slots, per-repository lock items and Home tab turns share `pk`. */
export const KEY = 'pk';
export const BY_REPOSITORY_INDEX = 'byRepository';
/** Only request items carry this attribute, so the index holds requests only. */
export const INDEX_KEY = 'repository';
const INDEX_SORT_KEY = 'id';

/**
 * The sweep's work list: a sparse index of the requests it should look at, by when. Only items
 * carrying `dueShard` are in it; one shard holds them all, as a sweep reads a few hundred at most.
 * Keys only: a write that leaves `dueAt` alone (recording a verdict) costs no index write.
 */
export const BY_DUE_INDEX = 'byDue';
export const DUE_SHARD_KEY = 'dueShard';
export const DUE_KEY = 'dueAt';
export const DUE_SHARD = 'due';
/** Counts the changes that made a request due (src/aws/request-item.ts); not indexed. */
export const DUE_VERSION = 'dueVersion';

/**
 * A person's requests, newest first, for their App Home: keys only, each request then read as it
 * is now. Every request item carries both attributes, so existing items are indexed when the
 * index is added (CloudFormation adds one index per stack update: this is the only new one).
 */
export const BY_REQUESTER_INDEX = 'byRequester';
export const REQUESTER_KEY = 'requester';
const REQUESTER_SORT_KEY = 'createdAt';

/** What starts each kind of item's key. */
const PREFIX = { request: 'request#', slot: 'slot#', repository: 'repository#', drift: 'drift#', home: 'home#' } as const;

export const keys = {
  request: (id: string) => `${PREFIX.request}${id}`,
  slot: (repository: string, account: string) => `${PREFIX.slot}${repository}#${account}`,
  repository: (repository: string) => `${PREFIX.repository}${repository}`,
  /** The drift the sweep last saw in a repository, and its history: apart from the lease item, which every approval reads whole. */
  drift: (repository: string) => `${PREFIX.drift}${repository}`,
  /** Whose turn it is to publish a person's Home tab (src/aws/home-turns.ts); there only while a process publishes it. */
  home: (viewer: string) => `${PREFIX.home}${viewer}`,
};

/** Whether a key is a request's, for those who scan the table (which also holds slots and locks). */
export const isRequestKey = (key: string | undefined): boolean => key?.startsWith(PREFIX.request) ?? false;

export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: KEY, AttributeType: 'S' },
      { AttributeName: INDEX_KEY, AttributeType: 'S' },
      { AttributeName: INDEX_SORT_KEY, AttributeType: 'S' },
      { AttributeName: DUE_SHARD_KEY, AttributeType: 'S' },
      { AttributeName: DUE_KEY, AttributeType: 'N' },
      { AttributeName: REQUESTER_KEY, AttributeType: 'S' },
      { AttributeName: REQUESTER_SORT_KEY, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: KEY, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: BY_REPOSITORY_INDEX,
        KeySchema: [
          { AttributeName: INDEX_KEY, KeyType: 'HASH' },
          { AttributeName: INDEX_SORT_KEY, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: BY_DUE_INDEX,
        KeySchema: [
          { AttributeName: DUE_SHARD_KEY, KeyType: 'HASH' },
          { AttributeName: DUE_KEY, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: BY_REQUESTER_INDEX,
        KeySchema: [
          { AttributeName: REQUESTER_KEY, KeyType: 'HASH' },
          { AttributeName: REQUESTER_SORT_KEY, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}

/**
 * The one source of truth for the platform table's keys, indexes, TTL and stream.
 * The CDK stateful stack and the embedded runtime (DynamoDB Local) both build the table from this,
 * so a key or index can never differ between AWS and the local platform.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const PLATFORM_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after this instant. */
  timeToLiveAttribute: 'expiresAt',
  streamViewType: 'NEW_AND_OLD_IMAGES',
  globalSecondaryIndexes: [
    /**
     * Operator-scoped listings (chargers, id tags) and the sparse sweep partitions. It projects
     * every attribute, and CloudFormation cannot change a deployed index's projection: what is
     * updated often (transactions) is listed through gsi3 instead.
     */
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
    /**
     * Sparse: transactions whose charge is not final, spread over a few partitions; the
     * reconciliation sweep's list, so it never reads the rest of the table (keys.ts `gsi2`).
     */
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'ALL' },
    /**
     * An operator's transactions, newest first (keys.ts `gsi3`). Keys only: an index holding every
     * attribute is written again on each of the transaction's updates (each reading's recompute);
     * one holding only keys is written when the transaction is created, and its listing reads the
     * page's items from the table (transaction-repository.ts `transactionsOfOperator`).
     */
    { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: 'KEYS_ONLY' },
  ],
} as const;

export type GsiName = (typeof PLATFORM_TABLE.globalSecondaryIndexes)[number]['indexName'];

/** CreateTable input for DynamoDB Local: the same shape the CDK stack declares. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const t = PLATFORM_TABLE;
  const keyAttrs = new Set<string>([t.partitionKey, t.sortKey]);
  for (const g of t.globalSecondaryIndexes) {
    keyAttrs.add(g.partitionKey);
    keyAttrs.add(g.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...keyAttrs].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: t.partitionKey, KeyType: 'HASH' },
      { AttributeName: t.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: t.globalSecondaryIndexes.map((g) => ({
      IndexName: g.indexName,
      KeySchema: [
        { AttributeName: g.partitionKey, KeyType: 'HASH' },
        { AttributeName: g.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: g.projection },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: t.streamViewType },
  };
}

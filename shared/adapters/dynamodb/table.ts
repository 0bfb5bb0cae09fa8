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
     * Sparse queues of rarely updated items (Connect's stale transfers, keys.ts `gsi2`). Open
     * transactions were listed here until gsi4: its projection is ALL as deployed, so each update
     * of an open transaction (each reading's recompute) wrote the whole item here again.
     */
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'ALL' },
    /**
     * An operator's transactions, newest first (keys.ts `gsi3`). Keys only: an index holding every
     * attribute is written again on each of the transaction's updates (each reading's recompute);
     * one holding only keys is written when the transaction is created, and its listing reads the
     * page's items from the table (transaction-repository.ts `transactionsOfOperator`).
     */
    { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: 'KEYS_ONLY' },
    /**
     * Sparse: transactions whose charge is not final, spread over a few partitions; the
     * reconciliation sweep's list, so it never reads the rest of the table (keys.ts `gsi4`). Keys
     * only, so it is written when a transaction opens and when it is finalised, never by the updates
     * in between; the sweep needs nothing but the transaction's key (its table `pk`).
     * Transactions stored before it carry the same entry on gsi2, moved by the sweep
     * (charge-repository.ts `unfinalisedTransactions`).
     */
    { indexName: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk', projection: 'KEYS_ONLY' },
  ],
} as const;

export type GsiName = (typeof PLATFORM_TABLE.globalSecondaryIndexes)[number]['indexName'];

/** Every index's key attributes: storage bookkeeping that no answer or record carries. */
export const INDEX_KEY_ATTRIBUTES: readonly string[] = PLATFORM_TABLE.globalSecondaryIndexes.flatMap((g) => [
  g.partitionKey,
  g.sortKey,
]);

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

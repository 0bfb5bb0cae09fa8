/**
 * The DynamoDB adapters against DynamoDB Local pass the same contract suites as the in-memory fakes
 * (test/unit/contracts). The items live in a table of their own: no stream poller and no scheduled
 * finaliser watches it, so nothing but the test moves them.
 */
import { beforeAll, inject } from 'vitest';
import { ensurePlatformTable } from '../../../local/dynamodb-local.js';
import { DynamoCallRepository } from '../../../shared/adapters/dynamodb/call-repository.js';
import { DynamoOperatorCatalog } from '../../../shared/adapters/dynamodb/catalog.js';
import { DynamoChargeRepository } from '../../../shared/adapters/dynamodb/charge-repository.js';
import { DynamoChargerAdmin } from '../../../shared/adapters/dynamodb/charger-admin.js';
import {
  DynamoChargerRepository,
  DynamoIdTagReader,
} from '../../../shared/adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoConnectionRepository } from '../../../shared/adapters/dynamodb/connection-repository.js';
import { outboxPartition } from '../../../shared/adapters/dynamodb/keys.js';
import { DynamoStatusRepository } from '../../../shared/adapters/dynamodb/status-repository.js';
import { stripKeys, type TableContext } from '../../../shared/adapters/dynamodb/support.js';
import { DynamoTransactionRepository } from '../../../shared/adapters/dynamodb/transaction-repository.js';
import type { ChargeFinalisedEvent } from '../../../shared/ports/charges.js';
import { describeOutboundCallRepositoryContract } from '../../fixtures/contracts/calls.js';
import { describeChargerRepositoryContract } from '../../fixtures/contracts/chargers.js';
import { describeChargeRepositoryContract } from '../../fixtures/contracts/charges.js';
import { describeConnectionRepositoryContract } from '../../fixtures/contracts/connections.js';
import { describeStatusRepositoryContract } from '../../fixtures/contracts/statuses.js';
import { describeTransactionRepositoryContract } from '../../fixtures/contracts/transactions.js';
import { partition } from '../../fixtures/ocpp/dynamo.js';

const platform = inject('platform');
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const t: TableContext = { doc, tableName: 'storage-contracts' };

beforeAll(async () => {
  await ensurePlatformTable(platform.endpoints.dynamoEndpoint, t.tableName);
});

const DYNAMO = 'DynamoDB';
const transactions = new DynamoTransactionRepository(t);

describeTransactionRepositoryContract(DYNAMO, () => transactions);
describeConnectionRepositoryContract(DYNAMO, () => new DynamoConnectionRepository(t));
describeOutboundCallRepositoryContract(DYNAMO, () => new DynamoCallRepository(t));
describeStatusRepositoryContract(DYNAMO, () => new DynamoStatusRepository(t));
describeChargerRepositoryContract(DYNAMO, () => {
  const admin = new DynamoChargerAdmin(doc, t.tableName);
  const catalog = new DynamoOperatorCatalog(doc, t.tableName);
  return {
    repo: new DynamoChargerRepository(t),
    claimPrefix: (claim) => admin.claimPrefix(claim),
    idTags: new DynamoIdTagReader(t),
    putIdTag: (tag) => catalog.putIdTag(tag),
  };
});
describeChargeRepositoryContract(DYNAMO, () => ({
  repo: new DynamoChargeRepository(t),
  createTransaction: async (tx) => {
    await transactions.createStarted(tx, undefined);
  },
  stopTransaction: async (key, stoppedAt) => {
    await transactions.recordStop(key.chargerId, key.transactionId, {
      meterStop: 2000,
      stoppedAt,
      stopMessageId: 'sp-1',
      receivedAt: stoppedAt,
    });
  },
  putMeterValues: async (record) => {
    await transactions.putMeterValues(record);
  },
  outboxOf: async (key) =>
    (await partition(doc, t.tableName, outboxPartition('charge-finalised')))
      .filter((item) => item.chargerId === key.chargerId && item.transactionId === key.transactionId)
      .map((item) => {
        const { topic: _topic, expiresAt: _ttl, ...event } = stripKeys<Record<string, unknown>>(item);
        return event as unknown as ChargeFinalisedEvent;
      }),
}));

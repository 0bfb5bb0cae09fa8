/**
 * The DynamoDB adapters against DynamoDB Local pass the same contract suites as the in-memory fakes
 * (test/unit/contracts). The items live in a table of their own: no stream poller and no scheduled
 * finaliser watches it, so nothing but the test moves them.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
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
import { DynamoConnectStore } from '../../../shared/adapters/dynamodb/connect-store.js';
import { DynamoConnectionRepository } from '../../../shared/adapters/dynamodb/connection-repository.js';
import { DynamoPayoutStore } from '../../../shared/adapters/dynamodb/invoices.js';
import { keys, outboxPartition } from '../../../shared/adapters/dynamodb/keys.js';
import { DynamoLoginFailureRepository } from '../../../shared/adapters/dynamodb/login-failures.js';
import { DynamoOperatorRegistry } from '../../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoOperatorViews } from '../../../shared/adapters/dynamodb/operator-views.js';
import { DynamoPaymentSessions } from '../../../shared/adapters/dynamodb/payment-sessions.js';
import { DynamoReceiptOutbox } from '../../../shared/adapters/dynamodb/receipt-outbox.js';
import { DynamoSessionTransactions } from '../../../shared/adapters/dynamodb/session-transactions.js';
import { DynamoStatusRepository } from '../../../shared/adapters/dynamodb/status-repository.js';
import { stripKeys, type TableContext } from '../../../shared/adapters/dynamodb/support.js';
import { DynamoTariffStore } from '../../../shared/adapters/dynamodb/tariff-store.js';
import { DynamoTransactionRepository } from '../../../shared/adapters/dynamodb/transaction-repository.js';
import { DynamoUserStore } from '../../../shared/adapters/dynamodb/users.js';
import { initAggregate } from '../../../shared/domain/charge-aggregate.js';
import type { ChargeFinalisedEvent } from '../../../shared/ports/charges.js';
import { DEMO_TARIFF, ms } from '../../fixtures/builders/pricing.js';
import { describeOutboundCallRepositoryContract } from '../../fixtures/contracts/calls.js';
import { describeCatalogStoreContract } from '../../fixtures/contracts/catalog.js';
import { describeChargerRepositoryContract } from '../../fixtures/contracts/chargers.js';
import { describeChargeRepositoryContract } from '../../fixtures/contracts/charges.js';
import { describeConnectStoreContract } from '../../fixtures/contracts/connect.js';
import { describeConnectionRepositoryContract } from '../../fixtures/contracts/connections.js';
import { describeLoginFailureRepositoryContract } from '../../fixtures/contracts/login-failures.js';
import { describeOperatorRegistryContract } from '../../fixtures/contracts/operators.js';
import {
  describePaymentSessionRepositoryContract,
  describeReceiptOutboxContract,
  describeSessionTransactionsContract,
} from '../../fixtures/contracts/payments.js';
import { describePayoutStoreContract } from '../../fixtures/contracts/payouts.js';
import { describeStatusRepositoryContract } from '../../fixtures/contracts/statuses.js';
import {
  aTransactionRecord,
  describeTransactionRepositoryContract,
} from '../../fixtures/contracts/transactions.js';
import { describeUserStoreContract } from '../../fixtures/contracts/users.js';
import { anOperator } from '../../fixtures/ocpp/builders.js';
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
describeLoginFailureRepositoryContract(DYNAMO, () => new DynamoLoginFailureRepository(t));
describeUserStoreContract(DYNAMO, () => new DynamoUserStore(t));
describeCatalogStoreContract(DYNAMO, () => ({
  catalog: new DynamoOperatorCatalog(doc, t.tableName),
  tariffs: new DynamoTariffStore(doc, t.tableName),
  addCharger: async (charger) => void (await new DynamoChargerRepository(t).createIfAbsent(charger)),
}));
describeOperatorRegistryContract(DYNAMO, () => ({
  registry: new DynamoOperatorRegistry(t),
  views: new DynamoOperatorViews(doc, t.tableName),
}));
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
describePaymentSessionRepositoryContract(DYNAMO, () => new DynamoPaymentSessions(t));
describeReceiptOutboxContract(DYNAMO, () => new DynamoReceiptOutbox(t));
describeSessionTransactionsContract(DYNAMO, () => {
  const charges = new DynamoChargeRepository(t);
  return {
    transactions: new DynamoSessionTransactions(t),
    // A real transaction item: OCPP's StartTransaction, pricing's charge, OCPP's stop, pricing's finalisation.
    seed: async (tx) => {
      const key = { chargerId: tx.chargerId, transactionId: tx.transactionId };
      const created = await transactions.createStarted(
        aTransactionRecord({ ...key, idTag: tx.idTag, startedAt: tx.startedAt, createdAt: tx.startedAt }),
        undefined,
      );
      if (created !== 'created') throw new Error(`seeding ${tx.chargerId}#${tx.transactionId}: ${created}`);
      let version = 0;
      if (tx.priced) {
        const aggregate = initAggregate({
          tariff: DEMO_TARIFF,
          startedAtMs: ms(1_793_523_600),
          meterStartWh: 1000,
        });
        const saved = await charges.saveCharge(key, version++, { aggregate, ...tx.priced, addFlags: [] });
        if (saved !== 'saved') throw new Error(`seeding ${tx.chargerId}#${tx.transactionId}: ${saved}`);
      }
      if (tx.stoppedAt !== undefined) {
        await transactions.recordStop(tx.chargerId, tx.transactionId, {
          meterStop: 11_000,
          stoppedAt: tx.stoppedAt,
          stopMessageId: 'sp-1',
          receivedAt: tx.stoppedAt,
        });
      }
      if (tx.finalisedAt !== undefined) {
        const energyMilliWh = tx.priced?.energyMilliWh ?? 0;
        const markFinal = tx.stoppedAt !== undefined;
        const outcome = await charges.finalise(key, version, {
          finalisedAt: tx.finalisedAt,
          reason: 'settled',
          ...(tx.priced ? { charge: tx.priced.charge } : {}),
          energyMilliWh,
          markFinal,
          event: {
            type: 'charge-finalised',
            eventId: `charge-finalised:${tx.chargerId}#${tx.transactionId}`,
            ...key,
            operatorId: 'op-contract',
            finalisedAt: tx.finalisedAt,
            reason: 'settled',
            charge: tx.priced?.charge ?? null,
            energyMilliWh,
            stillRunning: !markFinal,
          },
        });
        if (outcome !== 'finalised')
          throw new Error(`seeding ${tx.chargerId}#${tx.transactionId}: ${outcome}`);
      }
    },
    holdOf: async (chargerId, transactionId) => {
      const out = await doc.send(
        new GetCommand({
          TableName: t.tableName,
          Key: keys.transaction(chargerId, transactionId),
          ConsistentRead: true,
        }),
      );
      const item = out.Item;
      if (item?.paymentSessionId === undefined) return undefined;
      return {
        preAuthAmountMinor: item.preAuthAmountMinor,
        ...(item.holdExpiresAt !== undefined ? { holdExpiresAt: item.holdExpiresAt } : {}),
        paymentSessionId: item.paymentSessionId,
      };
    },
  };
});
describePayoutStoreContract(DYNAMO, () => new DynamoPayoutStore(t));

describeConnectStoreContract(DYNAMO, () => ({
  store: new DynamoConnectStore(t),
  createOperator: async (operatorId) => {
    await new DynamoOperatorRegistry(t).create(anOperator({ operatorId }));
  },
}));

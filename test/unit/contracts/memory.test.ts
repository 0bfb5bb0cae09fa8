/** The in-memory fakes pass the same contract suites as the DynamoDB adapters (test/integration/contracts). */

import { MemoryCallRepository, MemoryConnectionRepository } from '../../../shared/adapters/memory/calls.js';
import { MemoryCatalog, MemoryTariffs } from '../../../shared/adapters/memory/catalog.js';
import {
  MemoryChargerRepository,
  MemoryIdTagReader,
  MemoryStatusRepository,
} from '../../../shared/adapters/memory/chargers.js';
import { MemoryChargeRepository, MemoryChargeStore } from '../../../shared/adapters/memory/charges.js';
import { MemoryConnectStore } from '../../../shared/adapters/memory/connect.js';
import { MemoryLoginFailures } from '../../../shared/adapters/memory/login-failures.js';
import { MemoryOcppStore } from '../../../shared/adapters/memory/ocpp-store.js';
import { MemoryOperatorRegistry } from '../../../shared/adapters/memory/operators.js';
import {
  MemoryPaymentSessions,
  MemoryReceiptOutbox,
  MemorySessionTransactions,
} from '../../../shared/adapters/memory/payments.js';
import { MemoryPayoutStore } from '../../../shared/adapters/memory/payouts.js';
import { MemoryTransactionRepository } from '../../../shared/adapters/memory/transactions.js';
import { MemoryUserStore } from '../../../shared/adapters/memory/users.js';
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
import { describeTransactionRepositoryContract } from '../../fixtures/contracts/transactions.js';
import { describeUserStoreContract } from '../../fixtures/contracts/users.js';

const FAKE = 'in-memory fake';

describeTransactionRepositoryContract(FAKE, () => new MemoryTransactionRepository(new MemoryOcppStore()));
describeConnectionRepositoryContract(FAKE, () => new MemoryConnectionRepository(new MemoryOcppStore()));
describeLoginFailureRepositoryContract(FAKE, () => new MemoryLoginFailures());
describeOperatorRegistryContract(FAKE, () => {
  const registry = new MemoryOperatorRegistry();
  return { registry, views: registry };
});
describeOutboundCallRepositoryContract(FAKE, () => new MemoryCallRepository(new MemoryOcppStore()));
describeStatusRepositoryContract(FAKE, () => new MemoryStatusRepository(new MemoryOcppStore()));
describeChargerRepositoryContract(FAKE, () => {
  const store = new MemoryOcppStore();
  return {
    repo: new MemoryChargerRepository(store),
    claimPrefix: async (claim) => store.claimPrefix(claim),
    idTags: new MemoryIdTagReader(store),
    putIdTag: async (tag) => store.putIdTag(tag),
  };
});
describeChargeRepositoryContract(FAKE, () => {
  const store = new MemoryChargeStore();
  return {
    repo: new MemoryChargeRepository(store),
    createTransaction: async (tx) => store.putTransaction(tx),
    stopTransaction: async (key, stoppedAt) =>
      store.patchTransaction(key, { status: 'stopped', stoppedAt, meterStop: 2000, updatedAt: stoppedAt }),
    putMeterValues: async (record) => {
      if (record.transactionId !== undefined) {
        store.putMeterMessage({ chargerId: record.chargerId, transactionId: record.transactionId }, record);
      }
    },
    outboxOf: async (key) =>
      [...store.outbox.values()].filter(
        (e) => e.chargerId === key.chargerId && e.transactionId === key.transactionId,
      ),
  };
});
describePaymentSessionRepositoryContract(FAKE, () => new MemoryPaymentSessions());
describeReceiptOutboxContract(FAKE, () => new MemoryReceiptOutbox());
describeSessionTransactionsContract(FAKE, () => {
  const transactions = new MemorySessionTransactions();
  return {
    transactions,
    // The fake holds only the view payments reads: the seed writes that view directly.
    seed: async (tx) => {
      transactions.charges.set(`${tx.chargerId}#${tx.transactionId}`, {
        idTag: tx.idTag,
        ...(tx.priced ?? {}),
        startedAt: tx.startedAt,
        ...(tx.stoppedAt !== undefined ? { stoppedAt: tx.stoppedAt } : {}),
        final: tx.finalisedAt !== undefined,
      });
    },
    holdOf: async (chargerId, transactionId) => transactions.holds.get(`${chargerId}#${transactionId}`),
  };
});
describeUserStoreContract(FAKE, () => new MemoryUserStore());
describePayoutStoreContract(FAKE, () => new MemoryPayoutStore());

describeCatalogStoreContract(FAKE, () => {
  const catalog = new MemoryCatalog();
  return {
    catalog,
    tariffs: new MemoryTariffs(),
    addCharger: async (charger) => void catalog.chargers.set(charger.chargerId, charger),
  };
});

describeConnectStoreContract(FAKE, () => ({
  store: new MemoryConnectStore(),
  createOperator: async () => {},
}));

/** OcppDeps wired to the in-memory fakes: what unit tests and the CPU bench run against. */
import type { DataTransferHandler, OcppDeps, OcppSettings } from '../../app/ocpp/deps.js';
import { type Log, silentLog } from '../../ports/log.js';
import { MemoryCallRepository, MemoryConnectionRepository } from './calls.js';
import {
  MemoryChargerRepository,
  MemoryIdTagReader,
  MemoryOperatorReader,
  MemoryStatusRepository,
  MemoryTariffSnapshots,
} from './chargers.js';
import { ManualClock, MemoryChargerGateway, MemoryOcppStore, SequentialIds } from './ocpp-store.js';
import { MemoryTransactionRepository } from './transactions.js';

export interface MemoryOcpp {
  deps: OcppDeps;
  store: MemoryOcppStore;
  gateway: MemoryChargerGateway;
  clock: ManualClock;
}

export function createMemoryOcppDeps(
  options: {
    settings?: Partial<OcppSettings>;
    log?: Log;
    dataTransfer?: ReadonlyMap<string, DataTransferHandler>;
    clock?: ManualClock;
  } = {},
): MemoryOcpp {
  const store = new MemoryOcppStore();
  const gateway = new MemoryChargerGateway();
  const clock = options.clock ?? new ManualClock();
  const deps: OcppDeps = {
    clock,
    ids: new SequentialIds(),
    log: options.log ?? silentLog,
    settings: { heartbeatIntervalSeconds: 300, callTimeoutSeconds: 30, ...options.settings },
    chargers: new MemoryChargerRepository(store),
    operators: new MemoryOperatorReader(store),
    idTags: new MemoryIdTagReader(store),
    connections: new MemoryConnectionRepository(store),
    statuses: new MemoryStatusRepository(store),
    transactions: new MemoryTransactionRepository(store),
    calls: new MemoryCallRepository(store),
    gateway,
    tariffs: new MemoryTariffSnapshots(store),
    dataTransfer: options.dataTransfer ?? new Map(),
  };
  return { deps, store, gateway, clock };
}

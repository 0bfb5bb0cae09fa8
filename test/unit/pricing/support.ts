/** Pricing use cases over the in-memory fakes: deps, a transaction, meter messages and triggers. */
import {
  MemoryChargeRepository,
  MemoryChargerCommands,
  MemoryChargeStore,
} from '../../../shared/adapters/memory/charges.js';
import { ManualClock } from '../../../shared/adapters/memory/ocpp-store.js';
import { DEFAULT_COST_CAP_MARGIN, type PricingDeps } from '../../../shared/app/pricing/deps.js';
import type { BatchItem } from '../../../shared/app/pricing/recompute.js';
import type { Tariff } from '../../../shared/domain/tariff.js';
import type { MeterMessage, PricingTrigger, TxKey } from '../../../shared/ports/charges.js';
import type { Log } from '../../../shared/ports/log.js';
import type { TransactionRecord } from '../../../shared/ports/transactions.js';
import { DEMO_TARIFF } from '../../fixtures/builders/pricing.js';

export const KEY: TxKey = { chargerId: 'CP-1', transactionId: 7 };
/**
 * A fixed calendar day is safe here: the in-memory world has no timer on system time, and its
 * ManualClock (below) is set on the same day, so nothing compares these dates with today's. The
 * hand-worked figures and timer keys in the tests read as times of that day.
 */
export const START = '2026-03-02T08:00:00.000Z';

export interface LogLine {
  level: string;
  message: string;
  extra?: Record<string, unknown>;
}

export function memoryPricing(options: { settleWindowSeconds?: number; now?: string } = {}) {
  const store = new MemoryChargeStore();
  const charges = new MemoryChargeRepository(store);
  const commands = new MemoryChargerCommands();
  const clock = new ManualClock(Date.parse(options.now ?? '2026-03-02T09:00:00.000Z'));
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (message: string, extra?: Record<string, unknown>): void => {
      lines.push({ level, message, ...(extra ? { extra } : {}) });
    };
  const log: Log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const deps: PricingDeps = {
    clock,
    log,
    charges,
    commands,
    settings: {
      settleWindowSeconds: options.settleWindowSeconds ?? 120,
      holdSafetySeconds: 3600,
      costCapMargin: DEFAULT_COST_CAP_MARGIN,
    },
  };
  return { deps, store, charges, commands, clock, lines };
}

export function aTransaction(
  over: Partial<TransactionRecord> & Record<string, unknown> = {},
): TransactionRecord {
  return {
    ...KEY,
    operatorId: 'op-1',
    connectorId: 1,
    idTag: 'TAG-1',
    meterStart: 10_000,
    startedAt: START,
    tariffSnapshot: DEMO_TARIFF as Tariff,
    status: 'active',
    flags: [],
    createdAt: START,
    updatedAt: START,
    ...over,
  };
}

/** ISO-8601 `minutes` after the session start. */
export const plus = (minutes: number, seconds = 0): string =>
  new Date(Date.parse(START) + (minutes * 60 + seconds) * 1000).toISOString();

/** A MeterValues message of register readings `[minutesAfterStart, Wh]`. */
export function readings(
  messageId: string,
  values: readonly (readonly [number, number])[],
  receivedAt = '2026-03-02T09:00:00.000Z',
): MeterMessage {
  return {
    messageId,
    source: 'MeterValues',
    receivedAt,
    meterValue: values.map(([minutes, wh]) => ({
      timestamp: plus(minutes),
      sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
    })),
  };
}

export const mv = (message: MeterMessage, key: TxKey = KEY): PricingTrigger => ({
  kind: 'meter-values',
  key,
  message,
});

export const txChanged = (stopReceivedAt?: string, key: TxKey = KEY): PricingTrigger => ({
  kind: 'transaction',
  key,
  ...(stopReceivedAt ? { stopReceivedAt } : {}),
});

let n = 0;
export const items = (...triggers: PricingTrigger[]): BatchItem[] =>
  triggers.map((trigger) => ({ id: `seq-${++n}`, trigger }));

/** OCPP stores a StopTransaction: the stop fields on the transaction (as recordStop does). */
export function stop(
  store: MemoryChargeStore,
  fields: { meterStop: number; stoppedAt: string; receivedAt: string; stopMessageId?: string },
  key: TxKey = KEY,
): PricingTrigger {
  store.patchTransaction(key, {
    status: 'stopped',
    meterStop: fields.meterStop,
    stoppedAt: fields.stoppedAt,
    stopMessageId: fields.stopMessageId ?? 'stop-msg',
    updatedAt: fields.receivedAt,
  });
  return txChanged(fields.receivedAt, key);
}

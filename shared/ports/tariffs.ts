import type { Tariff } from '../domain/tariff.js';

/** Operators' service rates, stored as validated plain objects. */
export interface TariffStore {
  put(tariff: Tariff): Promise<void>;
}

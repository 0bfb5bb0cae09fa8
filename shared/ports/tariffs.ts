import type { Tariff } from '../domain/tariff.js';
import type { PutOptions } from './catalog.js';

/** Operators' service rates, stored as validated plain objects. */
export interface TariffStore {
  put(tariff: Tariff, options?: PutOptions): Promise<void>;
}

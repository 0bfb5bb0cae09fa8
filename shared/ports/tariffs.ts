import type { Tariff } from '../domain/tariff.js';
import type { PutOptions } from './catalog.js';
import type { Page, PageRequest } from './paging.js';

/** Operators' service rates, stored as validated plain objects. */
export interface TariffStore {
  put(tariff: Tariff, options?: PutOptions): Promise<void>;
}

/** The operator API's full create/read/update/delete of tariffs; an id of another operator reads as absent. */
export interface TariffCatalog extends TariffStore {
  create(tariff: Tariff): Promise<'created' | 'exists'>;
  get(operatorId: string, tariffId: string): Promise<Tariff | undefined>;
  /** In tariff id order; a foreign or forged cursor throws InvalidCursorError. */
  list(operatorId: string, page: PageRequest): Promise<Page<Tariff>>;
  delete(operatorId: string, tariffId: string): Promise<'deleted' | 'not-found'>;
}

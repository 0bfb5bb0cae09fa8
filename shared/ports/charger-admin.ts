import type { Charger } from '../domain/entities.js';
import type { RegistrationPrefix } from './charger-registry.js';

/** What the operator API changes about chargers: registration, approval, auto-registration prefixes. */
export interface ChargerAdmin {
  /** Creates the charger only if the id is free in the whole platform (ids are global: the URL holds them). */
  register(charger: Charger): Promise<'created' | 'exists'>;
  /** pending → active, only for the operator's own pending charger. */
  approve(operatorId: string, chargerId: string): Promise<'approved' | 'not-found' | 'not-pending'>;
  /** Claims a charger-id prefix for auto-registration; `taken` when it equals, contains or lies within another operator's claim. */
  claimPrefix(claim: RegistrationPrefix): Promise<'claimed' | 'taken'>;
}

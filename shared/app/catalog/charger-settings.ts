/**
 * The operator's own chargers after registration: change their settings, give them a new password,
 * remove them. The caller's charger is checked first, so an id of another operator is not found
 * before anything about the body is said (a reference check would otherwise tell that it exists).
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { Charger } from '../../domain/entities.js';
import type { ChargerChanges, ChargerSettings } from '../../ports/catalog.js';
import type { OperatorViews } from '../../ports/operator-views.js';
import { hashPassword } from '../auth/password.js';
import type { CatalogItemsDeps, Deleted, Written } from './catalog-items.js';
import { refParam } from './manage-catalog.js';

export interface ChargerSettingsDeps extends CatalogItemsDeps {
  chargerSettings: ChargerSettings;
  views: OperatorViews;
}

export const UpdateChargerSchema = z.strictObject({
  siteId: refParam.nullable().optional(),
  tariffId: refParam.nullable().optional(),
  paid: z.boolean().optional(),
  accessMode: z.enum(['private', 'group', 'public', 'fleet']).optional(),
  groupIds: z.array(refParam).max(50).optional(),
  ownerIdTags: z.array(z.string().min(1).max(20)).max(50).optional(),
  connectorCount: z.number().int().min(1).max(32).optional(),
});

/**
 * 24 random bytes as base64url: 32 characters, inside OCPP's 16–40 for basic-auth passwords
 * (Security Profile 1/2) and about 192 bits of entropy.
 */
export function newChargerPassword(): string {
  return randomBytes(24).toString('base64url');
}

type VisibleCharger = Omit<Charger, 'passwordHash'>;

async function ownCharger(deps: ChargerSettingsDeps, operatorId: string, chargerId: string) {
  const view = await deps.views.charger(chargerId);
  return view?.charger.operatorId === operatorId ? view.charger : undefined;
}

/** The first site, tariff or group the change names that is not the operator's. */
async function unknownReference(
  deps: ChargerSettingsDeps,
  operatorId: string,
  changes: ChargerChanges,
): Promise<string | undefined> {
  if (changes.siteId && !(await deps.catalogStore.site(operatorId, changes.siteId)))
    return `site ${changes.siteId} not found`;
  if (changes.tariffId && !(await deps.tariffCatalog.get(operatorId, changes.tariffId)))
    return `tariff ${changes.tariffId} not found`;
  for (const groupId of changes.groupIds ?? []) {
    if (!(await deps.catalogStore.group(operatorId, groupId))) return `group ${groupId} not found`;
  }
  return undefined;
}

export async function updateCharger(
  deps: ChargerSettingsDeps,
  operatorId: string,
  chargerId: string,
  changes: z.infer<typeof UpdateChargerSchema>,
): Promise<Written<VisibleCharger>> {
  if (!(await ownCharger(deps, operatorId, chargerId))) return { outcome: 'not-found' };
  const problem = await unknownReference(deps, operatorId, changes);
  if (problem) return { outcome: 'unknown-reference', message: problem };
  const result = await deps.chargerSettings.update(operatorId, chargerId, changes);
  return result.outcome === 'updated' ? { outcome: 'ok', item: result.charger } : { outcome: 'not-found' };
}

/** A new password for the charger, in this answer only; the old one stops working at once. */
export async function resetChargerPassword(
  deps: ChargerSettingsDeps,
  operatorId: string,
  chargerId: string,
): Promise<{ outcome: 'ok'; password: string } | { outcome: 'not-found' }> {
  const password = newChargerPassword();
  const outcome = await deps.chargerSettings.setPasswordHash(
    operatorId,
    chargerId,
    await hashPassword(password),
  );
  return outcome === 'updated' ? { outcome: 'ok', password } : { outcome: 'not-found' };
}

/** Refused while one of its sessions is not final: its charge and receipt still read the charger. */
export async function deleteCharger(
  deps: ChargerSettingsDeps,
  operatorId: string,
  chargerId: string,
): Promise<Deleted<VisibleCharger>> {
  const charger = await ownCharger(deps, operatorId, chargerId);
  if (!charger) return { outcome: 'not-found' };
  if (await deps.chargerSettings.hasOpenTransaction(chargerId, charger.connectorCount ?? 1)) {
    return {
      outcome: 'in-use',
      message: `charger ${chargerId} has a session that is not final yet: stop it and wait for its charge`,
    };
  }
  return (await deps.chargerSettings.delete(operatorId, chargerId)) === 'deleted'
    ? { outcome: 'deleted', item: charger }
    : { outcome: 'not-found' };
}

/**
 * Tariffs through the designed API: create (refused when the id is taken), change (only the fields
 * given, then the whole tariff is checked again), delete (refused while a charger, site or group
 * prices by it) and a preview that prices a sample session with the real pricing code, for the
 * console's live receipt. Sessions keep the snapshot they started with: nothing here touches them.
 */
import * as z from 'zod';
import { type Charge, priceSession } from '../../domain/pricing.js';
import { parseTariff, type Tariff } from '../../domain/tariff.js';
import type { CatalogStore } from '../../ports/catalog.js';
import type { TariffCatalog } from '../../ports/tariffs.js';

export interface ManageTariffsDeps {
  tariffCatalog: TariffCatalog;
  catalogStore: CatalogStore;
}

export async function createTariff(
  deps: ManageTariffsDeps,
  operatorId: string,
  body: Record<string, unknown>,
): Promise<{ outcome: 'ok'; tariff: Tariff } | { outcome: 'exists'; tariffId: string }> {
  const tariff = parseTariff({ ...body, operatorId });
  return (await deps.tariffCatalog.create(tariff)) === 'created'
    ? { outcome: 'ok', tariff }
    : { outcome: 'exists', tariffId: tariff.id };
}

/** Top-level fields replace the stored ones; `null` removes an optional one. */
export async function updateTariff(
  deps: ManageTariffsDeps,
  operatorId: string,
  tariffId: string,
  changes: Record<string, unknown>,
): Promise<{ outcome: 'ok'; tariff: Tariff } | { outcome: 'not-found' }> {
  const current = await deps.tariffCatalog.get(operatorId, tariffId);
  if (!current) return { outcome: 'not-found' };
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  // The path and the caller name the tariff, whatever the body says.
  const tariff = parseTariff({ ...next, id: tariffId, operatorId });
  await deps.tariffCatalog.put(tariff);
  return { outcome: 'ok', tariff };
}

export async function deleteTariff(
  deps: ManageTariffsDeps,
  operatorId: string,
  tariffId: string,
): Promise<
  { outcome: 'deleted'; tariff: Tariff } | { outcome: 'not-found' } | { outcome: 'in-use'; message: string }
> {
  const current = await deps.tariffCatalog.get(operatorId, tariffId);
  if (!current) return { outcome: 'not-found' };
  const usage = await deps.catalogStore.usage(operatorId, { tariffId });
  const users = [
    usage.chargers && `${usage.chargers} charger(s)`,
    usage.sites && `${usage.sites} site(s)`,
    usage.groups && `${usage.groups} group(s) or fleet(s)`,
  ].filter(Boolean);
  if (users.length > 0) {
    return {
      outcome: 'in-use',
      message: `tariff ${tariffId} prices ${users.join(', ')}: give them another tariff first`,
    };
  }
  return (await deps.tariffCatalog.delete(operatorId, tariffId)) === 'deleted'
    ? { outcome: 'deleted', tariff: current }
    : { outcome: 'not-found' };
}

/** A sample session: when it starts, how much energy, how long it charges and then idles. */
export const SampleSessionSchema = z.strictObject({
  startedAt: z.iso.datetime({ offset: true, error: 'startedAt must be an ISO 8601 date-time' }),
  energyWh: z.number().int().min(0).max(1_000_000).describe('Energy delivered, Wh.'),
  chargingMinutes: z
    .number()
    .int()
    .min(0)
    .max(2880)
    .describe('Minutes from the start until the energy is in.'),
  idleMinutes: z
    .number()
    .int()
    .min(0)
    .max(2880)
    .default(0)
    .describe('Minutes plugged in after charging ends.'),
});
export type SampleSession = z.infer<typeof SampleSessionSchema>;

const MS_PER_MINUTE = 60_000;
const MILLIWH_PER_WH = 1000;

/**
 * Prices the sample as the platform prices a real session (domain/pricing.ts priceSession): one
 * register reading of the whole energy when charging ends, then the stop after the idle minutes.
 */
export function previewCharge(tariff: Tariff, sample: SampleSession): Charge {
  const startedAtMs = Date.parse(sample.startedAt);
  const chargedAtMs = startedAtMs + sample.chargingMinutes * MS_PER_MINUTE;
  return priceSession(tariff, {
    startedAtMs,
    meterStartWh: 0,
    samples:
      sample.chargingMinutes > 0 || sample.energyWh > 0
        ? [{ atMs: chargedAtMs, kind: 'register', milliWh: sample.energyWh * MILLIWH_PER_WH }]
        : [],
    stoppedAtMs: chargedAtMs + sample.idleMinutes * MS_PER_MINUTE,
  });
}

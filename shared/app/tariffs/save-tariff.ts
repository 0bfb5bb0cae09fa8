import { parseTariff, type Tariff } from '../../domain/tariff.js';
import type { TariffStore } from '../../ports/tariffs.js';

export interface SaveTariffDeps {
  tariffs: TariffStore;
}

/**
 * Creates or replaces one of the operator's service rates. The operator and id come from the
 * request's scope, never from the body, so a tariff can't be written into another operator's
 * account. Invalid input throws InvalidTariffError listing every problem; nothing is stored then.
 * Sessions already running keep the snapshot they started with.
 */
export async function saveTariff(
  deps: SaveTariffDeps,
  input: { operatorId: string; tariffId: string; body: Record<string, unknown> },
): Promise<Tariff> {
  const tariff = parseTariff({ ...input.body, id: input.tariffId, operatorId: input.operatorId });
  await deps.tariffs.put(tariff);
  return tariff;
}

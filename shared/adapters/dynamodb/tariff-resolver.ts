/**
 * TariffSnapshotProvider with closed-group prices: the tariff of the driver's group (the id tag's
 * `groupId` → the group's `tariffId`) overrides the charger's, which overrides the site's
 * (domain/tariff-assignment.ts chooseTariff). The snapshot is a validated copy (snapshotTariff), frozen on the
 * transaction for the whole session.
 *
 * Reads, in three round trips at most: the charger and the id tag together; then the site and the
 * group together; then the candidate tariffs in one BatchGetItem. An assignment whose tariff item
 * does not exist is skipped (the next one applies). A tariff item that fails validation is returned
 * as stored (without keys), so that the transaction keeps what was meant and pricing flags it
 * `tariff-invalid` instead of silently charging nothing.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { chooseTariff, safeParseTariff, snapshotTariff, type TariffCandidates } from '../../domain/tariff.js';
import type { TariffSnapshotInput, TariffSnapshotProvider } from '../../ports/tariff-snapshot.js';
import { type Key, keyOf, keys } from './keys.js';
import { batchGetAll, stripKeys, type TableContext } from './support.js';

type Item = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export class DynamoTariffResolver implements TariffSnapshotProvider {
  constructor(private readonly t: TableContext) {}

  async snapshotFor(input: TariffSnapshotInput): Promise<unknown | undefined> {
    const { operatorId, chargerId } = input;
    const [charger, tag] = await Promise.all([
      this.get(keys.charger(chargerId)),
      input.idTag !== undefined ? this.get(keys.idTag(operatorId, input.idTag)) : undefined,
    ]);
    const siteId = input.siteId ?? str(charger?.siteId);
    const groupId = tag && tag.blocked !== true ? str(tag.groupId) : undefined;
    const [site, group] = await Promise.all([
      siteId ? this.get(keys.site(operatorId, siteId)) : undefined,
      groupId ? this.get(keys.group(operatorId, groupId)) : undefined,
    ]);

    const candidates: TariffCandidates = {
      group: groupId ? str(group?.tariffId) : undefined,
      charger: str(charger?.tariffId),
      site: siteId ? str(site?.tariffId) : undefined,
    };
    const ids = [...new Set(Object.values(candidates).filter((id): id is string => id !== undefined))];
    if (ids.length === 0) return undefined;

    const stored = await this.tariffs(operatorId, ids);
    // Precedence only looks at ids, so it is decided before validation: a winning tariff that
    // fails validation is stored as it is rather than silently replaced by the next one. A tier
    // whose tariff item is gone counts as unassigned, so the next tier applies.
    const found = (id: string | undefined) => (id !== undefined && stored.has(id) ? id : undefined);
    const choice = chooseTariff({
      group: found(candidates.group),
      charger: found(candidates.charger),
      site: found(candidates.site),
    });
    if (!choice) return undefined;
    const item = stored.get(choice.tariffId) as Item;
    const parsed = safeParseTariff(item);
    return parsed.ok ? snapshotTariff(parsed.tariff) : item;
  }

  private async get(key: Key): Promise<Item | undefined> {
    const out = await this.t.doc.send(new GetCommand({ TableName: this.t.tableName, Key: key }));
    return out.Item;
  }

  /** The operator's tariff items by id (without storage keys), in one BatchGetItem. */
  private async tariffs(operatorId: string, ids: string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    const stored = await batchGetAll(
      this.t,
      ids.map((id) => keys.tariff(operatorId, id)),
    );
    for (const item of stored) found.set(keyOf.tariffId(String(item.sk)), stripKeys<Item>(item));
    return found;
  }
}

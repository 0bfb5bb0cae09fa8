/**
 * Which tariff applies where: the one precedence rule of the platform. A tariff can be assigned at
 * three tiers; the strongest tier with an assignment wins:
 * 1. group: the closed user group the driver's id tag belongs to (residents pay less than visitors);
 * 2. charger: the charger's own price;
 * 3. site: the price of every charger at the site that names none.
 * The DynamoDB tariff resolver, the in-memory fake and the public charger page all decide through
 * {@link chooseTariff}; the page knows no driver, so it asks {@link publicTariff} (no group tier).
 */

// zod/mini: see zod-messages.ts for why the domain does not use the chained API.
import * as z from 'zod/mini';
import { DomainError } from './errors.js';
import type { Tariff } from './tariff-schema.js';
import './zod-messages.js';

/** The tiers a tariff can be assigned at, strongest first. */
export const TARIFF_TIERS = ['group', 'charger', 'site'] as const;
export type TariffTier = (typeof TARIFF_TIERS)[number];

/** The tariff id assigned at each tier that concerns this session; absent or empty: none there. */
export type TariffCandidates = { [tier in TariffTier]?: string | undefined };

/** The tariff that applies and the tier it came from. */
export interface TariffChoice {
  tariffId: string;
  tier: TariffTier;
}

/**
 * The tariff that applies: the candidate of the strongest tier (group over charger over site), or
 * null when no tier has one. An empty id counts as no assignment (a cleared field), never as a
 * tariff, so a blank group price falls through to the charger's instead of pricing nothing.
 */
export function chooseTariff(candidates: TariffCandidates): TariffChoice | null {
  for (const tier of TARIFF_TIERS) {
    const tariffId = candidates[tier];
    if (tariffId) return { tariffId, tier };
  }
  return null;
}

/**
 * The tariff shown to the public (the charger page before any driver is known): there is no id
 * tag, so no group price; the charger's price, else the site's.
 */
export function publicTariff(candidates: {
  charger?: string | undefined;
  site?: string | undefined;
}): TariffChoice | null {
  return chooseTariff({ charger: candidates.charger, site: candidates.site });
}

const id = (field: string) =>
  z
    .string({ error: `${field} must be a string` })
    .check(z.minLength(1, { error: `${field} must not be empty` }));

/**
 * One assignment of a tariff. A group assignment may be limited to one site (residents' price at
 * their building) or apply at every site of the operator (a fleet's price).
 */
export const TariffAssignmentSchema = z.discriminatedUnion('scope', [
  z.strictObject({ scope: z.literal('site'), siteId: id('siteId'), tariffId: id('tariffId') }),
  z.strictObject({ scope: z.literal('charger'), chargerId: id('chargerId'), tariffId: id('tariffId') }),
  z.strictObject({
    scope: z.literal('group'),
    groupId: id('groupId'),
    siteId: z.optional(id('siteId')),
    tariffId: id('tariffId'),
  }),
]);
export type TariffAssignment = z.infer<typeof TariffAssignmentSchema>;

/** The tariff chosen for a session and why. */
export interface ResolvedTariff {
  tariff: Tariff;
  matchedBy: TariffTier;
  assignment: TariffAssignment;
}

// Code-unit order, not locale order: the same ids sort the same way on every machine.
const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byTariffId = (a: TariffAssignment, b: TariffAssignment) => compareIds(a.tariffId, b.tariffId);

/**
 * Picks the tariff for a session from a list of assignments. Within a tier: a group assignment
 * limited to this site beats one valid at every site; remaining ties (a driver in two groups, two
 * assignments on one charger) go to the lowest groupId, then tariffId, so the answer never depends
 * on the order the assignments were read in. Across tiers {@link chooseTariff} decides. Null when
 * nothing applies; throws when the winning assignment names a tariff not in `tariffs`.
 */
export function resolveTariff(input: {
  tariffs: readonly Tariff[];
  assignments: readonly TariffAssignment[];
  siteId?: string;
  chargerId: string;
  groupIds?: readonly string[];
}): ResolvedTariff | null {
  const groups = new Set(input.groupIds ?? []);
  const best: { [tier in TariffTier]?: TariffAssignment | undefined } = {
    group: input.assignments
      .filter(
        (a): a is Extract<TariffAssignment, { scope: 'group' }> =>
          a.scope === 'group' &&
          groups.has(a.groupId) &&
          (a.siteId === undefined || a.siteId === input.siteId),
      )
      .sort(
        (a, b) =>
          Number(b.siteId !== undefined) - Number(a.siteId !== undefined) ||
          compareIds(a.groupId, b.groupId) ||
          byTariffId(a, b),
      )[0],
    charger: input.assignments
      .filter((a) => a.scope === 'charger' && a.chargerId === input.chargerId)
      .sort(byTariffId)[0],
    site: input.assignments
      .filter((a) => a.scope === 'site' && input.siteId !== undefined && a.siteId === input.siteId)
      .sort(byTariffId)[0],
  };
  const choice = chooseTariff({
    group: best.group?.tariffId,
    charger: best.charger?.tariffId,
    site: best.site?.tariffId,
  });
  const chosen = choice ? best[choice.tier] : undefined;
  if (!choice || !chosen) return null;
  const tariff = input.tariffs.find((t) => t.id === choice.tariffId);
  if (!tariff) {
    throw new DomainError(
      'TARIFF_NOT_FOUND',
      `tariff ${choice.tariffId} is assigned (${chosen.scope}) but was not found`,
    );
  }
  return { tariff, matchedBy: choice.tier, assignment: chosen };
}

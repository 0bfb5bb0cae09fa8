/** Which tariff applies where: the one precedence rule, and the assignment-list resolver over it. */
import { describe, expect, it } from 'vitest';
import {
  chooseTariff,
  publicTariff,
  resolveTariff,
  type TariffAssignment,
  type TariffCandidates,
} from '../../../shared/domain/tariff.js';
import { aTariff } from '../../fixtures/builders/pricing.js';

describe('chooseTariff: group over charger over site', () => {
  it.each<[string, TariffCandidates, string | null, string | null]>([
    ['all three tiers: the group price', { group: 'g', charger: 'c', site: 's' }, 'g', 'group'],
    ['a group and a site: the group price', { group: 'g', site: 's' }, 'g', 'group'],
    ['charger and site: the charger price', { charger: 'c', site: 's' }, 'c', 'charger'],
    ['only the site', { site: 's' }, 's', 'site'],
    ['only the charger', { charger: 'c' }, 'c', 'charger'],
    ['only a group', { group: 'g' }, 'g', 'group'],
    ['a tier given as undefined is skipped', { group: undefined, charger: 'c' }, 'c', 'charger'],
    ['an empty id is no assignment', { group: '', charger: '', site: 's' }, 's', 'site'],
    ['nothing assigned', {}, null, null],
    ['only empty ids', { group: '', charger: '', site: '' }, null, null],
  ])('%s', (_, candidates, tariffId, tier) => {
    const choice = chooseTariff(candidates);
    expect(choice?.tariffId ?? null).toBe(tariffId);
    expect(choice?.tier ?? null).toBe(tier);
  });
});

describe('publicTariff: the charger page knows no driver, so no group tier', () => {
  it.each<[string, { charger?: string; site?: string }, string | null]>([
    ['charger over site', { charger: 'c', site: 's' }, 'c'],
    ['the site when the charger names none', { site: 's' }, 's'],
    ['nothing assigned', {}, null],
  ])('%s', (_, candidates, tariffId) => {
    expect(publicTariff(candidates)?.tariffId ?? null).toBe(tariffId);
  });

  it('ignores a group candidate passed in anyway (the page must never show a member price)', () => {
    const withGroup = { charger: 'c', group: 'g' } as Parameters<typeof publicTariff>[0];
    expect(publicTariff(withGroup)).toEqual({ tariffId: 'c', tier: 'charger' });
  });
});

describe('resolveTariff: group overrides charger overrides site', () => {
  const tariffs = ['site', 'charger', 'residents', 'fleet', 'other-site'].map((id) => aTariff({ id }));
  const assignments: TariffAssignment[] = [
    { scope: 'site', siteId: 'S1', tariffId: 'site' },
    { scope: 'site', siteId: 'S2', tariffId: 'other-site' },
    { scope: 'charger', chargerId: 'CP1', tariffId: 'charger' },
    { scope: 'group', groupId: 'residents', siteId: 'S1', tariffId: 'residents' },
    { scope: 'group', groupId: 'fleet', tariffId: 'fleet' },
  ];
  it.each([
    ['a visitor at a charger with its own price', 'S1', 'CP1', [], 'charger', 'charger'],
    ['a visitor at a charger without one', 'S1', 'CP2', [], 'site', 'site'],
    ['a resident at their building', 'S1', 'CP1', ['residents'], 'residents', 'group'],
    ['a resident elsewhere pays the visitor price', 'S2', 'CP9', ['residents'], 'other-site', 'site'],
    ['a fleet driver anywhere', 'S2', 'CP9', ['fleet'], 'fleet', 'group'],
    ['both groups: the site-specific group wins', 'S1', 'CP1', ['fleet', 'residents'], 'residents', 'group'],
  ])('%s', (_, siteId, chargerId, groupIds, tariffId, matchedBy) => {
    const resolved = resolveTariff({ tariffs, assignments, siteId, chargerId, groupIds });
    expect(resolved?.tariff.id).toBe(tariffId);
    expect(resolved?.matchedBy).toBe(matchedBy);
  });

  it('breaks ties by id, not by the order assignments were read in', () => {
    const two: TariffAssignment[] = [
      { scope: 'group', groupId: 'b', tariffId: 'fleet' },
      { scope: 'group', groupId: 'a', tariffId: 'residents' },
    ];
    const pick = (list: TariffAssignment[]) =>
      resolveTariff({ tariffs, assignments: list, chargerId: 'CP1', groupIds: ['a', 'b'] })?.tariff.id;
    expect(pick(two)).toBe('residents');
    expect(pick([...two].reverse())).toBe('residents');
  });

  it('returns null when nothing applies and fails loudly on a dangling assignment', () => {
    expect(resolveTariff({ tariffs, assignments, siteId: 'S3', chargerId: 'CP3' })).toBeNull();
    expect(() =>
      resolveTariff({
        tariffs,
        assignments: [{ scope: 'site', siteId: 'S3', tariffId: 'gone' }],
        siteId: 'S3',
        chargerId: 'CP3',
      }),
    ).toThrow(/tariff gone is assigned \(site\) but was not found/);
  });
});

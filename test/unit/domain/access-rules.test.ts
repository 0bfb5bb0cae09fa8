/**
 * The access rule table, cell by cell: every mode × driver role, on free and paid chargers, with the
 * operator switches (free use, member billing) where they change a cell. Written out by hand from
 * issue 11, not derived from the module, so a changed cell fails here.
 */
import { describe, expect, it } from 'vitest';
import {
  type AccessDecision,
  type AccessSettings,
  accessModeForKind,
  DRIVER_ROLES,
  type DriverRole,
  decideAccess,
  driverRoleOf,
  memberPageAccess,
  type StartPageAccess,
  startPageAccess,
} from '../../../shared/domain/access-rules.js';
import type { AccessMode, IdTag } from '../../../shared/domain/entities.js';

/** `payment/tariff` for an admitted driver, `refused: reason` otherwise. */
const show = (d: AccessDecision) => (d.allowed ? `${d.payment}/${d.tariff}` : `refused: ${d.refusal}`);

const FREE: AccessSettings = { paid: false, allowFreeUse: false, billMembers: false };
const PAID: AccessSettings = { paid: true, allowFreeUse: false, billMembers: false };

type Row = [AccessMode, DriverRole, free: string, paid: string];

const MATRIX: Row[] = [
  // Home: owner and household only, never a payment, cost tracked at the owner's tariff.
  ['private', 'owner', 'none/owner', 'none/owner'],
  ['private', 'household', 'none/owner', 'none/owner'],
  ['private', 'member', 'refused: not-admitted', 'refused: not-admitted'],
  ['private', 'fleet', 'refused: not-admitted', 'refused: not-admitted'],
  ['private', 'payer', 'refused: not-admitted', 'refused: not-admitted'],
  ['private', 'member-payer', 'refused: not-admitted', 'refused: not-admitted'],
  ['private', 'stranger', 'refused: not-admitted', 'refused: not-admitted'],
  // Closed group: members, group price; on a paid charger their tag only if the operator bills
  // members, else a card hold from their member page.
  ['group', 'owner', 'none/owner', 'none/owner'],
  ['group', 'household', 'refused: not-admitted', 'refused: not-admitted'],
  ['group', 'member', 'none/group', 'refused: member-billing-off'],
  ['group', 'fleet', 'refused: not-admitted', 'refused: not-admitted'],
  ['group', 'payer', 'refused: not-admitted', 'refused: not-admitted'],
  ['group', 'member-payer', 'refused: no-payment-taken', 'pre-auth/group'],
  ['group', 'stranger', 'refused: not-admitted', 'refused: not-admitted'],
  // Public: anyone; on a paid charger by card hold, the operator's cards billed, strangers to the page.
  ['public', 'owner', 'none/owner', 'none/owner'],
  ['public', 'household', 'none/public', 'refused: pay-on-start-page'],
  ['public', 'member', 'none/group', 'refused: member-billing-off'],
  ['public', 'fleet', 'none/group', 'billed-to-fleet/group'],
  ['public', 'payer', 'refused: no-payment-taken', 'pre-auth/public'],
  ['public', 'member-payer', 'refused: no-payment-taken', 'pre-auth/group'],
  ['public', 'stranger', 'none/public', 'refused: pay-on-start-page'],
  // Fleet: the fleet's cards, no pre-auth, billed to the fleet; a paid one also takes card payers.
  ['fleet', 'owner', 'none/owner', 'none/owner'],
  ['fleet', 'household', 'refused: not-admitted', 'refused: not-admitted'],
  ['fleet', 'member', 'refused: not-admitted', 'refused: not-admitted'],
  ['fleet', 'fleet', 'billed-to-fleet/group', 'billed-to-fleet/group'],
  ['fleet', 'payer', 'refused: not-admitted', 'pre-auth/public'],
  ['fleet', 'member-payer', 'refused: not-admitted', 'refused: not-admitted'],
  ['fleet', 'stranger', 'refused: not-admitted', 'refused: not-admitted'],
];

describe('decideAccess: the matrix', () => {
  it('covers every mode and role', () => {
    const modes: AccessMode[] = ['private', 'group', 'public', 'fleet'];
    const cells = new Set(MATRIX.map(([mode, role]) => `${mode}/${role}`));
    expect(cells.size).toBe(MATRIX.length);
    expect([...cells].sort()).toEqual(modes.flatMap((m) => DRIVER_ROLES.map((r) => `${m}/${r}`)).sort());
  });

  it.each(MATRIX)('%s, %s: free charger %s; paid charger %s', (mode, role, free, paid) => {
    expect(show(decideAccess(mode, role, FREE))).toBe(free);
    expect(show(decideAccess(mode, role, PAID))).toBe(paid);
  });
});

describe('decideAccess: operator switches', () => {
  it.each<[string, AccessMode, DriverRole, AccessSettings, string]>([
    [
      'free use lets strangers charge free',
      'public',
      'stranger',
      { ...PAID, allowFreeUse: true },
      'none/public',
    ],
    [
      'free use does not open a fleet depot',
      'fleet',
      'stranger',
      { ...PAID, allowFreeUse: true },
      'refused: not-admitted',
    ],
    [
      'free use does not open a closed group',
      'group',
      'stranger',
      { ...PAID, allowFreeUse: true },
      'refused: not-admitted',
    ],
    [
      'member billing: a group member owes it',
      'group',
      'member',
      { ...PAID, billMembers: true },
      'billed-to-member/group',
    ],
    [
      'member billing at a public site',
      'public',
      'member',
      { ...PAID, billMembers: true },
      'billed-to-member/group',
    ],
    [
      'member billing never admits strangers',
      'group',
      'stranger',
      { ...PAID, billMembers: true },
      'refused: not-admitted',
    ],
    [
      'member billing is moot on a free charger',
      'group',
      'member',
      { ...FREE, billMembers: true },
      'none/group',
    ],
    [
      'a home charger flagged paid still takes nothing',
      'private',
      'owner',
      { ...PAID, billMembers: true },
      'none/owner',
    ],
  ])('%s', (_, mode, role, settings, expected) => {
    expect(show(decideAccess(mode, role, settings))).toBe(expected);
  });
});

describe('startPageAccess: what the start page offers a driver nobody knows', () => {
  it.each<[AccessMode, AccessSettings, StartPageAccess]>([
    ['private', PAID, 'closed'],
    ['private', FREE, 'closed'],
    ['group', PAID, 'closed'],
    ['group', { ...PAID, billMembers: true }, 'closed'],
    ['group', FREE, 'closed'],
    ['public', PAID, 'card'],
    ['public', { ...PAID, allowFreeUse: true }, 'card'],
    ['public', FREE, 'free'],
    ['fleet', PAID, 'card'],
    ['fleet', FREE, 'closed'],
  ])('%s %o: %s', (mode, settings, offer) => {
    expect(startPageAccess(mode, settings)).toBe(offer);
  });
});

describe('memberPageAccess: what a member page offers at a charger', () => {
  it.each<[AccessMode, AccessSettings, string]>([
    ['group', FREE, 'none/group'],
    ['group', { ...PAID, billMembers: true }, 'billed-to-member/group'],
    // The operator does not bill members: their tag is refused, their card is taken at the group price.
    ['group', PAID, 'pre-auth/group'],
    ['public', PAID, 'pre-auth/group'],
    ['public', { ...PAID, billMembers: true }, 'billed-to-member/group'],
    ['private', PAID, 'refused: not-admitted'],
    ['fleet', PAID, 'refused: not-admitted'],
  ])('%s %o: %s', (mode, settings, expected) => {
    expect(show(memberPageAccess(mode, settings))).toBe(expected);
  });
});

describe('accessModeForKind', () => {
  it.each([
    ['home', 'private'],
    ['group', 'group'],
    ['public', 'public'],
    ['fleet', 'fleet'],
  ] as const)('%s operators run %s chargers', (kind, mode) => {
    expect(accessModeForKind(kind)).toBe(mode);
  });
});

describe('driverRoleOf', () => {
  const tag = (kind: IdTag['kind'], groupId?: string) => ({ kind, ...(groupId ? { groupId } : {}) });
  const groupCharger = { accessMode: 'group' as const, groupIds: ['flats'], ownerIdTags: ['Landlord'] };
  const publicCharger = { accessMode: 'public' as const };

  it.each<[string, Parameters<typeof driverRoleOf>[0], DriverRole]>([
    [
      "the charger's owner list, any case",
      { charger: groupCharger, tag: undefined, idTag: 'LANDLORD' },
      'owner',
    ],
    ['an owner tag', { charger: publicCharger, tag: tag('owner'), idTag: 'O' }, 'owner'],
    ['a household tag', { charger: publicCharger, tag: tag('household'), idTag: 'H' }, 'household'],
    [
      'a member of an admitted group',
      { charger: groupCharger, tag: tag('member', 'flats'), idTag: 'M' },
      'member',
    ],
    [
      'a member of another group',
      { charger: groupCharger, tag: tag('member', 'offices'), idTag: 'M' },
      'stranger',
    ],
    ['a member with no group', { charger: groupCharger, tag: tag('member'), idTag: 'M' }, 'stranger'],
    [
      'a member outside group mode',
      { charger: publicCharger, tag: tag('member', 'offices'), idTag: 'M' },
      'member',
    ],
    ['a fleet card', { charger: publicCharger, tag: tag('fleet'), idTag: 'F' }, 'fleet'],
    ['a payment-session tag', { charger: publicCharger, tag: tag('driver'), idTag: 'P' }, 'payer'],
    [
      "a member's card hold at their group's charger",
      { charger: groupCharger, tag: tag('driver', 'flats'), idTag: 'P' },
      'member-payer',
    ],
    [
      "a member's card hold at another group's charger",
      { charger: groupCharger, tag: tag('driver', 'offices'), idTag: 'P' },
      'stranger',
    ],
    [
      "a member's card hold outside group mode",
      { charger: publicCharger, tag: tag('driver', 'offices'), idTag: 'P' },
      'member-payer',
    ],
    ['an unknown tag', { charger: publicCharger, tag: undefined, idTag: 'X' }, 'stranger'],
  ])('%s', (_, input, role) => {
    expect(driverRoleOf(input)).toBe(role);
  });
});

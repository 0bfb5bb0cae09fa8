/**
 * Who may charge where, and on what terms: the platform's one access rule table (ARCHITECTURE.md,
 * "Operators come in four kinds"; issue 11, "Access modes, end to end"). The charger's Authorize and
 * StartTransaction (app/ocpp/authorize-id-tag.ts), the driver's start page and begin-payment all
 * decide through {@link decideAccess}; nothing else may re-derive these answers.
 *
 * The table is keyed by the charger's access mode. An operator's kind gives the mode its chargers
 * normally have ({@link accessModeForKind}: home → private, group → group, public → public,
 * fleet → fleet); the charger's own `accessMode`, `paid` and `groupIds` refine it, and the
 * operator's `allowFreeUse` and `billMembers` switch single cells.
 *
 * Who asks is reduced to a {@link DriverRole} first ({@link driverRoleOf}), so that the table never
 * looks at raw tags. A tag that is of no use at this charger (a household tag at a public site, a
 * member of another group) is a stranger here: it gets exactly what an unknown tag gets.
 *
 * Group members invited by email (issue 11, members) reach a charger through their member page
 * (http/member-routes.ts), which starts the session with their account tag: an id tag of kind
 * `member` in their group, so they are the `member` role here like an RFID member.
 *
 * A member at a paid charger whose operator does not bill members pays by card, at the group price,
 * through the start page's card hold (app/payments/begin-payment.ts) on their member page
 * ({@link memberPageAccess}). An RFID tag brings no card, so the `member` cell still refuses it
 * (`member-billing-off`); the hold's session tag (kind `driver` carrying the member's group) is the
 * `member-payer` role, a row of its own so that it gets the group price and the public start page's
 * `payer` cell (and with it an anonymous card at a closed group) stays closed.
 */
import type { AccessMode, Charger, IdTag, Operator, OperatorKind } from './entities.js';
import { sameIdTag } from './id-tag.js';

/**
 * Who wants to charge, as the rules see them:
 * - `owner`: the charger's owner tags (`Charger.ownerIdTags`) or the operator's tags of kind `owner`;
 * - `household`: the operator's tags of kind `household` (family, lodgers of a home charger);
 * - `member`: a tag of kind `member` whose group the charger admits (any group, outside group mode);
 * - `fleet`: the operator's fleet cards (kind `fleet`), valid at every charger of the operator;
 * - `payer`: an anonymous driver on the start page, or the payment-session tag (kind `driver`) the
 *   platform issued once that driver's card hold succeeded;
 * - `member-payer`: a member paying by card on their member page: the payment-session tag issued
 *   for their hold (kind `driver` with the member's `groupId`), where the charger admits that group;
 * - `stranger`: any other tag, including tags unknown to this charger's operator.
 */
export const DRIVER_ROLES = [
  'owner',
  'household',
  'member',
  'fleet',
  'payer',
  'member-payer',
  'stranger',
] as const;
export type DriverRole = (typeof DRIVER_ROLES)[number];

/**
 * How an admitted session is paid:
 * - `none`: nothing is taken; the session is still priced (home: energy cost at the owner's tariff);
 * - `pre-auth`: a card hold before the start (the start page's flow);
 * - `billed-to-member` / `billed-to-fleet`: no card; the session is recorded as owed by the member
 *   or the fleet (TransactionRecord.billedTo) for the operator to collect.
 */
export type AccessPayment = 'none' | 'pre-auth' | 'billed-to-member' | 'billed-to-fleet';

/**
 * Which tariff prices the session (the tiers themselves: domain/tariff-assignment.ts):
 * - `owner`: the charger's or site's tariff the owner set, for cost tracking (nothing is charged);
 * - `group`: the driver's group price over the charger's and site's (members, fleet cards);
 * - `public`: the charger's price, else the site's.
 */
export type AccessTariff = 'owner' | 'group' | 'public';

/**
 * Why a driver was turned away:
 * - `not-admitted`: the charger is for its owner's household, a group's members or a fleet;
 * - `pay-on-start-page`: a paid charger refuses unknown tags; the driver pays through the QR page;
 * - `member-billing-off`: a member's tag at a paid charger, but the operator does not bill members and
 *   an RFID tag brings no card (on their member page they pay by card instead);
 * - `no-payment-taken`: a card payment was asked for where none is taken (a free public charger).
 */
export type AccessRefusal = 'not-admitted' | 'pay-on-start-page' | 'member-billing-off' | 'no-payment-taken';

export type AccessDecision =
  | { allowed: true; payment: AccessPayment; tariff: AccessTariff }
  | { allowed: false; refusal: AccessRefusal };

/** The settings that refine a mode's cells. */
export interface AccessSettings {
  /** The charger takes payment (Charger.paid); a home charger never does, whatever it says. */
  paid: boolean;
  /** Operator.allowFreeUse: a public paid charger lets unknown tags charge for free. */
  allowFreeUse: boolean;
  /** Operator.billMembers: members' sessions at paid chargers are owed by the member, no card. */
  billMembers: boolean;
}

const allow = (payment: AccessPayment, tariff: AccessTariff): AccessDecision => ({
  allowed: true,
  payment,
  tariff,
});
const refuse = (refusal: AccessRefusal): AccessDecision => ({ allowed: false, refusal });

type Cell = (s: AccessSettings) => AccessDecision;
const always =
  (decision: AccessDecision): Cell =>
  () =>
    decision;

/** A member at a charger that takes payment: billed if the operator allows it; a tag brings no card. */
const memberCell: Cell = (s) =>
  !s.paid
    ? allow('none', 'group')
    : s.billMembers
      ? allow('billed-to-member', 'group')
      : refuse('member-billing-off');

/** A member's card hold: at the group price where the charger takes payment; a free one takes no card. */
const memberPayerCell: Cell = (s) => (s.paid ? allow('pre-auth', 'group') : refuse('no-payment-taken'));

/** The table: access mode × driver role → decision under the settings. */
const RULES: Record<AccessMode, Record<DriverRole, Cell>> = {
  // Home: the owner's and household's tags only; energy cost tracked at the owner's tariff, no payment.
  private: {
    owner: always(allow('none', 'owner')),
    household: always(allow('none', 'owner')),
    member: always(refuse('not-admitted')),
    fleet: always(refuse('not-admitted')),
    payer: always(refuse('not-admitted')),
    'member-payer': always(refuse('not-admitted')),
    stranger: always(refuse('not-admitted')),
  },
  // Closed group: members by RFID tag or their member page, group price over site price; at a paid
  // charger billed to the member when the operator allows it, else paid by card on the member page.
  group: {
    owner: always(allow('none', 'owner')),
    household: always(refuse('not-admitted')),
    member: memberCell,
    fleet: always(refuse('not-admitted')),
    payer: always(refuse('not-admitted')),
    'member-payer': memberPayerCell,
    stranger: always(refuse('not-admitted')),
  },
  // Public: anyone; at a paid charger through a card hold, while the operator's own cards (fleet,
  // members) are billed instead and unknown tags are sent to the start page unless use is free.
  public: {
    owner: always(allow('none', 'owner')),
    household: (s) => RULES.public.stranger(s),
    member: memberCell,
    fleet: (s) => (s.paid ? allow('billed-to-fleet', 'group') : allow('none', 'group')),
    payer: (s) => (s.paid ? allow('pre-auth', 'public') : refuse('no-payment-taken')),
    'member-payer': memberPayerCell,
    stranger: (s) => (!s.paid || s.allowFreeUse ? allow('none', 'public') : refuse('pay-on-start-page')),
  },
  // Fleet: the fleet's cards at every site of the fleet, no pre-auth, billed to the fleet. A paid
  // fleet charger also takes card payers (a depot that sells to the public: "with or without payment").
  fleet: {
    owner: always(allow('none', 'owner')),
    household: always(refuse('not-admitted')),
    member: always(refuse('not-admitted')),
    fleet: always(allow('billed-to-fleet', 'group')),
    payer: (s) => (s.paid ? allow('pre-auth', 'public') : refuse('not-admitted')),
    'member-payer': always(refuse('not-admitted')),
    stranger: always(refuse('not-admitted')),
  },
};

/** The decision for one driver role at a charger in `mode` under `settings`. */
export function decideAccess(mode: AccessMode, role: DriverRole, settings: AccessSettings): AccessDecision {
  // A home charger never takes payment, whatever its `paid` flag says (issue 11: "no payment").
  const effective = mode === 'private' ? { ...settings, paid: false } : settings;
  return RULES[mode][role](effective);
}

/** The settings of a charger and its operator that the table reads (an operator unknown: none set). */
export function accessSettingsOf(
  charger: Pick<Charger, 'paid'>,
  operator: Pick<Operator, 'allowFreeUse' | 'billMembers'> | undefined,
): AccessSettings {
  return {
    paid: charger.paid,
    allowFreeUse: operator?.allowFreeUse === true,
    billMembers: operator?.billMembers === true,
  };
}

/**
 * What the start page offers a driver nobody knows: a card hold (`card`, the `payer` cell), plugging
 * in for free (`free`, when the `stranger` cell admits anyone), or nothing (`closed`: a home,
 * group or fleet charger). begin-payment takes a card only where this says `card`.
 */
export type StartPageAccess = 'card' | 'free' | 'closed';

export function startPageAccess(mode: AccessMode, settings: AccessSettings): StartPageAccess {
  const payer = decideAccess(mode, 'payer', settings);
  if (payer.allowed && payer.payment === 'pre-auth') return 'card';
  return decideAccess(mode, 'stranger', settings).allowed ? 'free' : 'closed';
}

/**
 * What a member's page offers at a charger: their tag's own terms (free, billed to them) when the
 * `member` cell admits them; a card hold at the group price (`pre-auth`, the `member-payer` cell)
 * when only the lack of a card turned the tag away; otherwise the `member` cell's refusal.
 * begin-payment takes a member's card only where this says `pre-auth`.
 */
export function memberPageAccess(mode: AccessMode, settings: AccessSettings): AccessDecision {
  const member = decideAccess(mode, 'member', settings);
  if (member.allowed || member.refusal !== 'member-billing-off') return member;
  const card = decideAccess(mode, 'member-payer', settings);
  return card.allowed ? card : member;
}

/** The access mode an operator's chargers have by default. */
export function accessModeForKind(kind: OperatorKind): AccessMode {
  return ACCESS_MODE_OF_KIND[kind];
}

const ACCESS_MODE_OF_KIND: Record<OperatorKind, AccessMode> = {
  home: 'private',
  group: 'group',
  public: 'public',
  fleet: 'fleet',
};

/**
 * The role of the driver presenting `idTag` at `charger`; `tag` is the operator's record of it (if
 * any). Blocked and expired tags are the caller's concern: they are refused before any rule applies.
 */
export function driverRoleOf(input: {
  charger: Pick<Charger, 'accessMode' | 'groupIds' | 'ownerIdTags'>;
  tag: Pick<IdTag, 'kind' | 'groupId'> | undefined;
  idTag: string;
}): DriverRole {
  const { charger, tag, idTag } = input;
  if (charger.ownerIdTags?.some((owner) => sameIdTag(owner, idTag))) return 'owner';
  switch (tag?.kind) {
    case 'owner':
      return 'owner';
    case 'household':
      return 'household';
    case 'member':
      if (charger.accessMode !== 'group') return 'member';
      return tag.groupId !== undefined && (charger.groupIds ?? []).includes(tag.groupId)
        ? 'member'
        : 'stranger';
    case 'fleet':
      return 'fleet';
    case 'driver':
      if (tag.groupId === undefined) return 'payer';
      // A member's card hold: like their member tag, good only where the charger admits the group.
      if (charger.accessMode !== 'group') return 'member-payer';
      return (charger.groupIds ?? []).includes(tag.groupId) ? 'member-payer' : 'stranger';
    default:
      return 'stranger';
  }
}

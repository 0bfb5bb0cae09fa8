/**
 * The platform's core records as the use cases see them. Storage keys live in the DynamoDB adapter;
 * these types carry no key attributes.
 */

/** How a charger decides who may charge (see ARCHITECTURE.md "Operators come in four kinds"). */
export type AccessMode = 'private' | 'group' | 'public' | 'fleet';

/**
 * The four kinds of operator one deployment serves (ARCHITECTURE.md): a home owner, a closed user
 * group, a public site, a fleet. It decides the operator's defaults, not yet each charger's access.
 */
export const OPERATOR_KINDS = ['home', 'group', 'public', 'fleet'] as const;
export type OperatorKind = (typeof OPERATOR_KINDS)[number];

export interface Operator {
  operatorId: string;
  name: string;
  /** Absent on operators created before kinds existed: those read as `public` (operatorKindOf). */
  kind?: OperatorKind;
  /** IANA zone the operator works in, e.g. for its reports; sites keep their own. */
  timeZone?: string;
  /** ISO 4217, upper case (`GBP`), as tariffs have it; the Stripe adapter lower-cases it for Stripe's API. */
  currency: string;
  contactEmail: string;
  /** Unknown chargers that present themselves are stored as `pending` for the operator to approve. */
  allowPendingChargers: boolean;
  /** A public paid charger normally refuses unknown id tags; this lets them charge for free. */
  allowFreeUse: boolean;
  /**
   * Members' sessions at paid chargers are recorded as owed by the member (no card) instead of being
   * refused for want of a card (domain/access-rules.ts). Absent: false.
   */
  billMembers?: boolean;
  /** Amount held on the driver's card for a paid session, minor units. */
  preAuthAmountMinor: number;
  stripeAccountId?: string;
  /** Email the detailed invoice (PDF and HTML) with every payout, beside the simple one. Absent: false. */
  sendDetailedInvoices?: boolean;

  /** The operator's own platform fee, replacing the deployment's parts it sets (domain/platform-fee.ts). */
  platformFee?: { bps?: number; fixedMinor?: number };
  /** ISO 3166-1 alpha-2 country of its connected account; absent: taken from the currency (app/connect). */
  country?: string;
  /** How Stripe onboards it; absent: `individual` for a home operator, `company` otherwise. */
  businessType?: 'individual' | 'company';
  /** How the driver's pages and receipts present the operator; every field optional. */
  branding?: OperatorBranding;
  createdAt: string;
}

/** An operator's kind; operators stored before kinds existed were all public sites. */
export function operatorKindOf(operator: Pick<Operator, 'kind'>): OperatorKind {
  return operator.kind ?? 'public';
}

export interface OperatorBranding {
  /** An https URL of the logo image. */
  logoUrl?: string;
  /** `#rrggbb`; the pages pick black or white text on it for contrast. */
  primaryColour?: string;
  supportEmail?: string;
  supportPhone?: string;
}

export interface Site {
  operatorId: string;
  siteId: string;
  name: string;
  address?: string;
  /** IANA zone the site's time-of-day prices are written in. */
  timeZone: string;
  tariffId?: string;
}

export type ChargerRegistration = 'active' | 'pending' | 'rejected';

export interface Charger {
  chargerId: string;
  operatorId: string;
  siteId?: string;
  /** scrypt hash of the charger's own basic-auth password; never the password. */
  passwordHash?: string;
  registration: ChargerRegistration;
  accessMode: AccessMode;
  /** Paid chargers take a card pre-authorisation before a session starts. */
  paid: boolean;
  tariffId?: string;
  /** Closed user groups whose members may charge here (access mode `group`). */
  groupIds?: string[];
  /** Tags of the owner and household (access mode `private`). */
  ownerIdTags?: string[];
  connectorCount?: number;
  vendor?: string;
  model?: string;
  firmwareVersion?: string;
  serialNumber?: string;
  lastBootAt?: string;
  lastHeartbeatAt?: string;
  createdAt: string;
}

/**
 * The role a tag plays (domain/access-rules.ts driverRoleOf): the home owner's (`owner`), their
 * household's (`household`: family, lodgers), a closed group's member (`member`, with `groupId`), a
 * fleet card (`fleet`; `groupId` may name the fleet's price group), or a payment-session tag the
 * platform issued after a card hold (`driver`).
 */
export const ID_TAG_KINDS = ['owner', 'household', 'member', 'fleet', 'driver'] as const;
export type IdTagKind = (typeof ID_TAG_KINDS)[number];

/** An RFID card, a fleet card or a payment-session tag known to one operator. */
export interface IdTag {
  operatorId: string;
  idTag: string;
  kind: IdTagKind;
  groupId?: string;
  blocked?: boolean;
  expiresAt?: string;
  label?: string;
}

/**
 * A closed user group, or a fleet (`kind: 'fleet'`): the same record, since both are a price group
 * whose tags (members' tags of kind `member`, fleet cards of kind `fleet`) name it in `groupId`.
 * Absent kind: `group` (groups stored before fleets existed).
 */
export interface Group {
  operatorId: string;
  groupId: string;
  name: string;
  tariffId?: string;
  kind?: 'group' | 'fleet';
  /** Fleets: who gets the monthly statement (app/fleets/); absent: the operator's contact. */
  billingContact?: FleetBillingContact;
  /** Fleets: the month's total is invoiced through Stripe to the billing contact (issue 12). */
  withPayment?: boolean;
  /** Fleets: the Stripe customer the invoices go to, made on the first invoice (internal). */
  stripeCustomerId?: string;
}

export interface FleetBillingContact {
  email: string;
  name?: string;
}

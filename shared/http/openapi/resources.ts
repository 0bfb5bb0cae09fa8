/**
 * The operator API's public shapes, and the one mapping per resource from what the stores hold to
 * what the API shows. The shapes are designed for the API's readers, not copied from storage: no
 * key attributes, version counters, message ids or pricing aggregates; every time an ISO 8601
 * string with offset (UTC, `Z`); flags always arrays; money in integer minor units beside its
 * currency. A stored field the API should show is added here, on purpose, or it stays inside.
 */
import * as z from 'zod';
import { ApiKeyShape } from '../../app/operators/api-keys.js';
import {
  type Charger,
  type Group,
  ID_TAG_KINDS,
  type IdTag,
  type Operator,
  type Site,
} from '../../domain/entities.js';
import { isSessionIdTag } from '../../domain/payment-session.js';
import type { ChargeLine } from '../../domain/pricing.js';
import { TariffSchema } from '../../domain/tariff.js';
import { COMPONENT_TYPES } from '../../domain/tariff-vocabulary.js';
import { claimedOf } from '../../ports/connect.js';
import {
  type ChargerView,
  NO_PAYMENT_FACTS,
  type SessionPaymentFacts,
  type TransactionView,
} from '../../ports/operator-views.js';

const instant = z.iso.datetime({ offset: true });

/** The one time format: a stored or charger-given time, normalised to UTC; unreadable reads as absent. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Drops absent fields, so an optional field is left out rather than sent as null. */
function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined => (Number.isSafeInteger(v) ? (v as number) : undefined);

/** An amount of money: integer minor units of an ISO 4217 currency (upper case). */
export const MoneyShape = z
  .strictObject({ amountMinor: z.number().int(), currency: z.string().length(3) })
  .meta({ id: 'Money', description: 'Integer minor units (pence, cents) of an ISO 4217 currency.' });

// ---- operator ----------------------------------------------------------------------------------

export const OPERATOR_FLAGS = [
  'allow-pending-chargers',
  'allow-free-use',
  'bill-members',
  'send-detailed-invoices',
] as const;

export const OperatorShape = z
  .strictObject({
    operatorId: z.string(),
    name: z.string(),
    kind: z.enum(['home', 'group', 'public', 'fleet']),
    currency: z.string().length(3),
    timeZone: z.string().optional(),
    contactEmail: z.string(),
    preAuthAmount: MoneyShape.describe('Held on the driver card before a paid session.'),
    flags: z.array(z.enum(OPERATOR_FLAGS)),
    branding: z.strictObject({
      logoUrl: z.string().optional(),
      primaryColour: z.string().optional(),
      supportEmail: z.string().optional(),
      supportPhone: z.string().optional(),
    }),
    createdAt: instant,
  })
  .meta({ id: 'Operator' });
export type OperatorOut = z.infer<typeof OperatorShape>;

export function operatorOut(operator: Operator): OperatorOut {
  const currency = operator.currency.toUpperCase();
  return defined({
    operatorId: operator.operatorId,
    name: operator.name,
    kind: operator.kind ?? 'public',
    currency,
    timeZone: operator.timeZone,
    contactEmail: operator.contactEmail,
    preAuthAmount: { amountMinor: operator.preAuthAmountMinor, currency },
    flags: [
      ...(operator.allowPendingChargers ? (['allow-pending-chargers'] as const) : []),
      ...(operator.allowFreeUse ? (['allow-free-use'] as const) : []),
      ...(operator.billMembers ? (['bill-members'] as const) : []),
      ...(operator.sendDetailedInvoices ? (['send-detailed-invoices'] as const) : []),
    ],
    branding: defined({ ...operator.branding }),
    createdAt: isoTime(operator.createdAt) ?? new Date(0).toISOString(),
  });
}

// ---- chargers ----------------------------------------------------------------------------------

export const ConnectorShape = z
  .strictObject({
    connectorId: z.number().int().min(0).describe('0 is the charger as a whole, as OCPP has it.'),
    status: z.string().describe('The last OCPP StatusNotification status, `Unknown` before any.'),
    errorCode: z.string().optional(),
    info: z.string().optional(),
    updatedAt: instant.optional(),
  })
  .meta({ id: 'Connector' });

export const ChargerShape = z
  .strictObject({
    chargerId: z.string(),
    siteId: z.string().optional(),
    registration: z.enum(['active', 'pending', 'rejected']),
    accessMode: z.enum(['private', 'group', 'public', 'fleet']),
    paid: z.boolean(),
    tariffId: z.string().optional(),
    groupIds: z.array(z.string()),
    ownerIdTags: z.array(z.string()),
    connectorCount: z.number().int().min(1),
    vendor: z.string().optional(),
    model: z.string().optional(),
    firmwareVersion: z.string().optional(),
    serialNumber: z.string().optional(),
    lastBootAt: instant.optional(),
    lastHeartbeatAt: instant.optional(),
    createdAt: instant,
    connection: z.strictObject({
      status: z.enum(['online', 'offline']),
      since: instant
        .optional()
        .describe('Online: when the connection opened. Offline: when the last one closed, if known.'),
      connectedAt: instant.optional(),
      protocol: z.string().optional(),
    }),
    connectors: z.array(ConnectorShape),
  })
  .meta({ id: 'Charger' });
export type ChargerOut = z.infer<typeof ChargerShape>;

export function chargerOut(
  charger: Omit<Charger, 'passwordHash'>,
  view?: Omit<ChargerView, 'charger'>,
): ChargerOut {
  const connection = view?.connection;
  return defined({
    chargerId: charger.chargerId,
    siteId: charger.siteId,
    registration: charger.registration,
    accessMode: charger.accessMode,
    paid: charger.paid,
    tariffId: charger.tariffId,
    groupIds: charger.groupIds ?? [],
    ownerIdTags: charger.ownerIdTags ?? [],
    connectorCount: charger.connectorCount ?? 1,
    vendor: charger.vendor,
    model: charger.model,
    firmwareVersion: charger.firmwareVersion,
    serialNumber: charger.serialNumber,
    lastBootAt: isoTime(charger.lastBootAt),
    lastHeartbeatAt: isoTime(charger.lastHeartbeatAt),
    createdAt: isoTime(charger.createdAt) ?? new Date(0).toISOString(),
    connection: connection
      ? defined({
          status: 'online' as const,
          since: isoTime(connection.connectedAt),
          connectedAt: isoTime(connection.connectedAt),
          protocol: connection.protocol,
        })
      : defined({ status: 'offline' as const, since: isoTime(view?.offlineSince) }),
    connectors: (view?.connectors ?? [])
      .map((c) =>
        defined({
          connectorId: c.connectorId,
          status: c.status,
          errorCode: c.errorCode,
          info: c.info,
          updatedAt: isoTime(c.timestamp),
        }),
      )
      .sort((a, b) => a.connectorId - b.connectorId),
  });
}

export const chargerViewOut = (view: ChargerView): ChargerOut => chargerOut(view.charger, view);

// ---- sessions (transactions) -------------------------------------------------------------------

export const AmountsShape = z
  .strictObject({
    currency: z.string().length(3),
    netMinor: z.number().int(),
    taxMinor: z.number().int(),
    grossMinor: z.number().int(),
  })
  .meta({ id: 'Amounts', description: 'Net, tax and gross in integer minor units of the currency.' });

export const ChargeLineShape = z
  .strictObject({
    component: z.enum([...COMPONENT_TYPES, 'MINIMUM']),
    label: z.string().optional().describe('The tariff band\'s label, when it has one (e.g. "Night").'),
    quantity: z.number().int().describe('In `unit`: milliwatt-hours, started minutes, or sessions.'),
    unit: z.enum(['milliWh', 'minute', 'session']),
    priceMilliMinor: z
      .number()
      .int()
      .nullable()
      .describe(
        'Thousandths of a minor unit per kWh (ENERGY), per hour (TIME, PARKING) or per session (FLAT); null for MINIMUM.',
      ),
    taxRateBp: z.number().int().min(0).describe('The tax rate in basis points (2000 = 20 %).'),
    netMinor: z.number().int(),
    taxMinor: z.number().int(),
    grossMinor: z.number().int(),
  })
  .meta({ id: 'ChargeLine', description: 'One component of the charge, with its own tax rate.' });

export const PAYMENT_METHODS = ['card', 'member-bill', 'fleet-bill', 'none'] as const;
export const PAYMENT_STATES = [
  'awaiting-payment',
  'held',
  'captured',
  'partly-refunded',
  'refunded',
  'cancelled',
  'failed',
  'expired',
] as const;

export const SessionPaymentShape = z
  .strictObject({
    method: z
      .enum(PAYMENT_METHODS)
      .describe(
        "`card`: the driver's card was held and charged through Stripe; `member-bill` / `fleet-bill`: billed to a group member or a fleet; `none`: nothing is collected (home, free use).",
      ),
    state: z
      .enum(PAYMENT_STATES)
      .optional()
      .describe(
        "Card only. `held`: the pre-auth stands; `captured` (then `partly-refunded`, `refunded`); `cancelled`: the hold was released with nothing taken; `failed`: the card was declined; `expired`: Stripe let the hold lapse uncollected. Absent while the card session is not linked to the charger's session yet.",
      ),
    sessionId: z
      .string()
      .optional()
      .describe('The paid session: what `POST /api/v1/sessions/{sessionId}/refunds` takes.'),
    paymentIntentId: z.string().optional().describe('The Stripe PaymentIntent (`pi_…`).'),
    hold: MoneyShape.optional().describe('The pre-authorisation held on the card.'),
    captured: MoneyShape.optional().describe('Taken from the card once the charge was final.'),
    released: MoneyShape.optional().describe('Of the hold, given back to the card at capture or cancel.'),
    refunded: MoneyShape.optional().describe('Refunded so far, every refund summed.'),
    refundPending: MoneyShape.optional().describe(
      'Refunds asked for and reserved that Stripe has not confirmed yet (the platform finishes them within minutes); absent when there are none.',
    ),
    refundable: MoneyShape.optional().describe(
      'What can still be refunded: captured less refunded and pending.',
    ),
    platformFee: MoneyShape.optional().describe(
      "The platform's fee on the capture, less what refunds gave back; known once the capture's transfer is recorded.",
    ),
    billedTo: z
      .strictObject({ kind: z.enum(['fleet', 'group']), id: z.string(), name: z.string() })
      .optional()
      .describe('A billed session: the fleet or closed group it is billed to.'),
  })
  .meta({ id: 'SessionPayment', description: 'How a session is paid, and where its card payment stands.' });
export type SessionPaymentOut = z.infer<typeof SessionPaymentShape>;

/** The card payment's state from the paid session and, once captured, its transfer's refunds. */
function cardState(
  session: NonNullable<ReturnType<SessionPaymentFacts['sessions']['get']>>,
  refundedMinor: number,
): SessionPaymentOut['state'] {
  switch (session.status) {
    case 'awaiting-payment':
    case 'failed':
      return session.status;
    case 'starting':
    case 'charging':
    case 'finishing':
      return 'held';
    case 'cancelled':
      return session.uncollected ? 'expired' : 'cancelled';
    case 'completed': {
      if (session.uncollected) return 'expired';
      const captured = session.settlement?.outcome === 'captured' ? session.settlement.capturedMinor : 0;
      if (captured === 0) return 'cancelled';
      if (refundedMinor === 0) return 'captured';
      return refundedMinor >= captured ? 'refunded' : 'partly-refunded';
    }
  }
}

/**
 * A session's payment part from the transaction and the records it names: the card payment from its
 * paid session and transfer, a billed session's fleet or group by name. A record not found (an older
 * transaction, a session not linked yet) leaves its fields out rather than guessing them.
 */
export function sessionPaymentOut(tx: TransactionView, facts: SessionPaymentFacts): SessionPaymentOut {
  const sessionId = str(tx.paymentSessionId);
  const idTag = str(tx.idTag);
  if (sessionId || (idTag && isSessionIdTag(idTag))) {
    const session = sessionId ? facts.sessions.get(sessionId) : undefined;
    if (!session) return defined({ method: 'card' as const, sessionId });
    const money = (amountMinor: number | undefined) =>
      amountMinor === undefined ? undefined : { amountMinor, currency: session.currency.toUpperCase() };
    const transfer = facts.transfers.get(session.sessionId);
    const settlement = session.settlement;
    const held = session.status !== 'awaiting-payment' && session.status !== 'failed';
    const capturedMinor = settlement?.outcome === 'captured' ? settlement.capturedMinor : undefined;
    const refundedMinor = transfer?.refundedMinor ?? 0;
    // Reserved refunds count against what is left at once, as the refund route counts them.
    const claimedMinor = transfer ? claimedOf(transfer) : refundedMinor;
    return defined({
      method: 'card' as const,
      state: cardState(session, refundedMinor),
      sessionId: session.sessionId,
      paymentIntentId: session.paymentIntentId,
      hold: held ? money(session.preAuthAmountMinor) : undefined,
      captured: money(capturedMinor),
      released: money(settlement?.releasedMinor),
      refunded: capturedMinor !== undefined ? money(refundedMinor) : undefined,
      refundPending:
        capturedMinor !== undefined && claimedMinor > refundedMinor
          ? money(claimedMinor - refundedMinor)
          : undefined,
      refundable: capturedMinor !== undefined ? money(capturedMinor - claimedMinor) : undefined,
      platformFee: transfer ? money(transfer.feeMinor - transfer.feeRefundedMinor) : undefined,
    });
  }
  const billed = tx.billedTo as { party?: unknown; groupId?: unknown } | undefined;
  if (billed?.party === 'fleet' || billed?.party === 'member') {
    const groupId = str(billed.groupId);
    const group = groupId ? facts.groups.get(groupId) : undefined;
    return defined({
      method: billed.party === 'fleet' ? ('fleet-bill' as const) : ('member-bill' as const),
      billedTo: groupId
        ? {
            kind: billed.party === 'fleet' ? ('fleet' as const) : ('group' as const),
            id: groupId,
            name: group?.name ?? groupId,
          }
        : undefined,
    });
  }
  return { method: 'none' };
}

export const TransactionShape = z
  .strictObject({
    chargerId: z.string(),
    transactionId: z.number().int(),
    connectorId: z.number().int().optional(),
    siteId: z.string().optional(),
    idTag: z.string().optional(),
    tariffId: z
      .string()
      .optional()
      .describe('The tariff the session is priced by, as it was when it started.'),
    status: z.enum(['active', 'stopped', 'final']),
    startedAt: instant.optional(),
    stoppedAt: instant.optional(),
    stopReason: z.string().optional(),
    energyMilliWh: z.number().int().optional(),
    charge: z
      .strictObject({
        tariffId: z.string(),
        durationSeconds: z.number().int(),
        lines: z
          .array(ChargeLineShape)
          .describe('Energy, time, parking and flat components, each with its tax.'),
        totals: AmountsShape,
      })
      .optional()
      .describe('The running (or, once `final`, the final) charge.'),
    flags: z.array(z.string()).describe('What the platform noticed: OCPP anomalies and pricing problems.'),
    discrepancyCount: z
      .number()
      .int()
      .min(0)
      .describe('Meter readings that disagreed with the final charge.'),
    payment: SessionPaymentShape,
  })
  .meta({ id: 'Transaction' });
export type TransactionOut = z.infer<typeof TransactionShape>;

const STATUSES = new Set(['active', 'stopped', 'final']);

type ChargeLineOut = z.infer<typeof ChargeLineShape>;

/** A stored charge line in its public shape: the band's index is internal, the label is not. */
function chargeLineOut(stored: unknown): ChargeLineOut {
  const line = stored as Partial<ChargeLine>;
  return defined({
    component: line.component ?? 'FLAT',
    label: str(line.label),
    quantity: int(line.quantity) ?? 0,
    unit: line.unit ?? 'session',
    priceMilliMinor: int(line.priceMilliMinor) ?? null,
    taxRateBp: int(line.taxRateBp) ?? 0,
    netMinor: int(line.netMinor) ?? 0,
    taxMinor: int(line.taxMinor) ?? 0,
    grossMinor: int(line.grossMinor) ?? 0,
  });
}

/** `facts`: the records the transaction's payment names (OperatorViews.paymentFacts); none, none shown. */
export function transactionOut(
  tx: TransactionView,
  facts: SessionPaymentFacts = NO_PAYMENT_FACTS,
): TransactionOut {
  const charge = tx.charge as
    | {
        tariffId?: unknown;
        currency?: unknown;
        durationSeconds?: unknown;
        lines?: unknown;
        totals?: Record<string, unknown>;
      }
    | undefined;
  const totals = charge?.totals;
  const flags = [
    ...(Array.isArray(tx.flags) ? tx.flags : []),
    ...(Array.isArray(tx.chargeFlags) ? tx.chargeFlags : []),
  ].filter((f): f is string => typeof f === 'string');
  const status = String(tx.status);
  const snapshot = tx.tariffSnapshot as { id?: unknown } | undefined;
  return defined({
    chargerId: tx.chargerId,
    transactionId: tx.transactionId,
    connectorId: int(tx.connectorId),
    siteId: str(tx.siteId),
    idTag: str(tx.idTag),
    tariffId: str(snapshot?.id) ?? str(charge?.tariffId),
    status: (STATUSES.has(status) ? status : 'active') as TransactionOut['status'],
    startedAt: isoTime(tx.startedAt),
    stoppedAt: isoTime(tx.stoppedAt),
    stopReason: str(tx.stopReason),
    energyMilliWh: int(tx.energyMilliWh),
    charge:
      charge && totals && typeof charge.currency === 'string'
        ? {
            tariffId: String(charge.tariffId ?? ''),
            durationSeconds: int(charge.durationSeconds) ?? 0,
            lines: Array.isArray(charge.lines) ? charge.lines.map(chargeLineOut) : [],
            totals: {
              currency: charge.currency.toUpperCase(),
              netMinor: int(totals.netMinor) ?? 0,
              taxMinor: int(totals.taxMinor) ?? 0,
              grossMinor: int(totals.grossMinor) ?? 0,
            },
          }
        : undefined,
    flags: [...new Set(flags)].sort(),
    discrepancyCount:
      tx.discrepancies && typeof tx.discrepancies === 'object' ? Object.keys(tx.discrepancies).length : 0,
    payment: sessionPaymentOut(tx, facts),
  });
}

export const TransactionDetailShape = TransactionShape.extend({
  meterValueMessageCount: z.number().int().min(0).describe('MeterValues messages stored for the session.'),
}).meta({ id: 'TransactionDetail' });

// ---- catalog -----------------------------------------------------------------------------------

export const SiteShape = z
  .strictObject({
    siteId: z.string(),
    name: z.string(),
    address: z.string().optional(),
    timeZone: z.string(),
    tariffId: z.string().optional(),
  })
  .meta({ id: 'Site' });
export const siteOut = ({ operatorId: _op, ...site }: Site): z.infer<typeof SiteShape> => defined(site);

export const GroupShape = z
  .strictObject({ groupId: z.string(), name: z.string(), tariffId: z.string().optional() })
  .meta({ id: 'Group' });
export const groupOut = ({ operatorId: _op, ...group }: Group): z.infer<typeof GroupShape> => defined(group);

export const IdTagShape = z
  .strictObject({
    idTag: z.string(),
    kind: z.enum(ID_TAG_KINDS),
    groupId: z.string().optional(),
    flags: z.array(z.enum(['blocked'])),
    expiresAt: instant.optional(),
    label: z.string().optional(),
  })
  .meta({ id: 'IdTag' });
export const idTagOut = (tag: IdTag): z.infer<typeof IdTagShape> =>
  defined({
    idTag: tag.idTag,
    kind: tag.kind,
    groupId: tag.groupId,
    flags: tag.blocked ? (['blocked'] as const) : [],
    expiresAt: isoTime(tag.expiresAt),
    label: tag.label,
  });

/** A tariff as stored is the validated domain document (domain/tariff-schema.ts) itself. */
export const TariffShape = TariffSchema.check(z.meta({ id: 'Tariff' }));

export { ApiKeyShape };

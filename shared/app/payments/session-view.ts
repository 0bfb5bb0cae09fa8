/**
 * What the Transaction URL page shows: the driver's session, read by the token's hash. The page
 * polls it; the edge turns it into JSON with an ETag, so an unchanged session costs a 304.
 * Only this session's fields leave here: no storage keys, no other session's data, no card details.
 */
import { type DriverStatus, driverStatus } from '../../domain/payment-session.js';
import type { ChargeLine } from '../../domain/pricing.js';
import type { PaymentSession, SessionSettlement } from '../../ports/payments.js';
import type { PaymentsDeps } from './deps.js';
import { hashToken, TOKEN_PATTERN } from './tokens.js';

export interface DriverSessionView {
  status: DriverStatus;
  operator: { name: string; contactEmail?: string };
  chargerId: string;
  connectorId: number;
  site?: { name: string; address?: string; timeZone: string };
  email: string;
  currency: string;
  preAuthAmountMinor: number;
  paymentIntentId: string;
  energyWh: number;
  startedAt?: string;
  stoppedAt?: string;
  durationSeconds: number;
  /** Average power over the session so far, watts. */
  averagePowerW: number;
  lines: Pick<
    ChargeLine,
    | 'component'
    | 'label'
    | 'quantity'
    | 'unit'
    | 'priceMilliMinor'
    | 'taxRateBp'
    | 'netMinor'
    | 'taxMinor'
    | 'grossMinor'
  >[];
  totals: { netMinor: number; taxMinor: number; grossMinor: number };
  settlement?: Omit<SessionSettlement, 'settledAt'>;
  cancelReason?: string;
  paymentError?: { code: string; message: string };
  uncollected?: boolean;
  /** The session's meter data could not be priced: nothing was taken; the operator reviews it. */
  underReview?: boolean;
  canStop: boolean;
  canCancel: boolean;
  receipts: { kind: string; sentAt?: string }[];
}

/** The session a token opens, or undefined for anything else (malformed, truncated, unknown). */
export async function sessionByToken(deps: PaymentsDeps, token: string): Promise<PaymentSession | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  return deps.sessions.byTokenHash(hashToken(token));
}

export async function viewSession(deps: PaymentsDeps, session: PaymentSession): Promise<DriverSessionView> {
  const [operator, site, charged, receipts] = await Promise.all([
    deps.catalog.operator(session.operatorId),
    session.siteId ? deps.catalog.site(session.operatorId, session.siteId) : undefined,
    session.transactionId !== undefined
      ? deps.transactions.chargeOf(session.chargerId, session.transactionId)
      : undefined,
    deps.outbox.ofSession(session.sessionId),
  ]);
  const charge = charged?.charge;
  const energyWh = Math.floor((charged?.energyMilliWh ?? charge?.energyMilliWh ?? 0) / 1000);
  const durationSeconds = charge?.durationSeconds ?? 0;
  const status = driverStatus(
    session.status,
    charged ? { stopped: charged.stoppedAt !== undefined, final: charged.final } : undefined,
  );
  return {
    status,
    operator: {
      name: operator?.name ?? 'Charging',
      ...(operator?.contactEmail ? { contactEmail: operator.contactEmail } : {}),
    },
    chargerId: session.chargerId,
    connectorId: session.connectorId,
    ...(site
      ? {
          site: {
            name: site.name,
            ...(site.address ? { address: site.address } : {}),
            timeZone: site.timeZone,
          },
        }
      : {}),
    email: session.email,
    currency: session.currency,
    preAuthAmountMinor: session.preAuthAmountMinor,
    paymentIntentId: session.paymentIntentId,
    energyWh,
    ...(charged?.startedAt ? { startedAt: charged.startedAt } : {}),
    ...(charged?.stoppedAt ? { stoppedAt: charged.stoppedAt } : {}),
    durationSeconds,
    averagePowerW: durationSeconds > 0 ? Math.round((energyWh * 3600) / durationSeconds) : 0,
    lines: (charge?.lines ?? []).map((l) => ({
      component: l.component,
      ...(l.label ? { label: l.label } : {}),
      quantity: l.quantity,
      unit: l.unit,
      priceMilliMinor: l.priceMilliMinor,
      taxRateBp: l.taxRateBp,
      netMinor: l.netMinor,
      taxMinor: l.taxMinor,
      grossMinor: l.grossMinor,
    })),
    totals: charge?.totals ?? { netMinor: 0, taxMinor: 0, grossMinor: 0 },
    ...(session.settlement
      ? {
          settlement: {
            outcome: session.settlement.outcome,
            chargeGrossMinor: session.settlement.chargeGrossMinor,
            capturedMinor: session.settlement.capturedMinor,
            releasedMinor: session.settlement.releasedMinor,
            shortfallMinor: session.settlement.shortfallMinor,
          },
        }
      : {}),
    ...(session.cancelReason ? { cancelReason: session.cancelReason } : {}),
    ...(session.paymentError ? { paymentError: session.paymentError } : {}),
    ...(session.uncollected ? { uncollected: true } : {}),
    ...(session.reviewReason ? { underReview: true } : {}),
    canStop: status === 'charging' || status === 'waiting-for-car',
    canCancel: session.status === 'starting' || session.status === 'awaiting-payment',
    receipts: receipts.map((r) => ({ kind: r.kind, ...(r.sentAt ? { sentAt: r.sentAt } : {}) })),
  };
}

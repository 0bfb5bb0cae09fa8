/**
 * A paid session, from the driver's card hold to its capture or release. Pure: the use cases in
 * shared/app/payments load and store it; nothing here knows Stripe, OCPP or the clock.
 *
 * Why a state machine with ranks: Stripe does not order webhooks and may send them twice, the
 * driver's page and the webhook race to report the same hold, and a late StartTransaction can
 * arrive after the driver cancelled. Every writer therefore moves the status only FORWARD
 * ({@link canAdvance}), conditionally on the status it read, so a stale or repeated event is a no-op
 * rather than a step back.
 *
 *   awaiting-payment ──hold──▶ starting ──StartTransaction──▶ charging ──stop──▶ finishing ──capture──▶ completed
 *          │                      │                                                            ▲
 *          └──declined──▶ failed  └──cancel / no start / charger refused──▶ cancelled           │
 *                                                       (zero charge: the hold is cancelled) ──┘
 */
import { InvalidArgumentError } from './errors.js';
import type { MinorUnits } from './money.js';

export type PaymentSessionStatus =
  /** The PaymentIntent exists; the driver has not completed card entry (or 3-D Secure) yet. */
  | 'awaiting-payment'
  /** The hold is in place and RemoteStartTransaction was sent: waiting for the car. */
  | 'starting'
  /** StartTransaction arrived and is bound to this session. */
  | 'charging'
  /** The session stopped (or a stop was asked for); the charge is not final yet. */
  | 'finishing'
  /** The final charge was captured (or, for a zero charge, the hold cancelled). */
  | 'completed'
  /** The hold was cancelled before any charging: by the driver, for want of a start, or by the charger. */
  | 'cancelled'
  /** The card was declined or 3-D Secure failed: nothing is held. */
  | 'failed';

const RANK: Record<PaymentSessionStatus, number> = {
  'awaiting-payment': 0,
  starting: 1,
  charging: 2,
  finishing: 3,
  completed: 4,
  cancelled: 4,
  failed: 4,
};

export const TERMINAL_STATUSES: readonly PaymentSessionStatus[] = ['completed', 'cancelled', 'failed'];

export const isTerminal = (status: PaymentSessionStatus): boolean => RANK[status] === 4;

/**
 * Whether a session may move from `from` to `to`. Only forward; a terminal status never changes;
 * `failed` only from `awaiting-payment` (a declined card) and `cancelled` only before charging.
 */
export function canAdvance(from: PaymentSessionStatus, to: PaymentSessionStatus): boolean {
  if (isTerminal(from) || RANK[to] <= RANK[from]) return false;
  if (to === 'failed') return from === 'awaiting-payment';
  if (to === 'cancelled') return from === 'awaiting-payment' || from === 'starting';
  return true;
}

/**
 * Why a hold was cancelled, as the platform records it. The receipt explains each in plain words;
 * Stripe's own `cancellation_reason` takes only a few values ({@link stripeCancellationReason}).
 */
export type CancelReason =
  /** The driver pressed Cancel before charging started. */
  | 'requested_by_customer'
  /** No StartTransaction within the start timeout. */
  | 'abandoned'
  /** The charger refused RemoteStartTransaction, or could not be reached. */
  | 'charger-unavailable'
  /** The final charge was zero: nothing to take. */
  | 'zero-charge'
  /** Stripe let the hold lapse (`expired` / `automatic`): the session is uncollected. */
  | 'expired'
  /**
   * The session's meter data could not be priced (pricing flagged it `pricing-input-invalid`):
   * nothing is taken on readings the platform cannot vouch for; the operator reviews the session.
   */
  | 'meter-data-invalid';

/** The `cancellation_reason` Stripe accepts on a cancel call. */
export function stripeCancellationReason(reason: CancelReason): 'requested_by_customer' | 'abandoned' {
  return reason === 'requested_by_customer' ? 'requested_by_customer' : 'abandoned';
}

/** How a final charge settles against the hold. All amounts in minor units. */
export type Settlement =
  | {
      action: 'capture';
      amountToCaptureMinor: MinorUnits;
      /** Released back to the card: pre-auth − captured (Stripe creates no Refund object for it). */
      releasedMinor: MinorUnits;
      /** What the charge exceeded the hold by (the cost cap failed); the operator's to collect. */
      shortfallMinor: MinorUnits;
    }
  | { action: 'cancel'; amountToCaptureMinor: 0; releasedMinor: MinorUnits; shortfallMinor: 0 };

function requireAmount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative integer of minor units, got ${value}`);
  }
}

/**
 * Capture `min(charge, capturable)`; a zero charge cancels the hold instead. `capturableMinor` is
 * what Stripe still holds (`amount_capturable`), normally the pre-auth amount.
 */
export function settle(
  chargeGrossMinor: MinorUnits,
  preAuthAmountMinor: MinorUnits,
  capturableMinor: MinorUnits = preAuthAmountMinor,
): Settlement {
  requireAmount('chargeGrossMinor', chargeGrossMinor);
  requireAmount('preAuthAmountMinor', preAuthAmountMinor);
  requireAmount('capturableMinor', capturableMinor);
  if (chargeGrossMinor === 0) {
    return {
      action: 'cancel',
      amountToCaptureMinor: 0,
      releasedMinor: preAuthAmountMinor,
      shortfallMinor: 0,
    };
  }
  const amountToCaptureMinor = Math.min(chargeGrossMinor, capturableMinor);
  return {
    action: 'capture',
    amountToCaptureMinor,
    releasedMinor: preAuthAmountMinor - amountToCaptureMinor,
    shortfallMinor: chargeGrossMinor - amountToCaptureMinor,
  };
}

/** What the Transaction URL page tells the driver. */
export type DriverStatus =
  | 'awaiting-payment'
  | 'waiting-for-car'
  | 'charging'
  | 'finishing'
  | 'final-readings-pending'
  | 'completed'
  | 'cancelled'
  | 'failed';

/**
 * The page's status from the session and what OCPP and pricing know of its transaction:
 * `final-readings-pending` once StopTransaction has landed and the charge is not final yet (a
 * charger may still deliver queued readings); `finishing` while a stop was asked for and not yet
 * reported, or while a final charge is being captured.
 */
export function driverStatus(
  status: PaymentSessionStatus,
  transaction: { stopped: boolean; final: boolean } | undefined,
): DriverStatus {
  switch (status) {
    case 'awaiting-payment':
      return 'awaiting-payment';
    case 'starting':
      return 'waiting-for-car';
    case 'charging':
    case 'finishing': {
      const stopped = transaction?.stopped ?? false;
      const final = transaction?.final ?? false;
      if (stopped && !final) return 'final-readings-pending';
      if (stopped || final || status === 'finishing') return 'finishing';
      return 'charging';
    }
    default:
      return status;
  }
}

/**
 * What every paid session's idTag begins with. The payments stream filter (lib/stateless-stack.ts)
 * matches it as a case-sensitive prefix, so tags are issued in upper case.
 */
export const SESSION_ID_TAG_PREFIX = 'PS';

const SESSION_ID_TAG = new RegExp(`^${SESSION_ID_TAG_PREFIX}[0-9A-F]{18}$`, 'i');

/**
 * Whether an OCPP idTag is a paid session's (`PS` + 18 hex digits, issued when the hold succeeds):
 * the StartTransaction that carries one belongs to that session.
 */
export const isSessionIdTag = (idTag: string): boolean => SESSION_ID_TAG.test(idTag);

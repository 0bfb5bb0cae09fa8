/**
 * Receipt models: pure functions from what the payment flow knows (the domain's Charge, the hold,
 * the operator's branding, the site) to everything a receipt says, already in words and formatted
 * figures. The HTML and the text part are both laid out from the same model (./render.ts), so they
 * cannot disagree about a figure.
 *
 * Money stays integer minor units until formatting (./format.ts builds exact decimal strings for
 * Intl). The refund is computed, not read from Stripe: since API version 2025-03-31 a partial capture
 * creates no Refund object, and Stripe releases exactly pre-auth - captured.
 */
import { InvalidArgumentError } from '../../domain/errors.js';
import type { MinorUnits } from '../../domain/money.js';
import type { Charge, ChargeLine } from '../../domain/pricing.js';
import type { Tariff } from '../../domain/tariff.js';
import {
  formatCount,
  formatDateTime,
  formatDuration,
  formatKwh,
  formatMoney,
  formatTaxRate,
  formatUnitPrice,
} from '../format.js';
import { describeTariff } from '../tariff-summary.js';
import { type Brand, brandOf, type OperatorBranding } from './brand.js';

export type { Brand, OperatorBranding } from './brand.js';

export interface ReceiptSite {
  name: string;
  /** One line, or lines joined with ", ". */
  address?: string;
  /** IANA zone: every time on the receipt is shown in it, with the zone named. */
  timeZone: string;
}

/** What every receipt names: who, where, which connector. */
export interface ReceiptContext {
  operator: OperatorBranding;
  site: ReceiptSite;
  chargerId: string;
  connectorId: number;
  /** BCP 47 locale for numbers and dates (default "en-GB"). */
  locale?: string;
  /** What the tax is called on the receipt (default "VAT"). */
  taxLabel?: string;
}

/** The card hold (the PaymentIntent's amount), in the currency's minor units. */
export interface Hold {
  amountMinor: MinorUnits;
  /** ISO 4217, either case (Stripe sends lower case). */
  currency: string;
}

export interface PreAuthReceiptInput extends ReceiptContext {
  hold: Hold;
  /** When the hold succeeded, epoch seconds. */
  heldAt: number;
  /** The session's Transaction URL (carries the capability token). */
  transactionUrl: string;
  /** The tariff snapshot the session will be priced with. */
  tariff: Tariff;
  paymentIntentId?: string;
}

/**
 * Why a hold was cancelled: Stripe's `cancellation_reason` values the platform uses, plus the
 * platform's own for a charger that could not start.
 */
export type CancellationReason =
  | 'requested_by_customer'
  | 'abandoned'
  | 'expired'
  | 'automatic'
  | 'failed'
  | 'charger_offline'
  | 'meter_data_invalid'
  | 'duplicate'
  | 'fraudulent';

export interface CancellationReceiptInput extends ReceiptContext {
  hold: Hold;
  reason: CancellationReason;
  /** When the hold was cancelled, epoch seconds. */
  cancelledAt: number;
  /** For `abandoned`: how long the car had to start charging (default 300 s). */
  noStartTimeoutSeconds?: number;
  paymentIntentId?: string;
}

export interface TransactionReceiptInput extends ReceiptContext {
  /** The final charge (stopped). Times, energy and lines come from it. */
  charge: Charge;
  hold: Hold;
  /** What was captured on the PaymentIntent: min(charge, amount capturable); 0 when cancelled. */
  capturedMinor: MinorUnits;
  paymentIntentId: string;
  transactionUrl?: string;
}

export interface RefundReceiptInput extends ReceiptContext {
  currency: string;
  /** Refunded by this refund. */
  amountMinor: MinorUnits;
  /** Refunded for the session so far, this refund included. */
  refundedTotalMinor: MinorUnits;
  capturedMinor: MinorUnits;
  refundId: string;
  paymentIntentId: string;
  refundedAt: number;
}

/** Shared by all the receipts. */
interface ReceiptCommon {
  subject: string;
  /** The inbox preview line. */
  preheader: string;
  brand: Brand;
  siteName: string;
  siteAddress: string | null;
  chargerId: string;
  connectorId: number;
}

export interface PreAuthReceipt extends ReceiptCommon {
  kind: 'pre-auth';
  held: string;
  heldAt: string;
  tariffLines: string[];
  transactionUrl: string;
  paymentIntentId: string | null;
  amounts: { holdMinor: MinorUnits };
}

export interface CancellationReceipt extends ReceiptCommon {
  kind: 'cancellation';
  held: string;
  reason: CancellationReason;
  reasonText: string;
  cancelledAt: string;
  paymentIntentId: string | null;
  amounts: { holdMinor: MinorUnits; releasedMinor: MinorUnits };
}

export interface ReceiptLineView {
  description: string;
  /** Empty for a line with no quantity (the minimum charge top-up). */
  quantity: string;
  unitPrice: string;
  net: string;
  taxRate: string;
  tax: string;
  gross: string;
  /** How the line was measured, where a driver could not guess it (a band split, idle time). */
  note?: string;
}

export interface TransactionReceipt extends ReceiptCommon {
  kind: 'transaction';
  taxLabel: string;
  paymentIntentId: string;
  startedAt: string;
  endedAt: string;
  duration: string;
  energy: string;
  lines: ReceiptLineView[];
  taxes: { rate: string; net: string; tax: string; gross: string }[];
  totals: { net: string; tax: string; gross: string };
  preAuth: string;
  captured: string;
  refund: string;
  /** Set when the charge came to more than was captured (the hold was too small). */
  shortfall: string | null;
  transactionUrl: string | null;
  amounts: {
    holdMinor: MinorUnits;
    chargeMinor: MinorUnits;
    capturedMinor: MinorUnits;
    refundMinor: MinorUnits;
    shortfallMinor: MinorUnits;
  };
}

export interface RefundReceipt extends ReceiptCommon {
  kind: 'refund';
  refunded: string;
  refundedTotal: string;
  /** What stays charged to the card after every refund so far. */
  stillCharged: string;
  captured: string;
  refundedAt: string;
  refundId: string;
  paymentIntentId: string;
  amounts: { refundMinor: MinorUnits; refundedTotalMinor: MinorUnits; stillChargedMinor: MinorUnits };
}

export type Receipt = PreAuthReceipt | CancellationReceipt | TransactionReceipt | RefundReceipt;

const DEFAULT_LOCALE = 'en-GB';
/** Header values must stay on one line (no-break spaces from Intl stay as they are). */
const oneLine = (text: string) => text.replace(/[\r\n\t\f\v\u2028\u2029]+/g, ' ').trim();

function checkMinor(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative integer of minor units, got ${value}`);
  }
}

function checkUrl(url: string): void {
  if (!/^https?:\/\/\S+$/i.test(url)) throw new InvalidArgumentError('a receipt link must be an http(s) URL');
}

function common(input: ReceiptContext, subject: string, preheader: string): ReceiptCommon {
  return {
    subject: oneLine(subject),
    preheader,
    brand: brandOf(input.operator),
    siteName: input.site.name,
    siteAddress: input.site.address?.trim() || null,
    chargerId: input.chargerId,
    connectorId: input.connectorId,
  };
}

/** The email sent right after the hold succeeds, carrying the Transaction URL. */
export function buildPreAuthReceipt(input: PreAuthReceiptInput): PreAuthReceipt {
  checkMinor('hold.amountMinor', input.hold.amountMinor);
  checkUrl(input.transactionUrl);
  const locale = input.locale ?? DEFAULT_LOCALE;
  const held = formatMoney(input.hold.amountMinor, input.hold.currency, locale);
  return {
    kind: 'pre-auth',
    ...common(
      input,
      `Charging at ${input.site.name}: ${held} held`,
      `We hold ${held} on your card; you pay only for what you use.`,
    ),
    held,
    heldAt: formatDateTime(input.heldAt, input.site.timeZone, locale),
    tariffLines: describeTariff(input.tariff),
    transactionUrl: input.transactionUrl,
    paymentIntentId: input.paymentIntentId ?? null,
    amounts: { holdMinor: input.hold.amountMinor },
  };
}

function minutesOrSeconds(seconds: number): string {
  if (seconds % 60 === 0) {
    const minutes = seconds / 60;
    return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  }
  return `${seconds} seconds`;
}

/** The reason in plain words; `Record` over the union so a new reason cannot go unworded. */
export function cancellationReasonText(reason: CancellationReason, noStartTimeoutSeconds = 300): string {
  const words: Record<CancellationReason, string> = {
    requested_by_customer: 'You cancelled before charging started.',
    abandoned: `The car did not start charging within ${minutesOrSeconds(noStartTimeoutSeconds)}.`,
    expired: 'The hold on your card expired before the session could be charged.',
    automatic: 'The card payment provider cancelled the hold.',
    failed: 'The charger could not start charging.',
    charger_offline: 'The charger was offline and could not start charging.',
    meter_data_invalid:
      "The charger's meter readings for this session could not be used to price it, so the operator will review the session.",
    duplicate: 'This payment duplicated another one for the same session.',
    fraudulent: 'The payment could not be accepted.',
  };
  return words[reason];
}

/** The email sent when a hold is cancelled before any charge (the hold is released in full). */
export function buildCancellationReceipt(input: CancellationReceiptInput): CancellationReceipt {
  checkMinor('hold.amountMinor', input.hold.amountMinor);
  const timeout = input.noStartTimeoutSeconds ?? 300;
  if (!Number.isSafeInteger(timeout) || timeout <= 0) {
    throw new InvalidArgumentError('noStartTimeoutSeconds must be a positive whole number of seconds');
  }
  const locale = input.locale ?? DEFAULT_LOCALE;
  const held = formatMoney(input.hold.amountMinor, input.hold.currency, locale);
  const reasonText = cancellationReasonText(input.reason, timeout);
  return {
    kind: 'cancellation',
    ...common(input, `Charging cancelled: hold of ${held} released`, `${reasonText} Nothing was charged.`),
    held,
    reason: input.reason,
    reasonText,
    cancelledAt: formatDateTime(input.cancelledAt, input.site.timeZone, locale),
    paymentIntentId: input.paymentIntentId ?? null,
    amounts: { holdMinor: input.hold.amountMinor, releasedMinor: input.hold.amountMinor },
  };
}

const COMPONENT_NAME: Record<ChargeLine['component'], string> = {
  ENERGY: 'Energy',
  TIME: 'Charging time',
  PARKING: 'Idle fee',
  FLAT: 'Session fee',
  MINIMUM: 'Minimum charge top-up',
};
const PRICE_UNIT: Record<ChargeLine['unit'], string> = {
  milliWh: 'per kWh',
  minute: 'per hour',
  session: 'per session',
};

// The pricing rules a driver checking the bill needs (README "How a charge is computed").
const BAND_SPLIT_NOTE =
  'Energy drawn between two meter readings either side of a price change is split between the bands in proportion to time.';
const IDLE_NOTE = 'Idle minutes count as charging time too; this fee is on top of it.';

/** What a line view is made from: the charge line without its internal fields. */
export type LineFigures = Pick<
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
>;

/**
 * One charge line in words and formatted figures, with its note: the receipt's and the driver's
 * live page's (shared/web/driver/display.ts), so the two never word a line differently.
 * `energyBands`: how many ENERGY lines the charge has (more than one: the band split applied).
 */
export function receiptLineView(
  line: LineFigures,
  currency: string,
  locale: string,
  energyBands: number,
): ReceiptLineView {
  const money = (minor: number) => formatMoney(minor, currency, locale);
  const quantity = ((): string => {
    if (line.component === 'MINIMUM') return '';
    if (line.unit === 'milliWh') return formatKwh(line.quantity, locale);
    if (line.unit === 'minute') return `${formatCount(line.quantity, locale)} min`;
    return formatCount(line.quantity, locale);
  })();
  return {
    description: line.label
      ? `${COMPONENT_NAME[line.component]} (${line.label})`
      : COMPONENT_NAME[line.component],
    quantity,
    unitPrice:
      line.priceMilliMinor === null
        ? ''
        : `${formatUnitPrice(line.priceMilliMinor, currency, locale)} ${PRICE_UNIT[line.unit]}`,
    net: money(line.netMinor),
    taxRate: formatTaxRate(line.taxRateBp, locale),
    tax: money(line.taxMinor),
    gross: money(line.grossMinor),
    ...(line.component === 'ENERGY' && energyBands > 1 ? { note: BAND_SPLIT_NOTE } : {}),
    ...(line.component === 'PARKING' ? { note: IDLE_NOTE } : {}),
  };
}

/** How many energy price bands a charge's lines show (one ENERGY line per band). */
export const energyBandCount = (lines: readonly Pick<ChargeLine, 'component'>[]): number =>
  lines.filter((l) => l.component === 'ENERGY').length;

/** The final receipt: every component, the totals, what was captured and what was released. */
export function buildTransactionReceipt(input: TransactionReceiptInput): TransactionReceipt {
  const { charge, hold, capturedMinor } = input;
  if (!charge.stopped) throw new InvalidArgumentError('a transaction receipt needs a stopped (final) charge');
  if (charge.currency.toUpperCase() !== hold.currency.toUpperCase()) {
    throw new InvalidArgumentError(`the hold is in ${hold.currency} but the charge in ${charge.currency}`);
  }
  checkMinor('hold.amountMinor', hold.amountMinor);
  checkMinor('capturedMinor', capturedMinor);
  const chargeMinor = charge.totals.grossMinor;
  // Capture is min(charge, capturable): more than either would be a payment bug, not a receipt.
  if (capturedMinor > hold.amountMinor || capturedMinor > chargeMinor) {
    throw new InvalidArgumentError(
      `captured ${capturedMinor} exceeds the hold (${hold.amountMinor}) or the charge (${chargeMinor})`,
    );
  }
  if (input.transactionUrl !== undefined) checkUrl(input.transactionUrl);
  const locale = input.locale ?? DEFAULT_LOCALE;
  const currency = charge.currency;
  const money = (minor: number) => formatMoney(minor, currency, locale);
  const time = (epochSeconds: number) => formatDateTime(epochSeconds, input.site.timeZone, locale);
  const refundMinor = hold.amountMinor - capturedMinor;
  const shortfallMinor = chargeMinor - capturedMinor;
  const captured = money(capturedMinor);
  return {
    kind: 'transaction',
    ...common(
      input,
      `Your charging receipt: ${captured}`,
      `${formatKwh(charge.energyMilliWh, locale)} at ${input.site.name}. ${captured} charged, ${money(refundMinor)} released.`,
    ),
    taxLabel: input.taxLabel ?? 'VAT',
    paymentIntentId: input.paymentIntentId,
    startedAt: time(charge.startedAt),
    endedAt: time(charge.endedAt),
    duration: formatDuration(charge.durationSeconds),
    energy: formatKwh(charge.energyMilliWh, locale),
    lines: charge.lines.map((line) => receiptLineView(line, currency, locale, energyBandCount(charge.lines))),
    taxes: charge.taxes.map((t) => ({
      rate: formatTaxRate(t.taxRateBp, locale),
      net: money(t.netMinor),
      tax: money(t.taxMinor),
      gross: money(t.grossMinor),
    })),
    totals: {
      net: money(charge.totals.netMinor),
      tax: money(charge.totals.taxMinor),
      gross: money(chargeMinor),
    },
    preAuth: money(hold.amountMinor),
    captured,
    refund: money(refundMinor),
    shortfall: shortfallMinor > 0 ? money(shortfallMinor) : null,
    transactionUrl: input.transactionUrl ?? null,
    amounts: { holdMinor: hold.amountMinor, chargeMinor, capturedMinor, refundMinor, shortfallMinor },
  };
}

/** The email sent when the operator refunds a captured session, in full or in part. */
export function buildRefundReceipt(input: RefundReceiptInput): RefundReceipt {
  checkMinor('amountMinor', input.amountMinor);
  checkMinor('refundedTotalMinor', input.refundedTotalMinor);
  checkMinor('capturedMinor', input.capturedMinor);
  if (input.refundedTotalMinor > input.capturedMinor || input.amountMinor > input.refundedTotalMinor) {
    throw new InvalidArgumentError(
      'a refund cannot exceed what was refunded in all, nor that what was captured',
    );
  }
  const locale = input.locale ?? DEFAULT_LOCALE;
  const money = (minor: number) => formatMoney(minor, input.currency, locale);
  const stillChargedMinor = input.capturedMinor - input.refundedTotalMinor;
  const refunded = money(input.amountMinor);
  return {
    kind: 'refund',
    ...common(
      input,
      `Refund of ${refunded} for charging at ${input.site.name}`,
      `${input.operator.name} refunded ${refunded}; ${money(stillChargedMinor)} stays charged.`,
    ),
    refunded,
    refundedTotal: money(input.refundedTotalMinor),
    stillCharged: money(stillChargedMinor),
    captured: money(input.capturedMinor),
    refundedAt: formatDateTime(input.refundedAt, input.site.timeZone, locale),
    refundId: input.refundId,
    paymentIntentId: input.paymentIntentId,
    amounts: {
      refundMinor: input.amountMinor,
      refundedTotalMinor: input.refundedTotalMinor,
      stillChargedMinor,
    },
  };
}

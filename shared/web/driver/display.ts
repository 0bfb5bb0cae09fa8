/**
 * What the Transaction URL page shows, in words and formatted figures, built on the server from the
 * session view. The status JSON carries it next to the integers, so the page's script only places
 * strings: no money is ever formatted (or computed) in the browser. Server-rendered HTML and the
 * script's updates use the same strings, so the page reads the same before and after JS runs.
 */
import type { DriverSessionView } from '../../app/payments/session-view.js';
import { formatDuration, formatKwh, formatMoney, scaledDecimal } from '../format.js';
import { energyBandCount, type ReceiptLineView, receiptLineView } from '../receipts/model.js';

/** The pages are written in British English; amounts follow it (£12.34, 1,234.5 kWh). */
export const PAGE_LOCALE = 'en-GB';

/**
 * One charge line as the Transaction URL page shows it: the receipt's line (receiptLineView), notes
 * on the band split and the idle fee included, so the two never differ.
 */
export type LineDisplay = ReceiptLineView;

export interface SessionDisplay {
  statusText: string;
  statusDetail: string;
  energy: string;
  duration: string;
  power: string;
  lines: LineDisplay[];
  net: string;
  tax: string;
  total: string;
  hold: string;
  /** Once settled: what was taken and what went back to the card. */
  captured?: string;
  released?: string;
  /** Whether the page should keep polling: false once nothing more will change. */
  live: boolean;
  /** "Cost so far" while the charge may still change, "Your charge" once it cannot. */
  costHeading: string;
}

const CANCELLED_BECAUSE: Record<string, string> = {
  requested_by_customer: 'You cancelled before charging started.',
  abandoned: 'Charging did not start in time, so the session was cancelled.',
  'charger-unavailable': 'The charger could not start the session.',
  'zero-charge': 'No energy was delivered, so nothing was taken.',
  expired: 'The card hold lapsed before the session could be settled.',
};

const NOTHING_TAKEN = 'Nothing has been taken from your card.';

function statusWords(view: DriverSessionView): { text: string; detail: string } {
  switch (view.status) {
    case 'awaiting-payment':
      return view.paymentError
        ? { text: 'Card not accepted', detail: `${view.paymentError.message} ${NOTHING_TAKEN}` }
        : { text: 'Waiting for your card', detail: 'Finish entering your card on the start page.' };
    case 'waiting-for-car':
      return {
        text: 'Waiting for the car',
        detail: 'Plug in your car. If charging does not start within a few minutes, the hold is released.',
      };
    case 'charging':
      return { text: 'Charging', detail: 'Your car is charging. You can stop at any time.' };
    case 'finishing':
      return { text: 'Finishing', detail: 'The session is stopping; the final cost follows shortly.' };
    case 'final-readings-pending':
      return {
        text: 'Final readings pending',
        detail: 'Charging has stopped. The charger may still send its last readings; the final cost follows.',
      };
    case 'completed':
      return { text: 'Completed', detail: 'Thank you. Your receipt is on its way by email.' };
    case 'cancelled':
      return {
        text: 'Cancelled',
        detail: CANCELLED_BECAUSE[view.cancelReason ?? ''] ?? 'The session was cancelled.',
      };
    case 'failed':
      return {
        text: 'Payment failed',
        detail: `${view.paymentError?.message ?? ''} ${NOTHING_TAKEN}`.trim(),
      };
  }
}

/** Watts as kilowatts to one decimal, rounded half up on the integer: 7250 → "7.3 kW". */
function formatKw(watts: number, locale: string): string {
  const tenthsKw = Math.floor((watts + 50) / 100);
  const format = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return `${format.format(scaledDecimal(tenthsKw, 1) as unknown as number)} kW`;
}

export function sessionDisplay(view: DriverSessionView, locale = PAGE_LOCALE): SessionDisplay {
  const money = (minor: number) => formatMoney(minor, view.currency, locale);
  const words = statusWords(view);
  const settled = view.settlement;
  return {
    statusText: words.text,
    statusDetail: words.detail,
    energy: formatKwh(view.energyWh * 1000, locale),
    duration: formatDuration(view.durationSeconds),
    power: formatKw(view.averagePowerW, locale),
    lines: view.lines.map((l) => receiptLineView(l, view.currency, locale, energyBandCount(view.lines))),
    net: money(view.totals.netMinor),
    tax: money(view.totals.taxMinor),
    total: money(view.totals.grossMinor),
    hold: `${money(view.preAuthAmountMinor)} held on your card`,
    ...(settled && settled.capturedMinor > 0
      ? { captured: `${money(settled.capturedMinor)} taken from your card` }
      : {}),
    ...(settled && settled.releasedMinor > 0
      ? { released: `${money(settled.releasedMinor)} released back to your card` }
      : {}),
    live: !isTerminalDriverStatus(view.status),
    costHeading: isTerminalDriverStatus(view.status) ? 'Your charge' : 'Cost so far',
  };
}

const isTerminalDriverStatus = (status: DriverSessionView['status']): boolean =>
  status === 'completed' || status === 'cancelled' || status === 'failed';

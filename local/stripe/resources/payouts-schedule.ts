/**
 * Automatic payouts of connected accounts, driven by the emulator clock.
 *
 * Stripe pays a connected account out on its `settings.payouts.schedule` (daily by default): each run
 * sweeps the funds that have become available into one payout, and remembers which balance transactions
 * it swept, which is what `GET /v1/balance_transactions?payout=po_…` lists (automatic payouts only; for a
 * manual payout Stripe cannot tell, and says so). Time moves by itself here only when someone asks: the
 * runs that fell due since the last request are caught up before each request (as hold expiry is), each
 * run sweeping what was available at its own time, so jumping the clock three days gives three runs.
 *
 * Runs are at 00:00 UTC. A run's payout is `pending` until its `arrival_date` (one day later) and then
 * `paid`; `POST /_emulator/payouts/:id/fail` makes a pending or paid payout fail, as a bank can return
 * one days later, crediting the amount back to the balance (swept again by the next run).
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { invalidParam, noSuchParamObject, stateError } from '../errors.js';
import { newId } from '../ids.js';
import { recordTransaction } from '../ledger.js';
import { int, oneOf } from '../params.js';

const DAY_SECONDS = 24 * 60 * 60;
/** A run's payout reaches the bank the next day (Stripe: usually the next business day). */
const ARRIVAL_DELAY_SECONDS = DAY_SECONDS;
/** Bounds the catch-up after a very long jump of the clock: older runs are skipped, not swept. */
const MAX_CATCH_UP_RUNS = 400;

export const DEFAULT_PAYOUT_SCHEDULE: Stripe.Account.Settings.Payouts.Schedule = {
  delay_days: 2,
  interval: 'daily',
};

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

/** `settings[payouts][schedule]` on `POST /v1/accounts/:id` (the part of settings the emulator takes). */
export const payoutSettingsParam = z
  .strictObject({
    payouts: z
      .strictObject({
        schedule: z
          .strictObject({
            interval: oneOf(['manual', 'daily', 'weekly', 'monthly']).optional(),
            delay_days: z.union([int(0), z.literal('minimum')]).optional(),
            weekly_anchor: oneOf(WEEKDAYS).optional(),
            monthly_anchor: int(1).pipe(z.number().max(31)).optional(),
          })
          .optional(),
        debit_negative_balances: z.unknown().optional(),
        statement_descriptor: z.string().optional(),
      })
      .optional(),
  })
  .optional();

/** Applies `settings[payouts]` of an account update. */
export function applyPayoutSettings(
  account: Stripe.Account,
  settings: z.output<typeof payoutSettingsParam>,
): void {
  const schedule = settings?.payouts?.schedule;
  if (!schedule || !account.settings) return;
  const current = account.settings.payouts?.schedule ?? { ...DEFAULT_PAYOUT_SCHEDULE };
  const next: Stripe.Account.Settings.Payouts.Schedule = { ...current };
  if (schedule.interval) next.interval = schedule.interval;
  if (schedule.delay_days !== undefined)
    next.delay_days = schedule.delay_days === 'minimum' ? 2 : schedule.delay_days;
  if (next.interval === 'weekly')
    next.weekly_anchor = schedule.weekly_anchor ?? next.weekly_anchor ?? 'monday';
  else delete next.weekly_anchor;
  if (next.interval === 'monthly') next.monthly_anchor = schedule.monthly_anchor ?? next.monthly_anchor ?? 1;
  else delete next.monthly_anchor;
  if (account.settings.payouts) account.settings.payouts.schedule = next;
  if (settings?.payouts?.statement_descriptor !== undefined && account.settings.payouts)
    account.settings.payouts.statement_descriptor = settings.payouts.statement_descriptor || null;
}

function isRunDay(schedule: Stripe.Account.Settings.Payouts.Schedule, runAt: number): boolean {
  const day = new Date(runAt * 1000);
  if (schedule.interval === 'daily') return true;
  if (schedule.interval === 'weekly')
    return WEEKDAYS[day.getUTCDay()] === (schedule.weekly_anchor ?? 'monday');
  if (schedule.interval === 'monthly') {
    // An anchor past the month's end (31 in April) runs on its last day, as Stripe does.
    const lastDay = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0)).getUTCDate();
    return day.getUTCDate() === Math.min(schedule.monthly_anchor ?? 1, lastDay);
  }
  return false;
}

/** Run times (00:00 UTC of run days) in (after, until], oldest first. */
function runTimesBetween(
  schedule: Stripe.Account.Settings.Payouts.Schedule,
  after: number,
  until: number,
): number[] {
  let first = (Math.floor(after / DAY_SECONDS) + 1) * DAY_SECONDS;
  const lastPossible = Math.floor(until / DAY_SECONDS) * DAY_SECONDS;
  first = Math.max(first, lastPossible - (MAX_CATCH_UP_RUNS - 1) * DAY_SECONDS);
  const out: number[] = [];
  for (let t = first; t <= until; t += DAY_SECONDS) if (isRunDay(schedule, t)) out.push(t);
  return out;
}

/**
 * Catches up every account's scheduled runs up to now, then marks the automatic payouts that have
 * arrived as paid. `ctx` acts for the platform (events name their account).
 */
export function runPayoutSchedules(ctx: RequestContext): void {
  const now = ctx.now();
  for (const account of ctx.store.accounts.values()) {
    const last = ctx.store.payoutRuns.get(account.id) ?? account.created ?? now;
    if (last >= now) continue;
    const schedule = account.settings?.payouts?.schedule;
    if (schedule && schedule.interval !== 'manual' && account.payouts_enabled) {
      for (const runAt of runTimesBetween(schedule, last, now)) sweep(ctx, account, runAt);
    }
    ctx.store.payoutRuns.set(account.id, now);
  }
  for (const payout of ctx.store.payouts.values()) {
    if (payout.automatic && payout.status === 'pending' && payout.arrival_date <= now) {
      const owner = ctx.store.payouts.ownerOf(payout.id) ?? null;
      payout.status = 'paid';
      payout.reconciliation_status = 'completed';
      ctx.emit('payout.paid', payout, { account: owner });
      ctx.emit('payout.reconciliation_completed', payout, { account: owner });
    }
  }
}

/** One run: per currency, everything available at `runAt` and not yet swept becomes one payout. */
function sweep(ctx: RequestContext, account: Stripe.Account, runAt: number): void {
  const byCurrency = new Map<string, Stripe.BalanceTransaction[]>();
  for (const txn of ctx.store.balanceTransactions.list(account.id)) {
    if (txn.available_on > runAt || ctx.store.payoutContents.has(txn.id)) continue;
    byCurrency.set(txn.currency, [...(byCurrency.get(txn.currency) ?? []), txn]);
  }
  const banks = (account.external_accounts?.data ?? []) as Stripe.BankAccount[];
  for (const [currencyCode, swept] of byCurrency) {
    const amount = swept.reduce((sum, txn) => sum + txn.amount, 0);
    const bank = banks.find((b) => b.currency === currencyCode) ?? banks[0];
    // Nothing to pay, or a negative balance (Stripe would debit the bank; not emulated): the funds
    // wait for the next run.
    if (amount <= 0 || !bank) continue;
    const id = newId('po');
    const txn = recordTransaction(ctx, account.id, {
      amount: -amount,
      currency: currencyCode,
      type: 'payout',
      source: id,
      description: 'STRIPE PAYOUT',
      availableOn: runAt,
    });
    txn.created = runAt;
    for (const member of [...swept, txn]) ctx.store.payoutContents.set(member.id, id);
    const payout: Stripe.Payout = {
      id,
      object: 'payout',
      amount,
      application_fee: null,
      application_fee_amount: null,
      arrival_date: runAt + ARRIVAL_DELAY_SECONDS,
      automatic: true,
      balance_transaction: txn.id,
      created: runAt,
      currency: currencyCode,
      description: 'STRIPE PAYOUT',
      destination: bank.id,
      failure_balance_transaction: null,
      failure_code: null,
      failure_message: null,
      livemode: false,
      metadata: {},
      method: 'standard',
      original_payout: null,
      payout_method: null,
      reconciliation_status: 'in_progress',
      reversed_by: null,
      source_type: 'card',
      statement_descriptor: account.settings?.payouts?.statement_descriptor ?? null,
      status: 'pending',
      trace_id: null,
      type: 'bank_account',
    };
    ctx.store.payouts.insert(account.id, payout);
    ctx.emit('payout.created', payout, { account: account.id });
  }
}

/** The balance transactions an automatic payout swept (its own `payout` transaction included). */
export function payoutContents(ctx: RequestContext, payoutId: string): Stripe.BalanceTransaction[] {
  const payout = ctx.store.payouts.get(payoutId, ctx.scope);
  if (!payout) throw noSuchParamObject('payout', payoutId, 'payout');
  if (!payout.automatic) {
    throw invalidParam(
      'payout',
      'Balance transaction history can only be filtered on automatic transfers, not manual.',
    );
  }
  return ctx.store.balanceTransactions.list(
    ctx.scope,
    (txn) => ctx.store.payoutContents.get(txn.id) === payoutId,
  );
}

/** Stripe's failure codes for payouts, with the message it gives for each. */
export const PAYOUT_FAILURE_MESSAGES = {
  account_closed: 'The bank account has been closed.',
  account_frozen: 'The bank account has been frozen.',
  bank_account_restricted:
    'The bank account has restrictions on either the type, or the number, of payouts allowed.',
  could_not_process: 'The bank could not process this payout.',
  declined: 'The bank has declined this transfer.',
  insufficient_funds: 'Your Stripe account has insufficient funds to cover the payout.',
  invalid_account_number: 'The routing number seems correct, but the account number is invalid.',
  no_account:
    'The bank account details on file are probably incorrect. No bank account could be located with those details.',
} as const;

export type PayoutFailureCode = keyof typeof PAYOUT_FAILURE_MESSAGES;

export const payoutFailureCodes = Object.keys(PAYOUT_FAILURE_MESSAGES) as [
  PayoutFailureCode,
  ...PayoutFailureCode[],
];

/**
 * What a bank returning the payout does: the payout fails with Stripe's code and message, and its
 * amount comes back to the account's available balance as a `payout_failure` transaction.
 */
export function failPayout(
  ctx: RequestContext,
  payout: Stripe.Payout,
  code: PayoutFailureCode,
): Stripe.Payout {
  if (payout.status !== 'pending' && payout.status !== 'paid' && payout.status !== 'in_transit') {
    throw stateError(`This payout is ${payout.status} and cannot fail.`, 'payout_not_failable');
  }
  const owner = ctx.store.payouts.ownerOf(payout.id) ?? null;
  const txn = recordTransaction(ctx, owner, {
    amount: payout.amount,
    currency: payout.currency,
    type: 'payout_failure',
    source: payout.id,
    description: `Payout failure: ${payout.id}`,
    availableOn: ctx.now(),
  });
  payout.status = 'failed';
  payout.failure_code = code;
  payout.failure_message = PAYOUT_FAILURE_MESSAGES[code];
  payout.failure_balance_transaction = txn.id;
  ctx.emit('payout.failed', payout, { account: owner });
  return payout;
}

/**
 * The connected account's side of a transfer reversal, as Stripe shows it: a `pyr_` Refund of the
 * transfer's `py_` payment, with a `payment_refund` balance transaction whose source is that refund (so a
 * payout's contents lead from the refund to the payment and its `source_transfer`).
 */
export function refundDestinationPayment(
  ctx: RequestContext,
  transfer: Stripe.Transfer,
  amount: number,
  reversalId: string,
): Stripe.Refund {
  const destination = transfer.destination as string;
  const paymentId = transfer.destination_payment as string;
  const id = newId('pyr');
  const now = ctx.now();
  const txn = recordTransaction(ctx, destination, {
    amount: -amount,
    currency: transfer.currency,
    type: 'payment_refund',
    source: id,
    availableOn: now,
  });
  const refund: Stripe.Refund = {
    id,
    object: 'refund',
    amount,
    balance_transaction: txn.id,
    charge: paymentId,
    created: now,
    currency: transfer.currency,
    customer: null,
    customer_account: null,
    metadata: {},
    payment_intent: null,
    payment_method: null,
    reason: null,
    receipt_number: null,
    source_transfer_reversal: reversalId,
    status: 'succeeded',
    transfer_reversal: null,
  };
  ctx.store.refunds.insert(destination, refund);
  const payment = ctx.store.charges.get(paymentId, destination);
  if (payment) {
    payment.amount_refunded += amount;
    payment.refunded = payment.amount_refunded >= payment.amount;
  }
  return refund;
}

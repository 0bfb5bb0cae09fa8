/**
 * Balances as Stripe keeps them: every money movement is a BalanceTransaction on one account with an
 * `available_on` time; the balance is the sum of transactions, split into `available` (available_on has
 * passed) and `pending`. No Stripe processing fees are modelled (fee = 0, net = amount).
 */
import type Stripe from 'stripe';
import type { RequestContext } from './context.js';
import { newId } from './ids.js';
import { defaultCurrencyFor } from './money.js';
import type { Scope } from './store.js';

/** Card funds stay pending this long before becoming available (or until `/_emulator/balance/settle`). */
export const FUNDS_PENDING_SECONDS = 2 * 24 * 60 * 60;

const REPORTING_CATEGORY: Record<string, string> = {
  charge: 'charge',
  payment: 'charge',
  refund: 'refund',
  payment_refund: 'refund',
  transfer: 'transfer',
  transfer_refund: 'transfer_reversal',
  application_fee: 'platform_earning',
  application_fee_refund: 'platform_earning_refund',
  payout: 'payout',
};

export interface LedgerEntry {
  amount: number;
  currency: string;
  type: Stripe.BalanceTransaction.Type;
  source: string;
  description?: string | null;
  availableOn: number;
}

export function recordTransaction(
  ctx: RequestContext,
  account: Scope,
  entry: LedgerEntry,
): Stripe.BalanceTransaction {
  const now = ctx.now();
  const transaction: Stripe.BalanceTransaction = {
    id: newId('txn'),
    object: 'balance_transaction',
    amount: entry.amount,
    available_on: entry.availableOn,
    balance_type: 'payments',
    created: now,
    currency: entry.currency,
    description: entry.description ?? null,
    exchange_rate: null,
    fee: 0,
    fee_details: [],
    net: entry.amount,
    reporting_category: REPORTING_CATEGORY[entry.type] ?? entry.type,
    source: entry.source,
    status: entry.availableOn <= now ? 'available' : 'pending',
    type: entry.type,
  };
  return ctx.store.balanceTransactions.insert(account, transaction);
}

/** A transaction as of now (its status moves from pending to available with time). */
export function presentTransaction(
  ctx: RequestContext,
  txn: Stripe.BalanceTransaction,
): Stripe.BalanceTransaction {
  return { ...txn, status: txn.available_on <= ctx.now() ? 'available' : 'pending' };
}

/** Sum of what `account` can pay out or transfer now, in `currency`. */
export function availableAmount(ctx: RequestContext, account: Scope, currency: string): number {
  const now = ctx.now();
  let total = 0;
  for (const txn of ctx.store.balanceTransactions.list(account)) {
    if (txn.currency === currency && txn.available_on <= now) total += txn.amount;
  }
  return total;
}

export function balanceOf(ctx: RequestContext, account: Scope): Stripe.Balance {
  const now = ctx.now();
  const available = new Map<string, number>();
  const pending = new Map<string, number>();
  for (const txn of ctx.store.balanceTransactions.list(account)) {
    available.set(txn.currency, available.get(txn.currency) ?? 0);
    pending.set(txn.currency, pending.get(txn.currency) ?? 0);
    const bucket = txn.available_on <= now ? available : pending;
    bucket.set(txn.currency, (bucket.get(txn.currency) ?? 0) + txn.amount);
  }
  if (available.size === 0) {
    const currency = defaultCurrencyOf(ctx, account);
    available.set(currency, 0);
    pending.set(currency, 0);
  }
  const amounts = (m: Map<string, number>) =>
    [...m.entries()].map(([currency, amount]) => ({ amount, currency, source_types: { card: amount } }));
  return { object: 'balance', available: amounts(available), livemode: false, pending: amounts(pending) };
}

/** Make pending funds available now (test helper); returns how many transactions moved. */
export function settle(ctx: RequestContext, account: Scope | 'all'): number {
  const now = ctx.now();
  let moved = 0;
  for (const txn of ctx.store.balanceTransactions.values()) {
    const owner = ctx.store.balanceTransactions.ownerOf(txn.id);
    if (account !== 'all' && owner !== account) continue;
    if (txn.available_on > now) {
      txn.available_on = now;
      txn.status = 'available';
      moved++;
    }
  }
  return moved;
}

export function defaultCurrencyOf(ctx: RequestContext, account: Scope): string {
  const id = account ?? ctx.store.platformAccountId;
  const found = ctx.store.accounts.find(id);
  return found?.default_currency ?? defaultCurrencyFor(found?.country ?? 'GB');
}

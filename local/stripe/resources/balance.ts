/**
 * Balance, balance transactions and payouts, for the platform or (with the Stripe-Account header) a
 * connected account. A payout made here (manual) draws on the available balance only and moves from
 * `pending` to `paid` right after the response (`payout.created`, then `payout.paid`); automatic payouts
 * on the account's schedule are in payouts-schedule.ts.
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { invalidParam, noSuchParamObject, stateError } from '../errors.js';
import { newId } from '../ids.js';
import {
  availableAmount,
  balanceOf,
  defaultCurrencyOf,
  presentTransaction,
  recordTransaction,
} from '../ledger.js';
import { assertSupportedCurrency } from '../money.js';
import {
  currency,
  expand,
  int,
  listParams,
  mergeMetadata,
  metadata,
  oneOf,
  parseParams,
  str,
} from '../params.js';
import { expandObject, paginate } from '../render.js';
import type { Router } from '../router.js';
import { payoutContents } from './payouts-schedule.js';

const createPayoutSchema = z.strictObject({
  amount: int(1),
  currency: currency().optional(),
  description: str().optional(),
  destination: str().optional(),
  metadata: metadata().optional(),
  method: oneOf(['standard', 'instant']).optional(),
  source_type: oneOf(['bank_account', 'card', 'fpx']).optional(),
  statement_descriptor: str().max(22).optional(),
  expand: expand(),
});

const listPayoutsSchema = z.strictObject({
  ...listParams,
  status: str().optional(),
  destination: str().optional(),
  arrival_date: z.unknown().optional(),
  created: z.unknown().optional(),
});

const listTransactionsSchema = z.strictObject({
  ...listParams,
  type: str().optional(),
  source: str().optional(),
  currency: currency().optional(),
  payout: str().optional(),
  created: z.unknown().optional(),
});

/** Bank account a payout of `currency` goes to. */
function payoutDestination(ctx: RequestContext, currencyCode: string): string {
  if (ctx.scope === null) return `ba_${ctx.store.platformAccountId.slice(5)}`;
  const account = ctx.store.accounts.find(ctx.scope);
  const banks = (account?.external_accounts?.data ?? []) as Stripe.BankAccount[];
  const bank = banks.find((b) => b.currency === currencyCode) ?? banks[0];
  if (!bank) {
    throw stateError(
      'This account has no external account to pay out to. Complete onboarding first.',
      'no_external_account',
    );
  }
  return bank.id;
}

function createPayout(ctx: RequestContext, p: z.output<typeof createPayoutSchema>): Stripe.Payout {
  const code = p.currency ?? defaultCurrencyOf(ctx, ctx.scope);
  assertSupportedCurrency(code);
  if (ctx.scope !== null && !ctx.store.accounts.find(ctx.scope)?.payouts_enabled) {
    throw stateError(
      'Payouts are not enabled for this account. The account must complete onboarding before it can be paid out.',
      'payouts_not_allowed',
    );
  }
  if (p.method === 'instant') {
    throw invalidParam('method', 'Instant payouts are not supported by the Stripe emulator.');
  }
  const destination = payoutDestination(ctx, code);
  if (p.destination && p.destination !== destination)
    throw noSuchParamObject('bank_account', p.destination, 'destination');
  if (availableAmount(ctx, ctx.scope, code) < p.amount) {
    throw stateError(
      'You have insufficient funds in your Stripe account for this transfer. Your card balance is too low. You can use the /v1/balance endpoint to view your Stripe balance (for more details, see stripe.com/docs/api#balance).',
      'balance_insufficient',
    );
  }
  const now = ctx.now();
  const id = newId('po');
  const txn = recordTransaction(ctx, ctx.scope, {
    amount: -p.amount,
    currency: code,
    type: 'payout',
    source: id,
    description: p.description ?? 'STRIPE PAYOUT',
    availableOn: now,
  });
  const payout: Stripe.Payout = {
    id,
    object: 'payout',
    amount: p.amount,
    application_fee: null,
    application_fee_amount: null,
    arrival_date: now + 24 * 60 * 60,
    automatic: false,
    balance_transaction: txn.id,
    created: now,
    currency: code,
    description: p.description ?? 'STRIPE PAYOUT',
    destination,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: mergeMetadata({}, p.metadata),
    method: 'standard',
    original_payout: null,
    payout_method: null,
    reconciliation_status: 'not_applicable',
    reversed_by: null,
    source_type: p.source_type ?? 'card',
    statement_descriptor: p.statement_descriptor ?? null,
    status: 'pending',
    trace_id: null,
    type: 'bank_account',
  };
  ctx.store.payouts.insert(ctx.scope, payout);
  ctx.emit('payout.created', payout);
  ctx.defer((later) => {
    if (payout.status !== 'pending') return;
    payout.status = 'paid';
    later.emit('payout.paid', payout);
  });
  return payout;
}

export function balanceRoutes(router: Router): void {
  router.get('/v1/balance', (ctx, req) => {
    parseParams(z.strictObject({ expand: expand() }), req.params);
    return balanceOf(ctx, ctx.scope);
  });

  router.get('/v1/balance_transactions', (ctx, req) => {
    const p = parseParams(listTransactionsSchema, req.params);
    const candidates = p.payout
      ? payoutContents(ctx, p.payout)
      : ctx.store.balanceTransactions.list(ctx.scope);
    const items = candidates
      .filter(
        (t) =>
          (!p.type || t.type === p.type) &&
          (!p.source || t.source === p.source) &&
          (!p.currency || t.currency === p.currency),
      )
      .map((t) => presentTransaction(ctx, t));
    return paginate(ctx, items, p, '/v1/balance_transactions', 'balance_transaction');
  });

  router.get('/v1/balance_transactions/:id', (ctx, req) => {
    const p = parseParams(z.strictObject({ expand: expand() }), req.params);
    const txn = ctx.store.balanceTransactions.require(req.path.id ?? '', ctx.scope);
    return expandObject(ctx, presentTransaction(ctx, txn), p.expand);
  });

  router.post('/v1/payouts', (ctx, req) => {
    const p = parseParams(createPayoutSchema, req.params);
    return expandObject(ctx, createPayout(ctx, p), p.expand);
  });

  router.get('/v1/payouts', (ctx, req) => {
    const p = parseParams(listPayoutsSchema, req.params);
    const items = ctx.store.payouts.list(
      ctx.scope,
      (po) => (!p.status || po.status === p.status) && (!p.destination || po.destination === p.destination),
    );
    return paginate(ctx, items, p, '/v1/payouts', 'payout');
  });

  router.get('/v1/payouts/:id', (ctx, req) => {
    const p = parseParams(z.strictObject({ expand: expand() }), req.params);
    return expandObject(ctx, ctx.store.payouts.require(req.path.id ?? '', ctx.scope, 'payout'), p.expand);
  });

  router.post('/v1/payouts/:id', (ctx, req) => {
    const p = parseParams(z.strictObject({ metadata: metadata().optional(), expand: expand() }), req.params);
    const payout = ctx.store.payouts.require(req.path.id ?? '', ctx.scope, 'payout');
    payout.metadata = mergeMetadata(payout.metadata, p.metadata);
    ctx.emit('payout.updated', payout);
    return expandObject(ctx, payout, p.expand);
  });
}

/**
 * The Stripe emulator driven only through the real `stripe` SDK: PaymentIntents (pre-authorisation,
 * capture, cancel, declines, 3D Secure), validation and error envelopes, idempotency keys.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StripeEmulator, startStripeEmulator } from '../../local/stripe/emulator.js';
import { emulatorHelper, stripeClient, stripeFailure } from '../fixtures/stripe/emulator.js';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startStripeEmulator({ port: 0 });
  stripe = stripeClient(emulator);
});

afterAll(async () => {
  await emulator.stop();
});

const preAuth = (overrides: Partial<Stripe.PaymentIntentCreateParams> = {}) =>
  stripe.paymentIntents.create({
    amount: 5000,
    currency: 'gbp',
    capture_method: 'manual',
    payment_method: 'pm_card_visa',
    confirm: true,
    receipt_email: 'driver@example.com',
    metadata: { session: 'S-1' },
    ...overrides,
  });

describe('pre-authorisation with manual capture', () => {
  it('authorises, then captures less than the hold and releases the rest', async () => {
    const pi = await preAuth();
    expect(pi.id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_[A-Za-z0-9]+$`));
    expect(pi.status).toBe('requires_capture');
    expect(pi.amount_capturable).toBe(5000);
    expect(pi.amount_received).toBe(0);
    expect(pi.receipt_email).toBe('driver@example.com');
    expect(pi.metadata).toEqual({ session: 'S-1' });
    expect(pi.payment_method).toMatch(/^pm_/);
    expect(pi.latest_charge).toMatch(/^ch_/);

    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge.captured).toBe(false);
    expect(charge.payment_intent).toBe(pi.id);
    const card = charge.payment_method_details?.card;
    expect(card?.brand).toBe('visa');
    expect(card?.last4).toBe('4242');
    const sevenDays = 7 * 24 * 60 * 60;
    expect(card?.capture_before).toBeGreaterThanOrEqual(charge.created + sevenDays - 60);
    expect(card?.capture_before).toBeLessThanOrEqual(charge.created + sevenDays + 60);

    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1234 });
    expect(captured.status).toBe('succeeded');
    expect(captured.amount_received).toBe(1234);
    expect(captured.amount_capturable).toBe(0);

    const after = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(after.captured).toBe(true);
    expect(after.amount_captured).toBe(1234);
    expect(after.amount_refunded).toBe(5000 - 1234);
    expect(after.balance_transaction).toMatch(/^txn_/);
  });

  it('captures at most once', async () => {
    const pi = await preAuth();
    await stripe.paymentIntents.capture(pi.id);
    const error = await stripeFailure(() => stripe.paymentIntents.capture(pi.id, { amount_to_capture: 100 }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('payment_intent_unexpected_state');
    expect(error.message).toContain('status of succeeded');
  });

  it('refuses to capture more than the held amount', async () => {
    const pi = await preAuth({ amount: 2000 });
    const error = await stripeFailure(() =>
      stripe.paymentIntents.capture(pi.id, { amount_to_capture: 2001 }),
    );
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('amount_too_large');
    expect(error.param).toBe('amount_to_capture');
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_capture');
  });

  it('expands latest_charge on retrieve', async () => {
    const pi = await preAuth();
    const expanded = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
    const charge = expanded.latest_charge as Stripe.Charge;
    expect(charge.object).toBe('charge');
    expect(charge.payment_method_details?.card?.capture_before).toBeTypeOf('number');
  });

  it('creates, then confirms in a second call', async () => {
    const created = await stripe.paymentIntents.create({
      amount: 3000,
      currency: 'eur',
      capture_method: 'manual',
    });
    expect(created.status).toBe('requires_payment_method');
    const confirmed = await stripe.paymentIntents.confirm(created.id, {
      payment_method: 'pm_card_mastercard',
    });
    expect(confirmed.status).toBe('requires_capture');
    const charge = await stripe.charges.retrieve(confirmed.latest_charge as string);
    expect(charge.payment_method_details?.card?.brand).toBe('mastercard');
  });

  it('captures automatically when capture_method is automatic', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      payment_method: 'pm_card_amex',
      confirm: true,
      capture_method: 'automatic',
    });
    expect(pi.status).toBe('succeeded');
    expect(pi.amount_received).toBe(1500);
    expect(pi.amount_capturable).toBe(0);
  });
});

describe('cancel', () => {
  it('releases an authorised hold', async () => {
    const pi = await preAuth();
    const canceled = await stripe.paymentIntents.cancel(pi.id, {
      cancellation_reason: 'requested_by_customer',
    });
    expect(canceled.status).toBe('canceled');
    expect(canceled.cancellation_reason).toBe('requested_by_customer');
    expect(canceled.canceled_at).toBeTypeOf('number');
    expect(canceled.amount_capturable).toBe(0);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge.refunded).toBe(true);
    expect(charge.amount_refunded).toBe(5000);
  });

  it('cancels an intent that was never confirmed', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 800, currency: 'gbp', capture_method: 'manual' });
    const canceled = await stripe.paymentIntents.cancel(pi.id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.cancellation_reason).toBeNull();
  });

  it('refuses to cancel a succeeded or canceled intent, and to capture a canceled one', async () => {
    const succeeded = await preAuth();
    await stripe.paymentIntents.capture(succeeded.id);
    const notCancelable = await stripeFailure(() => stripe.paymentIntents.cancel(succeeded.id));
    expect(notCancelable.statusCode).toBe(400);
    expect(notCancelable.code).toBe('payment_intent_unexpected_state');

    const canceled = await preAuth();
    await stripe.paymentIntents.cancel(canceled.id);
    const twice = await stripeFailure(() => stripe.paymentIntents.cancel(canceled.id));
    expect(twice.code).toBe('payment_intent_unexpected_state');
    const capture = await stripeFailure(() => stripe.paymentIntents.capture(canceled.id));
    expect(capture.code).toBe('payment_intent_unexpected_state');
    expect(capture.message).toContain('status of canceled');
  });
});

describe('refunds', () => {
  it('refunds part of a captured payment, then refuses more than what is left', async () => {
    const pi = await preAuth({ amount: 4000 });
    await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 3000 });
    const refund = await stripe.refunds.create({
      payment_intent: pi.id,
      amount: 1000,
      reason: 'requested_by_customer',
    });
    expect(refund.id).toMatch(/^re_/);
    expect(refund.status).toBe('succeeded');
    expect(refund.amount).toBe(1000);
    expect(refund.charge).toBe(pi.latest_charge);

    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge.amount_refunded).toBe(1000 + 1000);
    expect(charge.refunded).toBe(false);

    const tooMuch = await stripeFailure(() => stripe.refunds.create({ payment_intent: pi.id, amount: 2001 }));
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.code).toBe('amount_too_large');
    const rest = await stripe.refunds.create({ payment_intent: pi.id });
    expect(rest.amount).toBe(2000);
    expect((await stripe.charges.retrieve(pi.latest_charge as string)).refunded).toBe(true);
    expect((await stripe.refunds.list({ payment_intent: pi.id })).data.map((r) => r.amount)).toEqual([
      2000, 1000,
    ]);
  });

  it('refuses to refund an uncaptured hold', async () => {
    const pi = await preAuth();
    const error = await stripeFailure(() => stripe.refunds.create({ payment_intent: pi.id }));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('charge_not_refundable');
  });
});

describe('declined cards', () => {
  it.each([
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card'],
    ['pm_card_chargeDeclinedIncorrectCvc', 'incorrect_cvc', 'incorrect_cvc'],
    ['pm_card_chargeDeclinedProcessingError', 'processing_error', 'processing_error'],
  ])('%s answers 402 %s/%s and leaves the intent retryable', async (paymentMethod, code, declineCode) => {
    const error = await stripeFailure(() => preAuth({ payment_method: paymentMethod }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error.statusCode).toBe(402);
    expect(error.rawType).toBe('card_error');
    expect(error.code).toBe(code);
    expect(error.decline_code).toBe(declineCode);
    expect(error.charge).toMatch(/^ch_/);
    const failed = error.payment_intent as Stripe.PaymentIntent;
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error?.code).toBe(code);
    expect(failed.last_payment_error?.decline_code).toBe(declineCode);

    const stored = await stripe.paymentIntents.retrieve(failed.id);
    expect(stored.status).toBe('requires_payment_method');
    expect(stored.payment_method).toBeNull();
    const charge = await stripe.charges.retrieve(stored.latest_charge as string);
    expect(charge.status).toBe('failed');
    expect(charge.failure_code).toBe(code);

    const retried = await stripe.paymentIntents.confirm(failed.id, { payment_method: 'pm_card_visa' });
    expect(retried.status).toBe('requires_capture');
    expect(retried.last_payment_error).toBeNull();
  });
});

describe('3D Secure', () => {
  it('requires action, then completes through the hosted challenge page', async () => {
    const pi = await preAuth({ payment_method: 'pm_card_authenticationRequired' });
    expect(pi.status).toBe('requires_action');
    const next = pi.next_action as unknown as { type: string; use_stripe_sdk: { stripe_js: string } };
    expect(next.type).toBe('use_stripe_sdk');
    const challengeUrl = next.use_stripe_sdk.stripe_js;
    expect(challengeUrl.startsWith(`${emulator.url}/3ds/`)).toBe(true);

    const page = await fetch(challengeUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Complete authentication');
    const done = await fetch(challengeUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'outcome=succeed',
    });
    expect(done.status).toBe(200);

    const after = await stripe.paymentIntents.retrieve(pi.id);
    expect(after.status).toBe('requires_capture');
    expect(after.next_action).toBeNull();
    expect(after.amount_capturable).toBe(5000);
  });

  it('redirects to return_url when one is given, and a failed challenge returns the intent to requires_payment_method', async () => {
    const pi = await preAuth({
      payment_method: 'pm_card_threeDSecure2Required',
      return_url: 'https://driver.example/back',
    });
    expect(pi.next_action?.type).toBe('redirect_to_url');
    expect(pi.next_action?.redirect_to_url?.return_url).toBe('https://driver.example/back');

    const failed = await emulatorHelper<Stripe.PaymentIntent>(
      emulator,
      `/_emulator/payment_intents/${pi.id}/authenticate`,
      {
        outcome: 'fail',
      },
    );
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error?.code).toBe('payment_intent_authentication_failure');
  });

  it('declines off-session payments that need authentication', async () => {
    const error = await stripeFailure(() =>
      preAuth({ payment_method: 'pm_card_authenticationRequired', off_session: true }),
    );
    expect(error.statusCode).toBe(402);
    expect(error.code).toBe('authentication_required');
  });
});

describe('parameter validation', () => {
  it.each([
    [{ amount: 10, currency: 'gbp' }, 'amount', 'amount_too_small', 'Amount must be at least £0.30 gbp'],
    [{ amount: 49, currency: 'usd' }, 'amount', 'amount_too_small', 'Amount must be at least $0.50 usd'],
    [{ amount: 12.5, currency: 'gbp' }, 'amount', 'parameter_invalid_integer', 'Invalid integer: 12.5'],
    [{ amount: 5000, currency: 'GBP' }, 'currency', undefined, 'Invalid currency: GBP'],
    [{ amount: 5000, currency: 'xyz' }, 'currency', undefined, 'Invalid currency: xyz'],
    [{ currency: 'gbp' }, 'amount', 'parameter_missing', 'Missing required param: amount.'],
    [
      { amount: 5000, currency: 'gbp', capture_method: 'later' },
      'capture_method',
      undefined,
      'Invalid value: later',
    ],
  ])('%j → 400 on %s', async (params, param, code, message) => {
    const error = await stripeFailure(() =>
      stripe.paymentIntents.create(params as Stripe.PaymentIntentCreateParams),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(400);
    expect(error.rawType).toBe('invalid_request_error');
    expect(error.param).toBe(param);
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  it('rejects unknown parameters with their bracketed name', async () => {
    const params = { amount: 5000, currency: 'gbp', transfer_data: { destination: 'acct_x', colour: 'red' } };
    const error = await stripeFailure(() =>
      stripe.paymentIntents.create(params as Stripe.PaymentIntentCreateParams),
    );
    expect(error.code).toBe('parameter_unknown');
    expect(error.param).toBe('transfer_data[colour]');
  });

  it('updates metadata with Stripe semantics (empty value unsets a key)', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 900,
      currency: 'gbp',
      metadata: { a: '1', b: '2' },
    });
    const updated = await stripe.paymentIntents.update(pi.id, {
      metadata: { a: '', c: '3' },
      description: 'Bay 4',
    });
    expect(updated.metadata).toEqual({ b: '2', c: '3' });
    expect(updated.description).toBe('Bay 4');
  });

  it('refuses to change the amount of an authorised intent', async () => {
    const pi = await preAuth();
    const error = await stripeFailure(() => stripe.paymentIntents.update(pi.id, { amount: 9000 }));
    expect(error.code).toBe('payment_intent_unexpected_state');
    const ok = await stripe.paymentIntents.update(pi.id, { metadata: { note: 'still fine' } });
    expect(ok.metadata.note).toBe('still fine');
  });
});

describe('errors', () => {
  it('answers 404 resource_missing for unknown ids', async () => {
    const error = await stripeFailure(() => stripe.paymentIntents.retrieve('pi_doesnotexist'));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('resource_missing');
    expect(error.message).toBe("No such payment_intent: 'pi_doesnotexist'");
  });

  it('answers 400 resource_missing for unknown ids given as parameters', async () => {
    const error = await stripeFailure(() =>
      stripe.paymentIntents.create({ amount: 1000, currency: 'gbp', payment_method: 'pm_nothing' }),
    );
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('resource_missing');
    expect(error.param).toBe('payment_method');
  });

  it('answers 404 for unknown routes', async () => {
    const error = await stripeFailure(() => stripe.rawRequest('GET', '/v1/teleporters'));
    expect(error.statusCode).toBe(404);
    expect(error.message).toContain('Unrecognized request URL (GET: /v1/teleporters)');
  });

  it('answers 401 for keys that are not test secret keys', async () => {
    for (const key of ['sk_live_abcdef123456', 'pk_test_abcdef123456']) {
      const error = await stripeFailure(() => stripeClient(emulator, key).paymentIntents.list());
      expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(error.statusCode).toBe(401);
    }
    const raw = await fetch(`${emulator.url}/v1/payment_intents`);
    expect(raw.status).toBe(401);
    expect(((await raw.json()) as { error: { message: string } }).error.message).toContain(
      'did not provide an API key',
    );
  });

  it('refuses a Stripe-Account header naming no connected account', async () => {
    const error = await stripeFailure(() =>
      stripe.balance.retrieve(undefined, { stripeAccount: 'acct_nobody' }),
    );
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('account_invalid');
  });
});

describe('idempotency keys', () => {
  const params: Stripe.PaymentIntentCreateParams = {
    amount: 2500,
    currency: 'gbp',
    capture_method: 'manual',
    payment_method: 'pm_card_visa',
    confirm: true,
  };

  it('replays the stored response for the same key and parameters', async () => {
    const key = `idem-${Date.now()}-same`;
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    expect(second.id).toBe(first.id);
    expect(second.latest_charge).toBe(first.latest_charge);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    const list = await stripe.paymentIntents.list({ limit: 100 });
    expect(list.data.filter((p) => p.id === first.id)).toHaveLength(1);
  });

  it('refuses the same key with different parameters', async () => {
    const key = `idem-${Date.now()}-conflict`;
    await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const error = await stripeFailure(() =>
      stripe.paymentIntents.create({ ...params, amount: 2600 }, { idempotencyKey: key }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.statusCode).toBe(400);
    expect(error.rawType).toBe('idempotency_error');
  });

  it('refuses the same key on another endpoint', async () => {
    const key = `idem-${Date.now()}-endpoint`;
    const pi = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const error = await stripeFailure(() => stripe.paymentIntents.cancel(pi.id, {}, { idempotencyKey: key }));
    expect(error.rawType).toBe('idempotency_error');
  });

  it('replays a decline, but not a validation error', async () => {
    const declineKey = `idem-${Date.now()}-decline`;
    const declined = { ...params, payment_method: 'pm_card_chargeDeclined' };
    const first = await stripeFailure(() =>
      stripe.paymentIntents.create(declined, { idempotencyKey: declineKey }),
    );
    const second = await stripeFailure(() =>
      stripe.paymentIntents.create(declined, { idempotencyKey: declineKey }),
    );
    expect(second.statusCode).toBe(402);
    expect(second.charge).toBe(first.charge);

    const fixKey = `idem-${Date.now()}-fix`;
    const invalid = await stripeFailure(() =>
      stripe.paymentIntents.create({ ...params, amount: 1 }, { idempotencyKey: fixKey }),
    );
    expect(invalid.code).toBe('amount_too_small');
    const fixed = await stripe.paymentIntents.create(params, { idempotencyKey: fixKey });
    expect(fixed.status).toBe('requires_capture');
  });
});

describe('lists', () => {
  it('pages newest first with limit and starting_after', async () => {
    const created: string[] = [];
    for (let i = 0; i < 3; i++) {
      created.push((await stripe.paymentIntents.create({ amount: 1000 + i, currency: 'gbp' })).id);
    }
    const firstPage = await stripe.paymentIntents.list({ limit: 2 });
    expect(firstPage.object).toBe('list');
    expect(firstPage.has_more).toBe(true);
    expect(firstPage.data.map((p) => p.id)).toEqual([created[2], created[1]]);
    const next = await stripe.paymentIntents.list({ limit: 1, starting_after: created[1] });
    expect(next.data.map((p) => p.id)).toEqual([created[0]]);
  });
});

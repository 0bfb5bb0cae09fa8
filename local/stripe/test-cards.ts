/**
 * Stripe's test PaymentMethod tokens (docs: Testing → "Cards by brand", "Declined payments", "3D Secure
 * authentication", "Available balance"). Passing a token as `payment_method` makes a fresh `pm_…`
 * PaymentMethod, as Stripe does; how the card behaves when charged is kept with it.
 */
import type Stripe from 'stripe';
import type { RequestContext } from './context.js';
import { cardError, noSuchParamObject } from './errors.js';
import { newId } from './ids.js';

export interface Decline {
  code: string;
  decline_code: string;
  message: string;
  param?: string;
}

export type CardBehaviour =
  | { kind: 'succeed' }
  | { kind: 'decline'; decline: Decline }
  /** 3D Secure required on every payment (4000 0027 6000 3184 / 4000 0000 0000 3220). */
  | { kind: 'authenticate' };

export interface TestCard {
  brand: 'visa' | 'mastercard' | 'amex';
  last4: string;
  funding: 'credit' | 'debit';
  country: string;
  behaviour: CardBehaviour;
  /** Funds skip the pending balance (4000 0000 0000 0077). */
  bypassPending?: boolean;
}

const GENERIC_DECLINE: Decline = {
  code: 'card_declined',
  decline_code: 'generic_decline',
  message: 'Your card was declined.',
};

const decline = (d: Decline): CardBehaviour => ({ kind: 'decline', decline: d });
const visa = (last4: string, behaviour: CardBehaviour, extra: Partial<TestCard> = {}): TestCard => ({
  brand: 'visa',
  last4,
  funding: 'credit',
  country: 'US',
  behaviour,
  ...extra,
});
const ok: CardBehaviour = { kind: 'succeed' };

const declines = {
  generic: decline(GENERIC_DECLINE),
  insufficientFunds: decline({
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  }),
  lost: decline({ code: 'card_declined', decline_code: 'lost_card', message: 'Your card was declined.' }),
  stolen: decline({ code: 'card_declined', decline_code: 'stolen_card', message: 'Your card was declined.' }),
  fraudulent: decline({
    code: 'card_declined',
    decline_code: 'fraudulent',
    message: 'Your card was declined.',
  }),
  expired: decline({
    code: 'expired_card',
    decline_code: 'expired_card',
    message: 'Your card has expired.',
    param: 'exp_month',
  }),
  incorrectCvc: decline({
    code: 'incorrect_cvc',
    decline_code: 'incorrect_cvc',
    message: "Your card's security code is incorrect.",
    param: 'cvc',
  }),
  processing: decline({
    code: 'processing_error',
    decline_code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  }),
};

export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  pm_card_visa: visa('4242', ok),
  pm_card_visa_debit: visa('5556', ok, { funding: 'debit' }),
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', funding: 'credit', country: 'US', behaviour: ok },
  pm_card_mastercard_debit: {
    brand: 'mastercard',
    last4: '8210',
    funding: 'debit',
    country: 'US',
    behaviour: ok,
  },
  pm_card_amex: { brand: 'amex', last4: '8431', funding: 'credit', country: 'US', behaviour: ok },
  pm_card_gb: visa('0000', ok, { country: 'GB' }),
  pm_card_gb_debit: visa('0008', ok, { country: 'GB', funding: 'debit' }),
  pm_card_bypassPending: visa('0077', ok, { bypassPending: true }),
  pm_card_chargeDeclined: visa('0002', declines.generic),
  pm_card_visa_chargeDeclined: visa('0002', declines.generic),
  pm_card_chargeDeclinedInsufficientFunds: visa('9995', declines.insufficientFunds),
  pm_card_visa_chargeDeclinedInsufficientFunds: visa('9995', declines.insufficientFunds),
  pm_card_chargeDeclinedLostCard: visa('9987', declines.lost),
  pm_card_visa_chargeDeclinedLostCard: visa('9987', declines.lost),
  pm_card_chargeDeclinedStolenCard: visa('9979', declines.stolen),
  pm_card_visa_chargeDeclinedStolenCard: visa('9979', declines.stolen),
  pm_card_chargeDeclinedFraudulent: visa('0019', declines.fraudulent),
  pm_card_chargeDeclinedExpiredCard: visa('0069', declines.expired),
  pm_card_chargeDeclinedIncorrectCvc: visa('0127', declines.incorrectCvc),
  pm_card_chargeDeclinedProcessingError: visa('0119', declines.processing),
  pm_card_authenticationRequired: visa('3184', { kind: 'authenticate' }),
  pm_card_threeDSecure2Required: visa('3220', { kind: 'authenticate' }),
};

/** Behaviour of a stored PaymentMethod (made from a test token). */
export function testCardOf(ctx: RequestContext, paymentMethodId: string): TestCard {
  const name = ctx.store.testCards.get(paymentMethodId);
  const card = name ? TEST_CARDS[name] : undefined;
  if (!card) throw new Error(`PaymentMethod ${paymentMethodId} has no test card behind it`);
  return card;
}

/**
 * Resolve a `payment_method` parameter: a test token creates a new PaymentMethod in the caller's account,
 * an existing `pm_…` of that account is reused.
 */
export function resolvePaymentMethod(
  ctx: RequestContext,
  value: string,
  param = 'payment_method',
): Stripe.PaymentMethod {
  const card = TEST_CARDS[value];
  if (!card) {
    const existing = ctx.store.paymentMethods.get(value, ctx.scope);
    if (!existing) throw noSuchParamObject('PaymentMethod', value, param);
    return existing;
  }
  const expYear = new Date(ctx.runtime.clock.ms()).getUTCFullYear() + 3;
  const paymentMethod: Stripe.PaymentMethod = {
    id: newId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: card.country,
      display_brand: card.brand === 'amex' ? 'american_express' : card.brand,
      exp_month: 12,
      exp_year: expYear,
      fingerprint: `fp${value.slice(8, 22)}`,
      funding: card.funding,
      generated_from: null,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: ctx.now(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
  ctx.store.paymentMethods.insert(ctx.scope, paymentMethod);
  ctx.store.testCards.set(paymentMethod.id, value);
  return paymentMethod;
}

/**
 * Stripe's test card numbers, as typed into a card form (Stripe.js posts them as
 * `payment_method_data[card][number]`), mapped to the token that behaves the same.
 */
export const TEST_CARD_NUMBERS: Readonly<Record<string, keyof typeof TEST_CARDS>> = {
  '4242424242424242': 'pm_card_visa',
  '4000056655665556': 'pm_card_visa_debit',
  '5555555555554444': 'pm_card_mastercard',
  '5200828282828210': 'pm_card_mastercard_debit',
  '378282246310005': 'pm_card_amex',
  '4000008260000000': 'pm_card_gb',
  '4000058260000005': 'pm_card_gb_debit',
  '4000000000000077': 'pm_card_bypassPending',
  '4000000000000002': 'pm_card_chargeDeclined',
  '4000000000009995': 'pm_card_chargeDeclinedInsufficientFunds',
  '4000000000009987': 'pm_card_chargeDeclinedLostCard',
  '4000000000009979': 'pm_card_chargeDeclinedStolenCard',
  '4100000000000019': 'pm_card_chargeDeclinedFraudulent',
  '4000000000000069': 'pm_card_chargeDeclinedExpiredCard',
  '4000000000000127': 'pm_card_chargeDeclinedIncorrectCvc',
  '4000000000000119': 'pm_card_chargeDeclinedProcessingError',
  '4000002760003184': 'pm_card_authenticationRequired',
  '4000000000003220': 'pm_card_threeDSecure2Required',
};

export interface RawCard {
  number: string;
  exp_month: number;
  exp_year: number;
  cvc?: string | undefined;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length >= 12 && sum % 10 === 0;
}

/**
 * A PaymentMethod from raw card data, with Stripe's answers for numbers that are not test cards: a
 * malformed number is `incorrect_number`, a real (Luhn-valid) card in test mode `test_mode_live_card`.
 */
export function paymentMethodFromCard(ctx: RequestContext, raw: RawCard): Stripe.PaymentMethod {
  const digits = raw.number.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(digits) || !luhnValid(digits)) {
    throw cardError({ code: 'incorrect_number', message: 'Your card number is incorrect.', param: 'number' });
  }
  const token = TEST_CARD_NUMBERS[digits];
  if (!token) {
    throw cardError({
      code: 'card_declined',
      decline_code: 'test_mode_live_card',
      message:
        'Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.',
    });
  }
  if (raw.exp_month < 1 || raw.exp_month > 12) {
    throw cardError({
      code: 'invalid_expiry_month',
      message: "Your card's expiration month is invalid.",
      param: 'exp_month',
    });
  }
  const expYear = raw.exp_year < 100 ? 2000 + raw.exp_year : raw.exp_year;
  const now = new Date(ctx.runtime.clock.ms());
  const monthsLeft = (expYear - now.getUTCFullYear()) * 12 + (raw.exp_month - 1 - now.getUTCMonth());
  if (monthsLeft < 0) {
    throw cardError({
      code: 'invalid_expiry_year',
      message: "Your card's expiration year is invalid.",
      param: 'exp_year',
    });
  }
  const paymentMethod = resolvePaymentMethod(ctx, token);
  if (paymentMethod.card) {
    paymentMethod.card.exp_month = raw.exp_month;
    paymentMethod.card.exp_year = expYear;
  }
  return paymentMethod;
}

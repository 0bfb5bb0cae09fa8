/**
 * What the payouts use cases (shared/app/payouts) need: Stripe's account of a connected account's
 * payout and its contents, and the store of payouts and their invoices. Adapters: Stripe
 * (adapters/stripe/payouts.ts), DynamoDB (adapters/dynamodb/invoices.ts), in-memory fakes for tests.
 */
import type { PayoutLine, PayoutTotals } from '../domain/invoice.js';
import type { Page, PageRequest } from './paging.js';

/** A payout as Stripe has it. */
export interface PayoutFacts {
  payoutId: string;
  /** The connected account it was paid from (`Operator.stripeAccountId`). */
  stripeAccountId: string;
  /** ISO 4217, upper case. */
  currency: string;
  amountMinor: number;
  status: 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled';
  automatic: boolean;
  /** Epoch seconds. */
  createdAt: number;
  /** When it reaches (reached) the bank, epoch seconds. */
  arrivalDate: number;
  failureCode?: string;
  failureMessage?: string;
}

/** A payout's balance transactions mapped to sessions, and the operators the transfers name. */
export interface PayoutContents {
  lines: PayoutLine[];
  /** `operatorId` of every transfer's metadata in the payout (one, when all is well). */
  operatorIds: string[];
}

/** Reads payouts of connected accounts (Stripe, with the Stripe-Account header). */
export interface PayoutLedger {
  payout(stripeAccountId: string, payoutId: string): Promise<PayoutFacts>;
  /** Every balance transaction of an automatic payout, all pages, its own `payout` line left out. */
  contents(stripeAccountId: string, payoutId: string): Promise<PayoutContents>;
  /** The operator the connected account was made for (its metadata), for payouts with no transfers. */
  operatorOfAccount(stripeAccountId: string): Promise<string | undefined>;
}

export interface Invoice {
  /** Gapless per operator, from 1. */
  sequence: number;
  /** `INV-000001`. */
  number: string;
  issuedAt: string;
  totals: PayoutTotals;
  lines: PayoutLine[];
  emailedAt?: string;
  emailMessageId?: string;
  /**
   * When a delivery of `payout.paid` took the right to send the invoice email (ISO instant). Two
   * deliveries at the same moment both find the email unsent; only the one whose claim lands sends.
   */
  emailClaimedAt?: string;
}

/** What the platform knows of one payout to an operator. */
export interface PayoutRecord {
  operatorId: string;
  payoutId: string;
  stripeAccountId: string;
  currency: string;
  amountMinor: number;
  status: PayoutFacts['status'];
  createdAt: number;
  arrivalDate: number;
  /** Stripe's reason, when the bank returned the payout. */
  failure?: { code: string; message: string; at: string };
  invoice?: Invoice;
  updatedAt: string;
}

export interface PayoutStore {
  get(operatorId: string, payoutId: string): Promise<PayoutRecord | undefined>;
  /** The operator's payouts, newest first. */
  list(operatorId: string, page: PageRequest): Promise<Page<PayoutRecord>>;
  /**
   * Stores the payout with its invoice under the operator's next invoice number, atomically with
   * the counter, once per payout: `exists` (nothing written, the stored record returned) when the
   * payout already has an invoice, so a redelivered event never takes a second number.
   */
  issueInvoice(
    operatorId: string,
    payout: PayoutFacts,
    invoice: Omit<Invoice, 'sequence' | 'number'>,
    at: string,
  ): Promise<{ outcome: 'issued' | 'exists'; record: PayoutRecord }>;
  /**
   * Takes the right to send the invoice email: true when no other claim is held and the email is not
   * marked sent. A claim taken before `staleBefore` (its holder crashed before marking the email
   * sent) may be taken over, so a redelivery after a crash still sends it.
   */
  claimInvoiceEmail(operatorId: string, payoutId: string, at: string, staleBefore: string): Promise<boolean>;
  /** Gives a claim back (the send failed and will be retried), so the next delivery need not wait. */
  releaseInvoiceEmailClaim(operatorId: string, payoutId: string): Promise<void>;
  markInvoiceEmailed(operatorId: string, payoutId: string, messageId: string, at: string): Promise<void>;
  /** Stores the payout as failed with Stripe's reason (keeps an invoice issued before it failed). */
  recordFailure(operatorId: string, payout: PayoutFacts, at: string): Promise<void>;
}

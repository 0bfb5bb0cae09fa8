/**
 * The ConnectGateway port over the real `stripe` SDK (Stripe in AWS, the project's emulator locally).
 * Express accounts are created with the controller properties (SDK 23 supports them): the platform
 * collects fees and bears losses' handling as Stripe's "platform collects fees" preset, and Stripe
 * hosts the Express dashboard. Currency codes go lower case to Stripe and come back upper case.
 */
import type Stripe from 'stripe';
import type {
  ConnectAccountState,
  ConnectGateway,
  CreateConnectedAccount,
  CreateTransfer,
  PaidInvoice,
} from '../../ports/connect.js';

/** Stripe's Account object → the state the platform keeps. */
export function accountStateOf(account: Stripe.Account): ConnectAccountState {
  const capabilities: Record<string, string> = {};
  for (const [name, status] of Object.entries(account.capabilities ?? {})) {
    if (typeof status === 'string') capabilities[name] = status;
  }
  const disabledReason = account.requirements?.disabled_reason ?? undefined;
  return {
    accountId: account.id,
    chargesEnabled: account.charges_enabled ?? false,
    payoutsEnabled: account.payouts_enabled ?? false,
    detailsSubmitted: account.details_submitted ?? false,
    capabilities,
    requirementsDue: [...(account.requirements?.currently_due ?? [])],
    ...(disabledReason ? { disabledReason } : {}),
  };
}

export class StripeConnectGateway implements ConnectGateway {
  /** The client comes through a getter: in AWS the key is read from Secrets Manager (cached). */
  constructor(private readonly client: () => Promise<Stripe>) {}

  async createAccount(input: CreateConnectedAccount): Promise<ConnectAccountState> {
    const account = await (await this.client()).accounts.create(
      {
        country: input.country,
        default_currency: input.currency.toLowerCase(),
        business_type: input.businessType,
        email: input.email,
        controller: {
          fees: { payer: 'application' },
          losses: { payments: 'application' },
          stripe_dashboard: { type: 'express' },
        },
        capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
        metadata: { operatorId: input.operatorId },
      },
      { idempotencyKey: input.idempotencyKey },
    );
    return accountStateOf(account);
  }

  async retrieveAccount(accountId: string): Promise<ConnectAccountState> {
    return accountStateOf(await (await this.client()).accounts.retrieve(accountId));
  }

  accountStateOf(eventObject: unknown): ConnectAccountState {
    return accountStateOf(eventObject as Stripe.Account);
  }

  async createAccountLink(
    accountId: string,
    refreshUrl: string,
    returnUrl: string,
  ): Promise<{ url: string }> {
    const link = await (await this.client()).accountLinks.create({
      account: accountId,
      refresh_url: refreshUrl,
      return_url: returnUrl,
      type: 'account_onboarding',
    });
    return { url: link.url };
  }

  async createLoginLink(accountId: string): Promise<{ url: string }> {
    return { url: (await (await this.client()).accounts.createLoginLink(accountId)).url };
  }

  async chargeOfPaymentIntent(paymentIntentId: string): Promise<string | undefined> {
    const pi = await (await this.client()).paymentIntents.retrieve(paymentIntentId);
    const charge = pi.latest_charge;
    return typeof charge === 'string' ? charge : (charge?.id ?? undefined);
  }

  async paidInvoice(invoiceId: string): Promise<PaidInvoice> {
    const stripe = await this.client();
    const invoice = await stripe.invoices.retrieve(invoiceId);
    // Since API 2025-03-31 an invoice names no charge: its payments do, each a charge or an intent.
    const payments = await stripe.invoicePayments.list({ invoice: invoiceId, limit: 10 });
    const paid = payments.data.find((p) => p.status === 'paid');
    const idOf = (v: string | { id: string } | null | undefined) => (typeof v === 'string' ? v : v?.id);
    const chargeId =
      idOf(paid?.payment.charge) ??
      (paid?.payment.payment_intent
        ? await this.chargeOfPaymentIntent(idOf(paid.payment.payment_intent) as string)
        : undefined);
    return {
      invoiceId,
      status: invoice.status ?? 'draft',
      amountPaidMinor: invoice.amount_paid,
      currency: invoice.currency.toUpperCase(),
      metadata: invoice.metadata ?? {},
      ...(chargeId ? { chargeId } : {}),
      ...(invoice.status_transitions?.paid_at
        ? { paidAt: new Date(invoice.status_transitions.paid_at * 1000).toISOString() }
        : {}),
    };
  }

  async createTransfer(input: CreateTransfer): Promise<{ transferId: string }> {
    const transfer = await (await this.client()).transfers.create(
      {
        amount: input.amountMinor,
        currency: input.currency.toLowerCase(),
        destination: input.destination,
        source_transaction: input.sourceTransaction,
        transfer_group: input.transferGroup,
        metadata: input.metadata,
      },
      { idempotencyKey: input.idempotencyKey },
    );
    return { transferId: transfer.id };
  }

  async transferOfGroup(
    transferGroup: string,
  ): Promise<{ transferId: string; sentMinor: number } | undefined> {
    // One transfer per session is all the platform makes in a group; the newest is the one to find.
    const list = await (await this.client()).transfers.list({ transfer_group: transferGroup, limit: 1 });
    const made = list.data[0];
    return made ? { transferId: made.id, sentMinor: made.amount - made.amount_reversed } : undefined;
  }

  async createReversal(
    transferId: string,
    amountMinor: number,
    metadata: Record<string, string>,
    idempotencyKey: string,
  ): Promise<{ reversalId: string }> {
    const reversal = await (await this.client()).transfers.createReversal(
      transferId,
      { amount: amountMinor, metadata },
      { idempotencyKey },
    );
    return { reversalId: reversal.id };
  }

  async refund(
    paymentIntentId: string,
    amountMinor: number,
    metadata: Record<string, string>,
    idempotencyKey: string,
  ): Promise<{ refundId: string }> {
    const refund = await (await this.client()).refunds.create(
      { payment_intent: paymentIntentId, amount: amountMinor, metadata },
      { idempotencyKey },
    );
    return { refundId: refund.id };
  }
}

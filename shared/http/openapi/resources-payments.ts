/**
 * The operator API's shapes for getting paid (Stripe Connect): the connected account as the
 * operator sees it, the invitation just sent, and a refund. Designed for readers, not storage: no
 * link hashes, no event times.
 */
import * as z from 'zod';
import type { RefundResult } from '../../app/connect/refunds.js';
import type { HeldTransfers } from '../../app/connect/transfers.js';
import type { ConnectAccountRecord } from '../../ports/connect.js';
import { canReceiveTransfers } from '../../ports/connect.js';
import { MoneyShape } from './resources.js';

const instant = z.iso.datetime({ offset: true });

export const PaymentsAccountShape = z
  .strictObject({
    accountId: z.string().describe('The Stripe connected account (`acct_…`).'),
    chargesEnabled: z.boolean(),
    payoutsEnabled: z.boolean(),
    detailsSubmitted: z.boolean(),
    canReceiveTransfers: z
      .boolean()
      .describe('The `transfers` capability is active: captured sessions are transferred at once, not held.'),
    capabilities: z
      .record(z.string(), z.string())
      .describe('Capability → Stripe status (`active`, `inactive`, `pending`).'),
    requirementsDue: z.array(z.string()).describe('What Stripe still needs (`requirements.currently_due`).'),
    disabledReason: z.string().optional(),
    invitationExpiresAt: instant
      .optional()
      .describe('When the latest onboarding invitation link stops working.'),
    heldTransfers: z
      .strictObject({
        count: z.number().int().describe('Captured sessions whose transfer waits for the account.'),
        amount: z.number().int().describe('What they will send once it can receive them, minor units.'),
        flagged: z
          .number()
          .int()
          .describe(
            'Held longer than the deployment allows (30 days unless set): the platform was alerted too. Finish onboarding to release them.',
          ),
        oldestSince: instant.optional().describe('When the oldest was recorded.'),
      })
      .describe('Transfers held until the account can receive them.'),
  })
  .meta({ id: 'PaymentsAccount' });

export const accountOut = (
  record: ConnectAccountRecord,
  held: HeldTransfers,
): z.infer<typeof PaymentsAccountShape> => ({
  accountId: record.state.accountId,
  chargesEnabled: record.state.chargesEnabled,
  payoutsEnabled: record.state.payoutsEnabled,
  detailsSubmitted: record.state.detailsSubmitted,
  canReceiveTransfers: canReceiveTransfers(record.state),
  capabilities: { ...record.state.capabilities },
  requirementsDue: [...record.state.requirementsDue],
  ...(record.state.disabledReason ? { disabledReason: record.state.disabledReason } : {}),
  ...(record.linkExpiresAtMs !== undefined
    ? { invitationExpiresAt: new Date(record.linkExpiresAtMs).toISOString() }
    : {}),
  heldTransfers: {
    count: held.count,
    amount: held.amountMinor,
    flagged: held.flagged,
    ...(held.oldestSince ? { oldestSince: held.oldestSince } : {}),
  },
});

export const PaymentsAccountAnswer = z.strictObject({
  account: PaymentsAccountShape.nullable().describe('Null until onboarding has been started.'),
});

export const OnboardingStartedShape = z
  .strictObject({
    accountId: z.string(),
    invitation: z.literal('sent'),
    email: z.string().describe('The owner the invitation link went to.'),
    expiresAt: instant.describe(
      'The link works until then (7 days); asking again sends a new one and ends this one.',
    ),
  })
  .meta({ id: 'OnboardingStarted' });

export const DashboardLinkShape = z
  .strictObject({ url: z.string().describe("A one-time link to the account's Stripe Express dashboard.") })
  .meta({ id: 'DashboardLink' });

export const RefundBody = z.strictObject({
  amount: MoneyShape.optional().describe(
    "What to refund, in the payment's currency; absent: everything not refunded yet.",
  ),
});

export const RefundShape = z
  .strictObject({
    refundId: z.string(),
    sessionId: z.string(),
    amount: MoneyShape.describe('Refunded to the driver now.'),
    reversed: MoneyShape.describe("Taken back from the operator's transfer."),
    feeRefunded: MoneyShape.describe('Of the platform fee, given back.'),
    refundedTotal: MoneyShape.describe('Refunded for the session so far, this refund included.'),
    refundable: MoneyShape.describe('What can still be refunded.'),
  })
  .meta({ id: 'Refund' });

export function refundOut(r: RefundResult): z.infer<typeof RefundShape> {
  const money = (amountMinor: number) => ({ amountMinor, currency: r.currency.toUpperCase() });
  return {
    refundId: r.refundId,
    sessionId: r.sessionId,
    amount: money(r.amountMinor),
    reversed: money(r.reversedMinor),
    feeRefunded: money(r.feeRefundedMinor),
    refundedTotal: money(r.refundedTotalMinor),
    refundable: money(r.refundableMinor),
  };
}

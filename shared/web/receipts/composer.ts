/**
 * The ReceiptComposer port over the receipt models: what the payments flow knows (session, operator,
 * site, tariff or final charge) in, the email's subject, HTML and text out.
 */
import type { CancelReason } from '../../domain/payment-session.js';
import type { ReceiptComposer, ReceiptDocument } from '../../ports/payments.js';
import {
  type CancellationReason,
  cancellationEmail,
  preAuthEmail,
  type ReceiptContext,
  refundEmail,
  transactionEmail,
} from './index.js';

/** The receipt's wording for each of the platform's cancel reasons. */
const REASON: Record<CancelReason, CancellationReason> = {
  requested_by_customer: 'requested_by_customer',
  abandoned: 'abandoned',
  'charger-unavailable': 'charger_offline',
  'zero-charge': 'requested_by_customer',
  expired: 'expired',
  'meter-data-invalid': 'meter_data_invalid',
};

const epochSeconds = (iso: string | undefined, fallbackMs: number): number =>
  Math.floor((iso ? Date.parse(iso) : fallbackMs) / 1000);

function contextOf(doc: ReceiptDocument): ReceiptContext {
  const { operator, site, session } = doc;
  const b = operator.branding;
  return {
    operator: {
      name: operator.name,
      ...(b?.logoUrl ? { logoUrl: b.logoUrl } : {}),
      ...(b?.primaryColour ? { primaryColour: b.primaryColour } : {}),
      supportEmail: b?.supportEmail ?? operator.contactEmail,
      ...(b?.supportPhone ? { supportPhone: b.supportPhone } : {}),
    },
    // A charger without a site: the operator's name stands in, times in UTC.
    site: site
      ? { name: site.name, ...(site.address ? { address: site.address } : {}), timeZone: site.timeZone }
      : { name: operator.name, timeZone: 'UTC' },
    chargerId: session.chargerId,
    connectorId: session.connectorId,
  };
}

export const receiptComposer: ReceiptComposer = {
  compose(doc) {
    const context = contextOf(doc);
    const hold = { amountMinor: doc.session.preAuthAmountMinor, currency: doc.session.currency };
    switch (doc.kind) {
      case 'pre-auth':
        return preAuthEmail({
          ...context,
          hold,
          heldAt: epochSeconds(doc.session.heldAt, Date.parse(doc.session.updatedAt)),
          transactionUrl: doc.transactionUrl,
          tariff: doc.tariff,
          paymentIntentId: doc.session.paymentIntentId,
        });
      case 'cancellation':
        return cancellationEmail({
          ...context,
          hold,
          reason: REASON[doc.session.cancelReason ?? 'requested_by_customer'],
          cancelledAt: epochSeconds(doc.session.endedAt, Date.parse(doc.session.updatedAt)),
          noStartTimeoutSeconds: doc.startTimeoutSeconds,
          paymentIntentId: doc.session.paymentIntentId,
        });
      case 'transaction':
        return transactionEmail({
          ...context,
          charge: doc.charge,
          hold,
          capturedMinor: doc.session.settlement?.capturedMinor ?? 0,
          paymentIntentId: doc.session.paymentIntentId,
          transactionUrl: doc.transactionUrl,
        });
      case 'refund':
        return refundEmail({
          ...context,
          currency: doc.session.currency,
          amountMinor: doc.refund.amountMinor,
          refundedTotalMinor: doc.refund.refundedTotalMinor,
          capturedMinor: doc.refund.capturedMinor,
          refundId: doc.refund.refundId,
          paymentIntentId: doc.session.paymentIntentId,
          refundedAt: epochSeconds(doc.refund.refundedAt, Date.parse(doc.session.updatedAt)),
        });
    }
  },
};

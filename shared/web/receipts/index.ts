/**
 * Receipts: build a model from what the payment flow knows (pure), then render it to the subject,
 * HTML and text a Mailer sends. `preAuthEmail` and friends do both in one call.
 */
import {
  buildCancellationReceipt,
  buildPreAuthReceipt,
  buildRefundReceipt,
  buildTransactionReceipt,
  type CancellationReceiptInput,
  type PreAuthReceiptInput,
  type RefundReceiptInput,
  type TransactionReceiptInput,
} from './model.js';
import { type RenderedEmail, renderReceipt } from './render.js';

export * from './model.js';
export { type RenderedEmail, renderReceipt } from './render.js';

export const preAuthEmail = (input: PreAuthReceiptInput): RenderedEmail =>
  renderReceipt(buildPreAuthReceipt(input));

export const cancellationEmail = (input: CancellationReceiptInput): RenderedEmail =>
  renderReceipt(buildCancellationReceipt(input));

export const transactionEmail = (input: TransactionReceiptInput): RenderedEmail =>
  renderReceipt(buildTransactionReceipt(input));

export const refundEmail = (input: RefundReceiptInput): RenderedEmail =>
  renderReceipt(buildRefundReceipt(input));

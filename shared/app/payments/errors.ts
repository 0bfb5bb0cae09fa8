/**
 * Failures of the driver's payment journey. Each is an AppError whose code the HTTP edge maps to a
 * status once (shared/lambda/http-errors.ts); messages are written for the driver, and the page
 * shows them as they are.
 */
import { AppError, type AppErrorCode } from '../errors.js';

export type PaymentFlowCode = Extract<AppErrorCode, `PAY_${string}`>;

export class PaymentFlowError extends AppError {
  override readonly name = 'PaymentFlowError';
  declare readonly code: PaymentFlowCode;

  constructor(code: PaymentFlowCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

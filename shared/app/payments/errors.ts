/**
 * Failures of the driver's payment journey, each with a stable `code` the HTTP edge maps to a
 * status once. Messages are written for the driver: the page shows them as they are.
 */
import { DomainError } from '../../domain/errors.js';

export type PaymentFlowCode =
  | 'charger_not_found'
  | 'charger_not_payable'
  | 'connector_invalid'
  | 'charger_offline'
  | 'session_not_found'
  | 'charging_started'
  | 'session_ended';

export class PaymentFlowError extends DomainError {
  override readonly name = 'PaymentFlowError';
  declare readonly code: PaymentFlowCode;

  constructor(code: PaymentFlowCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

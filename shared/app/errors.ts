/**
 * One error base for the use cases. It is the domain's error shape (a string `code`, `name` set,
 * `cause` kept), so the edge reads app and domain errors alike and maps each code once: to an HTTP
 * status in shared/lambda/http-errors.ts. Use cases never decide how an error is reported.
 */
import { DomainError } from '../domain/errors.js';

/** Every code an AppError may carry; the HTTP edge's table must cover each (checked by its type). */
export const APP_ERROR_CODES = [
  'CHARGER_CONFLICT',
  'CHARGER_NOT_FOUND',
  // The driver's payment journey (shared/app/payments): messages are written for the driver.
  'PAY_CHARGER_NOT_FOUND',
  'PAY_CHARGER_NOT_PAYABLE',
  'PAY_CONNECTOR_INVALID',
  'PAY_CHARGER_OFFLINE',
  'PAY_SESSION_NOT_FOUND',
  'PAY_CHARGING_STARTED',
  'PAY_SESSION_ENDED',
  'PAY_TOO_MANY_COPIES',
  'PAY_NO_RECEIPT',
  // Operators getting paid (shared/app/connect).
  'CONNECT_OWNER_ONLY',
  'CONNECT_NOT_ONBOARDED',
  'CONNECT_SESSION_NOT_FOUND',
  'CONNECT_REFUND_TOO_LARGE',
  'CONNECT_REFUND_CURRENCY',
  'CONNECT_REFUND_PENDING',
] as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export class AppError extends DomainError {
  override readonly name: string = 'AppError';
  declare readonly code: AppErrorCode;

  constructor(code: AppErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

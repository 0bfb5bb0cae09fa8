/**
 * Errors as the HTTP edge reports them, decided in this one place. `jsonErrors` (middlewares.ts)
 * asks `httpFailureOf` for every thrown value and answers `{ error: { code, message } }` with the
 * status it gives; a value it does not know becomes a 500 whose details stay in the logs.
 *
 * Three kinds are known:
 * - HttpError: thrown by the edge itself (parameter and body validation, missing routes), with its
 *   status;
 * - app and domain errors (AppError, DomainError): their `code` is looked up in HTTP_OF_CODE;
 *   a code missing there is a bug, not the caller's fault, hence a 500;
 * - OcppError from the operator's commands to chargers: its code is looked up in HTTP_OF_OCPP_CODE.
 */
import type { AppErrorCode } from '../app/errors.js';
import { DomainError } from '../domain/errors.js';
import { OcppError, type OcppErrorCode } from '../ocpp/errors.js';

/** An error whose status and message are meant for the caller, thrown by the edge. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly code: string = 'bad_request',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const badRequest = (message: string, code = 'bad_request') => new HttpError(400, message, code);
export const unauthorized = (message = 'missing or invalid API key') =>
  new HttpError(401, message, 'unauthorized');
export const notFound = (message: string) => new HttpError(404, message, 'not_found');
export const conflict = (message: string, code = 'conflict') => new HttpError(409, message, code);

/** What was read, or the 404 naming what is missing (`site s1` → `site s1 not found`). */
export function found<T>(item: T | null | undefined, what: string): T {
  if (item === undefined || item === null) throw notFound(`${what} not found`);
  return item;
}

/** What the caller is told: the status and the body's `code` and `message`. */
export interface HttpFailure {
  statusCode: number;
  code: string;
  message: string;
}

interface Mapping {
  statusCode: number;
  code: string;
  /** The message the caller reads; the error's own message when absent. */
  message?: (err: Error) => string;
}

/**
 * App and domain error codes → HTTP. Every AppErrorCode must be here (the type checks it); a domain
 * code only when a route lets it through on purpose. Another operator's charger is reported as
 * missing, never as forbidden, so the not-found message names nothing it should not.
 */
export const HTTP_OF_CODE: Readonly<Record<AppErrorCode, Mapping> & Record<string, Mapping>> = {
  CHARGER_CONFLICT: { statusCode: 409, code: 'conflict' },
  CHARGER_NOT_FOUND: { statusCode: 404, code: 'not_found' },
  // The message lists every problem with its path (InvalidTariffError, shared/domain/tariff.ts).
  TARIFF_INVALID: { statusCode: 400, code: 'invalid_tariff' },
  PAY_CHARGER_NOT_FOUND: { statusCode: 404, code: 'charger_not_found' },
  PAY_CHARGER_NOT_PAYABLE: { statusCode: 409, code: 'charger_not_payable' },
  PAY_CONNECTOR_INVALID: { statusCode: 400, code: 'connector_invalid' },
  PAY_CHARGER_OFFLINE: { statusCode: 409, code: 'charger_offline' },
  // A wrong or truncated token reads as nothing at all: no hint that a session exists.
  PAY_SESSION_NOT_FOUND: { statusCode: 404, code: 'not_found' },
  PAY_CHARGING_STARTED: { statusCode: 409, code: 'charging_started' },
  PAY_SESSION_ENDED: { statusCode: 409, code: 'session_ended' },
  PAY_TOO_MANY_COPIES: { statusCode: 429, code: 'too_many_copies' },
  PAY_NO_RECEIPT: { statusCode: 409, code: 'no_receipt' },
  CONNECT_OWNER_ONLY: { statusCode: 403, code: 'owner_only' },
  CONNECT_NOT_ONBOARDED: { statusCode: 409, code: 'not_onboarded' },
  CONNECT_SESSION_NOT_FOUND: { statusCode: 404, code: 'not_found' },
  CONNECT_REFUND_TOO_LARGE: { statusCode: 409, code: 'refund_too_large' },
  CONNECT_REFUND_CURRENCY: { statusCode: 400, code: 'currency_mismatch' },
  // Reserved and not confirmed by Stripe: the payments sweeper finishes it (app/connect/refunds.ts).
  CONNECT_REFUND_PENDING: { statusCode: 503, code: 'refund_pending' },
};

const noSuchChargerOrCall = () => 'no such charger or call';
const schemaRejected = (err: Error) => `payload rejected by the OCPP schema: ${err.message}`;

/**
 * OCPP-side failures of an operator's command → HTTP. A charger of another operator (SecurityError)
 * reads as missing, like an unknown call. Codes not listed (InternalError, GenericError, …) are 500s.
 */
export const HTTP_OF_OCPP_CODE: Readonly<Partial<Record<OcppErrorCode, Mapping>>> = {
  ChargerOffline: { statusCode: 409, code: 'charger_offline' },
  ChargerNotAccepted: { statusCode: 409, code: 'charger_not_accepted' },
  SecurityError: { statusCode: 404, code: 'not_found', message: noSuchChargerOrCall },
  UnknownCall: { statusCode: 404, code: 'not_found', message: noSuchChargerOrCall },
  FormatViolation: { statusCode: 400, code: 'invalid_payload', message: schemaRejected },
  TypeConstraintViolation: { statusCode: 400, code: 'invalid_payload', message: schemaRejected },
  PropertyConstraintViolation: { statusCode: 400, code: 'invalid_payload', message: schemaRejected },
  OccurrenceConstraintViolation: { statusCode: 400, code: 'invalid_payload', message: schemaRejected },
  ProtocolError: { statusCode: 400, code: 'invalid_payload', message: schemaRejected },
};

const apply = (mapping: Mapping | undefined, err: Error): HttpFailure | undefined =>
  mapping && {
    statusCode: mapping.statusCode,
    code: mapping.code,
    message: mapping.message ? mapping.message(err) : err.message,
  };

/** How the caller is told about `err`, or undefined when it is not theirs to know (a 500). */
export function httpFailureOf(err: unknown): HttpFailure | undefined {
  if (err instanceof HttpError) return { statusCode: err.statusCode, code: err.code, message: err.message };
  if (err instanceof OcppError) return apply(HTTP_OF_OCPP_CODE[err.code], err);
  if (err instanceof DomainError) return apply(HTTP_OF_CODE[err.code], err);
  return undefined;
}

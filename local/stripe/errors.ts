/**
 * Stripe's error envelope: `{ error: { type, code, decline_code, message, param, ... } }` with the HTTP
 * status Stripe uses for it. Handlers throw these; the server turns them into responses in one place.
 */

export type StripeErrorType = 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
  request_log_url?: string;
}

/**
 * `replayable: false` marks errors raised before the endpoint started executing (parameter validation,
 * authentication): Stripe does not store those under an idempotency key, so a corrected retry with the
 * same key runs normally.
 */
export class StripeApiError extends Error {
  override readonly name = 'StripeApiError';
  readonly code: string;

  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    readonly replayable = true,
  ) {
    super(body.message);
    this.code = body.code ?? body.type;
  }

  toJSON(): { error: StripeErrorBody } {
    return { error: this.body };
  }
}

const docUrl = (code: string): string => `https://docs.stripe.com/error-codes/${code.replaceAll('_', '-')}`;

function invalidRequest(
  status: number,
  message: string,
  opts: { code?: string; param?: string; replayable?: boolean } = {},
): StripeApiError {
  const body: StripeErrorBody = { type: 'invalid_request_error', message };
  if (opts.code) {
    body.code = opts.code;
    body.doc_url = docUrl(opts.code);
  }
  if (opts.param) body.param = opts.param;
  return new StripeApiError(status, body, opts.replayable ?? true);
}

/** A parameter failed validation (400, not stored under an idempotency key). */
export function invalidParam(param: string, message: string, code?: string): StripeApiError {
  return invalidRequest(400, message, { param, replayable: false, ...(code ? { code } : {}) });
}

export function missingParam(param: string): StripeApiError {
  return invalidParam(param, `Missing required param: ${param}.`, 'parameter_missing');
}

export function unknownParam(param: string): StripeApiError {
  return invalidParam(param, `Received unknown parameter: ${param}`, 'parameter_unknown');
}

/** The object named in the URL path does not exist (404). */
export function resourceMissing(objectName: string, id: string, param = 'id'): StripeApiError {
  return invalidRequest(404, `No such ${objectName}: '${id}'`, { code: 'resource_missing', param });
}

/** An id given as a parameter names nothing (400, as Stripe answers for e.g. `payment_method`). */
export function noSuchParamObject(objectName: string, id: string, param: string): StripeApiError {
  return invalidRequest(400, `No such ${objectName}: '${id}'`, { code: 'resource_missing', param });
}

/** A request that is well formed but not allowed in the object's current state (400). */
export function stateError(message: string, code?: string, param?: string): StripeApiError {
  return invalidRequest(400, message, { ...(code ? { code } : {}), ...(param ? { param } : {}) });
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return invalidRequest(
    404,
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    { replayable: false },
  );
}

export function idempotencyError(message: string): StripeApiError {
  return new StripeApiError(400, { type: 'idempotency_error', message }, false);
}

export function authenticationError(message: string): StripeApiError {
  // Real Stripe answers 401 with type invalid_request_error; the SDK maps any 401 to StripeAuthenticationError.
  return invalidRequest(401, message, { replayable: false });
}

export function accountInvalid(account: string): StripeApiError {
  return invalidRequest(
    403,
    `The provided key does not have access to account '${account}' (or that account does not exist). Application access may have been revoked.`,
    { code: 'account_invalid', replayable: false },
  );
}

export interface CardErrorDetails {
  code: string;
  decline_code?: string;
  message: string;
  param?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
}

export function cardError(details: CardErrorDetails): StripeApiError {
  const body: StripeErrorBody = { type: 'card_error', ...details, doc_url: docUrl(details.code) };
  return new StripeApiError(402, body);
}

export function internalError(message: string): StripeApiError {
  return new StripeApiError(500, { type: 'api_error', message }, false);
}

/**
 * `Idempotency-Key` on the operator API's money-moving operations (registry.ts `idempotency`): a
 * request sent again with the key of one that succeeded gets that first answer again (with
 * `Idempotent-Replayed: true`) and moves no money; one still running is refused with 409
 * `idempotency_key_in_use` (try again in a moment); the key on a different request (another
 * operation, path or body) is refused with 409 `idempotency_key_reused`. A refused request (an
 * error answer) frees its key: it changed nothing, and the corrected request may use it again.
 * Without the header a request runs as before.
 */
import { createHash } from 'node:crypto';
import { header } from '../adapters/apigw/websocket-events.js';
import { badRequest, HttpError } from '../lambda/http-errors.js';
import { logger } from '../lambda/logger.js';
import type { IdempotencyKeys, IdempotentRequest } from '../ports/idempotency.js';
import type { HttpEvent, HttpResult } from './responses.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** As long as Stripe keeps its own keys. */
export const IDEMPOTENCY_KEEP_MS = 24 * 60 * 60 * 1000;
/**
 * A running request holds its key this long: past any HTTP function's timeout (lib/handlers.ts, 28 s
 * at most) and the refund claim's own lease (app/connect/refunds.ts, 60 s), so the same request
 * taking over after a crash finds the crashed refund's claim free to finish, not to make again.
 */
export const IDEMPOTENCY_LEASE_MS = 90_000;
/** Stripe's limit; visible ASCII only, so a key reads the same in every log and header. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export const IDEMPOTENCY_ERRORS = { 409: ['idempotency_key_in_use', 'idempotency_key_reused'] } as const;

/** The key of the request, or undefined without the header; a malformed one is a 400. */
export function idempotencyKeyOf(event: HttpEvent): string | undefined {
  const key = header(event.headers, IDEMPOTENCY_HEADER);
  if (key === undefined) return undefined;
  if (!KEY_PATTERN.test(key))
    throw badRequest(`${IDEMPOTENCY_HEADER}: 1 to 255 visible ASCII characters`, 'invalid_parameter');
  return key;
}

/** What makes two requests the same one: the operation and its validated parameters and body. */
export function fingerprintOf(operationId: string, params: unknown, body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([operationId, params ?? null, body ?? null]))
    .digest('base64url');
}

export async function runIdempotently(
  store: IdempotencyKeys,
  request: IdempotentRequest,
  nowMs: number,
  run: () => Promise<HttpResult>,
): Promise<HttpResult> {
  const begun = await store.begin(request, {
    nowMs,
    leaseUntilMs: nowMs + IDEMPOTENCY_LEASE_MS,
    keepUntilMs: nowMs + IDEMPOTENCY_KEEP_MS,
  });
  if (begun.kind === 'replay')
    return {
      statusCode: begun.answer.statusCode,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'idempotent-replayed': 'true',
      },
      body: begun.answer.body,
    };
  if (begun.kind === 'running')
    throw new HttpError(
      409,
      `a request with this ${IDEMPOTENCY_HEADER} is still being processed; send it again in a moment`,
      'idempotency_key_in_use',
    );
  if (begun.kind === 'mismatch')
    throw new HttpError(
      409,
      `this ${IDEMPOTENCY_HEADER} was used for a different request in the last 24 hours; use a new key for a new request`,
      'idempotency_key_reused',
    );
  let result: HttpResult;
  try {
    result = await run();
  } catch (err) {
    // Refused, or failed before anything it did could be known: the refund itself keeps what Stripe
    // may have done (its claim), so the same request again finishes that, never makes a second.
    await store
      .release(request)
      .catch((releaseErr: unknown) => log.error('idempotency key not freed', request, releaseErr));
    throw err;
  }
  if (typeof result === 'object' && result.statusCode !== undefined && result.statusCode < 300) {
    // Done is done: the caller gets its answer even if keeping it fails (the key then stays taken
    // until its lease ends, and the error line says which key).
    await store
      .finish(
        request,
        { statusCode: result.statusCode, body: typeof result.body === 'string' ? result.body : '' },
        nowMs + IDEMPOTENCY_KEEP_MS,
      )
      .catch((finishErr: unknown) => log.error('idempotent answer not kept', request, finishErr));
  } else
    await store
      .release(request)
      .catch((releaseErr: unknown) => log.error('idempotency key not freed', request, releaseErr));
  return result;
}

/** The HTTP function's logger, so these lines carry the invocation's context like every other. */
const log = {
  error: (message: string, request: IdempotentRequest, err: unknown) =>
    logger.error(message, {
      operatorId: request.operatorId,
      idempotencyKey: request.key,
      error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
    }),
};

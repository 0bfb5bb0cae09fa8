/**
 * Idempotency keys of the operator API's money-moving requests (a refund): the same request sent
 * again with the same `Idempotency-Key`, because its answer was lost, gets the first answer back
 * instead of moving money twice. As Stripe's API does: a key is the caller's, kept 24 hours, and
 * names one request (the same operation, path and body); the same key on another request is refused.
 */

/** One request under a key: whose it is, the key, and what the request was (a hash of it). */
export interface IdempotentRequest {
  operatorId: string;
  key: string;
  fingerprint: string;
}

/** A finished request's answer, as it is sent again. */
export interface StoredAnswer {
  statusCode: number;
  body: string;
}

export type IdempotencyBegin =
  /** No request has this key (or its last one crashed and its lease is over): this one runs. */
  | { kind: 'started' }
  /** A request with this key finished: answer what it answered. */
  | { kind: 'replay'; answer: StoredAnswer }
  /** A request with this key is running (within its lease). */
  | { kind: 'running' }
  /** The key names another request. */
  | { kind: 'mismatch' };

export interface IdempotencyKeys {
  /**
   * Takes the key for this request, unless a request holds or has used it. A running request's lease
   * is longer than any request may run, so one past it crashed and the same request may take over;
   * the key is kept until `keepUntilMs` either way.
   */
  begin(
    request: IdempotentRequest,
    times: { nowMs: number; leaseUntilMs: number; keepUntilMs: number },
  ): Promise<IdempotencyBegin>;
  /** Keeps the answer for requests with the same key until `keepUntilMs`. */
  finish(request: IdempotentRequest, answer: StoredAnswer, keepUntilMs: number): Promise<void>;
  /** Frees the key: the request changed nothing (it was refused), so the same key may try again. */
  release(request: IdempotentRequest): Promise<void>;
}

/**
 * Stripe's idempotency rules for POST requests: a key is scoped to the account, remembered for 24 hours,
 * replays the stored status and body for the same endpoint and parameters, and is refused with an
 * `idempotency_error` when reused for another endpoint or other parameters.
 */
import { idempotencyError } from './errors.js';
import type { FormObject, FormValue } from './form.js';
import type { IdempotencyRecord, Scope, Store } from './store.js';

const KEY_TTL_SECONDS = 24 * 60 * 60;
const MAX_KEY_LENGTH = 255;

export interface IdempotentRequest {
  scope: Scope;
  key: string;
  method: string;
  path: string;
  params: FormObject;
}

export function storageKey(request: IdempotentRequest): string {
  return `${request.scope ?? 'platform'}:${request.key}`;
}

export function fingerprint(params: FormObject): string {
  return JSON.stringify(canonical(params));
}

/** The stored response to replay, or undefined when the key is new (or expired). */
export function findReplay(
  store: Store,
  request: IdempotentRequest,
  now: number,
): IdempotencyRecord | undefined {
  if (request.key.length > MAX_KEY_LENGTH) {
    throw idempotencyError(`Idempotency keys can be at most ${MAX_KEY_LENGTH} characters long.`);
  }
  const record = store.idempotency.get(storageKey(request));
  if (!record || record.created + KEY_TTL_SECONDS <= now) return undefined;
  if (record.method !== request.method || record.path !== request.path) {
    throw idempotencyError(
      `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${record.method} ${record.path}' vs '${request.method} ${request.path}'). Try using a key other than '${request.key}' if you meant to execute a different request.`,
    );
  }
  if (record.fingerprint !== fingerprint(request.params)) {
    throw idempotencyError(
      `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${request.key}' if you meant to execute a different request.`,
    );
  }
  return record;
}

export function remember(
  store: Store,
  request: IdempotentRequest,
  status: number,
  body: string,
  now: number,
): void {
  store.idempotency.set(storageKey(request), {
    method: request.method,
    path: request.path,
    fingerprint: fingerprint(request.params),
    status,
    body,
    created: now,
  });
  if (store.idempotency.size % 500 === 0) prune(store, now);
}

function prune(store: Store, now: number): void {
  for (const [key, record] of store.idempotency) {
    if (record.created + KEY_TTL_SECONDS <= now) store.idempotency.delete(key);
  }
}

function canonical(value: FormValue): unknown {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(canonical);
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, canonical(value[k] as FormValue)]),
  );
}

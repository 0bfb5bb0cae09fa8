/**
 * The HTTP front of the emulator: authentication, body decoding, Stripe-Account scoping, idempotency,
 * error envelopes and response headers, around the route handlers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_VERSION, RequestContext, type Runtime } from './context.js';
import {
  accountInvalid,
  authenticationError,
  internalError,
  invalidParam,
  StripeApiError,
  unrecognizedUrl,
} from './errors.js';
import { decodeForm, type FormObject } from './form.js';
import { findReplay, type IdempotentRequest, remember } from './idempotency.js';
import { newRequestId } from './ids.js';
import { type KeyKind, keyKind } from './keys.js';
import { RawResponse, type RouteOptions, type Router } from './router.js';
import type { Scope } from './store.js';

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Stripe.js calls the API from the merchant's page without credentials (the publishable key travels as
 * a parameter), so any origin may read the answer; a preflight is answered for the same routes.
 */
const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, Stripe-Version',
  'Access-Control-Max-Age': '600',
};

export interface ServerHooks {
  /** Runs before every handler (lazy time-based transitions such as expiring uncaptured holds). */
  beforeRequest: (ctx: RequestContext) => void;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function createRequestListener(runtime: Runtime, router: Router, hooks: ServerHooks) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    handle(runtime, router, hooks, req)
      .catch((error: unknown) => ({ reply: errorReply(runtime, error, null), ctx: undefined }))
      .then(({ reply, ctx }) => {
        if (ctx) {
          // Tracked so flushWebhooks() also waits for deliveries of a response still being written.
          const sent = new Promise<void>((resolve) => {
            res.once('finish', resolve);
            res.once('close', resolve);
          });
          runtime.tasks.run(
            async () => {
              await sent;
              ctx.finish();
            },
            (error) => runtime.log(`after-response work failed: ${String(error)}`),
          );
        }
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
        runtime.log(`${req.method} ${req.url} → ${reply.status} (${Date.now() - started} ms)`);
      });
  };
}

async function handle(
  runtime: Runtime,
  router: Router,
  hooks: ServerHooks,
  req: IncomingMessage,
): Promise<{ reply: Reply; ctx: RequestContext | undefined }> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const requestId = newRequestId();
  const common: Record<string, string> = {
    'Request-Id': requestId,
    'Stripe-Version': header(req, 'stripe-version') ?? API_VERSION,
  };
  const idempotencyKey = method === 'POST' ? (header(req, 'idempotency-key') ?? null) : null;
  if (idempotencyKey) common['Idempotency-Key'] = idempotencyKey;

  let ctx: RequestContext | undefined;
  try {
    const body = await readBody(req);
    if (method === 'OPTIONS' && router.allowsCrossOrigin(url.pathname)) {
      return { reply: { status: 204, headers: { ...common, ...CORS_HEADERS }, body: '' }, ctx };
    }
    const match = router.match(method, url.pathname);
    if (!match) throw unrecognizedUrl(method, url.pathname);
    if (match.options.publishable) Object.assign(common, CORS_HEADERS);
    const params = parseParams(url, body, header(req, 'content-type'));
    const kind = match.options.api
      ? authenticate(header(req, 'authorization'), takeKeyParam(params, match.options), match.options)
      : undefined;
    const scope = match.options.api ? resolveScope(runtime, header(req, 'stripe-account')) : null;
    const context = new RequestContext(runtime, {
      scope,
      baseUrl: `http://${req.headers.host ?? 'localhost'}`,
      requestId,
      idempotencyKey,
      mutating: method !== 'GET',
      publishable: kind === 'publishable',
    });
    ctx = context;
    hooks.beforeRequest(context);

    const idempotent: IdempotentRequest | undefined =
      match.options.api && idempotencyKey
        ? { scope, key: idempotencyKey, method, path: url.pathname, params }
        : undefined;
    const reply = execute(context, common, idempotent, () =>
      match.handler(context, { method, params, path: match.path }),
    );
    return { reply, ctx: context };
  } catch (error) {
    return { reply: errorReply(runtime, error, common), ctx };
  }
}

/** Runs the handler, or replays the response stored under the idempotency key. */
function execute(
  ctx: RequestContext,
  common: Record<string, string>,
  idempotent: IdempotentRequest | undefined,
  handler: () => unknown,
): Reply {
  const store = ctx.store;
  if (idempotent) {
    const replay = findReplay(store, idempotent, ctx.now());
    if (replay) {
      const headers = { ...jsonHeaders(common), 'Idempotent-Replayed': 'true' };
      return { status: replay.status, headers, body: replay.body };
    }
  }
  let reply: Reply;
  try {
    const result = handler();
    reply =
      result instanceof RawResponse
        ? { status: result.status, headers: { ...common, ...result.headers }, body: result.body }
        : { status: 200, headers: jsonHeaders(common), body: JSON.stringify(result, null, 2) };
  } catch (error) {
    if (!(error instanceof StripeApiError)) throw error;
    reply = errorReply(ctx.runtime, error, common);
    if (!error.replayable) return reply;
  }
  if (idempotent) remember(store, idempotent, reply.status, reply.body, ctx.now());
  return reply;
}

function errorReply(runtime: Runtime, error: unknown, common: Record<string, string> | null): Reply {
  let apiError: StripeApiError;
  if (error instanceof StripeApiError) {
    apiError = error;
  } else {
    runtime.log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    apiError = internalError('An unexpected error occurred in the Stripe emulator.');
  }
  const headers = jsonHeaders(common ?? {});
  // The SDK retries 5xx answers; an emulator bug should surface at once instead.
  if (apiError.status >= 500) headers['Stripe-Should-Retry'] = 'false';
  return { status: apiError.status, headers, body: JSON.stringify(apiError.toJSON(), null, 2) };
}

function jsonHeaders(common: Record<string, string>): Record<string, string> {
  return { ...common, 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, no-store' };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Stripe.js sends the publishable key as a `key` parameter so its requests need no CORS preflight. */
function takeKeyParam(params: FormObject, options: RouteOptions): string | undefined {
  if (!options.publishable || typeof params.key !== 'string') return undefined;
  const key = params.key;
  delete params.key;
  return key;
}

function authenticate(
  authorization: string | undefined,
  keyParam: string | undefined,
  options: RouteOptions,
): KeyKind {
  if (!authorization && keyParam !== undefined) authorization = `Bearer ${keyParam}`;
  if (!authorization) {
    throw authenticationError(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  let key: string | undefined;
  if (authorization.startsWith('Bearer ')) {
    key = authorization.slice('Bearer '.length).trim();
  } else if (authorization.startsWith('Basic ')) {
    key = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8').split(':')[0];
  }
  const kind = key ? keyKind(key) : undefined;
  if (!key || !kind) {
    const shown = key ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : '';
    throw authenticationError(`Invalid API Key provided: ${shown}`);
  }
  if (kind === 'publishable' && !options.publishable) {
    throw authenticationError(
      'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
    );
  }
  return kind;
}

function resolveScope(runtime: Runtime, stripeAccount: string | undefined): Scope {
  if (!stripeAccount || stripeAccount === runtime.store.platformAccountId) return null;
  if (!runtime.store.accounts.get(stripeAccount, null)) throw accountInvalid(stripeAccount);
  return stripeAccount;
}

function parseParams(url: URL, body: string, contentType: string | undefined): FormObject {
  const query = decodeForm(url.search.slice(1));
  if (!body) return query;
  if (contentType && !contentType.startsWith('application/x-www-form-urlencoded')) {
    throw invalidParam(
      'body',
      `Invalid request: unsupported Content-Type ${contentType}. Use application/x-www-form-urlencoded.`,
    );
  }
  return { ...query, ...decodeForm(body) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(invalidParam('body', 'Request body too large.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Webhook endpoints (`/v1/webhook_endpoints`) and events (`/v1/events`). An endpoint with
 * `connect=true` receives events of connected accounts (those carrying `account`); otherwise it receives
 * the platform's own events. The signing secret is returned only by create, as on Stripe.
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import { API_VERSION } from '../context.js';
import { invalidParam } from '../errors.js';
import { newId, newWebhookSecret } from '../ids.js';
import { bool, expand, listParams, mergeMetadata, metadata, parseParams, str } from '../params.js';
import { expandObject, paginate } from '../render.js';
import type { Router } from '../router.js';

const url = () =>
  str().refine((v) => /^https?:\/\/[^\s/]+(\/\S*)?$/.test(v), {
    error: (iss) => `Invalid URL: ${String(iss.input)}. URLs must begin with http:// or https://.`,
  });

const eventType = () =>
  str().regex(/^(\*|[a-z_]+(\.[a-z_]+)+)$/, { error: (iss) => `Invalid event type: ${String(iss.input)}` });

const createSchema = z.strictObject({
  url: url(),
  enabled_events: z
    .array(eventType())
    .min(1, { error: 'enabled_events must contain at least one event type.' }),
  connect: bool().optional(),
  description: str().optional(),
  metadata: metadata().optional(),
  api_version: str().optional(),
  expand: expand(),
});

const updateSchema = z.strictObject({
  url: url().optional(),
  enabled_events: z.array(eventType()).min(1).optional(),
  description: str().optional(),
  disabled: bool().optional(),
  metadata: metadata().optional(),
  expand: expand(),
});

const eventListSchema = z.strictObject({
  ...listParams,
  type: str().optional(),
  types: z.array(str()).optional(),
  delivery_success: bool().optional(),
  created: z.unknown().optional(),
});

export function webhookRoutes(router: Router): void {
  router.post('/v1/webhook_endpoints', (ctx, req) => {
    const p = parseParams(createSchema, req.params);
    if (ctx.scope !== null) {
      throw invalidParam(
        'connect',
        'Create webhook endpoints on the platform; use connect=true for connected-account events.',
      );
    }
    const secret = newWebhookSecret();
    const endpoint: Stripe.WebhookEndpoint & { connect: boolean } = {
      id: newId('we'),
      object: 'webhook_endpoint',
      api_version: p.api_version ?? API_VERSION,
      application: null,
      connect: p.connect ?? false,
      created: ctx.now(),
      description: p.description || null,
      enabled_events: p.enabled_events,
      livemode: false,
      metadata: mergeMetadata({}, p.metadata),
      status: 'enabled',
      url: p.url,
    };
    ctx.store.webhookEndpoints.insert(null, endpoint);
    ctx.store.webhookSecrets.set(endpoint.id, secret);
    return expandObject(ctx, { ...endpoint, secret }, p.expand);
  });

  router.get('/v1/webhook_endpoints', (ctx, req) => {
    const p = parseParams(z.strictObject(listParams), req.params);
    return paginate(
      ctx,
      ctx.store.webhookEndpoints.list(ctx.scope),
      p,
      '/v1/webhook_endpoints',
      'webhook_endpoint',
    );
  });

  router.get('/v1/webhook_endpoints/:id', (ctx, req) => {
    const p = parseParams(z.strictObject({ expand: expand() }), req.params);
    return expandObject(
      ctx,
      ctx.store.webhookEndpoints.require(req.path.id ?? '', ctx.scope, 'webhook_endpoint'),
      p.expand,
    );
  });

  router.post('/v1/webhook_endpoints/:id', (ctx, req) => {
    const p = parseParams(updateSchema, req.params);
    const endpoint = ctx.store.webhookEndpoints.require(req.path.id ?? '', ctx.scope, 'webhook_endpoint');
    if (p.url) endpoint.url = p.url;
    if (p.enabled_events) endpoint.enabled_events = p.enabled_events;
    if (p.description !== undefined) endpoint.description = p.description || null;
    if (p.disabled !== undefined) endpoint.status = p.disabled ? 'disabled' : 'enabled';
    endpoint.metadata = mergeMetadata(endpoint.metadata, p.metadata);
    return expandObject(ctx, endpoint, p.expand);
  });

  router.delete('/v1/webhook_endpoints/:id', (ctx, req) => {
    parseParams(z.strictObject({}), req.params);
    const endpoint = ctx.store.webhookEndpoints.require(req.path.id ?? '', ctx.scope, 'webhook_endpoint');
    ctx.store.webhookEndpoints.delete(endpoint.id);
    ctx.store.webhookSecrets.delete(endpoint.id);
    return { id: endpoint.id, object: 'webhook_endpoint', deleted: true };
  });

  router.get('/v1/events', (ctx, req) => {
    const p = parseParams(eventListSchema, req.params);
    const types = p.types ?? (p.type ? [p.type] : undefined);
    const matches = (type: string) =>
      !types || types.some((t) => (t.endsWith('.*') ? type.startsWith(t.slice(0, -1)) : t === type));
    const items = ctx.store.events.list(
      ctx.scope,
      (e) =>
        matches(e.type) &&
        (p.delivery_success === undefined || (e.pending_webhooks === 0) === p.delivery_success),
    );
    return paginate(ctx, items, p, '/v1/events', 'event');
  });

  router.get('/v1/events/:id', (ctx, req) => {
    const p = parseParams(z.strictObject({ expand: expand() }), req.params);
    return expandObject(ctx, ctx.store.events.require(req.path.id ?? '', ctx.scope, 'event'), p.expand);
  });
}

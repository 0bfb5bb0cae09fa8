/** HTTP routes of the PaymentIntents API (and PaymentMethod retrieval, which only intents create). */
import { z } from 'zod';
import type { RequestContext } from '../../context.js';
import { expand, parseParams, str } from '../../params.js';
import { expandObject, paginate } from '../../render.js';
import type { Router } from '../../router.js';
import { create, update } from './object.js';
import {
  cancelSchema,
  captureSchema,
  confirmShape,
  createSchema,
  listSchema,
  updateSchema,
} from './params.js';
import { cancel, capture, confirm } from './state-machine.js';

export function paymentIntentRoutes(router: Router): void {
  const find = (ctx: RequestContext, id: string | undefined) =>
    ctx.store.paymentIntents.require(id ?? '', ctx.scope, 'intent');

  router.post('/v1/payment_intents', (ctx, req) => {
    const p = parseParams(createSchema, req.params);
    return expandObject(ctx, create(ctx, p), p.expand);
  });

  router.get('/v1/payment_intents', (ctx, req) => {
    const p = parseParams(listSchema, req.params);
    return paginate(
      ctx,
      ctx.store.paymentIntents.list(ctx.scope),
      p,
      '/v1/payment_intents',
      'payment_intent',
    );
  });

  router.get('/v1/payment_intents/:id', (ctx, req) => {
    const p = parseParams(z.strictObject({ expand: expand(), client_secret: str().optional() }), req.params);
    return expandObject(ctx, find(ctx, req.path.id), p.expand);
  });

  router.post('/v1/payment_intents/:id', (ctx, req) => {
    const p = parseParams(updateSchema, req.params);
    const pi = find(ctx, req.path.id);
    update(ctx, pi, p);
    return expandObject(ctx, pi, p.expand);
  });

  router.post('/v1/payment_intents/:id/confirm', (ctx, req) => {
    const p = parseParams(z.strictObject(confirmShape), req.params);
    const pi = find(ctx, req.path.id);
    confirm(ctx, pi, p);
    return expandObject(ctx, pi, p.expand);
  });

  router.post('/v1/payment_intents/:id/capture', (ctx, req) => {
    const p = parseParams(captureSchema, req.params);
    const pi = find(ctx, req.path.id);
    capture(ctx, pi, p);
    return expandObject(ctx, pi, p.expand);
  });

  router.post('/v1/payment_intents/:id/cancel', (ctx, req) => {
    const p = parseParams(cancelSchema, req.params);
    const pi = find(ctx, req.path.id);
    cancel(ctx, pi, p.cancellation_reason ?? null);
    return expandObject(ctx, pi, p.expand);
  });

  router.get('/v1/payment_methods/:id', (ctx, req) => {
    const p = parseParams(z.strictObject({ expand: expand() }), req.params);
    return expandObject(
      ctx,
      ctx.store.paymentMethods.require(req.path.id ?? '', ctx.scope, 'payment_method'),
      p.expand,
    );
  });
}

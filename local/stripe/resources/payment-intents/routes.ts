/** HTTP routes of the PaymentIntents API (and PaymentMethod retrieval, which only intents create). */
import { z } from 'zod';
import type { RequestContext } from '../../context.js';
import type { FormObject } from '../../form.js';
import { expand, parseParams, str } from '../../params.js';
import { expandObject, paginate } from '../../render.js';
import type { Router } from '../../router.js';
import { paymentMethodFromCard } from '../../test-cards.js';
import { create, update } from './object.js';
import {
  cancelSchema,
  captureSchema,
  confirmShape,
  createSchema,
  listSchema,
  publishableConfirmSchema,
  updateSchema,
} from './params.js';
import { assertClientSecret, visibleIntent, withVisibleIntent } from './publishable.js';
import { cancel, capture, confirm } from './state-machine.js';

const find = (ctx: RequestContext, id: string | undefined) =>
  ctx.store.paymentIntents.require(id ?? '', ctx.scope, 'intent');

/** Confirmation by Stripe.js: publishable key, client secret, and the card typed into the frame. */
function confirmFromStripeJs(ctx: RequestContext, id: string | undefined, params: FormObject): unknown {
  const { client_secret, payment_method_data, ...p } = parseParams(publishableConfirmSchema, params);
  const pi = find(ctx, id);
  assertClientSecret(ctx, pi, client_secret);
  try {
    const paymentMethod = payment_method_data
      ? paymentMethodFromCard(ctx, payment_method_data.card)
      : undefined;
    if (paymentMethod && payment_method_data?.billing_details?.email) {
      paymentMethod.billing_details.email = payment_method_data.billing_details.email;
    }
    confirm(ctx, pi, paymentMethod ? { ...p, payment_method: paymentMethod.id } : p);
  } catch (error) {
    throw withVisibleIntent(ctx, error);
  }
  return visibleIntent(ctx, pi);
}

export function paymentIntentRoutes(router: Router): void {
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

  router.get(
    '/v1/payment_intents/:id',
    (ctx, req) => {
      const p = parseParams(
        z.strictObject({ expand: expand(), client_secret: str().optional() }),
        req.params,
      );
      const pi = find(ctx, req.path.id);
      assertClientSecret(ctx, pi, p.client_secret);
      return ctx.info.publishable ? visibleIntent(ctx, pi) : expandObject(ctx, pi, p.expand);
    },
    { publishable: true },
  );

  router.post('/v1/payment_intents/:id', (ctx, req) => {
    const p = parseParams(updateSchema, req.params);
    const pi = find(ctx, req.path.id);
    update(ctx, pi, p);
    return expandObject(ctx, pi, p.expand);
  });

  router.post(
    '/v1/payment_intents/:id/confirm',
    (ctx, req) => {
      if (ctx.info.publishable) return confirmFromStripeJs(ctx, req.path.id, req.params);
      const p = parseParams(z.strictObject(confirmShape), req.params);
      const pi = find(ctx, req.path.id);
      confirm(ctx, pi, p);
      return expandObject(ctx, pi, p.expand);
    },
    { publishable: true },
  );

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

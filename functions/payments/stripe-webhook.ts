/**
 * Stripe webhook endpoint (`POST /stripe/webhook`). The signature is verified against the raw body
 * (so no body parser runs in front of it), and each event is recorded once by its id: Stripe
 * delivers at least once, and a redelivery must do nothing twice. The payments flow consumes the
 * recorded events.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createStripeClient } from '../../shared/adapters/stripe/client.js';
import { recordStripeEvent } from '../../shared/app/payments/record-stripe-event.js';
import { badRequest } from '../../shared/lambda/http-errors.js';
import { childLogger } from '../../shared/lambda/logger.js';
import { jsonErrors } from '../../shared/lambda/middlewares.js';
import { webhookDeps } from '../../shared/lambda/payments-deps.js';
import { stripeKeys } from '../../shared/lambda/secrets.js';

const log = childLogger('stripe-webhook');

async function handleWebhook(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const signature = event.headers['stripe-signature'];
  if (!signature) throw badRequest('missing Stripe-Signature header', 'signature_missing');
  if (!event.body) throw badRequest('empty body', 'body_missing');
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const keys = await stripeKeys();
  const stripe = createStripeClient({ secretKey: keys.secretKey });
  // The platform account's endpoint and the Connect endpoint post to this same URL, each signing
  // with its own secret.
  const secrets = [keys.webhookSecret, keys.connectWebhookSecret].filter((s): s is string => Boolean(s));
  let stripeEvent: ReturnType<typeof stripe.webhooks.constructEvent> | undefined;
  let lastError: unknown;
  for (const secret of secrets) {
    try {
      stripeEvent = stripe.webhooks.constructEvent(raw, signature, secret);
      break;
    } catch (err) {
      lastError = err;
    }
  }
  if (!stripeEvent) {
    log.warn('webhook signature rejected', {
      error: lastError instanceof Error ? lastError.message : String(lastError),
    });
    throw badRequest('invalid Stripe-Signature for this body', 'signature_invalid');
  }
  const outcome = await recordStripeEvent(webhookDeps(), stripeEvent);
  log.info('stripe event', { id: stripeEvent.id, type: stripeEvent.type, outcome });
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ received: true, outcome }),
  };
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(jsonErrors())
  .handler(handleWebhook);

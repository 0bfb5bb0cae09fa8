/**
 * Stripe webhook endpoints: `POST /stripe/webhook` (the platform account's events) and
 * `POST /stripe/connect-webhook` (events of connected accounts, "Connect" endpoint, its own signing
 * secret). One function serves both, so both share the verification, the tolerance and the dedup by
 * event id below; the path only chooses the secret. The platform path still takes the Connect secret
 * too: deployments that registered their Connect endpoint there before keep working. An event that
 * names a connected account (`account`) goes to the Connect dispatcher
 * (shared/app/connect/connect-events.ts), whichever path it came by. The signature is verified against the raw body
 * (so no body parser runs in front of it). Stripe delivers at least once, out of order: an event id
 * already handled is acknowledged and skipped; otherwise the event is acted on (PaymentIntent events
 * re-read the intent and move the paid session only forward, so a late or repeated event is
 * harmless) and then recorded. A failure answers 500 so Stripe delivers it again.
 *
 * The SDK only refuses a signature older than its tolerance; one dated in the future (a clock that
 * is off, or a header minted to be replayed later) would pass, so the same window is enforced on the
 * other side here. A signed body that is not an event (no id to deduplicate by) is the sender's
 * mistake: a 400, not a 500 that Stripe would retry for days.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
// zod/mini: the full chained API would add ~460 KB to this function's init for one small check.
import * as z from 'zod/mini';
import type { createStripeClient } from '../../shared/adapters/stripe/client.js';
import { recordStripeEvent } from '../../shared/app/payments/record-stripe-event.js';
import { badRequest } from '../../shared/lambda/http-errors.js';
import { childLogger, logInvocation } from '../../shared/lambda/logger.js';
import { httpEdge } from '../../shared/lambda/middlewares.js';
import { stripeKeys } from '../../shared/lambda/secrets.js';
import { webhookDeps } from '../../shared/lambda/webhook-deps.js';
import type { Clock } from '../../shared/ports/clock.js';

const log = childLogger('stripe-webhook');

type StripeEvent = ReturnType<ReturnType<typeof createStripeClient>['webhooks']['constructEvent']>;

/** How far a signature's timestamp may be from now, either way (Stripe's own default, 5 minutes). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The header's signing time in seconds, read as the SDK reads it (the last `t=` wins). */
function signedAtSeconds(header: string): number | undefined {
  let signedAt: number | undefined;
  for (const item of header.split(',')) {
    const [key, value] = item.split('=');
    if (key === 't') signedAt = value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  }
  return signedAt;
}

/** Refuses a verified header whose time is missing or outside the tolerance on either side of now. */
function checkSignedAt(header: string, clock: Clock): void {
  const signedAt = signedAtSeconds(header);
  const nowSeconds = Math.floor(clock.now() / 1000);
  if (signedAt === undefined || Math.abs(nowSeconds - signedAt) > SIGNATURE_TOLERANCE_SECONDS)
    throw badRequest('Stripe-Signature timestamp outside the tolerance', 'signature_timestamp');
}

// The Stripe SDK (~250 KB) is loaded by the first delivery, not at init: code-split into its own
// chunk (lib/constructs/platform-function.ts), it stays off the cold start npm run bench:cold measures.
const loadStripeClient = () => import('../../shared/adapters/stripe/client.js');

/** The fields the endpoint relies on; Stripe always sends them, a signed body without them is refused. */
const eventShape = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(255)),
  type: z.string().check(z.minLength(1), z.maxLength(255)),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

async function handleWebhook(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const signature = event.headers['stripe-signature'];
  if (!signature) throw badRequest('missing Stripe-Signature header', 'signature_missing');
  if (!event.body) throw badRequest('empty body', 'body_missing');
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const keys = await stripeKeys();
  const stripe = (await loadStripeClient()).createStripeClient({ secretKey: keys.secretKey });
  const secrets = (
    isConnectPath(event) ? [keys.connectWebhookSecret] : [keys.webhookSecret, keys.connectWebhookSecret]
  ).filter((s): s is string => Boolean(s));
  const deps = webhookDeps();
  const receivedAtMs = deps.clock.now();
  let stripeEvent: StripeEvent | undefined;
  let lastError: unknown;
  for (const secret of secrets) {
    try {
      stripeEvent = stripe.webhooks.constructEvent(
        raw,
        signature,
        secret,
        SIGNATURE_TOLERANCE_SECONDS,
        undefined,
        receivedAtMs,
      );
      break;
    } catch (err) {
      // The SDK parses the body only once the signature matched: a signed body that is not JSON.
      if (err instanceof SyntaxError) throw badRequest('the signed body is not JSON', 'body_not_json');
      lastError = err;
    }
  }
  if (!stripeEvent) {
    log.warn('webhook signature rejected', {
      error: lastError instanceof Error ? lastError.message : String(lastError),
    });
    throw badRequest('invalid Stripe-Signature for this body', 'signature_invalid');
  }
  checkSignedAt(signature, deps.clock);
  if (!eventShape.safeParse(stripeEvent).success)
    throw badRequest('the signed body is not a Stripe event (id, type, data.object)', 'event_invalid');
  if (await deps.stripeEvents.seen(stripeEvent.id)) {
    log.info('stripe event already handled', { id: stripeEvent.id, type: stripeEvent.type });
    return received('duplicate');
  }
  const handled = await act(stripeEvent);
  const outcome = await recordStripeEvent(deps, stripeEvent);
  log.info('stripe event', { id: stripeEvent.id, type: stripeEvent.type, handled, outcome });
  return received(outcome);
}

const CONNECT_PATH = '/stripe/connect-webhook';

const isConnectPath = (event: APIGatewayProxyEventV2): boolean =>
  (event.rawPath ?? event.requestContext?.http?.path) === CONNECT_PATH;

/**
 * What the platform does with an event; events it does not act on are only recorded. The Connect
 * side (payouts, transfers, invoices) and the payments side are each loaded with the first event
 * that needs them: a delivery of one kind does not compile the other at a cold start.
 */
async function act(event: StripeEvent): Promise<string> {
  if (event.account) {
    const [{ connectDeps }, { dispatchConnectEvent }] = await Promise.all([
      import('../../shared/lambda/connect-deps.js'),
      import('../../shared/app/connect/connect-events.js'),
    ]);
    const connect = connectDeps();
    return connect ? dispatchConnectEvent(connect, event) : 'connect-not-configured';
  }
  if (event.type === 'invoice.paid') {
    // The platform's own invoices: a fleet's monthly one owes its operator a transfer.
    const [{ connectDeps }, { recordFleetInvoiceTransfer }] = await Promise.all([
      import('../../shared/lambda/connect-deps.js'),
      import('../../shared/app/connect/transfers.js'),
    ]);
    const connect = connectDeps();
    const invoice = event.data.object as { id: string };
    return connect ? recordFleetInvoiceTransfer(connect, invoice.id) : 'connect-not-configured';
  }
  if (!event.type.startsWith('payment_intent.')) return 'recorded-only';
  const [{ paymentsDeps }, { handlePaymentIntentEvent }] = await Promise.all([
    import('../../shared/lambda/payments-deps.js'),
    import('../../shared/app/payments/payment-events.js'),
  ]);
  const payments = paymentsDeps();
  if (!payments) return 'payments-not-configured';
  const intent = event.data.object as { id: string; metadata?: Record<string, string> | null };
  const sessionId = intent.metadata?.sessionId;
  return handlePaymentIntentEvent(payments, {
    type: event.type,
    paymentIntentId: intent.id,
    ...(sessionId ? { sessionId } : {}),
  });
}

const received = (outcome: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ received: true, outcome }),
});

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(logInvocation())
  .use(httpEdge())
  .handler(handleWebhook);

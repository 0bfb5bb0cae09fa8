/**
 * Emulator-only endpoints (no API key needed, not part of Stripe's API) for what a person or time would
 * do on real Stripe, plus the hosted 3D Secure challenge page that `next_action` points at.
 *
 *   POST /_emulator/accounts/:id/complete_onboarding
 *   POST /_emulator/payment_intents/:id/authenticate   outcome=succeed|fail
 *   POST /_emulator/balance/settle                       account=acct_…|platform (default: all)
 *   POST /_emulator/clock                                offset_seconds (runs what fell due, e.g. payouts)
 *   POST /_emulator/payouts/:id/fail                     failure_code (default account_closed)
 *   GET  /_emulator/webhook_deliveries                   ?event=&endpoint=&status=
 *   GET  /_emulator/health
 */
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { noSuchParamObject, resourceMissing } from '../errors.js';
import { html, page } from '../html.js';
import { settle } from '../ledger.js';
import { oneOf, parseParams, str } from '../params.js';
import { htmlResponse, type Router, redirectResponse } from '../router.js';
import { completeOnboarding } from './accounts.js';
import { completeAuthentication } from './payment-intents/state-machine.js';
import { failPayout, payoutFailureCodes, runPayoutSchedules } from './payouts-schedule.js';

const helper = { api: false };

/**
 * Tells Stripe.js's modal (our /v3/ script) that the challenge is over; it then re-reads the intent
 * with the client secret. The message carries no data, so any parent origin may receive it.
 */
const CHALLENGE_DONE_SCRIPT = html`<script>
if (window.parent !== window) window.parent.postMessage({ type: 'stripe-emulator-3ds-complete' }, '*');
</script>`;

function authenticate(ctx: RequestContext, paymentIntentId: string, succeed: boolean) {
  const pi = ctx.store.paymentIntents.find(paymentIntentId);
  if (!pi) throw resourceMissing('payment_intent', paymentIntentId, 'intent');
  const owner = ctx.store.paymentIntents.ownerOf(pi.id) ?? null;
  const returnUrl = ctx.store.paymentIntentInternals.get(pi.id)?.returnUrl;
  completeAuthentication(ctx.forScope(owner), pi, succeed);
  return { pi, returnUrl };
}

export function testHelperRoutes(router: Router): void {
  router.get('/_emulator/health', () => ({ object: 'emulator_health', ok: true }), helper);

  router.post(
    '/_emulator/accounts/:id/complete_onboarding',
    (ctx, req) => {
      parseParams(z.strictObject({}), req.params);
      const account = ctx.store.accounts.require(req.path.id ?? '', null, 'account');
      completeOnboarding(ctx, account);
      return account;
    },
    helper,
  );

  router.post(
    '/_emulator/clock',
    (ctx, req) => {
      const p = parseParams(z.strictObject({ offset_seconds: z.coerce.number().int() }), req.params);
      ctx.runtime.clock.setOffsetSeconds(p.offset_seconds);
      // Scheduled payouts fall due as the clock moves, not at the next API call.
      runPayoutSchedules(ctx.forScope(null));
      return { object: 'emulator_clock', offset_seconds: p.offset_seconds, now: ctx.now() };
    },
    helper,
  );

  router.post(
    '/_emulator/payouts/:id/fail',
    (ctx, req) => {
      const p = parseParams(
        z.strictObject({ failure_code: oneOf(payoutFailureCodes).optional() }),
        req.params,
      );
      const payout = ctx.store.payouts.find(req.path.id ?? '');
      if (!payout) throw resourceMissing('payout', req.path.id ?? '', 'id');
      return failPayout(ctx, payout, p.failure_code ?? 'account_closed');
    },
    helper,
  );

  router.post(
    '/_emulator/payment_intents/:id/authenticate',
    (ctx, req) => {
      const p = parseParams(z.strictObject({ outcome: oneOf(['succeed', 'fail']).optional() }), req.params);
      return authenticate(ctx, req.path.id ?? '', p.outcome !== 'fail').pi;
    },
    helper,
  );

  router.post(
    '/_emulator/balance/settle',
    (ctx, req) => {
      const p = parseParams(z.strictObject({ account: str().optional() }), req.params);
      const target = p.account === undefined ? 'all' : p.account === 'platform' ? null : p.account;
      if (typeof target === 'string' && target !== 'all' && !ctx.store.accounts.get(target, null)) {
        throw noSuchParamObject('account', target, 'account');
      }
      return { object: 'balance_settlement', settled_transactions: settle(ctx, target) };
    },
    helper,
  );

  router.get(
    '/_emulator/webhook_deliveries',
    (ctx, req) => {
      const p = parseParams(
        z.strictObject({
          event: str().optional(),
          endpoint: str().optional(),
          status: oneOf(['pending', 'succeeded', 'failed']).optional(),
        }),
        req.params,
      );
      const data = ctx.store.deliveries.list(
        null,
        (d) =>
          (!p.event || d.event === p.event) &&
          (!p.endpoint || d.endpoint === p.endpoint) &&
          (!p.status || d.status === p.status),
      );
      return { object: 'list', data, has_more: false, url: '/_emulator/webhook_deliveries' };
    },
    helper,
  );

  router.get(
    '/3ds/:token',
    (ctx, req) => {
      const paymentIntentId = ctx.store.authentications.get(req.path.token ?? '');
      const pi = paymentIntentId ? ctx.store.paymentIntents.find(paymentIntentId) : undefined;
      if (!pi)
        return htmlResponse(page('3D Secure', html`<h1>This authentication is no longer pending</h1>`), 404);
      return htmlResponse(
        page(
          '3D Secure authentication',
          html`<h1>3D Secure test payment</h1>
<p>Authenticate the payment <code>${pi.id}</code> of ${pi.amount} ${pi.currency.toUpperCase()} minor units.</p>
<form method="post">
<button type="submit" name="outcome" value="succeed">Complete authentication</button>
<button type="submit" name="outcome" value="fail" class="secondary">Fail authentication</button>
</form>`,
        ),
      );
    },
    helper,
  );

  router.post(
    '/3ds/:token',
    (ctx, req) => {
      const p = parseParams(z.strictObject({ outcome: oneOf(['succeed', 'fail']) }), req.params);
      const paymentIntentId = ctx.store.authentications.get(req.path.token ?? '');
      if (!paymentIntentId) {
        return htmlResponse(page('3D Secure', html`<h1>This authentication is no longer pending</h1>`), 404);
      }
      const { pi, returnUrl } = authenticate(ctx, paymentIntentId, p.outcome === 'succeed');
      if (returnUrl) {
        const target = new URL(returnUrl);
        target.searchParams.set('payment_intent', pi.id);
        if (pi.client_secret) target.searchParams.set('payment_intent_client_secret', pi.client_secret);
        return redirectResponse(target.toString(), 303);
      }
      return htmlResponse(
        page(
          '3D Secure',
          html`<h1>Authentication ${p.outcome === 'succeed' ? 'complete' : 'failed'}</h1>
<p>PaymentIntent <code>${pi.id}</code> is now <strong>${pi.status}</strong>. You can close this window.</p>
${CHALLENGE_DONE_SCRIPT}`,
        ),
      );
    },
    helper,
  );
}

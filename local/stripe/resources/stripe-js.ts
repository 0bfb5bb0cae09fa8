/**
 * The Stripe.js subset a payment page loads from the emulator instead of https://js.stripe.com/v3/, and
 * the Payment Element's frame it mounts. Browser code lives as plain files in `../stripe-js/` (read once,
 * served as they are: no build step, and nothing of it is shipped to AWS).
 *
 *   GET /v3/                     the script (defines the global `Stripe`)
 *   GET /v3/elements/payment     the Payment Element frame (card number, expiry, CVC)
 *   GET /v3/payment-frame.js     that frame's script
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { html } from '../html.js';
import { RawResponse, type Router } from '../router.js';

const SOURCE_DIR = join(import.meta.dirname, '..', 'stripe-js');
const browserFile = (name: string): string => readFileSync(join(SOURCE_DIR, name), 'utf8');

const javascript = (body: string): RawResponse =>
  new RawResponse(
    200,
    { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' },
    body,
  );

/** Labelled fields in tab order; the page's own button confirms, so the frame has none. */
const PAYMENT_FRAME = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Card details</title>
<style>
body { margin: 0; font-family: system-ui, sans-serif; color: #1a1f36; }
/* Columns and fields may shrink below the inputs' natural width: on a phone the frame is narrower
   than two default-sized inputs, and the frame would scroll sideways to the focused field. */
form { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: .75rem; padding: 2px 5px; }
label { display: flex; flex-direction: column; justify-content: space-between; gap: .25rem; font-size: .9rem; min-width: 0; }
label.wide { grid-column: 1 / -1; }
input { font: inherit; font-size: 1rem; padding: .6rem .7rem; border: 1px solid #6b7385; border-radius: 6px; width: 100%; min-width: 0; box-sizing: border-box; }
input:focus { outline: 3px solid #635bff; outline-offset: 1px; }
input[aria-invalid="true"] { border-color: #b3093c; }
#error { grid-column: 1 / -1; color: #b3093c; min-height: 1.2em; margin: 0; font-size: .9rem; }
</style>
</head>
<body>
<form id="card" novalidate>
<label class="wide">Card number
<input id="number" name="cardnumber" autocomplete="cc-number" inputmode="numeric" placeholder="1234 1234 1234 1234" aria-describedby="error" required>
</label>
<label>Expiration date (MM / YY)
<input id="expiry" name="exp-date" autocomplete="cc-exp" inputmode="numeric" placeholder="MM / YY" aria-describedby="error" required>
</label>
<label>Security code (CVC)
<input id="cvc" name="cvc" autocomplete="cc-csc" inputmode="numeric" maxlength="4" placeholder="CVC" aria-describedby="error" required>
</label>
<p id="error" role="alert"></p>
</form>
<script src="/v3/payment-frame.js"></script>
</body>
</html>`.value;

export function stripeJsRoutes(router: Router): void {
  const options = { api: false };
  const stripeJs = browserFile('stripe.js');
  const frameJs = browserFile('payment-frame.js');
  router.get('/v3', () => javascript(stripeJs), options);
  router.get('/v3/payment-frame.js', () => javascript(frameJs), options);
  router.get(
    '/v3/elements/payment',
    () =>
      new RawResponse(
        200,
        { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' },
        PAYMENT_FRAME,
      ),
    options,
  );
}

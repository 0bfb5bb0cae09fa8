/**
 * The Stripe client of a composition root, apart from any of them: the payments, Connect and fleet
 * roots each use it, and a function that needs only one of them (the fleet statements) does not load
 * the others with it.
 */
import type Stripe from 'stripe';
import type { Config } from './config.js';
import { stripeKeys } from './secrets.js';

/** The Stripe client over the current secret key; a rotated key (new value) gets a new client. */
export function stripeClient(c: Config): () => Promise<Stripe> {
  let cached: { secretKey: string; client: Stripe } | undefined;
  return async () => {
    const { secretKey } = await stripeKeys();
    if (cached?.secretKey !== secretKey) {
      // Evaluated on first use: the sweeper and the payments stream reach Stripe on some runs only.
      // It still ships in the bundle (esbuild inlines it), so only its evaluation leaves the init.
      const { createStripeClient } = await import('../adapters/stripe/client.js');
      cached = { secretKey, client: createStripeClient({ secretKey, apiUrl: c.STRIPE_API_URL }) };
    }
    return cached.client;
  };
}

/**
 * The real `stripe` SDK, pointed at Stripe or, locally, at the project's emulator (host/port/protocol).
 * In AWS the keys come from Secrets Manager (STRIPE_SECRET_ARN), read once per container.
 */
import Stripe from 'stripe';

export interface StripeSettings {
  secretKey: string;
  /** Local emulator base URL; absent in AWS. */
  apiUrl?: string | undefined;
}

export function createStripeClient(settings: StripeSettings): Stripe {
  const common = { maxNetworkRetries: 2, timeout: 20_000, appInfo: { name: 'ev-charging-platform' } };
  if (!settings.apiUrl) return new Stripe(settings.secretKey, common);
  const url = new URL(settings.apiUrl);
  return new Stripe(settings.secretKey, {
    ...common,
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  });
}

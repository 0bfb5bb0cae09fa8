/**
 * Stripe keys: from the environment locally, from Secrets Manager in AWS (a JSON secret
 * `{ "secretKey": "sk_…", "webhookSecret": "whsec_…", "connectWebhookSecret": "whsec_…" }`), cached for five minutes so a rotated
 * key is picked up without a redeploy. `connectWebhookSecret` signs the second webhook endpoint, the
 * one that listens to events on connected accounts.
 */
// zod/mini: see config.ts.
import * as z from 'zod/mini';
import { config } from './config.js';

const stripeSecretSchema = z.object({
  secretKey: z.string().check(z.startsWith('sk_', 'secretKey must be a Stripe secret key (sk_…)')),
  webhookSecret: z
    .string()
    .check(z.startsWith('whsec_', 'webhookSecret must be a webhook signing secret (whsec_…)')),
  connectWebhookSecret: z.optional(
    z
      .string()
      .check(z.startsWith('whsec_', 'connectWebhookSecret must be a webhook signing secret (whsec_…)')),
  ),
});

/**
 * The Secrets Manager client, evaluated when a secret is first read (once per container in AWS,
 * never locally) rather than at every function's init.
 */
const loadSecrets = () => import('@aws-lambda-powertools/parameters/secrets');

export type StripeKeys = z.infer<typeof stripeSecretSchema>;

export async function stripeKeys(): Promise<StripeKeys> {
  const c = config();
  if (c.STRIPE_SECRET_KEY && c.STRIPE_WEBHOOK_SECRET) {
    return {
      secretKey: c.STRIPE_SECRET_KEY,
      webhookSecret: c.STRIPE_WEBHOOK_SECRET,
      ...(c.STRIPE_CONNECT_WEBHOOK_SECRET ? { connectWebhookSecret: c.STRIPE_CONNECT_WEBHOOK_SECRET } : {}),
    };
  }
  if (!c.STRIPE_SECRET_ARN) {
    throw new Error(
      'Stripe keys are not configured: set STRIPE_SECRET_ARN (AWS) or STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET',
    );
  }
  const { getSecret } = await loadSecrets();
  const raw = await getSecret(c.STRIPE_SECRET_ARN, { transform: 'json', maxAge: 300 });
  const parsed = stripeSecretSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `the Stripe secret ${c.STRIPE_SECRET_ARN} is malformed: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    );
  }
  return parsed.data;
}

/** The secret Transaction URL tokens are derived from: the environment locally, Secrets Manager in AWS. */
export async function sessionTokenSecret(): Promise<string> {
  const c = config();
  if (c.SESSION_TOKEN_SECRET) return c.SESSION_TOKEN_SECRET;
  if (!c.SESSION_TOKEN_SECRET_ARN) {
    throw new Error(
      'the session token secret is not configured: set SESSION_TOKEN_SECRET_ARN (AWS) or SESSION_TOKEN_SECRET',
    );
  }
  // A rotation would break links already emailed, so the value is read once per container.
  const { getSecret } = await loadSecrets();
  const value = await getSecret(c.SESSION_TOKEN_SECRET_ARN, { maxAge: 24 * 3600 });
  if (typeof value !== 'string' || value.length < 32) {
    throw new Error(
      `the session token secret ${c.SESSION_TOKEN_SECRET_ARN} must be a string of at least 32 characters`,
    );
  }
  return value;
}

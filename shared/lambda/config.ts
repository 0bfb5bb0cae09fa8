/**
 * Deploy-time and run-time settings: one zod schema over the environment, parsed once at cold
 * start so a bad deploy fails on its first invocation with a message naming the setting.
 * Nothing else in the code base reads `process.env`.
 */
// zod/mini rather than zod: the same checks and messages, and a few KB in every bundle instead of
// the ~460 KB of the chained API, which every function would load at init only to read its env.
import * as z from 'zod/mini';

const seconds = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.positive()), fallback);

const schema = z.object({
  TABLE_NAME: z.string().check(z.minLength(1, 'TABLE_NAME names the platform DynamoDB table')),
  AWS_REGION: z._default(z.string().check(z.minLength(1)), 'eu-west-2'),
  /** Local runtime only: DynamoDB Local, the @connections emulator, SES local, the Stripe emulator. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  CONNECTIONS_ENDPOINT: z.optional(z.url()),
  SES_ENDPOINT: z.optional(z.url()),
  STRIPE_API_URL: z.optional(z.url()),
  /** The browser's Stripe.js: Stripe's own in AWS, the emulator's subset locally. */
  STRIPE_JS_URL: z._default(z.url(), 'https://js.stripe.com/v3/'),
  /** Stripe publishable key for the driver's start page; without it paid sessions are unavailable. */
  STRIPE_PUBLISHABLE_KEY: z.union([
    z.optional(
      z
        .string()
        .check(z.regex(/^pk_(test|live)_/, 'STRIPE_PUBLISHABLE_KEY must be a Stripe publishable key (pk_…)')),
    ),
    z.pipe(
      z.literal(''),
      z.transform(() => undefined),
    ),
  ]),
  /**
   * The secret Transaction URL tokens are derived from (shared/app/payments/tokens.ts): the value
   * itself locally, a Secrets Manager secret in AWS. Changing it breaks every link already emailed.
   */
  SESSION_TOKEN_SECRET: z.optional(
    z.string().check(z.minLength(32, 'SESSION_TOKEN_SECRET must be at least 32 characters')),
  ),
  SESSION_TOKEN_SECRET_ARN: z.optional(z.string()),
  /**
   * The value CloudFront adds to every request to the WebSocket API (shared/lambda/origin-verify.ts):
   * the authorizer refuses a handshake without it before any scrypt runs. A Secrets Manager secret in
   * AWS; the value itself in tests. Neither set (the local runtime, which has no CloudFront): no check.
   */
  OCPP_ORIGIN_SECRET_ARN: z.optional(z.string()),
  OCPP_ORIGIN_SECRET: z.optional(
    z.string().check(z.minLength(32, 'OCPP_ORIGIN_SECRET must be at least 32 characters')),
  ),
  /** No StartTransaction this long after the card hold: the hold is cancelled as abandoned. */
  START_TIMEOUT_SECONDS: seconds(300),
  /** How often the payments sweeper checks a charging session's transaction (review-unpriceable.ts). */
  SETTLEMENT_CHECK_SECONDS: seconds(600),
  /** How long starting a paid session waits for the charger's answer to RemoteStartTransaction. */
  REMOTE_START_WAIT_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(20)), 10),
  /** Sender of receipts; an SES-verified address or an address at a verified domain. */
  SENDER_EMAIL: z.email('SENDER_EMAIL must be an email address'),
  /** Either the Secrets Manager secret holding the Stripe keys (AWS) or the key itself (local). */
  STRIPE_SECRET_ARN: z.optional(z.string()),
  STRIPE_SECRET_KEY: z.optional(z.string()),
  STRIPE_WEBHOOK_SECRET: z.optional(z.string()),
  /** Connect events come from a second endpoint ("events on connected accounts") with its own secret. */
  STRIPE_CONNECT_WEBHOOK_SECRET: z.optional(z.string()),
  /** Where drivers and operators reach the pages; used to build Transaction URLs in emails. */
  PUBLIC_BASE_URL: z._default(z.url(), 'http://localhost:8080'),
  /** The OCPP-J URL chargers are configured with (`<it>/<chargerId>`); absent: PUBLIC_BASE_URL as wss, `/ocpp`. */
  OCPP_PUBLIC_URL: z.optional(z.url()),
  /** Must stay well under API Gateway's 10 minute idle timeout. */
  HEARTBEAT_INTERVAL_SECONDS: seconds(300).check(
    z.refine((s) => s <= 540, {
      message: 'HEARTBEAT_INTERVAL_SECONDS must stay under the 600 s gateway idle timeout',
    }),
  ),
  /** How long a call the platform made to a charger may stay unanswered before it is failed. */
  CALL_TIMEOUT_SECONDS: seconds(30),
  /** Quiet period after StopTransaction before a charge becomes final. */
  SETTLE_WINDOW_SECONDS: seconds(120),
  /** Platform fee in basis points of each captured payment (a deploy setting, lib/settings.ts). */
  PLATFORM_FEE_BPS: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(10_000)), 0),
  /** Platform fee, fixed part per captured session, minor units (shared/domain/platform-fee.ts). */
  PLATFORM_FEE_FIXED_MINOR: z._default(z.coerce.number().check(z.int(), z.minimum(0)), 0),
  /** Who bears a refund's share of the fee: refunded in proportion (default) or kept by the platform. */
  REFUND_FEE_POLICY: z._default(z.enum(['proportional', 'kept']), 'proportional'),
  /** A transfer held this many days for an operator that has not finished onboarding is flagged. */
  PENDING_TRANSFER_FLAG_DAYS: z._default(z.coerce.number().check(z.int(), z.positive()), 30),
  /** Read by Powertools from the environment; declared so a bad value fails the deploy (lib/settings.ts). */
  LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']), 'INFO'),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return result.data;
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use and kept for the life of the container. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** The embedded runtime and tests set the environment first, then reset the cache. */
export function resetConfigForTests(): void {
  cached = undefined;
}

/**
 * A value built from the configuration once per container (clients, repositories), and built again
 * only if the configuration's values change: the embedded runtime sets CONNECTIONS_ENDPOINT after
 * the handlers have loaded. On the hot path this is one identity check.
 */
export function perConfig<T>(build: (c: Config) => T): () => T {
  let cached: { config: Config; key: string; value: T } | undefined;
  return () => {
    const c = config();
    if (cached?.config === c) return cached.value;
    const key = JSON.stringify(c);
    if (cached?.key === key) {
      cached.config = c;
      return cached.value;
    }
    cached = { config: c, key, value: build(c) };
    return cached.value;
  };
}

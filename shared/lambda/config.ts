/**
 * Deploy-time and run-time settings: one zod schema over the environment, parsed once at cold
 * start so a bad deploy fails on its first invocation with a message naming the setting.
 * Nothing else in the code base reads `process.env`.
 */
import { z } from 'zod';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  TABLE_NAME: z.string().min(1, 'TABLE_NAME names the platform DynamoDB table'),
  AWS_REGION: z.string().min(1).default('eu-west-2'),
  /**
   * Local runtime only: DynamoDB Local and the @connections emulator. The runtime also sets
   * SES_ENDPOINT and STRIPE_API_URL; they are declared here once an adapter reads them.
   */
  DYNAMODB_ENDPOINT: z.url().optional(),
  CONNECTIONS_ENDPOINT: z.url().optional(),
  /** Sender of receipts; an SES-verified address or an address at a verified domain. */
  SENDER_EMAIL: z.email('SENDER_EMAIL must be an email address'),
  /** Either the Secrets Manager secret holding the Stripe keys (AWS) or the key itself (local). */
  STRIPE_SECRET_ARN: z.string().optional(),
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  /** Connect events come from a second endpoint ("events on connected accounts") with its own secret. */
  STRIPE_CONNECT_WEBHOOK_SECRET: z.string().optional(),
  /** Where drivers and operators reach the pages; used to build Transaction URLs in emails. */
  PUBLIC_BASE_URL: z.url().default('http://localhost:8080'),
  /** Must stay well under API Gateway's 10 minute idle timeout. */
  HEARTBEAT_INTERVAL_SECONDS: seconds(300).refine((s) => s <= 540, {
    message: 'HEARTBEAT_INTERVAL_SECONDS must stay under the 600 s gateway idle timeout',
  }),
  /** How long a call the platform made to a charger may stay unanswered before it is failed. */
  CALL_TIMEOUT_SECONDS: seconds(30),
  /** Quiet period after StopTransaction before a charge becomes final. */
  SETTLE_WINDOW_SECONDS: seconds(120),
  /** Platform fee in basis points of each captured payment (a deploy setting, lib/settings.ts). */
  PLATFORM_FEE_BPS: z.coerce.number().int().min(0).max(10_000).default(0),
  /** Read by Powertools from the environment; declared so a bad value fails the deploy (lib/settings.ts). */
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).default('INFO'),
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

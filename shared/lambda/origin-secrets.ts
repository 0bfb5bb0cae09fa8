/**
 * Loads the values the authorizer accepts in the origin header (origin-verify.ts). Imported by the
 * authorizer's entry alone, so no other bundle carries the Secrets Manager client.
 *
 * Rotation: CloudFront sends the value it got at deploy time, so for a while after a new value is
 * put the old one still arrives. The authorizer accepts the secret's `AWSCURRENT` and `AWSPREVIOUS`
 * values (lib/README-settings.md, "Rotating the origin secret").
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { config } from './config.js';
import type { OriginSecrets } from './origin-verify.js';

/** How long a fetched value is kept: a rotation reaches every container within this. */
const SECRET_MAX_AGE_SECONDS = 300;

// Powertools caches by name (and transform) only, not by version stage: the previous value needs a
// provider, and so a cache, of its own.
const currentProvider = new SecretsProvider();
const previousProvider = new SecretsProvider();
let previousMissingUntilMs = 0;

async function previousValue(arn: string, nowMs: number): Promise<string | undefined> {
  if (nowMs < previousMissingUntilMs) return undefined;
  try {
    const value = await previousProvider.get(arn, {
      maxAge: SECRET_MAX_AGE_SECONDS,
      sdkOptions: { VersionStage: 'AWSPREVIOUS' },
    });
    return typeof value === 'string' ? value : undefined;
  } catch {
    // No AWSPREVIOUS until the first rotation. Remember that, or every handshake would pay a
    // Secrets Manager call to learn it again.
    previousMissingUntilMs = nowMs + SECRET_MAX_AGE_SECONDS * 1000;
    return undefined;
  }
}

/** The accepted values from the configuration: the value itself, or the secret's two newest versions. */
export const originSecrets: OriginSecrets = async () => {
  const c = config();
  if (c.OCPP_ORIGIN_SECRET) return [c.OCPP_ORIGIN_SECRET];
  if (!c.OCPP_ORIGIN_SECRET_ARN) return undefined;
  const current = await currentProvider.get(c.OCPP_ORIGIN_SECRET_ARN, { maxAge: SECRET_MAX_AGE_SECONDS });
  if (typeof current !== 'string' || current.length === 0) {
    throw new Error(`the OCPP origin secret ${c.OCPP_ORIGIN_SECRET_ARN} has no string value`);
  }
  const previous = await previousValue(c.OCPP_ORIGIN_SECRET_ARN, Date.now());
  return previous === undefined ? [current] : [current, previous];
};

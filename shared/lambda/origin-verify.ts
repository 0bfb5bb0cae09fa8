/**
 * The shared secret CloudFront adds to every request it forwards to the OCPP WebSocket API.
 *
 * Why: every unauthenticated `$connect` runs scrypt in a 1 GB authorizer, and the API's own
 * `execute-api` URL would let a flood skip CloudFront (and its WAF rule). The header is an identity
 * source of the authorizer, so API Gateway answers 401 to a request without it and never invokes
 * the function; a request with a wrong value is refused here, before the charger record is read or
 * any password hashed.
 *
 * Pure (no SDK), so the CDK code and every handler can import it; the authorizer alone loads the
 * secret (origin-secrets.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The header CloudFront sets on the origin request (an origin custom header, not a viewer one). */
export const ORIGIN_VERIFY_HEADER = 'X-Ocpp-Origin-Verify';

/** The values a request may carry; `undefined` when no check is configured (the local runtime). */
export type OriginSecrets = () => Promise<readonly string[] | undefined>;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Whether `presented` is one of `accepted`, in time independent of where they differ: both sides
 * are hashed to equal lengths first (timingSafeEqual needs equal lengths, and comparing lengths
 * would itself leak), and every accepted value is compared, so the time says nothing of which matched.
 */
export function originSecretMatches(presented: string | undefined, accepted: readonly string[]): boolean {
  if (presented === undefined || presented === '') return false;
  const presentedDigest = digest(presented);
  let matched = false;
  for (const value of accepted) {
    if (value.length === 0) continue;
    if (timingSafeEqual(presentedDigest, digest(value))) matched = true;
  }
  return matched;
}

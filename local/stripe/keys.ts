/**
 * API keys the emulator knows. Any `sk_test_…` secret key is accepted (tests use several); publishable
 * keys are checked against this list, as Stripe rejects a `pk_` it did not issue, so a page wired to the
 * wrong key fails locally the way it would in AWS.
 */

/** Secret key for local use; the emulator accepts any key of the form `sk_test_…`. */
export const EMULATOR_SECRET_KEY = 'sk_test_emulator';

/** Publishable key for Stripe.js pages (`Stripe(EMULATOR_PUBLISHABLE_KEY)`); the only `pk_` accepted. */
export const EMULATOR_PUBLISHABLE_KEY = 'pk_test_emulator';

export type KeyKind = 'secret' | 'publishable';

const SECRET_KEY = /^sk_test_[A-Za-z0-9_]+$/;
const KNOWN_PUBLISHABLE_KEYS: ReadonlySet<string> = new Set([EMULATOR_PUBLISHABLE_KEY]);

/** What a presented key is, or undefined when the emulator does not accept it. */
export function keyKind(key: string): KeyKind | undefined {
  if (SECRET_KEY.test(key)) return 'secret';
  if (KNOWN_PUBLISHABLE_KEYS.has(key)) return 'publishable';
  return undefined;
}

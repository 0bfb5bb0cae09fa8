/**
 * The Transaction URL's capability token and the session's OCPP idTag.
 *
 * The token is the only key to a session's page (no sign-in), so it carries 256 bits and only its
 * SHA-256 is stored: a copy of the table opens no page. The platform must still be able to put the
 * URL in every receipt it sends later (receipts go out from the payments stream, copies on the
 * driver's request), so the token is not random but HMAC-SHA256(secret, sessionId): unguessable
 * without the secret (kept in Secrets Manager, never in the table), and re-derivable when a receipt
 * needs it.
 *
 * The idTag is not secret (the charger sees it); it has to be unique and fit OCPP's CiString20.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface SessionTokens {
  tokenFor(sessionId: string): Promise<string>;
}

/**
 * Tokens under a secret that may have to be fetched (Secrets Manager in AWS). At least 32
 * characters: HMAC keys shorter than the hash add nothing but risk.
 */
export function sessionTokens(secret: string | (() => Promise<string>)): SessionTokens {
  const check = (s: string): string => {
    if (s.length < 32) throw new Error('the session token secret must be at least 32 characters');
    return s;
  };
  const getSecret =
    typeof secret === 'string' ? async () => check(secret) : async () => check(await secret());
  return {
    tokenFor: async (sessionId) =>
      createHmac('sha256', await getSecret())
        .update(sessionId)
        .digest('base64url'),
  };
}

/** 32 bytes, base64url: 43 characters. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** `PS` + 18 hex digits (72 random bits): 20 characters, the most OCPP 1.6 allows (see isSessionIdTag). */
export const newSessionIdTag = (): string => `PS${randomBytes(9).toString('hex').toUpperCase()}`;

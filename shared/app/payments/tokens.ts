/**
 * The Transaction URL's capability token and the session's OCPP idTag. The token is the only key to
 * a session's page (no sign-in), so it carries 256 random bits and only its SHA-256 is stored: a
 * leaked table does not leak working links. The idTag is not secret (the charger sees it); it only
 * has to be unique and fit OCPP's CiString20.
 */
import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes, base64url: 43 characters. */
export const newToken = (): string => randomBytes(32).toString('base64url');

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** `PS` + 18 hex digits (72 random bits): 20 characters, the most OCPP 1.6 allows. */
export const newSessionIdTag = (): string => `PS${randomBytes(9).toString('hex').toUpperCase()}`;

export const isSessionIdTag = (idTag: string): boolean => /^PS[0-9A-F]{18}$/i.test(idTag);

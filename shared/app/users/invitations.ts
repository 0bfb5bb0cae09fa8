/**
 * Inviting an operator's user and the user accepting: the invitation is an email with a link to
 * `/console/accept?token=…`; the token is 256 random bits, stored only as its SHA-256 (so a read of
 * the table yields no working link) and good for 7 days, once. Accepting sets the password and
 * confirms a TOTP secret in one step, and hands out the recovery codes: a user is never active
 * without a second factor.
 *
 * Also: re-enrolling TOTP for a signed-in user (`POST /api/v1/auth/totp`), which is stateless
 * between its two calls: `start` returns a new secret, `confirm` takes it back with a code from it.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { INVITATION_LIFETIME_MS, normaliseEmail, RECOVERY_CODES } from '../../domain/sign-in.js';
import type { UserRole } from '../../ports/users.js';
import { escapeHtml } from '../../web/html.js';
import { hashPassword } from '../auth/password.js';
import type { SignInDeps } from './sign-in.js';
import { newRecoveryCode, newToken, normaliseRecoveryCode, sha256 } from './tokens.js';
import { matchTotp, newTotpSecret, totpEnrolment } from './totp.js';

export interface InvitationDeps extends SignInDeps {
  /** Where the console is reached: the invitation link's base. */
  publicBaseUrl: string;
}

const password = z
  .string()
  .min(12, 'the password has at least 12 characters')
  .max(200, 'the password has at most 200 characters');
const totpSecret = z
  .string()
  .regex(/^[A-Z2-7]{16,128}$/, 'totpSecret is the base32 secret given with the form');
const totpCode = z.string().regex(/^\d{6}$/, 'the code from the authenticator app: 6 digits');

export const AcceptInviteBody = z.strictObject({
  token: z.string().min(1).max(128),
  password,
  totpSecret,
  totpCode,
});

export const TotpEnrolBody = z.discriminatedUnion('step', [
  z.strictObject({ step: z.literal('start') }),
  z.strictObject({ step: z.literal('confirm'), totpSecret, totpCode }),
]);

export const TotpStartShape = z.strictObject({
  totpSecret: z.string(),
  otpauthUri: z.string(),
  qrSvg: z.string(),
});

export const RecoveryCodesShape = z.strictObject({ recoveryCodes: z.array(z.string()) });

export interface Invited {
  userId: string;
  email: string;
  invitation: 'sent';
  expiresAt: string;
}

/** Creates the invited user and emails the link. `email-taken` when any operator's user has the email. */
export async function inviteUser(
  deps: InvitationDeps,
  command: { operatorId: string; operatorName: string; email: string; role: UserRole },
): Promise<Invited | { outcome: 'email-taken' }> {
  const nowMs = deps.clock.now();
  const email = normaliseEmail(command.email);
  const userId = `usr-${randomBytes(6).toString('hex')}`;
  const created = await deps.users.createUser({
    operatorId: command.operatorId,
    userId,
    email,
    role: command.role,
    status: 'invited',
    recoveryCodeHashes: [],
    createdAt: new Date(nowMs).toISOString(),
  });
  if (created === 'email-taken') return { outcome: 'email-taken' };
  const token = newToken();
  const expiresAtMs = nowMs + INVITATION_LIFETIME_MS;
  await deps.users.putInvitation({
    invitationHash: sha256(token),
    operatorId: command.operatorId,
    userId,
    email,
    expiresAtMs,
  });
  const link = `${deps.publicBaseUrl.replace(/\/$/, '')}/console/accept?token=${token}`;
  const expiresAt = new Date(expiresAtMs).toISOString();
  await deps.mailer.send({
    to: email,
    subject: `You are invited to manage ${command.operatorName.replace(/[\r\n]+/g, ' ')}'s chargers`,
    text: `You are invited to the EV Charging console of ${command.operatorName}.\n\nSet your password and your authenticator app here (the link works once, until ${expiresAt}):\n${link}\n`,
    html: `<p>You are invited to the EV Charging console of ${escapeHtml(command.operatorName)}.</p><p><a href="${escapeHtml(link)}">Set your password and your authenticator app</a>. The link works once, until ${expiresAt}.</p>`,
    tags: { purpose: 'invitation' },
  });
  return { userId, email, invitation: 'sent', expiresAt };
}

/** What the accept page shows for a live invitation: whom it is for and a fresh TOTP secret. */
export async function invitationForm(
  deps: InvitationDeps,
  token: string,
): Promise<{ email: string; totpSecret: string; otpauthUri: string; qrSvg: string } | undefined> {
  const invitation = await deps.users.invitation(sha256(token), deps.clock.now());
  if (!invitation) return undefined;
  const secret = newTotpSecret();
  return { email: invitation.email, totpSecret: secret, ...(await totpEnrolment(secret, invitation.email)) };
}

function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODES.count }, newRecoveryCode);
  return { codes, hashes: codes.map((c) => sha256(normaliseRecoveryCode(c))) };
}

export type AcceptOutcome =
  | { outcome: 'accepted'; recoveryCodes: string[] }
  | { outcome: 'no-invitation' }
  | { outcome: 'wrong-code' };

export async function acceptInvitation(
  deps: InvitationDeps,
  input: z.infer<typeof AcceptInviteBody>,
): Promise<AcceptOutcome> {
  const nowMs = deps.clock.now();
  const invitationHash = sha256(input.token);
  const invitation = await deps.users.invitation(invitationHash, nowMs);
  if (!invitation) return { outcome: 'no-invitation' };
  const step = matchTotp(input.totpSecret, input.totpCode, nowMs);
  if (step === undefined) return { outcome: 'wrong-code' };
  const { codes, hashes } = newRecoveryCodes();
  const activated = await deps.users.activateUser(invitation.operatorId, invitation.userId, {
    passwordHash: await hashPassword(input.password),
    totpSecret: input.totpSecret,
    totpLastStep: step,
    recoveryCodeHashes: hashes,
  });
  await deps.users.deleteInvitation(invitationHash);
  if (activated === 'not-invited') return { outcome: 'no-invitation' };
  return { outcome: 'accepted', recoveryCodes: codes };
}

/** A new secret for a signed-in user's authenticator; nothing is stored until it is confirmed. */
export async function startTotpEnrolment(email: string) {
  const secret = newTotpSecret();
  return { totpSecret: secret, ...(await totpEnrolment(secret, email)) };
}

/** Replaces the user's TOTP secret and recovery codes once a code from the new secret is given. */
export async function confirmTotpEnrolment(
  deps: SignInDeps,
  user: { operatorId: string; userId: string },
  input: { totpSecret: string; totpCode: string },
): Promise<{ outcome: 'enrolled'; recoveryCodes: string[] } | { outcome: 'wrong-code' }> {
  const step = matchTotp(input.totpSecret, input.totpCode, deps.clock.now());
  if (step === undefined) return { outcome: 'wrong-code' };
  const { codes, hashes } = newRecoveryCodes();
  await deps.users.replaceSecondFactor(user.operatorId, user.userId, {
    totpSecret: input.totpSecret,
    totpLastStep: step,
    recoveryCodeHashes: hashes,
  });
  return { outcome: 'enrolled', recoveryCodes: codes };
}

/**
 * Operator users' sign-in over the in-memory store: the invitation, the password step with its
 * back-off, each second factor (TOTP within ±1 step and never twice, recovery codes once, the email
 * code once and for 10 minutes), the lockout after wrong second factors, and sessions' timeouts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryMailer } from '../../../shared/adapters/memory/mailer.js';
import { ManualClock } from '../../../shared/adapters/memory/ocpp-store.js';
import { MemoryUserStore } from '../../../shared/adapters/memory/users.js';
import {
  acceptInvitation,
  type InvitationDeps,
  invitationForm,
  inviteUser,
} from '../../../shared/app/users/invitations.js';
import {
  beginSignIn,
  completeSecondFactor,
  liveSession,
  sendEmailCode,
  signOut,
} from '../../../shared/app/users/sign-in.js';
import { totpCodeAt } from '../../../shared/app/users/totp.js';
import {
  passwordBackoffUntilMs,
  SESSION_LIMITS,
  SIGN_IN_LIMITS,
  secondFactorLockedUntilMs,
} from '../../../shared/domain/sign-in.js';

const EMAIL = 'Owner@Example.com';
const PASSWORD = 'correct horse battery staple';
const IP = '198.51.100.7';

let deps: InvitationDeps & { users: MemoryUserStore; mailer: MemoryMailer; clock: ManualClock };
let secret: string;
let recoveryCodes: string[];

/** The invitation link's token, from the email the mailer recorded. */
const tokenIn = (text: string) => /token=([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? '';

beforeEach(async () => {
  deps = {
    users: new MemoryUserStore(),
    mailer: new MemoryMailer(),
    clock: new ManualClock(),
    publicBaseUrl: 'https://charge.example',
  };
  const invited = await inviteUser(deps, {
    operatorId: 'op-1',
    operatorName: 'The Crown',
    email: EMAIL,
    role: 'owner',
  });
  expect(invited).toMatchObject({ invitation: 'sent', email: 'owner@example.com' });
  const [mail] = deps.mailer.sentTo('owner@example.com');
  expect(mail?.text).toContain('https://charge.example/console/accept?token=');
  const token = tokenIn(mail?.text ?? '');
  const form = await invitationForm(deps, token);
  if (!form) throw new Error('no invitation form');
  secret = form.totpSecret;
  expect(form.otpauthUri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
  const accepted = await acceptInvitation(deps, {
    token,
    password: PASSWORD,
    totpSecret: secret,
    totpCode: totpCodeAt(secret, deps.clock.now()),
  });
  if (accepted.outcome !== 'accepted') throw new Error(`not accepted: ${accepted.outcome}`);
  recoveryCodes = accepted.recoveryCodes;
  // Two steps on, so the step before the current one is not the step used at enrolment.
  deps.clock.advance(60_000);
});

async function challenge(): Promise<string> {
  const begun = await beginSignIn(deps, { email: EMAIL, password: PASSWORD }, IP);
  if (begun.outcome !== 'challenge') throw new Error(`no challenge: ${begun.outcome}`);
  return begun.challenge;
}

describe('invitation', () => {
  it('works once, and gives ten distinct recovery codes', async () => {
    expect(new Set(recoveryCodes).size).toBe(10);
    const [mail] = deps.mailer.sentTo('owner@example.com');
    expect(await invitationForm(deps, tokenIn(mail?.text ?? ''))).toBeUndefined();
  });

  it('refuses a second user with the same email, whatever its case', async () => {
    expect(
      await inviteUser(deps, {
        operatorId: 'op-2',
        operatorName: 'Other',
        email: 'OWNER@example.com',
        role: 'staff',
      }),
    ).toEqual({ outcome: 'email-taken' });
  });
});

describe('password step', () => {
  it('answers an unknown email and a wrong password alike', async () => {
    expect(await beginSignIn(deps, { email: 'nobody@example.com', password: PASSWORD }, IP)).toEqual({
      outcome: 'wrong-credentials',
    });
    expect(await beginSignIn(deps, { email: EMAIL, password: 'wrong password!' }, IP)).toEqual({
      outcome: 'wrong-credentials',
    });
  });

  it('backs off an account after five wrong passwords, even with the right one, until the period passes', async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.freeFailures; i++)
      await beginSignIn(deps, { email: EMAIL, password: `wrong ${i}` }, `203.0.113.${i}`);
    const refused = await beginSignIn(deps, { email: EMAIL, password: PASSWORD }, IP);
    expect(refused).toEqual({ outcome: 'slow-down', retryAtMs: deps.clock.now() + 1_000 });
    deps.clock.advance(1_000);
    expect((await beginSignIn(deps, { email: EMAIL, password: PASSWORD }, IP)).outcome).toBe('challenge');
  });

  it('backs off an address that tries many accounts', async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.freeFailures; i++)
      await beginSignIn(deps, { email: `guess${i}@example.com`, password: 'x' }, IP);
    expect((await beginSignIn(deps, { email: EMAIL, password: PASSWORD }, IP)).outcome).toBe('slow-down');
    expect((await beginSignIn(deps, { email: EMAIL, password: PASSWORD }, '192.0.2.1')).outcome).toBe(
      'challenge',
    );
  });
});

describe('second factor', () => {
  it('accepts a TOTP code of the previous, current and next step, each once', async () => {
    const now = deps.clock.now();
    for (const offsetMs of [-30_000, 0, 30_000]) {
      const result = await completeSecondFactor(deps, {
        challenge: await challenge(),
        method: 'totp',
        code: totpCodeAt(secret, now + offsetMs),
      });
      expect(result.outcome, `step ${offsetMs / 30_000}`).toBe('signed-in');
    }
    // The next step's code was used: it, and anything before it, is refused now.
    const replay = await completeSecondFactor(deps, {
      challenge: await challenge(),
      method: 'totp',
      code: totpCodeAt(secret, now),
    });
    expect(replay).toEqual({ outcome: 'wrong-code', attemptsLeft: 4 });
  });

  it('refuses a code two steps away', async () => {
    const result = await completeSecondFactor(deps, {
      challenge: await challenge(),
      method: 'totp',
      code: totpCodeAt(secret, deps.clock.now() + 60_000),
    });
    expect(result.outcome).toBe('wrong-code');
  });

  it('accepts a recovery code once, in any case and spacing', async () => {
    const code = recoveryCodes[3] ?? '';
    const first = await completeSecondFactor(deps, {
      challenge: await challenge(),
      method: 'recovery',
      code: code.toUpperCase().replace('-', ' '),
    });
    expect(first).toMatchObject({ outcome: 'signed-in', user: { recoveryCodesLeft: 9 } });
    const again = await completeSecondFactor(deps, {
      challenge: await challenge(),
      method: 'recovery',
      code,
    });
    expect(again.outcome).toBe('wrong-code');
  });

  it('sends an email code that works once and for ten minutes', async () => {
    const c = await challenge();
    expect(await sendEmailCode(deps, c)).toBe('sent');
    const mail = deps.mailer.sentTo('owner@example.com').at(-1);
    const code = /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    expect(await completeSecondFactor(deps, { challenge: c, method: 'email', code })).toMatchObject({
      outcome: 'signed-in',
    });
    expect((await completeSecondFactor(deps, { challenge: c, method: 'email', code })).outcome).toBe(
      'no-challenge',
    );

    const late = await challenge();
    await sendEmailCode(deps, late);
    const lateCode =
      /\b(\d{6})\b/.exec(deps.mailer.sentTo('owner@example.com').at(-1)?.text ?? '')?.[1] ?? '';
    deps.clock.advance(10 * 60_000);
    expect(
      (await completeSecondFactor(deps, { challenge: late, method: 'email', code: lateCode })).outcome,
    ).not.toBe('signed-in');
  });

  it('locks the account after five wrong codes, says until when, and opens again after the lockout', async () => {
    const c = await challenge();
    const results = [];
    for (let i = 0; i < SIGN_IN_LIMITS.maxSecondFactorFailures; i++)
      results.push(await completeSecondFactor(deps, { challenge: c, method: 'totp', code: '000000' }));
    expect(results.map((r) => r.outcome)).toEqual([
      'wrong-code',
      'wrong-code',
      'wrong-code',
      'wrong-code',
      'locked',
    ]);
    const untilMs = deps.clock.now() + SIGN_IN_LIMITS.lockoutMs;
    expect(results.at(-1)).toEqual({ outcome: 'locked', untilMs });
    // Even the right code and the right password are refused while locked.
    const right = { challenge: c, method: 'totp' as const, code: totpCodeAt(secret, deps.clock.now()) };
    expect(await completeSecondFactor(deps, right)).toEqual({ outcome: 'locked', untilMs });
    expect(await beginSignIn(deps, { email: EMAIL, password: PASSWORD }, IP)).toEqual({
      outcome: 'locked',
      untilMs,
    });
    deps.clock.advance(SIGN_IN_LIMITS.lockoutMs);
    const after = await completeSecondFactor(deps, {
      challenge: await challenge(),
      method: 'totp',
      code: totpCodeAt(secret, deps.clock.now()),
    });
    expect(after.outcome).toBe('signed-in');
  });
});

describe('sessions', () => {
  async function signIn(): Promise<string> {
    const result = await completeSecondFactor(deps, {
      challenge: await challenge(),
      method: 'totp',
      code: totpCodeAt(secret, deps.clock.now()),
    });
    if (result.outcome !== 'signed-in') throw new Error(result.outcome);
    return result.sessionId;
  }

  it('stores only the hash of the session id', async () => {
    const sessionId = await signIn();
    expect(deps.users.sessions.has(sessionId)).toBe(false);
    expect([...deps.users.sessions.values()]).toHaveLength(1);
  });

  it('ends after the idle timeout, unless requests keep it alive, and at the absolute timeout', async () => {
    const sessionId = await signIn();
    const idleMs = SESSION_LIMITS.idleSeconds * 1000;
    const stepMs = idleMs / 2;
    const steps = (SESSION_LIMITS.absoluteSeconds * 1000) / stepMs;
    for (let i = 1; i < steps; i++) {
      deps.clock.advance(stepMs);
      expect(await liveSession(deps, sessionId), `after ${i * 15} minutes`).toBeDefined();
    }
    deps.clock.advance(stepMs);
    expect(await liveSession(deps, sessionId)).toBeUndefined();

    const idle = await signIn();
    deps.clock.advance(idleMs);
    expect(await liveSession(deps, idle)).toBeUndefined();
  });

  it('ends on sign-out', async () => {
    const sessionId = await signIn();
    await signOut(deps, sessionId);
    expect(await liveSession(deps, sessionId)).toBeUndefined();
  });
});

describe('policy', () => {
  it('doubles the password back-off from the fifth failure up to fifteen minutes', () => {
    const at = (failures: number) => passwordBackoffUntilMs({ failures, lastFailureAtMs: 0 });
    expect([4, 5, 6, 7, 30].map(at)).toEqual([0, 1_000, 2_000, 4_000, 15 * 60_000]);
  });

  it('locks after the fifth wrong second factor for fifteen minutes', () => {
    expect(secondFactorLockedUntilMs({ failures: 4, lastFailureAtMs: 5 })).toBe(0);
    expect(secondFactorLockedUntilMs({ failures: 5, lastFailureAtMs: 5 })).toBe(5 + 15 * 60_000);
  });
});

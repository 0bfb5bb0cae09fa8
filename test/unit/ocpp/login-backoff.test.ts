/** Issue 9, finding 7: failed-login floods back off per charger id and per source address, without scrypt. */
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryLoginFailures } from '../../../shared/adapters/memory/login-failures.js';
import {
  type AuthDeps,
  authenticateCharger,
  type PasswordHasher,
  scryptPasswords,
} from '../../../shared/app/ocpp/connection.js';
import { backoffUntilMs, LOGIN_BACKOFF } from '../../../shared/app/ocpp/login-backoff.js';
import { createAuthorizerHandler } from '../../../shared/lambda/ocpp-handlers.js';
import type { LoginFailureRepository } from '../../../shared/ports/login-failures.js';
import { aCharger, anOperator, CHARGER_ID, PASSWORD, PASSWORD_HASH } from '../../fixtures/ocpp/builders.js';
import { createMemoryOcppDeps, type MemoryOcpp } from '../../fixtures/ocpp/memory-ocpp-deps.js';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const ATTACKER = '203.0.113.7';
const CHARGER_SITE = '198.51.100.20';

/** Counts scrypt runs (verify and hash), the cost the back-off exists to avoid. */
function countingPasswords(): PasswordHasher & { runs: number } {
  const counter = {
    runs: 0,
    verify: (password: string, stored: string) => {
      counter.runs++;
      return scryptPasswords.verify(password, stored);
    },
    hash: (password: string) => {
      counter.runs++;
      return scryptPasswords.hash(password);
    },
  };
  return counter;
}

/** Counts the writes the authorizer makes to the failure records. */
function countingWrites(inner: LoginFailureRepository): LoginFailureRepository & { writes: number } {
  const counter = {
    writes: 0,
    read: inner.read.bind(inner),
    recordFailure: (...args: Parameters<LoginFailureRepository['recordFailure']>) => {
      counter.writes++;
      return inner.recordFailure(...args);
    },
    clear: (...args: Parameters<LoginFailureRepository['clear']>) => {
      counter.writes++;
      return inner.clear(...args);
    },
  };
  return counter;
}

let m: MemoryOcpp;
let passwords: ReturnType<typeof countingPasswords>;
let failures: ReturnType<typeof countingWrites>;
let deps: AuthDeps;

const attempt = (password: string, sourceIp: string | undefined, chargerId = CHARGER_ID) =>
  authenticateCharger(deps, {
    chargerId,
    authorization: basic(chargerId, password),
    subprotocols: 'ocpp1.6',
    sourceIp,
  });

async function failFreely(sourceIp: string): Promise<void> {
  for (let i = 0; i < LOGIN_BACKOFF.freeFailures; i++) {
    expect(await attempt('wrong', sourceIp)).toEqual({ kind: 'deny', reason: 'wrong password' });
  }
}

beforeEach(() => {
  m = createMemoryOcppDeps();
  m.store.putOperator(anOperator());
  m.store.putCharger(aCharger({ passwordHash: PASSWORD_HASH }));
  passwords = countingPasswords();
  failures = countingWrites(new MemoryLoginFailures());
  deps = { ...m.deps, loginFailures: failures, passwords };
});

describe('back-off policy', () => {
  it.each([
    [0, 0],
    [LOGIN_BACKOFF.freeFailures - 1, 0],
    [LOGIN_BACKOFF.freeFailures, 1_000],
    [LOGIN_BACKOFF.freeFailures + 1, 2_000],
    [LOGIN_BACKOFF.freeFailures + 8, 256_000],
    [LOGIN_BACKOFF.freeFailures + 9, 300_000],
    [LOGIN_BACKOFF.freeFailures + 500, 300_000],
  ])('after %i failures the subject waits %i ms from the latest', (count, waitMs) => {
    const lastFailureAtMs = 1_793_000_000_000;
    const until = backoffUntilMs({ failures: count, lastFailureAtMs });
    expect(until === 0 ? 0 : until - lastFailureAtMs).toBe(waitMs);
  });
});

describe('charger login back-off', () => {
  it('refuses an address at once, without scrypt, after repeated wrong passwords', async () => {
    await failFreely(ATTACKER);
    expect(passwords.runs).toBe(LOGIN_BACKOFF.freeFailures);
    for (let i = 0; i < 20; i++) {
      expect(await attempt('wrong', ATTACKER)).toEqual({
        kind: 'deny',
        reason: 'source address backing off',
      });
    }
    // Even the right password waits out the address's back-off.
    expect(await attempt(PASSWORD, ATTACKER)).toMatchObject({ kind: 'deny' });
    expect(passwords.runs).toBe(LOGIN_BACKOFF.freeFailures);
  });

  it('lets the real charger in at once from an address that has not failed, and clears the id', async () => {
    await failFreely(ATTACKER);
    expect(await attempt(PASSWORD, CHARGER_SITE)).toMatchObject({ kind: 'allow', chargerId: CHARGER_ID });
    expect(passwords.runs).toBe(LOGIN_BACKOFF.freeFailures + 1);
    expect(await failures.read({ chargerId: CHARGER_ID, sourceIp: undefined }, m.clock.now())).toEqual({});
  });

  it('refuses a backing-off id without scrypt to another address that has failed recently', async () => {
    await failFreely(ATTACKER);
    const accomplice = '203.0.113.8';
    expect(await attempt('wrong', accomplice, 'CP-UNKNOWN')).toMatchObject({ kind: 'deny' });
    const runs = passwords.runs;
    expect(await attempt('wrong', accomplice)).toEqual({ kind: 'deny', reason: 'charger id backing off' });
    expect(passwords.runs).toBe(runs);
  });

  it('tries again once the back-off has passed, and doubles it after the next failure', async () => {
    await failFreely(ATTACKER);
    m.clock.advance(999);
    expect(await attempt('wrong', ATTACKER)).toEqual({ kind: 'deny', reason: 'source address backing off' });
    m.clock.advance(1);
    expect(await attempt('wrong', ATTACKER)).toEqual({ kind: 'deny', reason: 'wrong password' });
    m.clock.advance(1_999);
    expect(await attempt('wrong', ATTACKER)).toEqual({ kind: 'deny', reason: 'source address backing off' });
    m.clock.advance(1);
    expect(await attempt(PASSWORD, ATTACKER)).toMatchObject({ kind: 'allow' });
    expect(passwords.runs).toBe(LOGIN_BACKOFF.freeFailures + 2);
  });

  it('refuses unknown ids and a username that is not the id without scrypt, counting the address', async () => {
    for (let i = 0; i < LOGIN_BACKOFF.freeFailures; i++) {
      expect(await attempt(PASSWORD, ATTACKER, `CP-NOPE-${i}`)).toEqual({
        kind: 'deny',
        reason: 'unknown charger',
      });
    }
    expect(passwords.runs).toBe(0);
    // The address backs off, but a charger id that has not failed is still checked: chargers behind
    // one NAT address share it. One wrong password marks the id, and then the address is refused for
    // it without scrypt.
    expect(await attempt('wrong-password-for-this-id', ATTACKER)).toEqual({
      kind: 'deny',
      reason: 'wrong password',
    });
    expect(passwords.runs).toBe(1);
    expect(await attempt(PASSWORD, ATTACKER)).toEqual({ kind: 'deny', reason: 'source address backing off' });
    expect(passwords.runs).toBe(1);
    const wrongUser = await authenticateCharger(deps, {
      chargerId: CHARGER_ID,
      authorization: basic('someone', PASSWORD),
      subprotocols: 'ocpp1.6',
      sourceIp: CHARGER_SITE,
    });
    expect(wrongUser).toEqual({ kind: 'deny', reason: 'username is not the charger id' });
    expect(passwords.runs).toBe(1);
  });

  it('writes nothing on a plain successful login', async () => {
    expect(await attempt(PASSWORD, CHARGER_SITE)).toMatchObject({ kind: 'allow' });
    expect(failures.writes).toBe(0);
  });

  it('takes the source address from the authorizer event', async () => {
    const authorize = createAuthorizerHandler(() => deps);
    const event = (password: string): APIGatewayRequestAuthorizerEvent =>
      ({
        type: 'REQUEST',
        methodArn: 'arn:aws:execute-api:eu-west-2:123456789012:api/prod/$connect',
        headers: { Authorization: basic(CHARGER_ID, password), 'Sec-WebSocket-Protocol': 'ocpp1.6' },
        queryStringParameters: { chargerId: CHARGER_ID },
        requestContext: { identity: { sourceIp: ATTACKER } },
      }) as unknown as APIGatewayRequestAuthorizerEvent;
    for (let i = 0; i < LOGIN_BACKOFF.freeFailures; i++) await authorize(event('wrong'));
    expect(await failures.read({ chargerId: 'CP-OTHER', sourceIp: ATTACKER }, m.clock.now())).toEqual({
      address: { failures: LOGIN_BACKOFF.freeFailures, lastFailureAtMs: m.clock.now() },
    });
    const refused = await authorize(event(PASSWORD));
    expect(refused.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect(passwords.runs).toBe(LOGIN_BACKOFF.freeFailures);
  });
});

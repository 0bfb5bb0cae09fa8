/**
 * Charger connections: who may connect ($connect authorizer), which subprotocol we answer
 * ($connect), and the connectionId ↔ chargerId records ($connect / $disconnect).
 *
 * Unknown chargers (pending registration): an operator claims charger-id prefixes
 * (`RegistrationPrefix`, e.g. `ACME-`). A charger the platform does not know, whose id starts with
 * a claimed prefix of an operator with `allowPendingChargers`, may connect: its record is created
 * as `pending` for that operator with the password it presented (trust on first use; later
 * connections must present the same one), and BootNotification answers Pending until the operator
 * approves it. Any other unknown charger is refused.
 */

import type { Charger } from '../../domain/entities.js';
import { isoFromMillis } from '../../ocpp/time.js';
import { chooseSubprotocol, type OcppVersion } from '../../ocpp/versions.js';
import type { ConnectionRecord } from '../../ports/connections.js';
import { hashPassword, verifyPassword } from '../auth/password.js';
// From call-queue.js, not commands.js: the connection functions bundle without the OCPP schemas.
import { failCallOfConnection, pumpCalls } from './call-queue.js';
import type { CommandDeps } from './commands.js';
import type { OcppDeps } from './deps.js';
import { backoffUntilMs, LOGIN_BACKOFF } from './login-backoff.js';

/** OCPP 2.0.1 identifierString (a superset of what 1.6 chargers use), CiString48. */
const CHARGER_ID = /^[A-Za-z0-9*\-_=:+|@.]{1,48}$/;

export function isValidChargerId(id: unknown): id is string {
  return typeof id === 'string' && CHARGER_ID.test(id);
}

/**
 * What a new charger id may be: the id travels in the URL path (`/ocpp/<id>`) and as the Basic auth
 * username, so only RFC 3986 unreserved characters that identifierString also allows (no `:`, which
 * ends the Basic username; nothing a URL would percent-encode), at most 48. Chargers already stored
 * under a wider id still connect: `isValidChargerId` guards the connect path.
 */
const REGISTRABLE_CHARGER_ID = /^[A-Za-z0-9._-]{1,48}$/;

export const REGISTRABLE_CHARGER_ID_RULE = '1–48 characters: letters, digits, - _ and . (no : or spaces)';

export function isRegistrableChargerId(id: unknown): id is string {
  return typeof id === 'string' && REGISTRABLE_CHARGER_ID.test(id);
}

export type AuthDecision =
  | {
      kind: 'allow';
      chargerId: string;
      operatorId: string;
      registration: Charger['registration'];
      /** The operator's `connectorCount` at connect, when set (the session checks connector ids against it). */
      connectorCount?: number;
      /** The subprotocol $connect will answer (absent: none offered we speak; $connect refuses). */
      protocol?: OcppVersion;
    }
  /** Credentials given but wrong, or the charger is not one we accept: 403. */
  | { kind: 'deny'; reason: string }
  /** No usable credentials: 401, so the charger sends them. */
  | { kind: 'unauthorized'; reason: string };

export interface BasicCredentials {
  username: string;
  password: string;
}

/** `Basic base64(user:password)`; undefined when absent or not Basic. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  if (!header) return undefined;
  const match = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Checks a password against a stored hash and hashes a new one; a seam so tests count scrypt runs. */
export interface PasswordHasher {
  verify(password: string, stored: string): Promise<boolean>;
  hash(password: string): Promise<string>;
}

export const scryptPasswords: PasswordHasher = { verify: verifyPassword, hash: hashPassword };

export type AuthDeps = Pick<OcppDeps, 'chargers' | 'operators' | 'clock' | 'log' | 'loginFailures'> & {
  /** Defaults to scrypt (shared/app/auth/password.ts). */
  passwords?: PasswordHasher;
};

/**
 * OCPP Security Profiles 1/2: HTTP Basic, username = charger id, password checked against its scrypt hash.
 *
 * Floods (issue 9, finding 7): failures are counted per charger id and per source address
 * (login-backoff.ts), and an attempt is refused at once, without scrypt, when one side is backing off
 * and the other has failed recently too:
 * - a charger id backing off is refused only for addresses that have failed themselves: charger ids
 *   are public (start pages), so a lock that refused everyone would let anyone lock any charger out,
 *   while a clean address is where the real charger connects from;
 * - an address backing off is refused only for charger ids that have failed: many chargers share one
 *   public address behind a carrier's NAT (and every local test charger shares 127.0.0.1), so a lock
 *   on the address alone would lock out every neighbour of one bad client.
 * A flooding address thus gets one scrypt per known charger id, and a botnet one per address per
 * locked id, not `freeFailures`.
 *
 * The failure records are read on every attempt, in parallel with the charger record: one small
 * BatchGet that adds no latency to the success path (reading them in one call with the charger
 * record would tie this port to the charger repository's; reading them only after a failure would
 * need the failure first, which is the scrypt we mean to skip). Only a success after failures writes
 * (it clears the charger id's count); a plain success writes nothing.
 *
 * No dummy scrypt for unknown ids any more: which charger ids exist is public through their start
 * pages, so hiding it by timing bought nothing and cost a scrypt per probe. Unknown ids, a username
 * that is not the charger id and chargers without a password are refused at once.
 */
export async function authenticateCharger(
  deps: AuthDeps,
  input: {
    chargerId: string | undefined;
    authorization: string | undefined;
    subprotocols: string | undefined;
    /** `requestContext.identity.sourceIp` of the upgrade; absent: only the charger id is counted. */
    sourceIp?: string | undefined;
  },
): Promise<AuthDecision> {
  const credentials = parseBasicAuth(input.authorization);
  if (!credentials) return { kind: 'unauthorized', reason: 'no basic credentials' };
  const { chargerId, sourceIp } = input;
  if (!isValidChargerId(chargerId)) return { kind: 'deny', reason: 'invalid charger id' };
  const passwords = deps.passwords ?? scryptPasswords;
  const nowMs = deps.clock.now();

  const [failures, charger] = await Promise.all([
    deps.loginFailures.read({ chargerId, sourceIp }, nowMs),
    deps.chargers.get(chargerId),
  ]);
  if (failures.charger && backoffUntilMs(failures.address) > nowMs)
    return { kind: 'deny', reason: 'source address backing off' };
  if (failures.address && backoffUntilMs(failures.charger) > nowMs)
    return { kind: 'deny', reason: 'charger id backing off' };

  /** Counts a failure against the address and, for a charger that exists, its id; then denies. */
  const fail = async (reason: string, countCharger: boolean): Promise<AuthDecision> => {
    const subjects = [
      ...(sourceIp !== undefined ? [{ sourceIp }] : []),
      ...(countCharger ? [{ chargerId }] : []),
    ];
    try {
      await Promise.all(
        subjects.map((subject) => deps.loginFailures.recordFailure(subject, nowMs, LOGIN_BACKOFF.windowMs)),
      );
    } catch (err) {
      // The attempt is refused either way; a lost count only delays a back-off.
      deps.log.error('could not record a failed charger login', { chargerId, error: String(err) });
    }
    return { kind: 'deny', reason };
  };

  if (credentials.username !== chargerId) return fail('username is not the charger id', false);
  const protocol = chooseSubprotocol(input.subprotocols);
  const allow = async (c: Charger): Promise<AuthDecision> => {
    if (failures.charger) await deps.loginFailures.clear({ chargerId });
    return {
      kind: 'allow',
      chargerId: c.chargerId,
      operatorId: c.operatorId,
      registration: c.registration,
      ...(c.connectorCount !== undefined ? { connectorCount: c.connectorCount } : {}),
      ...(protocol ? { protocol } : {}),
    };
  };

  if (charger) {
    if (!charger.passwordHash) return fail('charger has no password set', false);
    return (await passwords.verify(credentials.password, charger.passwordHash))
      ? allow(charger)
      : fail('wrong password', true);
  }

  const claim = await deps.chargers.findRegistrationPrefix(chargerId);
  const operator = claim ? await deps.operators.get(claim.operatorId) : undefined;
  if (!claim || !operator?.allowPendingChargers) return fail('unknown charger', false);
  if (!isRegistrableChargerId(chargerId)) return fail('charger id not registrable', false);
  const pending: Charger = {
    chargerId,
    operatorId: operator.operatorId,
    passwordHash: await passwords.hash(credentials.password),
    registration: 'pending',
    accessMode: 'private',
    paid: false,
    createdAt: isoFromMillis(nowMs),
  };
  if ((await deps.chargers.createIfAbsent(pending)) === 'created') {
    deps.log.info('unknown charger registered as pending', { chargerId, operatorId: operator.operatorId });
    return allow(pending);
  }
  // Another connection attempt created it first: check against what it stored.
  const winner = await deps.chargers.get(chargerId);
  return winner?.passwordHash && (await passwords.verify(credentials.password, winner.passwordHash))
    ? allow(winner)
    : fail('wrong password', true);
}

export type ConnectDecision =
  | { kind: 'accepted'; protocol: OcppVersion }
  | { kind: 'refused'; reason: string };

/**
 * $connect: picks the subprotocol and records the connection. A connection it supersedes is closed
 * and its outstanding call fails at once (issue 10, defect 3). The queue does not move on here: the
 * new socket takes no frames until $connect has returned (API Gateway and the local gateway answer
 * 410 until then), so the next call goes out with the next command, reply or sweep.
 */
export async function openConnection(
  deps: CommandDeps,
  input: Omit<ConnectionRecord, 'protocol'> & { subprotocols: string | undefined },
): Promise<ConnectDecision> {
  const protocol = chooseSubprotocol(input.subprotocols);
  if (!protocol)
    return { kind: 'refused', reason: `no supported subprotocol in "${input.subprotocols ?? ''}"` };
  const { subprotocols: _, ...rest } = input;
  // The connection this one replaces, if any: read first, since the open below overwrites it.
  const previous = await deps.connections.current(input.chargerId);
  const outcome = await deps.connections.open({ ...rest, protocol });
  if (outcome === 'superseded') {
    deps.log.warn('a newer connection of this charger is already recorded', {
      chargerId: input.chargerId,
      connectionId: input.connectionId,
    });
  } else if (previous && previous.connectionId !== input.connectionId) {
    // The newest connection wins (a charger reconnecting after a reboot or a lost link): the old
    // socket is closed rather than left open and served, as API Gateway would otherwise do.
    const closed = await deps.gateway.disconnect(previous).catch((err: unknown) => {
      deps.log.warn('could not close the superseded connection', {
        chargerId: input.chargerId,
        connectionId: previous.connectionId,
        error: String(err),
      });
      return 'failed' as const;
    });
    deps.log.info('superseded connection closed', {
      chargerId: input.chargerId,
      connectionId: previous.connectionId,
      outcome: closed,
    });
    await failCallOfConnection(
      deps,
      input.chargerId,
      previous.connectionId,
      'a newer connection of the charger replaced the one the call went out on',
    );
  }
  return { kind: 'accepted', protocol };
}

/**
 * $disconnect (best effort). The call outstanding on the closed connection fails at once (issue 10,
 * defect 3). When the charger has no connection left the queue moves on too: its queued calls end
 * as not sent rather than wait for a deadline; a newer connection's $connect has already run, and
 * its socket may still be opening, so there the next command, reply or sweep sends them.
 */
export async function closeConnection(
  deps: CommandDeps,
  input: { chargerId?: string | undefined; connectionId: string },
): Promise<'closed' | 'not-current' | 'unknown'> {
  const chargerId = input.chargerId ?? (await deps.connections.byConnectionId(input.connectionId))?.chargerId;
  if (!chargerId) return 'unknown';
  const outcome = await deps.connections.close(chargerId, input.connectionId);
  await failCallOfConnection(
    deps,
    chargerId,
    input.connectionId,
    'the connection closed before the charger answered',
  );
  if (outcome === 'closed') await pumpCalls(deps, chargerId);
  return outcome;
}

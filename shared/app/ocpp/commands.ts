/**
 * Calls the platform makes to chargers (operator API, payments flow): `sendCommand` stores the call
 * and sends it when the charger's single outstanding slot is free (others queue, oldest first);
 * the charger's reply arrives in a later $default invocation (`recordCallReply`) and is validated
 * against the action's `.conf` schema; `awaitCommandResult` polls the stored call.
 *
 * Two deadlines (issue 10, defect 4): a queued call may wait for its turn until its queue deadline,
 * then it ends `not-sent` (the charger never saw it); once sent, the charger has `timeoutSeconds`
 * from that moment to answer, then it ends `timeout`. A call that ends frees the slot and the queue
 * moves on at once, wherever that happens: a reply, a closed connection (connection.ts), someone
 * awaiting a call, or the sweep every minute (`sweepCalls`).
 */
import { OcppError, wireErrorCode } from '../../ocpp/errors.js';
import { type CallErrorFrame, type CallResultFrame, MessageType, type Payload } from '../../ocpp/frames.js';
import { isoFromMillis } from '../../ocpp/time.js';
import type { ChargingProfile, CommandAction, CommandMap } from '../../ocpp/v16/types.js';
import type { CallFailure, CallOutcome, CallRef, OutboundCallRecord } from '../../ports/charger-calls.js';
import { expireCall, isOpen, pumpCalls } from './call-queue.js';
import { storableResult } from './command-replies.js';
import type { ChargerSession, OcppDeps } from './deps.js';

// The queue's entry points, where callers have always found them.
export { failCallOfConnection, pumpCalls, sweepCalls } from './call-queue.js';

export type CommandDeps = Pick<
  OcppDeps,
  'clock' | 'ids' | 'log' | 'settings' | 'connections' | 'calls' | 'gateway' | 'chargers'
>;

/**
 * What a charger the platform has not accepted may be sent (OCPP 1.6 §4.2.1, issue 10 defect 6):
 * while Pending, calls that read or change its configuration and TriggerMessage (so the operator can
 * set it up and ask for a new BootNotification), never RemoteStart/RemoteStop or anything else;
 * while Rejected, nothing (it may not even be listening until its retry interval ends).
 */
const ALLOWED_BEFORE_ACCEPTANCE: Record<'pending' | 'rejected', ReadonlySet<CommandAction>> = {
  pending: new Set<CommandAction>(['GetConfiguration', 'ChangeConfiguration', 'TriggerMessage']),
  rejected: new Set<CommandAction>(),
};

export interface SendCommandInput<A extends CommandAction = CommandAction> {
  chargerId: string;
  action: A;
  payload: CommandMap[A]['req'];
  /** Seconds the charger has to answer, counted from when the call is sent. Default CALL_TIMEOUT_SECONDS. */
  timeoutSeconds?: number;
  /**
   * Seconds the call may wait behind earlier calls before it is given up as not sent. Default
   * QUEUE_WAIT_ANSWER_TIMEOUTS answer timeouts.
   */
  queueSeconds?: number;
  /** When given, the charger must belong to this operator (tenancy check for the operator API). */
  operatorId?: string;
}

export interface CommandHandle {
  /** Opaque handle for awaitCommandResult. */
  callId: string;
  /** The OCPP message id the charger sees. */
  messageId: string;
  chargerId: string;
}

export type CommandResult<Conf = Payload> =
  | { status: 'succeeded'; result: Conf; call: OutboundCallRecord }
  | { status: 'failed'; error: CallFailure; call: OutboundCallRecord }
  | { status: 'timeout'; call: OutboundCallRecord }
  /** The call never reached the charger; `error` says why. */
  | { status: 'not-sent'; error: CallFailure; call: OutboundCallRecord }
  /** awaitCommandResult stopped waiting before the call ended. */
  | { status: 'pending'; call: OutboundCallRecord };

export function encodeCallId(ref: CallRef): string {
  return Buffer.from(JSON.stringify([ref.chargerId, ref.createdAt, ref.messageId])).toString('base64url');
}

export function decodeCallId(callId: string): CallRef {
  try {
    const value: unknown = JSON.parse(Buffer.from(callId, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'string')) {
      const [chargerId, createdAt, messageId] = value as [string, string, string];
      return { chargerId, createdAt, messageId };
    }
  } catch {
    // fall through
  }
  throw new OcppError('UnknownCall', 'not a call id');
}

/**
 * Stores a call for the charger and sends it at once if nothing else is outstanding.
 * Throws OcppError `ChargerOffline` when the charger has no connection, `SecurityError` when it is
 * another operator's, `ChargerNotAccepted` when it is Pending or Rejected and the action is not one
 * it may be sent then, and the validation code when the payload breaks the action's schema.
 */
export async function sendCommand<A extends CommandAction>(
  deps: CommandDeps,
  input: SendCommandInput<A>,
): Promise<CommandHandle> {
  const conn = await deps.connections.current(input.chargerId);
  if (!conn) throw new OcppError('ChargerOffline', `charger ${input.chargerId} is not connected`);
  if (input.operatorId !== undefined && conn.operatorId !== input.operatorId) {
    throw new OcppError('SecurityError', `charger ${input.chargerId} belongs to another operator`);
  }
  await requireAccepted(deps, input.chargerId, input.action);
  const { validatorFor } = await loadValidation();
  const invalid = validatorFor(conn.protocol).checkRequest(input.action, input.payload);
  if (invalid) throw invalid;
  const now = deps.clock.now();
  const timeoutSeconds = input.timeoutSeconds ?? deps.settings.callTimeoutSeconds;
  const queueSeconds = input.queueSeconds ?? QUEUE_WAIT_ANSWER_TIMEOUTS * timeoutSeconds;
  const call: OutboundCallRecord = {
    chargerId: input.chargerId,
    operatorId: conn.operatorId,
    messageId: deps.ids.next(),
    action: input.action,
    payload: input.payload as Payload,
    createdAt: isoFromMillis(now),
    deadline: isoFromMillis(now + queueSeconds * 1000),
    timeoutSeconds,
    status: 'queued',
  };
  await deps.calls.create(call);
  await pumpCalls(deps, input.chargerId);
  return { callId: encodeCallId(call), messageId: call.messageId, chargerId: call.chargerId };
}

/**
 * The OCPP schemas (Ajv), evaluated when a command is first sent or answered: the functions that
 * only stop a session now and then (pricing, payments) do not set up Ajv at every cold start.
 */
const loadValidation = () => import('../../ocpp/validation.js');

/**
 * A queued call's default wait for its turn, in answer timeouts. Chargers take one call at a time
 * and callers send few (the operator API waits for each answer; a paid session sends one
 * RemoteStart and one RemoteStop): this lets three calls ahead of it use their full answer time,
 * and gives up a call that has still not left after that rather than deliver it long after its
 * sender stopped waiting.
 */
export const QUEUE_WAIT_ANSWER_TIMEOUTS = 4;

/** Throws `ChargerNotAccepted` when the charger's registration does not allow `action` now. */
async function requireAccepted(deps: CommandDeps, chargerId: string, action: CommandAction): Promise<void> {
  // Read at send time: the operator may have approved or rejected it since it connected.
  const registration = (await deps.chargers.get(chargerId))?.registration ?? 'rejected';
  if (registration === 'active' || ALLOWED_BEFORE_ACCEPTANCE[registration].has(action)) return;
  throw new OcppError(
    'ChargerNotAccepted',
    registration === 'pending'
      ? `charger ${chargerId} is pending approval: until the operator approves it, only GetConfiguration, ChangeConfiguration and TriggerMessage may be sent to it`
      : `charger ${chargerId} is rejected: no calls are sent to it`,
    { details: { registration, action } },
  );
}

export interface AwaitOptions {
  timeoutMs: number;
  pollMs?: number;
  /** Injected in tests; real timers otherwise. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls the stored call until it ends or `timeoutMs` passes (then `pending`). A call past its
 * deadline is ended here, and a queued one keeps its queue moving, so an answer or a timeout never
 * waits for the sweep.
 */
export async function awaitCommandResult<Conf = Payload>(
  deps: CommandDeps,
  callId: string,
  options: AwaitOptions,
): Promise<CommandResult<Conf>> {
  const ref = decodeCallId(callId);
  const sleep = options.sleep ?? realSleep;
  const pollMs = options.pollMs ?? 100;
  const giveUpAt = deps.clock.now() + options.timeoutMs;
  for (;;) {
    let call = await deps.calls.get(ref);
    if (!call) throw new OcppError('UnknownCall', 'no such call');
    const overdue = isOpen(call) && Date.parse(call.deadline) <= deps.clock.now();
    if (overdue) await expireCall(deps, call);
    // Ending this call, or one ahead of it that is overdue, lets the next one go out now.
    if (overdue || call.status === 'queued') {
      await pumpCalls(deps, ref.chargerId);
      call = (await deps.calls.get(ref)) ?? call;
    }
    const result = toResult<Conf>(call);
    if (result.status !== 'pending' || deps.clock.now() >= giveUpAt) return result;
    await sleep(Math.min(pollMs, Math.max(1, giveUpAt - deps.clock.now())));
  }
}

function toResult<Conf>(call: OutboundCallRecord): CommandResult<Conf> {
  switch (call.status) {
    case 'succeeded':
      return { status: 'succeeded', result: (call.result ?? {}) as Conf, call };
    case 'failed':
      return {
        status: 'failed',
        error: call.error ?? { code: 'GenericError', description: 'failed', source: 'platform' },
        call,
      };
    case 'timeout':
      return { status: 'timeout', call };
    case 'not-sent':
      return {
        status: 'not-sent',
        error: call.error ?? { code: 'GenericError', description: 'not sent', source: 'platform' },
        call,
      };
    default:
      return { status: 'pending', call };
  }
}

/**
 * A CALLRESULT or CALLERROR from the charger: matched to the outstanding call by message id and
 * the connection the call went out on, validated, recorded; then the next queued call goes out. A
 * reply that matches nothing (it came after its call timed out, or on another connection) is
 * logged and dropped.
 */
export async function recordCallReply(
  deps: CommandDeps,
  session: ChargerSession,
  frame: CallResultFrame | CallErrorFrame,
): Promise<void> {
  const { chargerId } = session;
  const held = await deps.calls.outstanding(chargerId);
  if (!held || held.messageId !== frame.messageId) {
    deps.log.warn('reply matches no outstanding call', { chargerId, messageId: frame.messageId });
    return;
  }
  const ref: CallRef = { chargerId, createdAt: held.createdAt, messageId: held.messageId };
  const call = await deps.calls.get(ref);
  if (call?.connectionId !== undefined && call.connectionId !== session.connectionId) {
    // OCPP-J answers a call on the connection it came in on: the same id on another socket (an old
    // one not yet closed, a counter restarted after a reboot) is not this call's answer.
    deps.log.warn('reply on another connection than its call went out on', {
      chargerId,
      messageId: frame.messageId,
      connectionId: session.connectionId,
    });
    return;
  }
  if (call) {
    const { validatorFor } = await loadValidation();
    const completedAt = isoFromMillis(deps.clock.now());
    let outcome: CallOutcome;
    if (frame.type === MessageType.CALLRESULT) {
      const invalid = validatorFor(session.protocol).checkResponse(call.action, frame.payload);
      outcome = invalid
        ? {
            status: 'failed',
            completedAt,
            error: {
              code: wireErrorCode(session.protocol, invalid.code),
              description: `invalid ${call.action}.conf: ${invalid.message}`,
              details: invalid.details,
              source: 'platform',
            },
          }
        : { status: 'succeeded', completedAt, ...storableResult(call.action, frame.payload) };
    } else {
      outcome = {
        status: 'failed',
        completedAt,
        error: {
          code: frame.errorCode,
          description: frame.errorDescription,
          details: frame.errorDetails,
          source: 'charger',
        },
      };
    }
    const recorded = await deps.calls.complete(ref, outcome);
    if (!recorded)
      deps.log.warn('reply for a call that had already ended', { chargerId, messageId: frame.messageId });
  }
  await deps.calls.release(chargerId, held.messageId);
  await pumpCalls(deps, chargerId);
}

/* ---- typed helpers for the calls the operator API and the payments flow make ---- */

type Opts = { timeoutSeconds?: number; operatorId?: string };

const command =
  <A extends CommandAction>(action: A) =>
  (deps: CommandDeps, chargerId: string, payload: CommandMap[A]['req'], opts: Opts = {}) =>
    sendCommand(deps, { chargerId, action, payload, ...opts });

export const remoteStartTransaction = command('RemoteStartTransaction');
export const remoteStopTransaction = command('RemoteStopTransaction');
export const changeAvailability = command('ChangeAvailability');
export const reset = command('Reset');
export const unlockConnector = command('UnlockConnector');
export const changeConfiguration = command('ChangeConfiguration');
export const getConfiguration = command('GetConfiguration');
export const triggerMessage = command('TriggerMessage');
export const clearCache = (deps: CommandDeps, chargerId: string, opts: Opts = {}) =>
  sendCommand(deps, { chargerId, action: 'ClearCache', payload: {}, ...opts });
export const setChargingProfile = command('SetChargingProfile');

export interface PowerLimit {
  /** Watts; OCPP allows one decimal, the platform uses whole watts. */
  limitW: number;
  transactionId: number;
  chargingProfileId: number;
  stackLevel?: number;
  /** Seconds the limit lasts from when the charger applies it; unbounded when absent. */
  durationSeconds?: number;
}

/** A TxProfile that caps the power of one running transaction. */
export function txPowerLimitProfile(limit: PowerLimit): ChargingProfile {
  if (!Number.isInteger(limit.limitW) || limit.limitW < 0) {
    throw new OcppError('PropertyConstraintViolation', 'limitW must be a whole number of watts, 0 or more');
  }
  return {
    chargingProfileId: limit.chargingProfileId,
    transactionId: limit.transactionId,
    stackLevel: limit.stackLevel ?? 0,
    chargingProfilePurpose: 'TxProfile',
    chargingProfileKind: 'Relative',
    chargingSchedule: {
      ...(limit.durationSeconds !== undefined ? { duration: limit.durationSeconds } : {}),
      chargingRateUnit: 'W',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: limit.limitW }],
    },
  };
}

/** Caps a running transaction's power (SetChargingProfile with a TxProfile). */
export function setTransactionPowerLimit(
  deps: CommandDeps,
  input: { chargerId: string; connectorId: number } & PowerLimit & Opts,
): Promise<CommandHandle> {
  const { chargerId, connectorId, timeoutSeconds, operatorId, ...limit } = input;
  return sendCommand(deps, {
    chargerId,
    action: 'SetChargingProfile',
    payload: { connectorId, csChargingProfiles: txPowerLimitProfile(limit) },
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(operatorId !== undefined ? { operatorId } : {}),
  });
}

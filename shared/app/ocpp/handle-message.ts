/**
 * $default: one OCPP-J frame from a charger in, at most one frame back. Never throws and never
 * answers with anything but an OCPP frame: a CALL gets a CALLRESULT or a CALLERROR; a
 * CALLRESULT/CALLERROR answers one of our calls and gets nothing back (commands.ts records it).
 */
import { lookupAction, type VersionedDispatch } from '../../ocpp/dispatch.js';
import { isOcppError, OcppError, wireErrorCode } from '../../ocpp/errors.js';
import {
  type CallFrame,
  encodeCallError,
  encodeCallResult,
  MessageType,
  parseFrame,
} from '../../ocpp/frames.js';
import { isoFromMillis } from '../../ocpp/time.js';
import { validatorFor } from '../../ocpp/validation.js';
import { recordCallReply } from './commands.js';
import type { CallContext, ChargerSession, OcppDeps } from './deps.js';
import { wasTriggered } from './triggered-messages.js';
import { OCPP16_CORE } from './v16/core.js';

export const DISPATCH: VersionedDispatch<OcppDeps, CallContext> = {
  'ocpp1.6': OCPP16_CORE,
};

/** The reply frame to send back, or undefined when nothing should be sent. */
export async function handleMessage(
  deps: OcppDeps,
  session: ChargerSession,
  body: string,
): Promise<string | undefined> {
  const parsed = parseFrame(body);
  if (parsed.kind === 'unparseable') {
    deps.log.warn('dropping a frame without a usable message id', {
      chargerId: session.chargerId,
      reason: parsed.reason,
    });
    return undefined;
  }
  if (parsed.kind === 'malformed') {
    deps.log.warn('malformed frame', {
      chargerId: session.chargerId,
      messageId: parsed.messageId,
      reason: parsed.error.message,
      answered: parsed.answer,
    });
    return parsed.answer ? callError(session, parsed.messageId, parsed.error) : undefined;
  }
  const { frame } = parsed;
  if (frame.type === MessageType.CALL) return handleCall(deps, session, frame);
  try {
    await recordCallReply(deps, session, frame);
  } catch (err) {
    deps.log.error('could not record a reply to a platform call', {
      chargerId: session.chargerId,
      messageId: frame.messageId,
      error: describe(err),
    });
  }
  return undefined;
}

async function handleCall(deps: OcppDeps, session: ChargerSession, frame: CallFrame): Promise<string> {
  const { messageId, action, payload } = frame;
  try {
    const validator = validatorFor(session.protocol);
    if (!validator.knowsAction(action)) {
      throw new OcppError('NotImplemented', `${action} is not an ${session.protocol} action`);
    }
    const spec = lookupAction(DISPATCH[session.protocol], action);
    if (!spec) throw new OcppError('NotSupported', `${action} is not supported`);
    const invalid = validator.checkRequest(action, payload);
    if (invalid) throw invalid;
    if (
      !spec.allowedBeforeAcceptance &&
      !(await isAccepted(deps, session)) &&
      !(await wasTriggered(deps, session, action, payload))
    ) {
      throw new OcppError('SecurityError', 'the charger is not accepted: send BootNotification until it is');
    }
    const ctx: CallContext = { ...session, messageId, receivedAt: isoFromMillis(deps.clock.now()) };
    const result = await spec.handle(deps, ctx, payload);
    // Our own answer must pass the schema too: a strict charger would reject it, and so do we.
    const badAnswer = validator.checkResponse(action, result);
    if (badAnswer) {
      throw new OcppError('InternalError', 'the platform built an invalid answer', { cause: badAnswer });
    }
    return encodeCallResult(messageId, result);
  } catch (err) {
    if (!isOcppError(err) || err.code === 'InternalError') {
      deps.log.error('CALL failed', {
        chargerId: session.chargerId,
        messageId,
        action,
        error: describe(err),
      });
    } else {
      deps.log.info('CALL refused', {
        chargerId: session.chargerId,
        messageId,
        action,
        code: err.code,
        reason: err.message,
      });
    }
    return callError(session, messageId, err);
  }
}

/** Only OcppError details reach the charger; anything else is an InternalError without internals. */
function callError(session: ChargerSession, messageId: string, err: unknown): string {
  if (isOcppError(err) && err.code !== 'InternalError') {
    return encodeCallError(messageId, wireErrorCode(session.protocol, err.code), err.message, err.details);
  }
  return encodeCallError(
    messageId,
    wireErrorCode(session.protocol, 'InternalError'),
    'internal error; retry later',
  );
}

async function isAccepted(deps: OcppDeps, session: ChargerSession): Promise<boolean> {
  if (session.registration === 'active') return true;
  // The authorizer's view is as old as the connection (the operator may have approved it since),
  // and absent when the session was rebuilt from the connection record: read the charger.
  const charger = await deps.chargers.get(session.chargerId);
  return charger?.registration === 'active';
}

function describe(err: unknown): Record<string, unknown> {
  if (err instanceof Error)
    return { name: err.name, message: err.message, stack: err.stack, cause: err.cause };
  return { value: String(err) };
}

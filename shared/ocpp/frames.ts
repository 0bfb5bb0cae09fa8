/**
 * OCPP-J RPC framing (OCPP-J 1.6 §4; unchanged in 2.0.1): CALL `[2, id, action, payload]`,
 * CALLRESULT `[3, id, payload]`, CALLERROR `[4, id, code, description, details]`.
 *
 * Frames the codec cannot correlate (not JSON, not an array, no usable message id) are reported as
 * `unparseable` and get no answer: OCPP-J answers with a CALLERROR only "if possible", and a CALLERROR
 * with an invented id would be matched by nothing on the charger. A frame with a usable id but a bad
 * shape is `malformed`: when it claims to be a CALL (or carries an unknown message type) it is
 * answered with a CALLERROR echoing that id; a malformed CALLRESULT/CALLERROR is never answered, so
 * two peers can never trade errors in a loop.
 */
import { OcppError, type OcppErrorCode } from './errors.js';

export const MessageType = { CALL: 2, CALLRESULT: 3, CALLERROR: 4 } as const;

/** OCPP-J: message ids are strings of at most 36 characters. */
export const MAX_MESSAGE_ID_LENGTH = 36;
/** API Gateway's WebSocket message limit; larger frames are refused before parsing. */
export const MAX_FRAME_BYTES = 128 * 1024;

export type Payload = Record<string, unknown>;

export interface CallFrame {
  type: typeof MessageType.CALL;
  messageId: string;
  action: string;
  payload: Payload;
}
export interface CallResultFrame {
  type: typeof MessageType.CALLRESULT;
  messageId: string;
  payload: Payload;
}
export interface CallErrorFrame {
  type: typeof MessageType.CALLERROR;
  messageId: string;
  errorCode: string;
  errorDescription: string;
  errorDetails: Payload;
}
export type Frame = CallFrame | CallResultFrame | CallErrorFrame;

export type ParsedFrame =
  | { kind: 'frame'; frame: Frame }
  /** Has a usable id; `answer` says whether a CALLERROR should go back (see module comment). */
  | { kind: 'malformed'; messageId: string; answer: boolean; error: OcppError }
  | { kind: 'unparseable'; reason: string };

const isPlainObject = (v: unknown): v is Payload =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

const malformed = (
  messageId: string,
  answer: boolean,
  code: OcppErrorCode,
  message: string,
): ParsedFrame => ({
  kind: 'malformed',
  messageId,
  answer,
  error: new OcppError(code, message),
});

/** A leading `[2, "id"` at the start of a frame too large to parse, so it can still be answered. */
const CALL_PREFIX = /^\s*\[\s*2\s*,\s*"([^"\\]{1,36})"/;

/** Parses one text frame. Never throws. */
export function parseFrame(text: string): ParsedFrame {
  if (text.length > MAX_FRAME_BYTES) {
    const id = CALL_PREFIX.exec(text.slice(0, 64))?.[1];
    return id
      ? malformed(id, true, 'FormatViolation', 'frame exceeds the 128 KB message limit')
      : { kind: 'unparseable', reason: 'frame exceeds the 128 KB message limit' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'unparseable', reason: 'not JSON' };
  }
  if (!Array.isArray(value)) return { kind: 'unparseable', reason: 'not a JSON array' };
  const [type, messageId] = value as unknown[];
  if (typeof messageId !== 'string' || messageId.length === 0) {
    return { kind: 'unparseable', reason: 'no message id at [1]' };
  }
  if (messageId.length > MAX_MESSAGE_ID_LENGTH) {
    return malformed(
      messageId,
      type === MessageType.CALL,
      'FormatViolation',
      'message id longer than 36 characters',
    );
  }
  switch (type) {
    case MessageType.CALL: {
      const [, , action, payload] = value as unknown[];
      if (value.length !== 4) return malformed(messageId, true, 'FormatViolation', 'a CALL has 4 elements');
      if (typeof action !== 'string' || action.length === 0) {
        return malformed(messageId, true, 'FormatViolation', 'CALL action must be a non-empty string');
      }
      if (!isPlainObject(payload))
        return malformed(messageId, true, 'FormatViolation', 'CALL payload must be an object');
      return { kind: 'frame', frame: { type, messageId, action, payload } };
    }
    case MessageType.CALLRESULT: {
      const [, , payload] = value as unknown[];
      if (value.length !== 3 || !isPlainObject(payload)) {
        return malformed(messageId, false, 'FormatViolation', 'a CALLRESULT is [3, id, {payload}]');
      }
      return { kind: 'frame', frame: { type, messageId, payload } };
    }
    case MessageType.CALLERROR: {
      const [, , errorCode, errorDescription, errorDetails] = value as unknown[];
      if (
        value.length !== 5 ||
        typeof errorCode !== 'string' ||
        typeof errorDescription !== 'string' ||
        !isPlainObject(errorDetails)
      ) {
        return malformed(
          messageId,
          false,
          'FormatViolation',
          'a CALLERROR is [4, id, code, description, {details}]',
        );
      }
      return { kind: 'frame', frame: { type, messageId, errorCode, errorDescription, errorDetails } };
    }
    default:
      return malformed(messageId, true, 'MessageTypeNotSupported', 'message type must be 2, 3 or 4');
  }
}

export function encodeCall(messageId: string, action: string, payload: object): string {
  return JSON.stringify([MessageType.CALL, messageId, action, payload]);
}

export function encodeCallResult(messageId: string, payload: object): string {
  return JSON.stringify([MessageType.CALLRESULT, messageId, payload]);
}

/** OCPP-J limits nothing here, but a description is for humans: keep it short. */
const MAX_DESCRIPTION = 255;

export function encodeCallError(
  messageId: string,
  code: string,
  description: string,
  details: Payload = {},
): string {
  return JSON.stringify([
    MessageType.CALLERROR,
    messageId,
    code,
    description.slice(0, MAX_DESCRIPTION),
    details,
  ]);
}

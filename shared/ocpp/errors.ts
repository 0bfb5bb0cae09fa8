/**
 * One error type for everything that ends as a CALLERROR. Code throughout the OCPP path throws
 * `OcppError` with a version-neutral `code`; `handleMessage` (its `callError`, in
 * shared/app/ocpp/handle-message.ts) maps it once to the wire code of the connection's protocol
 * version, and any other thrown value becomes `InternalError` there. The operator API's commands
 * throw it too; the HTTP edge maps those codes to statuses (shared/lambda/http-errors.ts).
 */
import type { OcppVersion } from './versions.js';

/**
 * Version-neutral error codes (the OCPP 2.0.1 spellings; 1.6 spells two of them differently and
 * lacks two). `ChargerOffline`, `ChargerNotAccepted` and `UnknownCall` are platform-side outcomes
 * of platform → charger calls (no connection; a Pending or Rejected charger the call may not go to;
 * a call id that names no stored call); they never reach a charger (they map to GenericError if
 * they did). A call that times out or that the charger rejects is not an error
 * but a stored outcome (CommandResult in shared/app/ocpp/commands.ts).
 */
export type OcppErrorCode =
  | 'FormatViolation'
  | 'ProtocolError'
  | 'TypeConstraintViolation'
  | 'PropertyConstraintViolation'
  | 'OccurrenceConstraintViolation'
  | 'NotImplemented'
  | 'NotSupported'
  | 'SecurityError'
  | 'InternalError'
  | 'GenericError'
  | 'MessageTypeNotSupported'
  | 'RpcFrameworkError'
  | 'ChargerOffline'
  | 'ChargerNotAccepted'
  | 'UnknownCall';

export class OcppError extends Error {
  override name = 'OcppError';
  readonly code: OcppErrorCode;
  readonly details: Record<string, unknown>;

  constructor(
    code: OcppErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** The error codes a CALLERROR may carry, per protocol version (OCPP-J 1.6 §4.2.3). */
export const WIRE_ERROR_CODES = {
  'ocpp1.6': [
    'NotImplemented',
    'NotSupported',
    'InternalError',
    'ProtocolError',
    'SecurityError',
    'FormationViolation',
    'PropertyConstraintViolation',
    'OccurenceConstraintViolation',
    'TypeConstraintViolation',
    'GenericError',
  ],
} as const satisfies Record<OcppVersion, readonly string[]>;

export type WireErrorCode<V extends OcppVersion = OcppVersion> = (typeof WIRE_ERROR_CODES)[V][number];

/** Neutral code → wire code, per version. Codes a version lacks map to its nearest equivalent. */
const WIRE_CODE_TABLE: { [V in OcppVersion]: Record<OcppErrorCode, WireErrorCode<V>> } = {
  'ocpp1.6': {
    FormatViolation: 'FormationViolation',
    ProtocolError: 'ProtocolError',
    TypeConstraintViolation: 'TypeConstraintViolation',
    PropertyConstraintViolation: 'PropertyConstraintViolation',
    OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
    NotImplemented: 'NotImplemented',
    NotSupported: 'NotSupported',
    SecurityError: 'SecurityError',
    InternalError: 'InternalError',
    GenericError: 'GenericError',
    // 1.6 has no code for a frame that is not RPC-shaped or has an unknown message type number.
    MessageTypeNotSupported: 'FormationViolation',
    RpcFrameworkError: 'FormationViolation',
    ChargerOffline: 'GenericError',
    ChargerNotAccepted: 'GenericError',
    UnknownCall: 'GenericError',
  },
};

export function wireErrorCode(version: OcppVersion, code: OcppErrorCode): WireErrorCode {
  return WIRE_CODE_TABLE[version][code];
}

/** Wire code (as a charger sent it in a CALLERROR) → neutral code; unknown codes → GenericError. */
export function neutralErrorCode(version: OcppVersion, wire: string): OcppErrorCode {
  const table = WIRE_CODE_TABLE[version];
  for (const [neutral, w] of Object.entries(table) as [OcppErrorCode, string][]) {
    if (w === wire && neutral !== 'MessageTypeNotSupported' && neutral !== 'RpcFrameworkError')
      return neutral;
  }
  return 'GenericError';
}

export function isOcppError(err: unknown): err is OcppError {
  return err instanceof OcppError;
}

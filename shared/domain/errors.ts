/**
 * One error type for the pure domain. The string `code` is what the edge maps to an HTTP status or an
 * OCPP error code; the domain itself never decides how an error is reported.
 */
export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A domain function was called with arguments that break its contract (a bug in the caller). */
export class InvalidArgumentError extends DomainError {
  override readonly name = 'InvalidArgumentError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** Failures of the Connect use cases; the HTTP edge maps each code once (shared/lambda/http-errors.ts). */
import { AppError, type AppErrorCode } from '../errors.js';

export type ConnectCode = Extract<AppErrorCode, `CONNECT_${string}`>;

export class ConnectError extends AppError {
  override readonly name = 'ConnectError';
  declare readonly code: ConnectCode;

  constructor(code: ConnectCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

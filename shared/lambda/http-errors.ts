/**
 * HTTP errors with a status and a message meant for the caller. middy's http-error-handler turns
 * them into responses; anything else becomes a 500 whose details stay in the logs.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly expose = true;
  constructor(
    readonly statusCode: number,
    message: string,
    readonly code: string = 'bad_request',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const badRequest = (message: string, code = 'bad_request') => new HttpError(400, message, code);
export const unauthorized = (message = 'missing or invalid API key') =>
  new HttpError(401, message, 'unauthorized');
export const notFound = (message: string) => new HttpError(404, message, 'not_found');
export const conflict = (message: string, code = 'conflict') => new HttpError(409, message, code);

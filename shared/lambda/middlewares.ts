/**
 * HTTP error mapping, done once at the edge: every error the caller may know about (see
 * httpFailureOf in http-errors.ts) becomes its status with a JSON body `{ error: { code, message } }`;
 * anything else is a 500 whose details stay in the logs.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { httpFailureOf } from './http-errors.js';
import { logger } from './logger.js';

export function jsonErrors(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const err = request.error;
      const failure = httpFailureOf(err);
      if (failure) {
        request.response = errorResponse(failure.statusCode, failure.code, failure.message);
        return;
      }
      logger.error('unhandled error', {
        error:
          err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
        path: request.event?.rawPath,
      });
      request.response = errorResponse(
        500,
        'internal_error',
        'internal error; the request id is in the logs',
      );
    },
  };
}

export function errorResponse(
  statusCode: number,
  code: string,
  message: string,
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: { code, message } }),
  };
}

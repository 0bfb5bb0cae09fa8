/**
 * HTTP error mapping, done once at the edge: every error the caller may know about (see
 * httpFailureOf in http-errors.ts) becomes its status with a JSON body `{ error: { code, message } }`;
 * anything else is a 500 whose details stay in the logs.
 */
import type middy from '@middy/core';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CONTENT_SECURITY_POLICY, onlyHeadersWithValues, routeHeadersWin } from '../http/security-headers.js';
import { httpFailureOf } from './http-errors.js';
import { logger } from './logger.js';

type HttpMiddleware = middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

/**
 * The response side of every HTTP function, in `.use` order. Middy runs `after` and `onError` hooks
 * last-used first, so jsonErrors comes last: its error response exists before the security headers'
 * onError looks for one (used first, it ran last and error bodies went out with no headers). Then a
 * page's own header wins over middy's, and headers left without a value are dropped.
 */
export function httpEdge(): HttpMiddleware[] {
  return [
    onlyHeadersWithValues(),
    routeHeadersWin(),
    httpSecurityHeaders({ contentSecurityPolicy: CONTENT_SECURITY_POLICY }) as HttpMiddleware,
    jsonErrors(),
  ];
}

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

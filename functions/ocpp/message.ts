/** $default (with a route response): one OCPP-J frame in, the reply frame returned as the body. */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { createMessageHandler } from '../../shared/adapters/apigw/ocpp-handlers.js';
import type { WebSocketEvent, WebSocketResult } from '../../shared/adapters/apigw/websocket-events.js';
import { logger } from '../../shared/lambda/logger.js';
import { ocppDeps } from '../../shared/lambda/ocpp-deps.js';

export const handler = middy<WebSocketEvent, WebSocketResult>()
  .use(injectLambdaContext(logger))
  .handler(createMessageHandler(ocppDeps));

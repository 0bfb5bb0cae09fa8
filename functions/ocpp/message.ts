/**
 * $default, a one-way route: one OCPP-J frame in, the reply frame posted back through `@connections`
 * (why: `ReplyRoute` in shared/lambda/ocpp-handlers.ts).
 */

import middy from '@middy/core';
import type { WebSocketEvent, WebSocketResult } from '../../shared/adapters/apigw/websocket-events.js';
import { logger, logInvocation } from '../../shared/lambda/logger.js';
import { ocppDeps } from '../../shared/lambda/ocpp-deps.js';
import { createMessageHandler } from '../../shared/lambda/ocpp-handlers.js';

// Near the Lambda timeout, answer nothing rather than let API Gateway send the charger its own
// non-OCPP error frame: the charger's call times out and it retries (we acknowledge only what is stored).
export const handler = middy<WebSocketEvent, WebSocketResult>({
  timeoutEarlyInMillis: 500,
  timeoutEarlyResponse: () => {
    logger.error('$default ran out of time; answering nothing so the charger retries');
    return { statusCode: 200 };
  },
})
  .use(logInvocation())
  .handler(createMessageHandler(ocppDeps, 'postToConnection'));

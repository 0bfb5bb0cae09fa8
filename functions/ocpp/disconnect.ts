/** $disconnect (best effort): forgets the connection unless a newer one replaced it. */

import middy from '@middy/core';
import type { WebSocketEvent, WebSocketResult } from '../../shared/adapters/apigw/websocket-events.js';
import { logInvocation } from '../../shared/lambda/logger.js';
import { linkDeps } from '../../shared/lambda/ocpp-link-deps.js';
import { createDisconnectHandler } from '../../shared/lambda/ocpp-link-handlers.js';

export const handler = middy<WebSocketEvent, WebSocketResult>()
  .use(logInvocation())
  .handler(createDisconnectHandler(linkDeps));

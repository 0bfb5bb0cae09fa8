/** $connect: answers the OCPP subprotocol and records connectionId ↔ chargerId. */

import middy from '@middy/core';
import type { WebSocketEvent, WebSocketResult } from '../../shared/adapters/apigw/websocket-events.js';
import { logInvocation } from '../../shared/lambda/logger.js';
import { linkDeps } from '../../shared/lambda/ocpp-link-deps.js';
import { createConnectHandler } from '../../shared/lambda/ocpp-link-handlers.js';

export const handler = middy<WebSocketEvent, WebSocketResult>()
  .use(logInvocation())
  .handler(createConnectHandler(linkDeps));

/** Every minute: fails platform → charger calls past their deadline and sends the next queued ones. */

import middy from '@middy/core';
import { logInvocation } from '../../shared/lambda/logger.js';
import { linkDeps } from '../../shared/lambda/ocpp-link-deps.js';
import { createCallSweeperHandler } from '../../shared/lambda/ocpp-link-handlers.js';

export const handler = middy<unknown, { timedOut: number; chargers: number }>()
  .use(logInvocation())
  .handler(createCallSweeperHandler(linkDeps));

/** Every minute: fails platform → charger calls past their deadline and sends the next queued ones. */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '../../shared/lambda/logger.js';
import { linkDeps } from '../../shared/lambda/ocpp-link-deps.js';
import { createCallSweeperHandler } from '../../shared/lambda/ocpp-link-handlers.js';

export const handler = middy<unknown, { timedOut: number; chargers: number }>()
  .use(injectLambdaContext(logger))
  .handler(createCallSweeperHandler(linkDeps));

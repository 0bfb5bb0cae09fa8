/**
 * Every minute: finalises the charges whose settle window has passed (or whose card hold is about
 * to lapse) and writes their charge-finalised outbox events for payments.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type FinaliserReport, finaliseDueCharges } from '../../shared/app/pricing/finalise.js';
import { logger } from '../../shared/lambda/logger.js';
import { pricingDeps } from '../../shared/lambda/pricing-deps.js';

export const handler = middy<unknown, FinaliserReport>()
  .use(injectLambdaContext(logger))
  .handler(() => finaliseDueCharges(pricingDeps()));

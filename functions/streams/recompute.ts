/**
 * Table stream → running charge of each transaction touched (meter values, start, stop, pricing
 * inputs). Reports batchItemFailures so that only the failed transactions' records are retried.
 */

import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { logInvocation } from '../../shared/lambda/logger.js';
import { pricingDeps } from '../../shared/lambda/pricing-deps.js';
import { createRecomputeHandler } from '../../shared/lambda/recompute-handler.js';

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(logInvocation())
  .handler(createRecomputeHandler(pricingDeps));

/**
 * Table stream → running charge of each transaction touched (meter values, start, stop, pricing
 * inputs). Reports batchItemFailures so that only the failed transactions' records are retried.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createRecomputeHandler } from '../../shared/adapters/dynamodb/charge-stream.js';
import { logger } from '../../shared/lambda/logger.js';
import { pricingDeps } from '../../shared/lambda/pricing-deps.js';

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger))
  .handler(createRecomputeHandler(pricingDeps));

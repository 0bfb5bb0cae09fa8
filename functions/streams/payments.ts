/**
 * Table stream → payments: binds a started transaction to its paid session, captures (or releases)
 * the hold when the charge is final, records the operator's transfer (shared/app/connect), and sends
 * the receipts owed. Its own event source on the table
 * stream (filtered, lib/stateless-stack.ts), so a slow card processor or mail service never holds up
 * pricing.
 */
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { connectDeps } from '../../shared/lambda/connect-deps.js';
import { logInvocation } from '../../shared/lambda/logger.js';
import { paymentsDeps } from '../../shared/lambda/payments-deps.js';
import { createPaymentsStreamHandler } from '../../shared/lambda/payments-stream-handler.js';

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(logInvocation())
  .handler(createPaymentsStreamHandler(paymentsDeps, connectDeps));

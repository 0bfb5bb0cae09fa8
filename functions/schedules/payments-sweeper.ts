/**
 * Every minute: cancels holds whose car never started charging (the start timeout) and retries hold
 * releases that failed, and releases for review the holds of sessions that cannot be priced, so no
 * card hold is left dangling.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type SweepReport, sweepSessions } from '../../shared/app/payments/sweep-sessions.js';
import { logger } from '../../shared/lambda/logger.js';
import { paymentsDeps } from '../../shared/lambda/payments-deps.js';

const NOTHING: SweepReport = { abandoned: 0, released: 0, reviewed: 0, cleared: 0, failed: 0 };

export const handler = middy<unknown, SweepReport>()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    const deps = paymentsDeps();
    return deps ? sweepSessions(deps) : NOTHING;
  });

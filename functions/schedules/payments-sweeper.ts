/**
 * Every minute: cancels holds whose car never started charging (the start timeout) and retries hold
 * releases that failed, and releases for review the holds of sessions that cannot be priced, so no
 * card hold is left dangling. Then flags the transfers held for an operator longer than the
 * deployment allows (one query of a sparse index, empty almost always), for the operator and, by a
 * WARN line the alarms count, for the platform. Last, finishes the refunds a request reserved and
 * never finished (app/connect/refunds.ts `finishLeftoverRefunds`).
 */
import middy from '@middy/core';
import { finishLeftoverRefunds, type LeftoverRefundsReport } from '../../shared/app/connect/refunds.js';
import { flagStalePendingTransfers } from '../../shared/app/connect/transfers.js';
import { type SweepReport, sweepSessions } from '../../shared/app/payments/sweep-sessions.js';
import { connectDeps } from '../../shared/lambda/connect-deps.js';
import { logInvocation } from '../../shared/lambda/logger.js';
import { paymentsDeps } from '../../shared/lambda/payments-deps.js';

const NOTHING: SweepReport = { abandoned: 0, released: 0, reviewed: 0, cleared: 0, failed: 0 };

const NO_REFUNDS: LeftoverRefundsReport = { finished: 0, failed: 0, unmarked: 0 };

export const handler = middy<
  unknown,
  SweepReport & { staleTransfersFlagged: number; leftoverRefunds: LeftoverRefundsReport }
>()
  .use(logInvocation())
  .handler(async () => {
    const deps = paymentsDeps();
    const report = deps ? await sweepSessions(deps) : NOTHING;
    const connect = connectDeps();
    return {
      ...report,
      staleTransfersFlagged: connect ? await flagStalePendingTransfers(connect) : 0,
      leftoverRefunds: connect ? await finishLeftoverRefunds(connect) : NO_REFUNDS,
    };
  });

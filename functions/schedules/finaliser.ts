/**
 * Every minute: re-folds charges the stream left stale (a bounded page of the reconciliation
 * sweep), then finalises the charges whose settle window has passed (or whose card hold is about
 * to lapse) and writes their charge-finalised outbox events for payments. The sweep goes first so
 * a charge it brings up to date is not finalised on stale data in the same run.
 */

import middy from '@middy/core';
import { type FinaliserReport, finaliseDueCharges } from '../../shared/app/pricing/finalise.js';
import { type ReconcileReport, reconcileCharges } from '../../shared/app/pricing/reconcile.js';
import { logInvocation } from '../../shared/lambda/logger.js';
import { pricingDeps } from '../../shared/lambda/pricing-deps.js';

export const handler = middy<unknown, FinaliserReport & { reconciled: ReconcileReport }>()
  .use(logInvocation())
  .handler(async () => {
    const deps = pricingDeps();
    const reconciled = await reconcileCharges(deps);
    return { ...(await finaliseDueCharges(deps)), reconciled };
  });

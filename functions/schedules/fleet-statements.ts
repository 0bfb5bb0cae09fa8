/**
 * On the 1st of each month: every fleet's statement of the month before, emailed to its billing
 * contact, and for fleets with payment the Stripe invoice of the month's total
 * (shared/app/fleets/monthly-statements.ts). Each session is billed once: one final only after its
 * month's statement is a late line of the next. A rerun does nothing twice.
 */
import middy from '@middy/core';
import { type MonthlyRunReport, runMonthlyStatements } from '../../shared/app/fleets/monthly-statements.js';
import { fleetsDeps } from '../../shared/lambda/fleets-deps.js';
import { logInvocation } from '../../shared/lambda/logger.js';

export const handler = middy<unknown, MonthlyRunReport>()
  .use(logInvocation())
  .handler(async () => runMonthlyStatements(fleetsDeps()));

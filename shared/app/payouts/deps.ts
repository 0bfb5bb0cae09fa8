/**
 * Everything the payouts use cases need, as one object of ports: Stripe's view of the connected
 * account's payouts, the payout and invoice store, the operator, the mailer and a clock.
 */
import type { Operator } from '../../domain/entities.js';
import type { Clock } from '../../ports/clock.js';
import type { Log } from '../../ports/log.js';
import type { Mailer } from '../../ports/mailer.js';
import type { PayoutLedger, PayoutStore } from '../../ports/payouts.js';
import type { DetailedInvoiceDeps } from './detailed-invoice.js';

export interface PayoutsDeps extends DetailedInvoiceDeps {
  clock: Clock;
  log: Log;
  ledger: PayoutLedger;
  payouts: PayoutStore;
  operators: { operator(operatorId: string): Promise<Operator | undefined> };
  mailer: Mailer;
}

export const isoAt = (clock: Clock): string => new Date(clock.now()).toISOString();

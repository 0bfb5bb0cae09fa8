/**
 * What payments reads and writes on the shared transaction item (`keys.transaction`):
 * it reads pricing's charge, and writes only the payments seam (`preAuthAmountMinor`,
 * `holdExpiresAt`, `paymentSessionId`), which pricing reads for the cost cap and the hold's safety
 * deadline (both are pricing inputs, so the write triggers a recompute).
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Charge } from '../../domain/pricing.js';
import type { SessionCharge, SessionTransactions } from '../../ports/payments.js';
import { keys, REPRICE_DUE } from './keys.js';
import { Expression, fromStringSet, type TableContext } from './support.js';

/** Pricing's flag for a transaction it cannot price (shared/app/pricing/inputs.ts `PricingFlag`). */
const UNPRICEABLE = 'pricing-input-invalid';

export class DynamoSessionTransactions implements SessionTransactions {
  constructor(private readonly t: TableContext) {}

  async chargeOf(chargerId: string, transactionId: number): Promise<SessionCharge | undefined> {
    const out = await this.t.doc.send(
      // Consistent: the capture and the transaction receipt read the charge right after the
      // finaliser wrote it; a stale read would miss the final charge.
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.transaction(chargerId, transactionId),
        ConsistentRead: true,
      }),
    );
    const item = out.Item;
    if (!item) return undefined;
    return {
      ...(typeof item.idTag === 'string' ? { idTag: item.idTag } : {}),
      ...(item.charge ? { charge: item.charge as Charge } : {}),
      ...(typeof item.energyMilliWh === 'number' ? { energyMilliWh: item.energyMilliWh } : {}),
      ...(typeof item.startedAt === 'string' ? { startedAt: item.startedAt } : {}),
      ...(typeof item.stoppedAt === 'string' ? { stoppedAt: item.stoppedAt } : {}),
      final: typeof item.finalisedAt === 'string',
      ...(fromStringSet(item.chargeFlags).includes(UNPRICEABLE) ? { unpriceable: true } : {}),
    };
  }

  async attachHold(
    chargerId: string,
    transactionId: number,
    hold: { preAuthAmountMinor: number; holdExpiresAt?: number; paymentSessionId: string },
  ): Promise<void> {
    // The hold is a pricing input (cost cap, safety deadline): the recompute's filter lets this through.
    const e = new Expression().setAll(hold).set(REPRICE_DUE, 'hold').when('attribute_exists(pk)');
    await this.t.doc.send(
      new UpdateCommand({
        TableName: this.t.tableName,
        Key: keys.transaction(chargerId, transactionId),
        ...e.params(),
      }),
    );
  }
}

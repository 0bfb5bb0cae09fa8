/** What the dashboard and the revenue summary read from a stored transaction (ports/operator-views.ts). */
import type { TransactionView } from '../../ports/operator-views.js';

export interface StoredCharge {
  chargerId: string;
  siteId?: string;
  startedAt?: string;
  final: boolean;
  energyMilliWh: number;
  /** Absent until the recompute has priced the session. */
  amounts?: { currency: string; netMinor: number; taxMinor: number; grossMinor: number };
}

const int = (v: unknown): number => (Number.isSafeInteger(v) ? (v as number) : 0);

export function storedCharge(tx: TransactionView): StoredCharge {
  const charge = tx.charge as { currency?: unknown; totals?: Record<string, unknown> } | undefined;
  const totals = charge?.totals;
  return {
    chargerId: tx.chargerId,
    ...(typeof tx.siteId === 'string' ? { siteId: tx.siteId } : {}),
    ...(typeof tx.startedAt === 'string' ? { startedAt: tx.startedAt } : {}),
    final: tx.status === 'final',
    energyMilliWh: int(tx.energyMilliWh),
    ...(totals && typeof charge?.currency === 'string'
      ? {
          amounts: {
            currency: charge.currency.toUpperCase(),
            netMinor: int(totals.netMinor),
            taxMinor: int(totals.taxMinor),
            grossMinor: int(totals.grossMinor),
          },
        }
      : {}),
  };
}

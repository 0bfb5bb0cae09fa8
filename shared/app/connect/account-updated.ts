/**
 * `account.updated` on the Connect endpoint: keeps the operator's account state current and, the
 * moment the account can receive transfers, releases the transfers held for it (transfers.ts).
 * Stripe does not order events, so the state an event carries is stored only if it is not older
 * than the one kept; the release itself re-reads what is pending and is safe to run twice.
 */
import type { ConnectAccountState } from '../../ports/connect.js';
import { canReceiveTransfers } from '../../ports/connect.js';
import { type ConnectDeps, isoFromMillis } from './deps.js';
import { releasePendingTransfers } from './transfers.js';

export type AccountUpdatedOutcome = 'unknown-account' | 'stale' | 'saved' | 'saved-and-released';

export async function handleAccountUpdated(
  deps: ConnectDeps,
  event: { created: number; state: ConnectAccountState },
): Promise<AccountUpdatedOutcome> {
  const operatorId = await deps.store.operatorOfAccount(event.state.accountId);
  if (!operatorId) return 'unknown-account';
  const saved = await deps.store.saveState(
    operatorId,
    event.state,
    event.created,
    isoFromMillis(deps.clock.now()),
  );
  // Even a stale event may find transfers to release: the newer state stored already says so.
  const current = saved === 'saved' ? event.state : (await deps.store.account(operatorId))?.state;
  if (!current || !canReceiveTransfers(current)) return saved;
  const released = await releasePendingTransfers(deps, operatorId);
  return released > 0 ? 'saved-and-released' : saved;
}

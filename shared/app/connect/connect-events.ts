/**
 * The Connect webhook endpoint's dispatcher: events about connected accounts, by type. An event type
 * not in the map is only recorded. Payout events go to the payouts module (shared/app/payouts), which
 * stores the payout's invoice or its failure and emails the operator.
 */
import type { PayoutsDeps } from '../payouts/deps.js';
import { handlePayoutEvent } from '../payouts/payout-events.js';
import { handleAccountUpdated } from './account-updated.js';
import type { FleetInvoiceDeps } from './transfers.js';

/** A verified Connect event as the endpoint passes it on. */
export interface ConnectEvent {
  id: string;
  type: string;
  created: number;
  account?: string | undefined;
  data: { object: unknown };
}

/** What the dispatcher needs: the Connect flow's deps and, for payout events, the payouts module's. */
export interface ConnectEventDeps extends FleetInvoiceDeps {
  invoicing: PayoutsDeps;
}

export type ConnectEventHandler = (deps: ConnectEventDeps, event: ConnectEvent) => Promise<string>;

const payoutEvent: ConnectEventHandler = (deps, event) =>
  handlePayoutEvent(deps.invoicing, {
    id: event.id,
    type: event.type,
    account: event.account ?? null,
    data: { object: (event.data.object ?? {}) as object },
  });

export const CONNECT_EVENT_HANDLERS: Readonly<Record<string, ConnectEventHandler>> = {
  'account.updated': (deps, event) =>
    handleAccountUpdated(deps, {
      created: event.created,
      state: deps.stripe.accountStateOf(event.data.object),
    }),
  'payout.paid': payoutEvent,
  'payout.failed': payoutEvent,
};

export async function dispatchConnectEvent(deps: ConnectEventDeps, event: ConnectEvent): Promise<string> {
  const handler = CONNECT_EVENT_HANDLERS[event.type];
  return handler ? handler(deps, event) : 'recorded-only';
}

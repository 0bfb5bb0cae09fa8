/**
 * The Connect webhook endpoint's dispatcher: events about connected accounts, by type. An event type
 * not in the map is only recorded. `payout.paid` / `payout.failed` join the map from
 * shared/app/payouts when that module lands (one line each).
 */
import { handleAccountUpdated } from './account-updated.js';
import type { ConnectDeps } from './deps.js';

/** A verified Connect event as the endpoint passes it on. */
export interface ConnectEvent {
  id: string;
  type: string;
  created: number;
  account?: string | undefined;
  data: { object: unknown };
}

export type ConnectEventHandler = (deps: ConnectDeps, event: ConnectEvent) => Promise<string>;

export const CONNECT_EVENT_HANDLERS: Readonly<Record<string, ConnectEventHandler>> = {
  'account.updated': (deps, event) =>
    handleAccountUpdated(deps, {
      created: event.created,
      state: deps.stripe.accountStateOf(event.data.object),
    }),
};

export async function dispatchConnectEvent(deps: ConnectDeps, event: ConnectEvent): Promise<string> {
  const handler = CONNECT_EVENT_HANDLERS[event.type];
  return handler ? handler(deps, event) : 'recorded-only';
}

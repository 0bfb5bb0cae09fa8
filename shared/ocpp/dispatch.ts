/**
 * Dispatch tables: action → handler, one table per protocol version. The message use case picks
 * the table by the connection's subprotocol, so 2.0.1 is a new table, not a rewrite.
 */
import type { OcppVersion } from './versions.js';

/** Handles one validated CALL payload and returns the CALLRESULT payload. */
// biome-ignore lint/suspicious/noExplicitAny: each handler types its own (schema-validated) request.
export type ActionHandler<D, C> = (deps: D, ctx: C, payload: any) => Promise<object>;

export interface ActionSpec<D, C> {
  handle: ActionHandler<D, C>;
  /** Charger registrations other than `active` may send only actions marked here (BootNotification). */
  allowedBeforeAcceptance?: boolean;
}

export type DispatchTable<D, C> = Readonly<Record<string, ActionSpec<D, C>>>;

export type VersionedDispatch<D, C> = { readonly [V in OcppVersion]: DispatchTable<D, C> };

export function lookupAction<D, C>(table: DispatchTable<D, C>, action: string): ActionSpec<D, C> | undefined {
  return Object.hasOwn(table, action) ? table[action] : undefined;
}

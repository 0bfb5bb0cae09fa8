/**
 * A simulated OCPP 1.6-J charger: an ocpp-rpc client in strict mode, so every frame both ways is
 * checked against the official schemas. Used by `npm run charger:demo`, the tests and the benches.
 */
import { RPCClient } from 'ocpp-rpc';

export interface SimulatedChargerOptions {
  /** The gateway's base URL, e.g. `ws://127.0.0.1:8180/ocpp`; the id is appended. */
  ocppUrl: string;
  chargerId: string;
  password: string | null;
  protocols?: string[];
  strictMode?: boolean;
}

export function simulatedCharger(opts: SimulatedChargerOptions): RPCClient {
  return new RPCClient({
    endpoint: opts.ocppUrl,
    identity: opts.chargerId,
    protocols: opts.protocols ?? ['ocpp1.6'],
    strictMode: opts.strictMode ?? true,
    password: opts.password,
    reconnect: false,
  } as ConstructorParameters<typeof RPCClient>[0]);
}

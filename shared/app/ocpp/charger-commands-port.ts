/**
 * The ChargerCommands port (what pricing needs to stop a session) over the OCPP command path: a
 * stored call, sent when the charger's slot is free. It lives with the OCPP use cases so that
 * app/pricing depends on the port alone; the composition root (shared/lambda/pricing-deps.ts)
 * wires the two together.
 */
import type { ChargerCommands } from '../../ports/charges.js';
import { type CommandDeps, remoteStopTransaction } from './commands.js';

export function ocppChargerCommands(deps: CommandDeps): ChargerCommands {
  return {
    async remoteStop(key) {
      const handle = await remoteStopTransaction(deps, key.chargerId, { transactionId: key.transactionId });
      return { messageId: handle.messageId };
    },
  };
}

/** The ChargerCommands port over the OCPP command path (stored call, sent when the charger's slot is free). */
import type { ChargerCommands } from '../../ports/charges.js';
import { type CommandDeps, remoteStopTransaction } from '../ocpp/commands.js';

export function ocppChargerCommands(deps: CommandDeps): ChargerCommands {
  return {
    async remoteStop(key) {
      const handle = await remoteStopTransaction(deps, key.chargerId, { transactionId: key.transactionId });
      return { messageId: handle.messageId };
    },
  };
}

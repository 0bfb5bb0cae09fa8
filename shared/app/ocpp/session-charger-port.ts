/**
 * The SessionCharger port (what payments asks of a charger) over the OCPP command path. It lives
 * with the OCPP use cases so that app/payments depends on the port alone; the composition root
 * wires the two together.
 */
import type { SessionCharger } from '../../ports/payments.js';
import {
  awaitCommandResult,
  type CommandDeps,
  remoteStartTransaction,
  remoteStopTransaction,
} from './commands.js';

export function ocppSessionCharger(deps: CommandDeps): SessionCharger {
  return {
    async isOnline(chargerId) {
      return (await deps.connections.current(chargerId)) !== undefined;
    },
    async remoteStart(chargerId, connectorId, idTag, waitMs) {
      const handle = await remoteStartTransaction(deps, chargerId, { connectorId, idTag });
      const result = await awaitCommandResult<{ status?: string }>(deps, handle.callId, {
        timeoutMs: waitMs,
      });
      if (result.status === 'succeeded') return result.result.status === 'Accepted' ? 'accepted' : 'rejected';
      // A CALLERROR is a refusal and a call never sent cannot start anything; a call still queued
      // or unanswered may yet start the charger.
      return result.status === 'failed' || result.status === 'not-sent' ? 'rejected' : 'no-answer';
    },
    async remoteStop(chargerId, transactionId) {
      await remoteStopTransaction(deps, chargerId, { transactionId });
    },
  };
}

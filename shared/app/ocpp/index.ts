/** The OCPP use cases: what the Lambda handlers, the operator API and the payments flow call. */
export { authorizeIdTag, decideIdTag } from './authorize-id-tag.js';
export {
  awaitCommandResult,
  type CommandDeps,
  type CommandHandle,
  type CommandResult,
  changeAvailability,
  changeConfiguration,
  clearCache,
  decodeCallId,
  encodeCallId,
  getConfiguration,
  type PowerLimit,
  pumpCalls,
  recordCallReply,
  remoteStartTransaction,
  remoteStopTransaction,
  reset,
  type SendCommandInput,
  sendCommand,
  setChargingProfile,
  setTransactionPowerLimit,
  sweepCalls,
  triggerMessage,
  txPowerLimitProfile,
  unlockConnector,
} from './commands.js';
export {
  type AuthDecision,
  authenticateCharger,
  type ConnectDecision,
  closeConnection,
  isRegistrableChargerId,
  isValidChargerId,
  openConnection,
  parseBasicAuth,
} from './connection.js';
export type { CallContext, ChargerSession, DataTransferHandler, OcppDeps, OcppSettings } from './deps.js';
export { DISPATCH, handleMessage } from './handle-message.js';

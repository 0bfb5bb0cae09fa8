/**
 * OCPP 1.6 Core profile: the messages a charger sends, each acknowledged only after what it says
 * is durably written. Payloads arrive validated against the official schemas; what the schemas
 * cannot say (connector ids are not negative, ...) is checked here.
 */
import type { Charger } from '../../../domain/entities.js';
import { sameIdTag } from '../../../domain/id-tag.js';
import type { DispatchTable } from '../../../ocpp/dispatch.js';
import { OcppError } from '../../../ocpp/errors.js';
import { isoFromMillis, normaliseTimestamp } from '../../../ocpp/time.js';
import type {
  AuthorizeConf,
  AuthorizeReq,
  BootNotificationConf,
  BootNotificationReq,
  DataTransferConf,
  DataTransferReq,
  DiagnosticsStatusNotificationReq,
  FirmwareStatusNotificationReq,
  HeartbeatConf,
  MeterValue,
  MeterValuesReq,
  RegistrationStatus,
  StartTransactionConf,
  StartTransactionReq,
  StatusNotificationReq,
  StopTransactionConf,
  StopTransactionReq,
} from '../../../ocpp/v16/types.js';
import type { BootInfo } from '../../../ports/charger-registry.js';
import type { StartRecord, StopInfo, TransactionRecord } from '../../../ports/transactions.js';
import { authorizeIdTag, authorizeIdTagAccess } from '../authorize-id-tag.js';
import type { CallContext, OcppDeps } from '../deps.js';
import { endSupersededTransaction, replaceSupersededStop } from './superseded-start.js';

type Handler<Req, Conf> = (deps: OcppDeps, ctx: CallContext, req: Req) => Promise<Conf>;

const REGISTRATION_STATUS: Record<Charger['registration'], RegistrationStatus> = {
  active: 'Accepted',
  pending: 'Pending',
  rejected: 'Rejected',
};

/**
 * The highest connector id a charger may use when the operator has not set its `connectorCount`:
 * the most the operator API lets one register, so every id stored here can be described there.
 */
export const MAX_CONNECTOR_ID = 32;

/**
 * Connector ids are checked against the operator's `connectorCount` for the charger: the one list
 * of connectors the start page, the QR codes and the payments flow already use. What a charger
 * says about itself (NumberOfConnectors, the connectors it has reported) is not trusted to widen it:
 * a connector the operator does not know could never be paid for or shown. Without a count, ids up
 * to MAX_CONNECTOR_ID pass. Refused before anything is stored.
 */
function requireConnector(
  connectorId: number,
  min: 0 | 1,
  charger?: Pick<Charger, 'connectorCount'> | { connectorCount: number | null },
): void {
  const max = charger?.connectorCount ?? MAX_CONNECTOR_ID;
  if (connectorId < min || connectorId > max) {
    throw new OcppError(
      'PropertyConstraintViolation',
      `connectorId must be ${min} to ${max} on this charger`,
      {
        details: { connectorId },
      },
    );
  }
}

/**
 * The connector count to check a frequent message against: the session's, as the authorizer read it
 * at connect (MeterValues and StatusNotification then store with one request, not two), or the
 * charger's record when the session has none.
 */
async function connectorCountOf(
  deps: OcppDeps,
  ctx: CallContext,
): Promise<{ connectorCount: number | null } | Charger | undefined> {
  if (ctx.connectorCount !== undefined) return { connectorCount: ctx.connectorCount };
  return deps.chargers.get(ctx.chargerId);
}

/**
 * A register reading is Wh counted up from 0: a negative one is impossible. Refused before anything
 * is stored, since pricing could not use it and the charger must hear that it sent nonsense.
 */
function requireMeterReading(field: 'meterStart' | 'meterStop', valueWh: number): void {
  if (valueWh < 0) {
    throw new OcppError('PropertyConstraintViolation', `${field} must be 0 or more (Wh)`, {
      details: { [field]: valueWh },
    });
  }
}

/**
 * What a repeat of this CALL is recognised by where its content has no identity of its own: its
 * message id on its connection. OCPP-J ids are unique on one connection only, and a rebooted
 * charger counts them from 1 again (its new boot would otherwise pass for the old one's repeat).
 */
const callKey = (ctx: CallContext): string => `${ctx.connectionId}#${ctx.messageId}`;

const normaliseMeterValues = (values: MeterValue[]): MeterValue[] =>
  values.map((mv) => ({ ...mv, timestamp: normaliseTimestamp(mv.timestamp) }));

export const bootNotification: Handler<BootNotificationReq, BootNotificationConf> = async (
  deps,
  ctx,
  req,
) => {
  const interval = deps.settings.heartbeatIntervalSeconds;
  const charger = await deps.chargers.get(ctx.chargerId);
  if (!charger || charger.operatorId !== ctx.operatorId) {
    return { status: 'Rejected', currentTime: isoFromMillis(deps.clock.now()), interval };
  }
  const info: BootInfo = { vendor: req.chargePointVendor, model: req.chargePointModel };
  if (req.chargePointSerialNumber !== undefined) info.chargePointSerialNumber = req.chargePointSerialNumber;
  if (req.chargeBoxSerialNumber !== undefined) info.chargeBoxSerialNumber = req.chargeBoxSerialNumber;
  if (req.firmwareVersion !== undefined) info.firmwareVersion = req.firmwareVersion;
  if (req.iccid !== undefined) info.iccid = req.iccid;
  if (req.imsi !== undefined) info.imsi = req.imsi;
  if (req.meterType !== undefined) info.meterType = req.meterType;
  if (req.meterSerialNumber !== undefined) info.meterSerialNumber = req.meterSerialNumber;
  await deps.chargers.recordBoot(ctx.chargerId, info, ctx.receivedAt, callKey(ctx));
  return {
    status: REGISTRATION_STATUS[charger.registration] ?? 'Rejected',
    currentTime: isoFromMillis(deps.clock.now()),
    interval,
  };
};

export const heartbeat: Handler<Record<string, never>, HeartbeatConf> = async (deps, ctx) => {
  await deps.chargers.recordHeartbeat(ctx.chargerId, ctx.receivedAt, callKey(ctx));
  return { currentTime: isoFromMillis(deps.clock.now()) };
};

/**
 * How far ahead of the platform's receive time a charger's status timestamp may be and still order
 * the connector's statuses: clocks drift and the platform's own is only a reference, but a status
 * stamped minutes into the future would stay "current" over every real one until that time passes.
 */
export const STATUS_CLOCK_TOLERANCE_SECONDS = 30;

/** The time a status is ordered by: its own, unless that is ahead of its arrival beyond the tolerance. */
function statusOrderTime(timestamp: string, receivedAt: string): string {
  const aheadMs = Date.parse(timestamp) - Date.parse(receivedAt);
  return aheadMs > STATUS_CLOCK_TOLERANCE_SECONDS * 1000 ? receivedAt : timestamp;
}

export const statusNotification: Handler<StatusNotificationReq, Record<string, never>> = async (
  deps,
  ctx,
  req,
) => {
  requireConnector(req.connectorId, 0, await connectorCountOf(deps, ctx));
  const timestamp = req.timestamp !== undefined ? normaliseTimestamp(req.timestamp) : ctx.receivedAt;
  await deps.statuses.record({
    chargerId: ctx.chargerId,
    operatorId: ctx.operatorId,
    connectorId: req.connectorId,
    status: req.status,
    errorCode: req.errorCode,
    ...(req.info !== undefined ? { info: req.info } : {}),
    ...(req.vendorId !== undefined ? { vendorId: req.vendorId } : {}),
    ...(req.vendorErrorCode !== undefined ? { vendorErrorCode: req.vendorErrorCode } : {}),
    timestamp,
    timestampSource: req.timestamp !== undefined ? 'charger' : 'received',
    orderedAt: statusOrderTime(timestamp, ctx.receivedAt),
    messageId: ctx.messageId,
    connectionId: ctx.connectionId,
    receivedAt: ctx.receivedAt,
  });
  return {};
};

export const authorize: Handler<AuthorizeReq, AuthorizeConf> = async (deps, ctx, req) => ({
  idTagInfo: await authorizeIdTag(deps, {
    chargerId: ctx.chargerId,
    operatorId: ctx.operatorId,
    idTag: req.idTag,
  }),
});

/** How often a StartTransaction may find its freshly counted id taken before giving up. */
const MAX_ID_ATTEMPTS = 5;

const sameStart = (s: StartRecord, req: StartTransactionReq) =>
  s.idTag === req.idTag && s.meterStart === req.meterStart;

/**
 * A StartTransaction replayed after a reconnect (same connector, timestamp, idTag and meterStart,
 * with the same or a new message id) gets the answer it got the first time (transaction id and
 * idTagInfo) and writes nothing.
 */
export const startTransaction: Handler<StartTransactionReq, StartTransactionConf> = async (
  deps,
  ctx,
  req,
) => {
  requireMeterReading('meterStart', req.meterStart);
  const { chargerId, operatorId } = ctx;
  const timestamp = normaliseTimestamp(req.timestamp);
  const [existing, charger] = await Promise.all([
    deps.transactions.findStart(chargerId, req.connectorId, timestamp),
    deps.chargers.get(chargerId),
  ]);
  requireConnector(req.connectorId, 1, charger);
  const { idTagInfo, billedTo, access } = await authorizeIdTagAccess(deps, {
    chargerId,
    operatorId,
    idTag: req.idTag,
    charger,
  });
  if (existing && sameStart(existing, req)) {
    deps.log.info('StartTransaction replayed; answering with its transaction id', {
      chargerId,
      transactionId: existing.transactionId,
    });
    // The first copy may have been cut short before it ended the connector's previous transaction.
    await endSupersededTransaction(deps, ctx, req, timestamp, existing.messageId);
    return { idTagInfo: existing.idTagInfo ?? idTagInfo, transactionId: existing.transactionId };
  }
  // Same connector and instant but another tag or meter reading cannot be a replay: store it as a
  // transaction of its own, without a replay record (the key is taken).
  let conflict = existing !== undefined;
  if (conflict)
    deps.log.warn('StartTransaction collides with another start on the same connector and time', {
      chargerId,
    });

  const tariffSnapshot = await deps.tariffs.snapshotFor({
    operatorId,
    chargerId,
    siteId: charger?.siteId,
    // The access rules decide whether the tag's group price applies (members, fleet cards); the
    // tag of a refused start or an owner tracking cost gets the charger's or site's price.
    idTag: access?.tariff === 'group' ? req.idTag : undefined,
  });
  const now = isoFromMillis(deps.clock.now());
  for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
    const transactionId = await deps.transactions.nextTransactionId(chargerId);
    const tx: TransactionRecord = {
      chargerId,
      transactionId,
      operatorId,
      ...(charger?.siteId !== undefined ? { siteId: charger.siteId } : {}),
      connectorId: req.connectorId,
      idTag: req.idTag,
      idTagStatus: idTagInfo.status,
      meterStart: req.meterStart,
      startedAt: timestamp,
      ...(req.reservationId !== undefined ? { reservationId: req.reservationId } : {}),
      startMessageId: ctx.messageId,
      ...(tariffSnapshot !== undefined ? { tariffSnapshot } : {}),
      ...(billedTo !== undefined ? { billedTo } : {}),
      status: 'active',
      flags: idTagInfo.status === 'Accepted' ? [] : ['id-tag-not-accepted'],
      createdAt: now,
      updatedAt: now,
    };
    const start: StartRecord = {
      chargerId,
      connectorId: req.connectorId,
      timestamp,
      idTag: req.idTag,
      meterStart: req.meterStart,
      transactionId,
      messageId: ctx.messageId,
      idTagInfo,
    };
    const outcome = await deps.transactions.createStarted(tx, conflict ? undefined : start);
    if (outcome === 'created') {
      await endSupersededTransaction(deps, ctx, req, timestamp, ctx.messageId);
      return { idTagInfo, transactionId };
    }
    if (outcome === 'duplicate-start') {
      // A concurrent copy of this message won the race: answer with its id.
      const winner = await deps.transactions.findStart(chargerId, req.connectorId, timestamp);
      if (winner && sameStart(winner, req))
        return { idTagInfo: winner.idTagInfo ?? idTagInfo, transactionId: winner.transactionId };
      conflict = true;
    }
  }
  throw new OcppError('InternalError', 'could not allocate a transaction id');
};

/**
 * A stop is known by what it says, not by its message id: the same stop resent under a new id (a
 * charger's queue after a reconnect) is a retransmission, and a rebooted charger may reuse the id
 * of the first stop for a different one.
 */
const sameStop = (tx: TransactionRecord, stop: StopInfo): boolean =>
  tx.meterStop === stop.meterStop &&
  tx.stoppedAt === stop.stoppedAt &&
  tx.stopReason === stop.stopReason &&
  (tx.stopIdTag === undefined || stop.stopIdTag === undefined
    ? tx.stopIdTag === stop.stopIdTag
    : sameIdTag(tx.stopIdTag, stop.stopIdTag));

/**
 * Stores the stop (and its transactionData as one meter-values item). A stop whose start never
 * arrived still leaves a consistent transaction: created from the stop, flagged `start-missing`.
 */
export const stopTransaction: Handler<StopTransactionReq, StopTransactionConf> = async (deps, ctx, req) => {
  requireMeterReading('meterStop', req.meterStop);
  const { chargerId, operatorId } = ctx;
  const txId = req.transactionId;
  const existing = await deps.transactions.get(chargerId, txId);
  if (req.transactionData && req.transactionData.length > 0) {
    await deps.transactions.putMeterValues({
      chargerId,
      operatorId,
      transactionId: txId,
      connectorId: existing?.connectorId ?? 0,
      messageId: ctx.messageId,
      source: 'StopTransaction',
      meterValue: normaliseMeterValues(req.transactionData),
      flags: [],
      receivedAt: ctx.receivedAt,
    });
  }
  const stop: StopInfo = {
    meterStop: req.meterStop,
    stoppedAt: normaliseTimestamp(req.timestamp),
    ...(req.reason !== undefined ? { stopReason: req.reason } : {}),
    ...(req.idTag !== undefined ? { stopIdTag: req.idTag } : {}),
    stopMessageId: ctx.messageId,
    receivedAt: ctx.receivedAt,
  };
  let outcome = existing ? await deps.transactions.recordStop(chargerId, txId, stop) : 'missing';
  if (outcome === 'missing') {
    deps.log.warn('StopTransaction for a transaction never started here; creating it from the stop', {
      chargerId,
      transactionId: txId,
    });
    await deps.transactions.reserveTransactionId(chargerId, txId);
    // The tariff in force now is the best guess at the one in force when it started; without it
    // the session would go unbilled. The start-missing flag puts it before the operator either way.
    const charger = await deps.chargers.get(chargerId);
    const tariffSnapshot = await deps.tariffs.snapshotFor({
      operatorId,
      chargerId,
      siteId: charger?.siteId,
      idTag: req.idTag,
    });
    const created = await deps.transactions.createFromStop({
      chargerId,
      transactionId: txId,
      operatorId,
      ...(charger?.siteId !== undefined ? { siteId: charger.siteId } : {}),
      ...(tariffSnapshot !== undefined ? { tariffSnapshot } : {}),
      ...(req.idTag !== undefined ? { idTag: req.idTag } : {}),
      status: 'stopped',
      flags: ['start-missing'],
      ...stop,
      createdAt: ctx.receivedAt,
      updatedAt: ctx.receivedAt,
    });
    if (created === 'exists') outcome = await deps.transactions.recordStop(chargerId, txId, stop);
  }
  if (outcome === 'already-stopped') {
    const tx = await deps.transactions.get(chargerId, txId);
    if (
      tx &&
      !sameStop(tx, stop) &&
      (await replaceSupersededStop(deps, tx, stop)) === 'kept' &&
      !tx.flags.includes('stop-conflict')
    ) {
      deps.log.warn('a second StopTransaction for a stopped transaction; keeping the first', {
        chargerId,
        transactionId: txId,
      });
      await deps.transactions.addFlag(chargerId, txId, 'stop-conflict');
    }
  }
  if (req.idTag === undefined) return {};
  return { idTagInfo: await authorizeIdTag(deps, { chargerId, operatorId, idTag: req.idTag }) };
};

/**
 * One write per message: every sample of the message in one item keyed by its content (never by
 * the message id, which a rebooted charger reuses), which also makes a repeated CALL a no-op.
 * Samples for an unknown transaction, or arriving after its stop, are stored all the same; the
 * transaction is not read here (the hot path): the recompute, which reads it anyway, flags them
 * (pricing/meter-message-flags.ts).
 */
export const meterValues: Handler<MeterValuesReq, Record<string, never>> = async (deps, ctx, req) => {
  requireConnector(req.connectorId, 0, await connectorCountOf(deps, ctx));
  if (req.meterValue.length === 0) return {}; // nothing to store (the schema allows an empty list)
  const outcome = await deps.transactions.putMeterValues({
    chargerId: ctx.chargerId,
    operatorId: ctx.operatorId,
    ...(req.transactionId !== undefined ? { transactionId: req.transactionId } : {}),
    connectorId: req.connectorId,
    messageId: ctx.messageId,
    source: 'MeterValues',
    meterValue: normaliseMeterValues(req.meterValue),
    flags: [],
    receivedAt: ctx.receivedAt,
  });
  if (outcome === 'duplicate')
    deps.log.debug('MeterValues repeated; already stored', { chargerId: ctx.chargerId });
  return {};
};

export const dataTransfer: Handler<DataTransferReq, DataTransferConf> = async (deps, ctx, req) => {
  const handler = deps.dataTransfer.get(req.vendorId);
  if (!handler) return { status: 'UnknownVendorId' };
  return handler({ chargerId: ctx.chargerId, operatorId: ctx.operatorId, messageId: ctx.messageId }, req);
};

export const diagnosticsStatusNotification: Handler<
  DiagnosticsStatusNotificationReq,
  Record<string, never>
> = async (deps, ctx, req) => {
  await deps.chargers.recordDiagnosticsStatus(ctx.chargerId, {
    status: req.status,
    at: ctx.receivedAt,
    messageId: callKey(ctx),
  });
  return {};
};

export const firmwareStatusNotification: Handler<
  FirmwareStatusNotificationReq,
  Record<string, never>
> = async (deps, ctx, req) => {
  await deps.chargers.recordFirmwareStatus(ctx.chargerId, {
    status: req.status,
    at: ctx.receivedAt,
    messageId: callKey(ctx),
  });
  return {};
};

/** The 1.6 actions a charger may send that the platform handles. Everything else 1.6 defines is NotSupported. */
export const OCPP16_CORE: DispatchTable<OcppDeps, CallContext> = {
  BootNotification: { handle: bootNotification, allowedBeforeAcceptance: true },
  Heartbeat: { handle: heartbeat },
  StatusNotification: { handle: statusNotification },
  Authorize: { handle: authorize },
  StartTransaction: { handle: startTransaction },
  StopTransaction: { handle: stopTransaction },
  MeterValues: { handle: meterValues },
  DataTransfer: { handle: dataTransfer },
  DiagnosticsStatusNotification: { handle: diagnosticsStatusNotification },
  FirmwareStatusNotification: { handle: firmwareStatusNotification },
};

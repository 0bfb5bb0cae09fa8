/** What the OCPP use cases read and write about chargers, operators and id tags. */
import type { Charger, IdTag, Operator } from '../domain/entities.js';

/** What a BootNotification tells about the charger. */
export interface BootInfo {
  vendor: string;
  model: string;
  chargePointSerialNumber?: string;
  chargeBoxSerialNumber?: string;
  firmwareVersion?: string;
  iccid?: string;
  imsi?: string;
  meterType?: string;
  meterSerialNumber?: string;
}

/** A status the charger reported for its firmware update or diagnostics upload. */
export interface ChargerReport {
  status: string;
  /** When the platform received it (the 1.6 messages carry no timestamp). */
  at: string;
  /** The CALL's message id on its connection (`<connectionId>#<messageId>`): what a repeat is known by. */
  messageId: string;
}

/**
 * A charger id prefix an operator has claimed for self-registration: an unknown charger whose id
 * starts with it may connect and is stored as `pending` for that operator, if the operator allows
 * pending chargers. The longest matching prefix wins.
 */
export interface RegistrationPrefix {
  prefix: string;
  operatorId: string;
}

export interface ChargerRepository {
  get(chargerId: string): Promise<Charger | undefined>;
  findRegistrationPrefix(chargerId: string): Promise<RegistrationPrefix | undefined>;
  /**
   * Creates a charger record only if the id is free (a self-registering pending charger, or one the
   * operator registers); `exists` when the id is taken or another request won the race.
   */
  createIfAbsent(charger: Charger): Promise<'created' | 'exists'>;
  /**
   * Stores what a BootNotification says. A repeat of the same message (same `messageId`, which
   * the caller scopes to the connection: ids are reused after a reboot) writes nothing.
   */
  recordBoot(chargerId: string, boot: BootInfo, at: string, messageId: string): Promise<void>;
  /**
   * Records `at` as the charger's last heartbeat, at most every HEARTBEAT_RECORD_RESOLUTION_SECONDS:
   * the charger item is listed in an index, and a write per heartbeat would be an index write per
   * heartbeat. A repeat or an older heartbeat changes nothing.
   */
  recordHeartbeat(chargerId: string, at: string, messageId: string): Promise<void>;
  recordFirmwareStatus(chargerId: string, report: ChargerReport): Promise<void>;
  recordDiagnosticsStatus(chargerId: string, report: ChargerReport): Promise<void>;
}

export interface OperatorReader {
  get(operatorId: string): Promise<Operator | undefined>;
}

export interface IdTagReader {
  get(operatorId: string, idTag: string): Promise<IdTag | undefined>;
}

/** How stale the recorded `lastHeartbeatAt` may be (see recordHeartbeat). */
export const HEARTBEAT_RECORD_RESOLUTION_SECONDS = 15 * 60;

/** The latest recorded heartbeat a heartbeat at `at` (ISO 8601) replaces. */
export const heartbeatRecordCutoff = (at: string): string =>
  new Date(Date.parse(at) - HEARTBEAT_RECORD_RESOLUTION_SECONDS * 1000).toISOString();

/**
 * The tariff a transaction is priced with, frozen when it starts so a later tariff change never
 * reprices a running session. The pricing engineer owns what the snapshot contains; OCPP stores it
 * on the transaction record as an opaque plain object.
 */
export interface TariffSnapshotInput {
  operatorId: string;
  chargerId: string;
  siteId?: string | undefined;
  /**
   * The tag whose group price may apply. Absent when none does: a StopTransaction without idTag
   * whose start was lost, or a start the access rules priced without the group tier
   * (domain/access-rules.ts: refused tags, owners tracking cost, card payers).
   */
  idTag?: string | undefined;
}

export interface TariffSnapshotProvider {
  snapshotFor(input: TariffSnapshotInput): Promise<unknown | undefined>;
}

/**
 * OCPP 1.6 id tags are `CiString20Type`: case-insensitive. Every lookup and comparison goes through
 * this one normal form, so `demo-rfid-01` from a charger finds the card stored as `DEMO-RFID-01`.
 */
export function normaliseIdTag(idTag: string): string {
  return idTag.toUpperCase();
}

export function sameIdTag(a: string, b: string): boolean {
  return normaliseIdTag(a) === normaliseIdTag(b);
}

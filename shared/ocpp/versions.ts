/**
 * OCPP-J protocol versions the platform speaks, named by their WebSocket subprotocol. Adding 2.0.1
 * means adding `'ocpp2.0.1'` here plus its schemas, error-code table and handlers; nothing that is
 * keyed by version needs rewriting.
 */
export const SUPPORTED_VERSIONS = ['ocpp1.6'] as const;

export type OcppVersion = (typeof SUPPORTED_VERSIONS)[number];

export function isSupportedVersion(value: unknown): value is OcppVersion {
  return typeof value === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(value);
}

/**
 * The subprotocol to answer for a `Sec-WebSocket-Protocol` request header (a comma-separated list
 * in the charger's order of preference). Our own preference wins: the newest version we speak that
 * the charger offers. Undefined when the charger offers nothing we speak (the upgrade is refused).
 * Both the authorizer and `$connect` call this, so they always agree.
 */
export function chooseSubprotocol(header: string | undefined | null): OcppVersion | undefined {
  if (!header) return undefined;
  const offered = new Set(
    header
      .split(',')
      .map((p) => p.trim().toLowerCase())
      .filter(Boolean),
  );
  for (let i = SUPPORTED_VERSIONS.length - 1; i >= 0; i--) {
    const v = SUPPORTED_VERSIONS[i]!;
    if (offered.has(v)) return v;
  }
  return undefined;
}

/**
 * The QR code on a connector: it opens the charger's start page with that connector chosen. Made
 * with the `qrcode` package; error correction M (15 %) survives a scuffed sticker without making the
 * code too dense to scan from a phone at arm's length, and the quiet zone of 4 modules is what the
 * QR standard asks for around the symbol.
 */
import QRCode from 'qrcode';

export type QrFormat = 'svg' | 'png';

const ERROR_CORRECTION = 'M';
const QUIET_ZONE_MODULES = 4;
/** Pixels per module in the PNG: about 300-400 px wide for a typical URL, enough for print. */
const PNG_MODULE_PX = 8;

/** The start page's address for one connector; the charger id is a path segment, so it is encoded. */
export function connectorStartUrl(baseUrl: string, chargerId: string, connectorId: number): string {
  return `${baseUrl.replace(/\/+$/, '')}/c/${encodeURIComponent(chargerId)}?connector=${connectorId}`;
}

/** The connector's QR code: SVG markup as a string, or PNG bytes. */
export function connectorQr(
  baseUrl: string,
  chargerId: string,
  connectorId: number,
  format: 'svg',
): Promise<string>;
export function connectorQr(
  baseUrl: string,
  chargerId: string,
  connectorId: number,
  format: 'png',
): Promise<Buffer>;
export function connectorQr(
  baseUrl: string,
  chargerId: string,
  connectorId: number,
  format: QrFormat,
): Promise<string | Buffer>;
export async function connectorQr(
  baseUrl: string,
  chargerId: string,
  connectorId: number,
  format: QrFormat,
): Promise<string | Buffer> {
  const url = connectorStartUrl(baseUrl, chargerId, connectorId);
  const options = { errorCorrectionLevel: ERROR_CORRECTION, margin: QUIET_ZONE_MODULES } as const;
  if (format === 'svg') return QRCode.toString(url, { ...options, type: 'svg' });
  return QRCode.toBuffer(url, { ...options, type: 'png', scale: PNG_MODULE_PX });
}

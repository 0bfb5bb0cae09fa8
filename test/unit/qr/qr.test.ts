import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { connectorQr, connectorStartUrl } from '../../../shared/web/qr.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Modules across the symbol for this URL at error correction M, plus the 4-module quiet zone each side. */
const sideModules = (url: string) => QRCode.create(url, { errorCorrectionLevel: 'M' }).modules.size + 2 * 4;

describe('the connector start URL', () => {
  it.each([
    ['https://charge.example', 'CP-1', 1, 'https://charge.example/c/CP-1?connector=1'],
    ['https://charge.example/', 'CP-1', 2, 'https://charge.example/c/CP-1?connector=2'],
    ['http://localhost:8080', 'CP 1/ä#?', 1, 'http://localhost:8080/c/CP%201%2F%C3%A4%23%3F?connector=1'],
  ])('%s, %s, connector %i → %s', (base, chargerId, connectorId, url) => {
    expect(connectorStartUrl(base, chargerId, connectorId)).toBe(url);
  });
});

describe('the connector QR code', () => {
  const url = 'https://charge.example/c/CP-1?connector=2';

  it('SVG: an SVG whose square viewBox is the symbol at error correction M with its quiet zone', async () => {
    const svg = await connectorQr('https://charge.example', 'CP-1', 2, 'svg');
    const side = sideModules(url);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
    expect(svg.trimEnd()).toMatch(/<\/svg>$/);
    expect(svg).toContain(`viewBox="0 0 ${side} ${side}"`);
    // Another connector is another code.
    expect(await connectorQr('https://charge.example', 'CP-1', 1, 'svg')).not.toBe(svg);
  });

  it('PNG: the PNG signature, a square image of 8 px per module, and a plausible size', async () => {
    const png = await connectorQr('https://charge.example', 'CP-1', 2, 'png');
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.toString('ascii', 12, 16)).toBe('IHDR');
    const widthPx = png.readUInt32BE(16);
    expect(widthPx).toBe(sideModules(url) * 8);
    expect(png.readUInt32BE(20)).toBe(widthPx);
    expect(png.length).toBeGreaterThan(500);
    expect(png.length).toBeLessThan(20_000);
  });
});

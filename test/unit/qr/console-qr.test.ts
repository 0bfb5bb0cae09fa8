import { describe, expect, it } from 'vitest';
import { ASSETS } from '../../../shared/web/assets.js';

describe('the console’s QR links', () => {
  const script = ASSETS['console.js']?.body ?? '';

  it('is still a script that parses', () => {
    expect(() => new Function(script)).not.toThrow();
  });

  it('links each connector of a charger row to its QR, fetched with the API key and opened as a blob', () => {
    expect(script).toContain('connectorCount||1');
    expect(script).toMatch(/data-qr-charger="'\+esc\(c\.chargerId\)\+'" data-qr-connector="'\+\(i\+1\)\+'"/);
    expect(script).toMatch(
      /\/connectors\/'\+a\.getAttribute\('data-qr-connector'\)\+'\/qr\.svg',\{headers:\{authorization:'Bearer '\+key\}\}/,
    );
    expect(script).toContain('URL.createObjectURL(b)');
  });
});

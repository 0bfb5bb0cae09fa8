/**
 * The detailed invoice's PDF from a Lambda bundle: pdfkit finds its standard fonts at run time
 * (lib/constructs/platform-function.ts `shipPdfkitFonts`), so an entry that renders the invoice is
 * bundled exactly as the functions are (`bundlePlatformFunction`) into a directory outside the
 * repository (no node_modules to fall back on) and run by a fresh node process; the PDF it prints is
 * read back with a PDF text extractor.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundlePlatformFunction,
  ENTRY_FILE,
  PDFKIT_FONTS_DIR,
  PLATFORM_NODE_OPTIONS,
} from '../../lib/constructs/platform-function.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = join(ROOT, 'test/fixtures/bundling/render-invoice-entry.ts');
const run = promisify(execFile);

describe('a bundle that renders the detailed invoice PDF', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'pdf-bundle-'));
    bundlePlatformFunction(ENTRY, outDir, ROOT);
  }, 120_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("ships pdfkit's standard fonts beside the code, and nothing of pdfkit's from node_modules", () => {
    expect(existsSync(join(outDir, 'package.json'))).toBe(true);
    expect(readdirSync(join(outDir, PDFKIT_FONTS_DIR))).toContain('Helvetica.cjs');
    expect(readdirSync(join(outDir, PDFKIT_FONTS_DIR))).toContain('HelveticaBold.cjs');
  });

  it('renders the PDF in a fresh node process, with the invoice totals in its text', async () => {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(join(outDir, ENTRY_FILE)).href)}); process.stdout.write(await m.handler());`;
    const { stdout } = await run(
      process.execPath,
      [PLATFORM_NODE_OPTIONS, '--input-type=module', '--eval', script],
      // Outside the repository, as in Lambda: nothing resolves from the project's node_modules.
      { cwd: outDir, maxBuffer: 16 * 1024 * 1024 },
    );
    const pdf = Buffer.from(stdout, 'base64');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
    expect(text).toContain('detailed invoice INV-000007');
    expect(text).toContain('£23.50');
    expect(text).toContain('£21.15');
  }, 60_000);
});

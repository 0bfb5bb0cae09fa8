/**
 * The OCPP validators in a Lambda bundle: `#ocpp-validators` resolves to the code Ajv generated at
 * build time (lib/ocpp-validators.ts), which needs Ajv's runtime helpers and the formats from the
 * bundle. An entry that validates payloads is bundled exactly as the functions are
 * (`bundlePlatformFunction`) into a directory outside the repository and run by a fresh node process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundlePlatformFunction,
  ENTRY_FILE,
  PLATFORM_NODE_OPTIONS,
} from '../../lib/constructs/platform-function.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = join(ROOT, 'test/fixtures/bundling/validate-frames-entry.ts');
const run = promisify(execFile);

describe('a bundle that validates OCPP payloads', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'ocpp-validators-bundle-'));
    bundlePlatformFunction(ENTRY, outDir, ROOT);
  }, 120_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('answers as the official schemas say, in a fresh node process outside the repository', async () => {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(join(outDir, ENTRY_FILE)).href)}); process.stdout.write(m.handler());`;
    const { stdout } = await run(
      process.execPath,
      [PLATFORM_NODE_OPTIONS, '--input-type=module', '--eval', script],
      {
        cwd: outDir,
      },
    );
    expect(JSON.parse(stdout)).toEqual({
      boot: 'ok',
      start: 'ok',
      badTime: 'TypeConstraintViolation',
      longTag: 'TypeConstraintViolation',
      limitOnGrid: 'ok',
      limitOffGrid: 'PropertyConstraintViolation',
      resetConf: 'PropertyConstraintViolation',
      unknown: 'NotImplemented',
    });
  }, 60_000);
});

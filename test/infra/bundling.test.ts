/**
 * The one test that really runs esbuild (the others skip bundling): every handler bundles into an
 * ESM file with the createRequire banner, its source map, and a `handler` export.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../lib/constructs/platform-function.js';
import { HANDLER_NAMES, type HandlerName } from '../../lib/handlers.js';
import { buildPlatform, type Platform } from '../../lib/platform.js';
import { logicalId, REQUIRED_CONTEXT } from './platform-fixture.js';

describe('bundling (esbuild, local, no Docker)', () => {
  let platform: Platform;
  let assemblyDir: string;
  // Synth time is measured by `npx cdk synth` (see the issue note), not asserted here: a timed test
  // fails on a busy machine for no fault of the code.
  beforeAll(() => {
    const app = new App({ context: REQUIRED_CONTEXT });
    platform = buildPlatform(app, { nag: false });
    assemblyDir = app.synth().directory;
  }, 120_000);

  it.each(HANDLER_NAMES)(
    '%s: index.mjs with the ESM banner, a source map and a handler export',
    (name: HandlerName) => {
      const template = JSON.parse(readFileSync(join(assemblyDir, platform.stateless.templateFile), 'utf8'));
      const code = template.Resources[logicalId(platform.stateless.functions[name].function)].Properties.Code;
      const assetDir = join(assemblyDir, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`);
      const bundle = join(assetDir, 'index.mjs');
      expect(existsSync(bundle), bundle).toBe(true);
      expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
      const source = readFileSync(bundle, 'utf8');
      expect(source.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(source).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(source).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
    },
  );
});

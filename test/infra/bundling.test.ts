/**
 * The tests that really run esbuild (the others skip bundling): every handler bundles into an
 * ESM entry with the createRequire banner, its source map, and a `handler` export, plus the chunks
 * it loads on first use; the bench builds the very same files; and what each bundle loads at init,
 * from esbuild's metafile.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, PDFKIT_FONTS_DIR } from '../../lib/constructs/platform-function.js';
import { HANDLER_NAMES, HANDLERS, type HandlerName, type HandlerSpec } from '../../lib/handlers.js';
import { OCPP_VALIDATORS_FILE, OCPP_VALIDATORS_SOURCES } from '../../lib/ocpp-validators.js';
import { buildPlatform, type Platform } from '../../lib/platform.js';
import {
  type BuiltBundle,
  buildBundles,
  bundledInputs,
  initBytesByInput,
  packageOf,
  staticInputs,
} from '../bench/bundles.js';
import { logicalId, REQUIRED_CONTEXT } from './platform-fixture.js';

describe('bundling (esbuild, local, no Docker)', () => {
  let platform: Platform;
  let assemblyDir: string;
  let benchDir: string;
  // Synth time is measured by `npx cdk synth` (see the issue note), not asserted here: a timed test
  // fails on a busy machine for no fault of the code.
  beforeAll(async () => {
    const app = new App({ context: REQUIRED_CONTEXT });
    platform = buildPlatform(app, { nag: false });
    assemblyDir = app.synth().directory;
    benchDir = mkdtempSync(join(tmpdir(), 'bundling-bench-'));
    await buildBundles(benchDir);
  }, 180_000);
  afterAll(() => rmSync(benchDir, { recursive: true, force: true }));

  const assetDirOf = (name: HandlerName): string => {
    const template = JSON.parse(readFileSync(join(assemblyDir, platform.stateless.templateFile), 'utf8'));
    const code = template.Resources[logicalId(platform.stateless.functions[name].function)].Properties.Code;
    return join(assemblyDir, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`);
  };
  const codeFiles = (dir: string): string[] =>
    readdirSync(dir)
      .filter((file) => file.endsWith('.mjs'))
      .sort();

  it('every function has a bundle of its own (CDK stages each entry, not the first one eleven times)', () => {
    expect(new Set(HANDLER_NAMES.map(assetDirOf)).size).toBe(HANDLER_NAMES.length);
  });

  it.each(HANDLER_NAMES)(
    '%s: the asset holds the files npm run bench:cold measures, byte for byte',
    (name: HandlerName) => {
      const assetDir = assetDirOf(name);
      const files = codeFiles(assetDir);
      expect(files).toEqual(codeFiles(join(benchDir, name)));
      // The same options (platformBuildOptions), so the same output; the maps differ only in the
      // relative paths to the sources.
      for (const file of files) {
        expect(readFileSync(join(assetDir, file), 'utf8'), file).toBe(
          readFileSync(join(benchDir, name, file), 'utf8'),
        );
      }
    },
  );

  // The functions that may email a detailed invoice (the Connect webhook after a payout, the operator
  // API on request) render its PDF; test/infra/pdf-bundle.test.ts runs such a bundle.
  const RENDERS_PDF: HandlerName[] = ['httpApi', 'scheduleFleetStatements', 'stripeWebhook'];

  it.each(HANDLER_NAMES)("%s: pdfkit's standard fonts shipped if, and only if, it renders a PDF", (name) => {
    const fonts = join(assetDirOf(name), PDFKIT_FONTS_DIR);
    expect(existsSync(join(fonts, 'Helvetica.cjs'))).toBe(RENDERS_PDF.includes(name));
    expect(existsSync(join(assetDirOf(name), 'package.json'))).toBe(RENDERS_PDF.includes(name));
  });

  // The OCPP validators' code is read beside the bundle on first use (lib/ocpp-validators.ts).
  it.each(HANDLER_NAMES)(
    "%s: the OCPP validators' code shipped if, and only if, it validates OCPP payloads",
    (name) => {
      const shipped = join(assetDirOf(name), OCPP_VALIDATORS_SOURCES);
      const meta = JSON.parse(readFileSync(join(benchDir, name, 'meta.json'), 'utf8')) as { inputs: object };
      expect(existsSync(shipped)).toBe(OCPP_VALIDATORS_FILE in meta.inputs);
      if (name === 'ocppMessage') expect(existsSync(shipped)).toBe(true);
      if (name === 'ocppAuthorizer') expect(existsSync(shipped)).toBe(false);
    },
  );

  it.each(HANDLER_NAMES)(
    '%s: index.mjs with the ESM banner, a source map and a handler export',
    (name: HandlerName) => {
      const assetDir = assetDirOf(name);
      const bundle = join(assetDir, 'index.mjs');
      expect(existsSync(bundle), bundle).toBe(true);
      expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
      const source = readFileSync(bundle, 'utf8');
      expect(source.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(source).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(source).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      // Every chunk it imports (statically or on first use) is in the asset, with its map.
      const chunks = [...source.matchAll(/["']\.\/(chunk-[A-Z0-9]+\.mjs)["']/g)].map((m) => m[1] as string);
      expect(chunks.length).toBeGreaterThan(0);
      for (const chunk of chunks) {
        expect(existsSync(join(assetDir, chunk)), chunk).toBe(true);
        expect(existsSync(join(assetDir, `${chunk}.map`)), `${chunk}.map`).toBe(true);
      }
    },
  );
});

/**
 * What each function loads at a cold start (npm run bench:cold measures it): the bundles built as CDK
 * builds them, read from esbuild's metafile. Most of an import's cost is compiling the bundle's text,
 * so the cuts that count take code out of a bundle (the link functions lose the OCPP schemas with
 * Ajv and the chained zod API). A module behind `import()` still ships and is still compiled, but
 * runs only when first used: that is pinned too, so those modules stay off the init path.
 */
describe('bundle contents (esbuild metafile)', () => {
  let bundles: Map<string, BuiltBundle>;
  let outDir: string;
  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'bundle-contents-'));
    bundles = new Map((await buildBundles(outDir)).map((b) => [b.name, b]));
  }, 120_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  const bundle = (name: HandlerName): BuiltBundle => {
    const found = bundles.get(name);
    if (!found) throw new Error(`no bundle for ${name}`);
    return found;
  };
  const packages = (paths: Iterable<string>): Set<string> => new Set([...paths].map(packageOf));
  const ZOD_CLASSIC = /node_modules\/zod\/v4\/classic\//;

  // The functions that look after a charger's link never validate a frame nor parse a tariff.
  const LINK_FUNCTIONS: HandlerName[] = [
    'ocppAuthorizer',
    'ocppConnect',
    'ocppDisconnect',
    'ocppCallSweeper',
  ];

  it.each(LINK_FUNCTIONS)('%s ships neither the OCPP schemas (Ajv) nor the chained zod API', (name) => {
    const inputs = bundledInputs(bundle(name));
    expect(packages(inputs)).not.toContain('ajv');
    expect(packages(inputs)).not.toContain('ocpp-rpc');
    expect(inputs.filter((path) => ZOD_CLASSIC.test(path))).toEqual([]);
  });

  it.each(HANDLER_NAMES.filter((name) => name !== 'ocppMessage'))(
    '%s loads the OCPP schemas only when it first sends or answers a command',
    (name) => {
      expect(packages(staticInputs(bundle(name)))).not.toContain('ocpp-rpc');
      expect(packages(staticInputs(bundle(name)))).not.toContain('ajv');
    },
  );

  it('$default validates every frame with the validators compiled at build time, loaded at init', () => {
    expect(staticInputs(bundle('ocppMessage'))).toContain(OCPP_VALIDATORS_FILE);
  });

  // Ajv's standalone code (lib/ocpp-validators.ts) replaces the schemas and Ajv's compiler everywhere.
  it.each(HANDLER_NAMES)('%s ships neither ocpp-rpc nor Ajv compiler', (name) => {
    const inputs = bundledInputs(bundle(name));
    expect(packages(inputs)).not.toContain('ocpp-rpc');
    expect(
      inputs.filter((path) => /node_modules\/ajv\/dist\/(compile|core|vocabularies)\//.test(path)),
    ).toEqual([]);
  });

  it.each(HANDLER_NAMES)(
    '%s loads the Stripe SDK, the SES and @connections clients only on first use',
    (name) => {
      const loaded = packages(staticInputs(bundle(name)));
      expect(loaded).not.toContain('stripe');
      expect(loaded).not.toContain('@aws-sdk/client-sesv2');
      expect(loaded).not.toContain('@aws-sdk/client-apigatewaymanagementapi');
      // The authorizer checks the CloudFront origin secret on every handshake: it needs the client at once.
      if ((HANDLERS[name] as HandlerSpec).readsOriginSecret) return;
      expect(loaded).not.toContain('@aws-sdk/client-secrets-manager');
    },
  );

  it.each(['httpApi', 'stripeWebhook', 'scheduleFleetStatements'] as const)(
    '%s loads pdfkit only when it first renders a PDF',
    (name) => {
      expect(packages(bundledInputs(bundle(name)))).toContain('pdfkit');
      expect(packages(staticInputs(bundle(name)))).not.toContain('pdfkit');
    },
  );

  it('httpApi loads the operator API (its routes, the OpenAPI document, full zod) on its first request', () => {
    const loaded = staticInputs(bundle('httpApi'));
    expect(bundledInputs(bundle('httpApi'))).toContain('shared/http/operator-api.ts');
    expect(loaded).not.toContain('shared/http/operator-api.ts');
    expect(loaded).not.toContain('shared/http/openapi/document.ts');
  });

  it('scheduleFleetStatements ships neither the payments composition root nor the charger gateway', () => {
    const inputs = bundledInputs(bundle('scheduleFleetStatements'));
    expect(inputs).not.toContain('shared/lambda/payments-deps.ts');
    expect(inputs).not.toContain('shared/lambda/ocpp-link-deps.ts');
    expect(packages(inputs)).not.toContain('@aws-sdk/client-apigatewaymanagementapi');
  });

  it('httpApi loads the driver routes and their deps on their first request', () => {
    const loaded = staticInputs(bundle('httpApi'));
    for (const module of ['shared/http/driver-routes.ts', 'shared/lambda/http-driver-deps.ts']) {
      expect(bundledInputs(bundle('httpApi'))).toContain(module);
      expect(loaded).not.toContain(module);
    }
  });

  it('stripeWebhook loads the payments and the Connect sides with the first event that needs each', () => {
    const loaded = staticInputs(bundle('stripeWebhook'));
    for (const module of [
      'shared/app/payments/payment-events.ts',
      'shared/lambda/payments-deps.ts',
      'shared/app/connect/connect-events.ts',
      'shared/lambda/connect-deps.ts',
    ]) {
      expect(bundledInputs(bundle('stripeWebhook'))).toContain(module);
      expect(loaded).not.toContain(module);
    }
    expect(loaded).toContain('shared/lambda/webhook-deps.ts');
  });

  it('httpApi loads the member pages, the console and the static assets on their first request', () => {
    const loaded = staticInputs(bundle('httpApi'));
    for (const module of [
      'shared/http/member-routes.ts',
      'shared/web/console/index.ts',
      'shared/web/assets.ts',
    ]) {
      expect(bundledInputs(bundle('httpApi'))).toContain(module);
      expect(loaded).not.toContain(module);
    }
  });

  it('httpApi reads none of zod chained API, and of its locales only English, at init', () => {
    // The operator API's chunk uses the chained API; imported as `{ z }`, its namespace would keep
    // every locale alive, and esbuild would put them in a chunk the driver path loads at init.
    const atInit = [...initBytesByInput(bundle('httpApi')).keys()];
    expect(atInit.filter((path) => ZOD_CLASSIC.test(path))).toEqual([]);
    expect(atInit.filter((path) => /node_modules\/zod\/v4\/locales\/(?!en\.js)/.test(path))).toEqual([]);
  });

  it.each(['streamPayments', 'schedulePaymentsSweeper', 'stripeWebhook'] as const)(
    '%s lays receipts out only when it sends one',
    (name) => {
      const loaded = staticInputs(bundle(name));
      expect(bundledInputs(bundle(name))).toContain('shared/web/receipts/composer.ts');
      expect(loaded).not.toContain('shared/web/receipts/composer.ts');
      expect(loaded).not.toContain('shared/web/receipts/render.ts');
    },
  );

  it('$default loads the tariff resolver and schema with the first snapshot it takes', () => {
    const loaded = staticInputs(bundle('ocppMessage'));
    expect(bundledInputs(bundle('ocppMessage'))).toContain('shared/adapters/dynamodb/tariff-resolver.ts');
    expect(loaded).not.toContain('shared/adapters/dynamodb/tariff-resolver.ts');
    expect(loaded).not.toContain('shared/domain/tariff-schema.ts');
  });

  // The first Intl.DateTimeFormat of a process loads ICU's time zone data: ~15 ms that a module
  // validating a tariff at import (a time zone check) put on the recompute's and finaliser's init.
  it.each(HANDLER_NAMES)('%s creates no Intl.DateTimeFormat while it is imported', (name) => {
    const probe = `
      let made = 0;
      const Original = Intl.DateTimeFormat;
      Intl.DateTimeFormat = new Proxy(Original, {
        construct: (target, args) => { made += 1; return Reflect.construct(target, args); },
        apply: (target, self, args) => { made += 1; return Reflect.apply(target, self, args); },
      });
      await import(process.argv[1]);
      process.stdout.write(String(made));
    `;
    const made = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', probe, pathToFileURL(bundle(name).file).href],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    expect(made).toBe('0');
  });

  it.each(HANDLER_NAMES.filter((name) => name !== 'httpApi'))(
    '%s prices and validates tariffs with zod/mini: the chained API is not in its bundle',
    (name) => {
      expect(bundledInputs(bundle(name)).filter((path) => ZOD_CLASSIC.test(path))).toEqual([]);
    },
  );

  it('the config schema is on zod/mini: no function loads the chained API only to read its environment', () => {
    const floorOfZod = [...staticInputs(bundle('ocppAuthorizer'))].filter((path) =>
      path.includes('node_modules/zod/'),
    );
    expect(floorOfZod.length).toBeGreaterThan(0);
    expect(floorOfZod.filter((path) => ZOD_CLASSIC.test(path))).toEqual([]);
  });
});

/**
 * Builds the Lambda bundles the way `cdk synth` does (lib/constructs/platform-function.ts), straight
 * with esbuild and with a metafile, so the cold-start bench and the bundle-content test can see what
 * each function ships without a synth (which needs deploy context and bundles every function again).
 *
 * The options mirror the NodejsFunction bundling props one for one; test/infra/bundling.test.ts
 * checks the real synthesized assets, this file only the composition of their contents.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { ESM_REQUIRE_BANNER } from '../../lib/constructs/platform-function.js';
import { HANDLER_NAMES, HANDLERS, type HandlerName } from '../../lib/handlers.js';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The floor: a handler that only builds the DynamoDB document client, as every function does. */
export const FLOOR_NAME = 'floor';
const FLOOR_SOURCE = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' }));
export const handler = async () => doc !== undefined;
`;

export interface BuiltBundle {
  readonly name: HandlerName | typeof FLOOR_NAME;
  /** The bundle file (index.mjs, as in the CDK asset). */
  readonly file: string;
  readonly bytes: number;
  readonly metafile: Metafile;
}

/** The input paths (relative to the repository root, as esbuild names them) a bundle contains. */
export function bundledInputs(bundle: BuiltBundle): string[] {
  const output = Object.values(bundle.metafile.outputs).find((o) => o.entryPoint !== undefined);
  return output ? Object.keys(output.inputs) : [];
}

/**
 * The inputs a bundle evaluates when it is imported: those reached from the entry through static
 * imports. A module behind `import()` is in the bundle but runs only when first used.
 */
export function staticInputs(bundle: BuiltBundle): Set<string> {
  const inputs = bundle.metafile.inputs;
  const entry = Object.values(bundle.metafile.outputs).find((o) => o.entryPoint !== undefined)?.entryPoint;
  const reached = new Set<string>(entry ? [entry] : []);
  const queue = [...reached];
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    for (const edge of inputs[path]?.imports ?? []) {
      if (edge.kind === 'dynamic-import' || edge.external || reached.has(edge.path)) continue;
      reached.add(edge.path);
      queue.push(edge.path);
    }
  }
  return reached;
}

/** Bytes per npm package (`zod`, `@aws-sdk/client-dynamodb`) or `(project)` for our own sources. */
export function bytesByPackage(bundle: BuiltBundle): Map<string, number> {
  const output = Object.values(bundle.metafile.outputs).find((o) => o.entryPoint !== undefined);
  const totals = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    totals.set(packageOf(path), (totals.get(packageOf(path)) ?? 0) + input.bytesInOutput);
  }
  return totals;
}

/** The last node_modules package of an input path, or `(project)`. */
export function packageOf(path: string): string {
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return '(project)';
  const rest = path.slice(at + 'node_modules/'.length).split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? path);
}

async function bundleOne(
  name: BuiltBundle['name'],
  entry: { path: string } | { contents: string },
  outDir: string,
): Promise<BuiltBundle> {
  const dir = join(outDir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'index.mjs');
  const result = await build({
    ...('path' in entry
      ? { entryPoints: [entry.path] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: 'js', sourcefile: 'floor.mjs' } }),
    outfile: file,
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    banner: { js: ESM_REQUIRE_BANNER },
    mainFields: ['module', 'main'],
    target: 'node22',
    minify: true,
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    // bundleAwsSDK: true, so nothing is external.
    metafile: true,
    logLevel: 'warning',
  });
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(result.metafile));
  return { name, file, bytes: output?.bytes ?? 0, metafile: result.metafile };
}

/** Every handler of lib/handlers.ts (or the named ones) and the floor, bundled into `outDir`. */
export async function buildBundles(
  outDir: string,
  names: readonly HandlerName[] = HANDLER_NAMES,
): Promise<BuiltBundle[]> {
  const handlers = await Promise.all(
    names.map((name) => bundleOne(name, { path: join(ROOT, HANDLERS[name].entry) }, outDir)),
  );
  return [await bundleOne(FLOOR_NAME, { contents: FLOOR_SOURCE }, outDir), ...handlers];
}

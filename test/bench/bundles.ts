/**
 * Builds the Lambda bundles the way `cdk synth` does, straight with esbuild and with a metafile, so
 * the cold-start bench and the bundle-content test can see what each function ships without a synth
 * (which needs deploy context and bundles every function again).
 *
 * The options are the ones CDK bundles with (`platformBuildOptions` in
 * lib/constructs/platform-function.ts), plus the metafile; test/infra/bundling.test.ts checks the
 * real synthesized assets, this file only the composition of their contents.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { ENTRY_FILE, platformBuildOptions, prepareBundling } from '../../lib/constructs/platform-function.js';
import { HANDLER_NAMES, HANDLERS, type HandlerName } from '../../lib/handlers.js';
import { shipOcppValidators } from '../../lib/ocpp-validators.js';

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
  /** The entry file (index.mjs, as in the CDK asset); its chunks are beside it. */
  readonly file: string;
  /** Every output file's bytes (the entry and all its chunks, without source maps). */
  readonly bytes: number;
  /** The bytes Node reads at an import of the entry: it and the chunks it imports statically. */
  readonly initBytes: number;
  readonly metafile: Metafile;
}

type Outputs = Metafile['outputs'];
const codeOutputs = (metafile: Metafile): [string, Outputs[string]][] =>
  Object.entries(metafile.outputs).filter(([path]) => !path.endsWith('.map'));
/**
 * The output Lambda imports. Not "the output with an entryPoint": with code splitting, each module
 * loaded through `import()` is an entry point of its own chunk.
 */
const entryOutput = (metafile: Metafile): [string, Outputs[string]] | undefined =>
  codeOutputs(metafile).find(([path]) => path.endsWith(`/${ENTRY_FILE}`));

/** The input paths (relative to the repository root, as esbuild names them) a bundle contains. */
export function bundledInputs(bundle: BuiltBundle): string[] {
  return [...new Set(codeOutputs(bundle.metafile).flatMap(([, output]) => Object.keys(output.inputs)))];
}

/** The output files an import of the entry loads: the entry and the chunks it reaches statically. */
function staticOutputs(metafile: Metafile): string[] {
  const outputs = metafile.outputs;
  const entry = entryOutput(metafile)?.[0];
  const reached = new Set<string>(entry ? [entry] : []);
  const queue = [...reached];
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    for (const edge of outputs[path]?.imports ?? []) {
      if (edge.kind !== 'import-statement' || edge.external || reached.has(edge.path)) continue;
      reached.add(edge.path);
      queue.push(edge.path);
    }
  }
  return [...reached];
}

/**
 * The inputs a bundle evaluates when it is imported: those reached from the entry through static
 * imports. A module behind `import()` is in the bundle but runs only when first used.
 */
export function staticInputs(bundle: BuiltBundle): Set<string> {
  const inputs = bundle.metafile.inputs;
  const entry = entryOutput(bundle.metafile)?.[1].entryPoint;
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

/**
 * Bytes each input contributes to what an import of the entry reads (the entry and its static
 * chunks), after tree shaking. Unlike {@link staticInputs}, which follows import statements, this
 * sees what esbuild's code splitting really put on the init path: a module reached statically but
 * used only by code behind `import()` can still land there, in a chunk the entry shares with it.
 */
export function initBytesByInput(bundle: BuiltBundle): Map<string, number> {
  const outputs = bundle.metafile.outputs;
  const totals = new Map<string, number>();
  for (const path of staticOutputs(bundle.metafile)) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[path]?.inputs ?? {})) {
      if (bytesInOutput > 0) totals.set(input, (totals.get(input) ?? 0) + bytesInOutput);
    }
  }
  return totals;
}

/** Bytes per npm package (`zod`, `@aws-sdk/client-dynamodb`) or `(project)` for our own sources. */
export function bytesByPackage(bundle: BuiltBundle): Map<string, number> {
  const totals = new Map<string, number>();
  for (const [, output] of codeOutputs(bundle.metafile)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      totals.set(packageOf(path), (totals.get(packageOf(path)) ?? 0) + input.bytesInOutput);
    }
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

async function bundleOne(name: BuiltBundle['name'], entry: string, outDir: string): Promise<BuiltBundle> {
  const dir = join(outDir, name);
  mkdirSync(dir, { recursive: true });
  const result = await build({
    ...platformBuildOptions(entry, dir, ROOT),
    // The floor's entry is written outside the repository: let it find the packages.
    nodePaths: [join(ROOT, 'node_modules')],
    metafile: true,
  });
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(result.metafile));
  // What the OCPP validators read on first use, as in the asset (the import does not read it).
  shipOcppValidators(result.metafile, dir, ROOT);
  const outputs = result.metafile.outputs;
  const sum = (paths: string[]) => paths.reduce((total, path) => total + (outputs[path]?.bytes ?? 0), 0);
  return {
    name,
    file: join(dir, ENTRY_FILE),
    bytes: sum(codeOutputs(result.metafile).map(([path]) => path)),
    initBytes: sum(staticOutputs(result.metafile)),
    metafile: result.metafile,
  };
}

/** Every handler of lib/handlers.ts (or the named ones) and the floor, bundled into `outDir`. */
export async function buildBundles(
  outDir: string,
  names: readonly HandlerName[] = HANDLER_NAMES,
): Promise<BuiltBundle[]> {
  prepareBundling(ROOT);
  const handlers = await Promise.all(
    names.map((name) => bundleOne(name, join(ROOT, HANDLERS[name].entry), outDir)),
  );
  const floorEntry = join(outDir, 'floor-entry.mjs');
  writeFileSync(floorEntry, FLOOR_SOURCE);
  return [await bundleOne(FLOOR_NAME, floorEntry, outDir), ...handlers];
}

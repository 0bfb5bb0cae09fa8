/**
 * `npm run cost:model -- [--tracing]`
 *
 * What one paid one-hour charging session costs in AWS, from the requests a real one makes on the
 * embedded platform. Starts its own platform, runs the driver's flow (start page API, card through
 * the Stripe emulator, confirm) and a simulated charger that sends a MeterValues every simulated
 * minute for an hour and a Heartbeat at the deployed interval, then stops and waits for the
 * transaction receipt. Time is compressed as the demos compress it (local/demo-charger.ts): the
 * readings carry timestamps a minute apart in a session that began an hour ago, and are sent as
 * soon as the platform has handled the previous one (both stream consumers drained), so each is
 * handled on its own, as readings a minute apart are in AWS.
 *
 * What is counted, and how:
 * - Lambda: every invocation of every function (local/platform.ts `onInvocation`), its wall-clock
 *   duration rounded up to the millisecond, times the function's memory (lib/handlers.ts). The
 *   scheduled functions run every minute whatever the sessions do: listed, not in the total.
 * - DynamoDB: every request a function sends goes through a metering proxy that asks DynamoDB Local
 *   for `ReturnConsumedCapacity: INDEXES` and adds up what it reports (table and indexes). Stream
 *   reads by the event source mappings are free in AWS and do not pass the proxy.
 * - X-Ray: one trace per invocation when tracing is on (the deployed default, lib/settings.ts, or
 *   `--tracing`): at a few requests a second the default sampling rule (the first request each
 *   second, 5 % of the rest) records nearly every one.
 * - API Gateway: every WebSocket frame either way (in 32 KB increments), the hour's connection
 *   minutes, every HTTP API request (the driver's and Stripe's webhooks).
 * - SES: the emails in the local inbox. CloudFront: the WebSocket upgrade, its viewer-request
 *   function, and the frames' bytes out to the charger and to the origin.
 * - A connection lasts at most 2 h on API Gateway, so the charger's connect (authorizer, $connect,
 *   BootNotification, the first StatusNotification) is counted at half per one-hour session.
 * Not counted: CloudWatch Logs and metrics, storage, the Transaction URL page a driver may keep open.
 *
 * The last line is the total: `cost per session: $0.000…`.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { HANDLER_NAMES, HANDLERS, type HandlerName } from '../../lib/handlers.js';
import { DEFAULT_TRACING } from '../../lib/settings.js';

import { RANDOM_PORTS, startPlatform } from '../../local/platform.js';
import { reservePort } from '../../local/ports.js';
import { readInbox } from '../../local/ses-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import { paidCharger, payWithCard } from '../fixtures/payments/platform.js';
import type { PlatformInfo } from '../integration/global-setup.js';
import { AWS_PRICES, AWS_PRICES_CHECKED_ON, AWS_PRICES_REGION } from './aws-prices.js';

const { values: args } = parseArgs({
  options: {
    tracing: { type: 'boolean', default: DEFAULT_TRACING },
    /** Readings in the session: one a minute. */
    minutes: { type: 'string', default: '60' },
    /** Print the transaction item as stored at the end (to see what makes it big). */
    'dump-item': { type: 'boolean', default: false },
  },
});
const SESSION_MINUTES = Number(args.minutes);
/** The deployed default (shared/lambda/config.ts HEARTBEAT_INTERVAL_SECONDS). */
const HEARTBEAT_INTERVAL_SECONDS = 300;
/** API Gateway's maximum WebSocket connection: a charger reconnects at least this often. */
const MAX_CONNECTION_MINUTES = 120;
const SCHEDULED: ReadonlySet<HandlerName> = new Set([
  'ocppCallSweeper',
  'scheduleFinaliser',
  'schedulePaymentsSweeper',
]);

/** What one phase of the run made AWS do. */
interface Usage {
  invocations: Map<HandlerName, { count: number; billedMs: number }>;
  readUnitsTenths: number;
  writeUnitsTenths: number;
  dynamoRequests: Map<string, number>;
  /** Write units by where they land (`table`, `gsi1`…), in tenths. */
  writeUnitsTenthsByTarget: Map<string, number>;
  /** Read or write units by request and the kinds of item it names (`UpdateItem TX/TX`), in tenths. */
  unitsTenthsByRequest: Map<string, { requests: number; tenths: number }>;
  frames: number;
  frameIncrements: number;
  bytesToCharger: number;
  bytesFromCharger: number;
}

const emptyUsage = (): Usage => ({
  invocations: new Map(),
  readUnitsTenths: 0,
  writeUnitsTenths: 0,
  dynamoRequests: new Map(),
  writeUnitsTenthsByTarget: new Map(),
  unitsTenthsByRequest: new Map(),
  frames: 0,
  frameIncrements: 0,
  bytesToCharger: 0,
  bytesFromCharger: 0,
});

const phases = { connection: emptyUsage(), session: emptyUsage() };
let current: Usage = phases.connection;

const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const METERED_OPERATIONS = new Set([
  ...READ_OPERATIONS,
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

interface Units {
  CapacityUnits?: number;
}

interface ConsumedCapacity extends Units {
  Table?: Units;
  GlobalSecondaryIndexes?: Record<string, Units>;
}

type Marshalled = Record<string, { S?: string }>;

interface MeteredRequest {
  Item?: Marshalled;
  Key?: Marshalled;
  RequestItems?: Record<
    string,
    { PutRequest?: { Item?: Marshalled }; DeleteRequest?: { Key?: Marshalled } }[]
  >;
  /** A Query's: the partition it names is the first value (the repositories' `:pk` comes first). */
  ExpressionAttributeValues?: Record<string, { S?: string }>;
  IndexName?: string;
  TransactItems?: Partial<
    Record<'Put' | 'Update' | 'Delete' | 'ConditionCheck', { Item?: Marshalled; Key?: Marshalled }>
  >[];
}

/**
 * The kind of item a key names, from its prefixes (`TX#CP-1#7` / `MV#…` gives `TX/MV`): enough to
 * tell which of a reading's writes cost what, with no id in the label.
 */
function itemKind(key: Marshalled | undefined): string {
  const part = (attr: string) => {
    const head = (key?.[attr]?.S ?? '?').split('#')[0] ?? '?';
    return /^\d/.test(head) ? '<time>' : head;
  };
  return `${part('pk')}/${part('sk')}`;
}

/**
 * What a request reads or writes, as `<operation> <kinds>` (a transaction's kinds joined by `+`; a
 * Query's partition kind and index).
 */
function requestLabel(operation: string, request: MeteredRequest): string {
  const kinds: string[] = [];
  if (operation === 'Query') {
    const partition = Object.values(request.ExpressionAttributeValues ?? {})[0]?.S ?? '?';
    return `Query ${partition.split('#')[0]}${request.IndexName ? ` on ${request.IndexName}` : ''}`;
  }
  if (request.Item || request.Key) kinds.push(itemKind(request.Item ?? request.Key));
  for (const items of Object.values(request.RequestItems ?? {})) {
    // BatchWriteItem: a list of puts and deletes; BatchGetItem: `{ Keys }`.
    if (Array.isArray(items)) {
      for (const w of items) kinds.push(itemKind(w.PutRequest?.Item ?? w.DeleteRequest?.Key));
    } else for (const key of (items as { Keys?: Marshalled[] }).Keys ?? []) kinds.push(itemKind(key));
  }
  for (const t of request.TransactItems ?? []) {
    const [verb, body] = Object.entries(t)[0] ?? [];
    if (verb !== undefined && verb !== 'ConditionCheck') kinds.push(itemKind(body?.Item ?? body?.Key));
  }
  return `${operation} ${[...new Set(kinds)].sort().join('+')}`;
}

/**
 * A proxy in front of DynamoDB Local that asks for the consumed capacity of every request and adds
 * it to the current phase. The response goes back byte for byte (the SDK checks its CRC32).
 */
async function startMeteringProxy(targetPort: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
      let body = Buffer.concat(chunks);
      let label = operation;
      if (METERED_OPERATIONS.has(operation)) {
        const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        parsed.ReturnConsumedCapacity = 'INDEXES';
        label = requestLabel(operation, parsed as MeteredRequest);
        body = Buffer.from(JSON.stringify(parsed));
      }
      const usage = current;
      usage.dynamoRequests.set(operation, (usage.dynamoRequests.get(operation) ?? 0) + 1);
      const headers = { ...req.headers, 'content-length': String(body.length) };
      const upstream = httpRequest(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers },
        (up: IncomingMessage) => {
          const back: Buffer[] = [];
          up.on('data', (c: Buffer) => back.push(c));
          up.on('end', () => {
            const payload = Buffer.concat(back);
            if (METERED_OPERATIONS.has(operation)) meter(usage, operation, label, payload);
            res.writeHead(up.statusCode ?? 500, up.headers);
            res.end(payload);
          });
        },
      );
      upstream.on('error', (err) => res.destroy(err));
      upstream.end(body);
    });
  });
  const port = await reservePort(0, 'DynamoDB metering proxy');
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, server };
}

function meter(usage: Usage, operation: string, label: string, payload: Buffer): void {
  const parsed = JSON.parse(payload.toString('utf8') || '{}') as {
    ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
  };
  const consumed = [parsed.ConsumedCapacity ?? []].flat();
  // Units come in halves (an eventually consistent read) at the finest: tenths keep them integer.
  const tenthsOf = (u: Units | undefined) => Math.round((u?.CapacityUnits ?? 0) * 10);
  const tenths = consumed.reduce((sum, c) => sum + tenthsOf(c), 0);
  const byItem = usage.unitsTenthsByRequest.get(label) ?? { requests: 0, tenths: 0 };
  byItem.requests += 1;
  byItem.tenths += tenths;
  usage.unitsTenthsByRequest.set(label, byItem);
  if (READ_OPERATIONS.has(operation)) {
    usage.readUnitsTenths += tenths;
    return;
  }
  usage.writeUnitsTenths += tenths;
  const addTo = (target: string, n: number) =>
    usage.writeUnitsTenthsByTarget.set(target, (usage.writeUnitsTenthsByTarget.get(target) ?? 0) + n);
  for (const c of consumed) {
    addTo('table', tenthsOf(c.Table));
    for (const [index, units] of Object.entries(c.GlobalSecondaryIndexes ?? {}))
      addTo(index, tenthsOf(units));
  }
}

/**
 * An attribute value's size as DynamoDB bills it (the developer guide's "Item size"): strings and
 * binaries by their bytes, numbers about one byte per two digits plus one, a map or list 3 bytes
 * plus a byte per element plus its elements (a map's names too). Close enough to see which
 * attributes push an item past a write unit (1 KB).
 */
function attributeBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number')
    return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + attributeBytes(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + attributeBytes(v), 0);
  return (
    3 +
    Object.entries(value as Record<string, unknown>).reduce(
      (sum, [name, v]) => sum + 1 + Buffer.byteLength(name) + attributeBytes(v),
      0,
    )
  );
}

/** An item's size and its biggest attributes (name and value), largest first. */
function itemSize(item: Record<string, unknown>): { bytes: number; biggest: [string, number][] } {
  const sizes = Object.entries(item).map(([name, v]): [string, number] => [
    name,
    Buffer.byteLength(name) + attributeBytes(v),
  ]);
  return {
    bytes: sizes.reduce((sum, [, n]) => sum + n, 0),
    biggest: sizes.sort((a, b) => b[1] - a[1]).slice(0, 6),
  };
}

function countInvocation(fn: HandlerName, durationMs: number): void {
  const seen = current.invocations.get(fn) ?? { count: 0, billedMs: 0 };
  seen.count += 1;
  seen.billedMs += Math.max(1, Math.ceil(durationMs));
  current.invocations.set(fn, seen);
}

/** Picodollars a phase costs, by line. */
function costOf(usage: Usage, withScheduled: boolean): Map<string, number> {
  const p = AWS_PRICES;
  const lines = new Map<string, number>();
  const add = (line: string, pico: number) => lines.set(line, (lines.get(line) ?? 0) + pico);
  let traced = 0;
  for (const [fn, { count, billedMs }] of usage.invocations) {
    if (SCHEDULED.has(fn) && !withScheduled) continue;
    const mbMs = billedMs * HANDLERS[fn].memorySize;
    add(
      `lambda ${fn}`,
      count * p.lambda.requestPico + Math.round((mbMs * p.lambda.arm64GbSecondPico) / 1_024_000),
    );
    traced += count;
  }
  if (args.tracing) add('x-ray traces', traced * p.xray.traceRecordedPico);
  add('dynamodb reads', Math.round((usage.readUnitsTenths * p.dynamodb.readRequestUnitPico) / 10));
  add('dynamodb writes', Math.round((usage.writeUnitsTenths * p.dynamodb.writeRequestUnitPico) / 10));
  add('websocket messages', usage.frameIncrements * p.apiGatewayWebSocket.messagePico);
  const httpRequests =
    (usage.invocations.get('httpApi')?.count ?? 0) + (usage.invocations.get('stripeWebhook')?.count ?? 0);
  add('http api requests', httpRequests * p.apiGatewayHttp.requestPico);
  add(
    'cloudfront bytes',
    Math.round(
      (usage.bytesToCharger * p.cloudFront.toInternetGbPico +
        usage.bytesFromCharger * p.cloudFront.toOriginGbPico) /
        p.cloudFront.bytesPerGb,
    ),
  );
  return lines;
}

const dollars = (pico: number): string => {
  const micro = Math.round(pico / 1000); // 1e-9 USD
  return `$${Math.floor(micro / 1e9)}.${String(micro % 1e9).padStart(9, '0')}`;
};

async function main(): Promise<void> {
  console.log(
    `cost:model — one paid session, ${SESSION_MINUTES} min, a reading a minute; prices ${AWS_PRICES_REGION} as of ${AWS_PRICES_CHECKED_ON}; X-Ray ${args.tracing ? 'on' : 'off'}`,
  );
  const dynamoPort = await reservePort(0, 'DynamoDB Local');
  const proxy = await startMeteringProxy(dynamoPort);
  const platform = await startPlatform({
    inMemory: true,
    seed: false,
    ports: { ...RANDOM_PORTS, dynamodb: dynamoPort },
    logLevel: 'SILENT',
    // The schedules run when this script says (after the stop), not on a timer.
    scheduleIntervalMs: 3_600_000,
    env: { SETTLE_WINDOW_SECONDS: '1', DYNAMODB_ENDPOINT: proxy.url },
    onInvocation: ({ fn, durationMs }) => countInvocation(fn, durationMs),
  });
  const info: PlatformInfo = {
    endpoints: platform.endpoints,
    tableName: platform.tableName,
    stripeSecretKey: platform.stripeSecretKey,
    stripeWebhookSecret: platform.stripeWebhookSecrets.platform,
  };
  const { httpUrl, sesUrl } = platform.endpoints;
  const post = (path: string, body?: unknown) =>
    fetch(`${httpUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const settled = async () => {
    await platform.drainStreams(30_000);
  };
  let emails = 0;
  let transactionItem: Record<string, unknown> | undefined;
  try {
    const charger = await paidCharger(info);
    charger.client.on('message', ({ message, outbound }: { message: string; outbound: boolean }) => {
      const bytes = Buffer.byteLength(message);
      current.frames += 1;
      current.frameIncrements += Math.max(
        1,
        Math.ceil(bytes / AWS_PRICES.apiGatewayWebSocket.messageIncrementBytes),
      );
      if (outbound) current.bytesFromCharger += bytes;
      else current.bytesToCharger += bytes;
    });
    // The frames of the connect itself (BootNotification, StatusNotification) went before the
    // listener; count them as the platform saw them: two calls, two answers.
    current.frames += 4;
    current.frameIncrements += 4;
    await settled();

    current = phases.session;
    // A session that began an hour ago, a reading a minute (the demos' compression).
    const startMs = Date.now() - (SESSION_MINUTES + 1) * 60_000;
    const at = (minute: number) => new Date(startMs + minute * 60_000).toISOString();
    let transactionId: number | undefined;
    charger.client.handle('RemoteStartTransaction', async ({ params: raw }) => {
      const params = raw as { idTag: string };
      setImmediate(async () => {
        const started = (await charger.client.call('StartTransaction', {
          connectorId: 1,
          idTag: params.idTag,
          meterStart: charger.meterWh,
          timestamp: at(0),
        })) as { transactionId: number };
        transactionId = started.transactionId;
      });
      return { status: 'Accepted' };
    });
    const email = `cost-${randomUUID().slice(0, 8)}@example.com`;
    const begun = (await (
      await post('/api/drive/sessions', { chargerId: charger.chargerId, connectorId: 1, email })
    ).json()) as { token: string; clientSecret: string };
    await payWithCard(info, begun.clientSecret.split('_secret_')[0] ?? '');
    const confirmed = await post(`/t/${begun.token}/confirm`);
    if (!confirmed.ok) throw new Error(`confirm answered ${confirmed.status}`);
    for (let waited = 0; transactionId === undefined; waited += 10) {
      if (waited > 30_000) throw new Error('no StartTransaction within 30 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    await settled();

    const heartbeatEveryMinutes = HEARTBEAT_INTERVAL_SECONDS / 60;
    for (let minute = 1; minute <= SESSION_MINUTES; minute++) {
      charger.meterWh += 120; // 7.2 kW
      await charger.client.call('MeterValues', {
        connectorId: 1,
        transactionId,
        meterValue: [
          {
            timestamp: at(minute),
            sampledValue: [
              { value: String(charger.meterWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            ],
          },
        ],
      });
      if (minute % heartbeatEveryMinutes === 0) await charger.client.call('Heartbeat', {});
      await settled();
    }
    await charger.client.call('StopTransaction', {
      transactionId,
      meterStop: charger.meterWh,
      timestamp: at(SESSION_MINUTES + 1),
      reason: 'EVDisconnected',
    });
    await settled();
    // Past the settle window (1 s here), the finaliser captures and the receipt goes out.
    const deadline = Date.now() + 60_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1_100));
      await platform.runSchedules();
      await settled();
      const inbox = await readInbox(sesUrl);
      if (
        inbox.some((m) => m.destination.to.includes(email) && m.subject.startsWith('Your charging receipt'))
      ) {
        emails = inbox.filter((m) => m.destination.to.includes(email)).length;
        break;
      }
      if (Date.now() > deadline) throw new Error('no transaction receipt within 60 s of the stop');
    }
    await charger.close();
    // Read past the proxy: not part of the bill.
    const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
    transactionItem = (
      await doc.send(
        new GetCommand({
          TableName: platform.tableName,
          Key: keys.transaction(charger.chargerId, transactionId),
        }),
      )
    ).Item;
    doc.destroy();
  } finally {
    await platform.stop();
    proxy.server.close();
  }

  // ---- the bill ----
  const p = AWS_PRICES;
  const sessionLines = costOf(phases.session, false);
  const connectionLines = costOf(phases.connection, false);
  const share = (pico: number) => Math.round(pico / (MAX_CONNECTION_MINUTES / SESSION_MINUTES));
  const lines = new Map<string, number>();
  for (const [line, pico] of sessionLines) lines.set(line, pico);
  for (const [line, pico] of connectionLines) lines.set(line, (lines.get(line) ?? 0) + share(pico));
  lines.set('websocket connection minutes', SESSION_MINUTES * p.apiGatewayWebSocket.connectionMinutePico);
  lines.set(
    'cloudfront connect (request + function)',
    share(p.cloudFront.httpsRequestPico + p.cloudFront.functionInvocationPico),
  );
  lines.set('ses emails', emails * p.ses.emailPico);

  const invocationsOf = (fn: HandlerName) =>
    (phases.session.invocations.get(fn)?.count ?? 0) + (phases.connection.invocations.get(fn)?.count ?? 0);
  console.log('invocations (session + its connect):');
  for (const fn of HANDLER_NAMES) {
    const n = invocationsOf(fn);
    if (n === 0) continue;
    const ms =
      (phases.session.invocations.get(fn)?.billedMs ?? 0) +
      (phases.connection.invocations.get(fn)?.billedMs ?? 0);
    console.log(
      `  ${fn.padEnd(24)} ${String(n).padStart(4)} × ${HANDLERS[fn].memorySize} MB, ${ms} ms billed${SCHEDULED.has(fn) ? '  (scheduled: runs every minute anyway, not in the total)' : ''}`,
    );
  }
  const s = phases.session;
  console.log(
    `dynamodb: ${[...s.dynamoRequests].map(([op, n]) => `${op} ${n}`).join(', ')}; ${s.readUnitsTenths / 10} RRU, ${s.writeUnitsTenths / 10} WRU in the session`,
  );
  const perReading = (tenths: number) => (tenths / 10 / SESSION_MINUTES).toFixed(2);
  console.log(
    `dynamodb write units by target (session; per reading): ${[...s.writeUnitsTenthsByTarget]
      .filter(([, n]) => n > 0)
      .map(([target, n]) => `${target} ${n / 10} (${perReading(n)})`)
      .join(', ')}`,
  );
  console.log('dynamodb requests by kind of item (session: requests, capacity units):');
  for (const [label, { requests, tenths }] of [...s.unitsTenthsByRequest].sort(
    (a, b) => b[1].tenths - a[1].tenths,
  )) {
    const unit = READ_OPERATIONS.has(label.split(' ')[0] ?? '') ? 'RRU' : 'WRU';
    console.log(`  ${label.padEnd(56)} ${String(requests).padStart(4)} × → ${tenths / 10} ${unit}`);
  }
  if (transactionItem) {
    const { bytes, biggest } = itemSize(transactionItem);
    console.log(
      `transaction item at the end: ~${bytes} bytes (a write unit per started KB); biggest: ${biggest
        .map(([name, n]) => `${name} ${n}`)
        .join(', ')}`,
    );
    if (args['dump-item'])
      console.log(JSON.stringify(transactionItem, (_k, v) => (v instanceof Set ? [...v] : v)));
  }
  console.log(
    `websocket: ${s.frames} frames in the session, ${phases.connection.frames} at connect; ${emails} emails`,
  );
  console.log('breakdown per session:');
  let total = 0;
  for (const [line, pico] of [...lines].sort((a, b) => b[1] - a[1])) {
    if (pico === 0) continue;
    total += pico;
    console.log(`  ${line.padEnd(40)} ${dollars(pico)}`);
  }
  // What the flow itself sends (two receipts, a frame per OCPP message either way, the connection's
  // minutes) does not depend on how the platform stores or computes: the rest is what it can cut.
  const fixed = ['ses emails', 'websocket messages', 'websocket connection minutes'].reduce(
    (sum, line) => sum + (lines.get(line) ?? 0),
    0,
  );
  console.log(
    `  of which emails, frames and connection minutes ${dollars(fixed)}; the platform's own ${dollars(total - fixed)}`,
  );
  // Lambda lines are local wall-clock time: a loaded machine inflates them, so the figure says how loaded.
  const [load1] = loadavg();
  console.log(
    `cost per session: ${dollars(total)} (X-Ray ${args.tracing ? 'on' : 'off'}; load average ${(load1 ?? 0).toFixed(1)})`,
  );
}

await main();
process.exit(0);

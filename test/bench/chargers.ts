/**
 * `npm run bench:chargers -- [chargers=5000] [pageSize=100] [sessionsToday=1000]`
 *
 * The charger list and the dashboard at scale, against DynamoDB Local (its own, in memory):
 * 1. seeds one operator with N chargers as they were stored before the list's copy existed (charger
 *    items, live connections for two in three, two connectors each with a status), and today's
 *    sessions, all with BatchWriteItem (progress on stderr);
 * 2. pages through `GET /api/v1/chargers` once: the lazy fill of the copy (charger-listing.ts), the
 *    one-time cost of the older chargers, reported apart;
 * 3. pages through it twice more, measured: HTTP requests per page, DynamoDB requests per page
 *    (counted at the SDK middleware, API key lookup included), ms per page p50/p99;
 * 4. reads `GET /api/v1/dashboard` five times: DynamoDB requests and ms.
 * The requests go through the HTTP API's whole handler (routing, the API key check, validation),
 * in process, so the times are the platform's and DynamoDB Local's, not a network's. DynamoDB
 * Local is much slower per request than DynamoDB, so the request counts are the figures that carry
 * over to AWS; the times say how the list scales on one machine. The last line is one summary line.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ensurePlatformTable, startDynamoLocal } from '../../local/dynamodb-local.js';
import { chargerItem } from '../../shared/adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { gsi3, keys } from '../../shared/adapters/dynamodb/keys.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoOperatorViews } from '../../shared/adapters/dynamodb/operator-views.js';
import { DynamoUserStore } from '../../shared/adapters/dynamodb/users.js';
import { MemoryMailer } from '../../shared/adapters/memory/mailer.js';
import { createOperator } from '../../shared/app/operators/create-operator.js';
import type { Charger } from '../../shared/domain/entities.js';
import { createHttpApi } from '../../shared/lambda/http-api.js';
import { systemClock } from '../../shared/ports/clock.js';
import { countDynamoRequests } from '../fixtures/dynamo-requests.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHARGERS = Number(process.argv[2] ?? 5000);
const PAGE_SIZE = Number(process.argv[3] ?? 100);
const SESSIONS_TODAY = Number(process.argv[4] ?? 1000);
const MEASURED_PASSES = 2;
const DASHBOARD_READS = 5;
const PASSWORD_HASH = `scrypt$16384$8$1$${'A'.repeat(24)}$${'B'.repeat(44)}`;
const STATUSES = ['Available', 'Available', 'Available', 'Charging', 'Preparing', 'SuspendedEV', 'Faulted'];

const progress = (line: string) => process.stderr.write(`${line}\n`);
const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs`;

function quantile(ms: number[], q: number): number {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** BatchWriteItem in 25s, retrying what DynamoDB leaves unprocessed. */
async function batchWrite(doc: DynamoDBDocumentClient, tableName: string, items: Record<string, unknown>[]) {
  for (let i = 0; i < items.length; i += 25) {
    let requests: Record<string, unknown>[] = items
      .slice(i, i + 25)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 10) throw new Error('BatchWriteItem left items unprocessed 10 times');
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests as never } }));
      requests = (out.UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
    }
  }
}

/** The items of one charger as the repositories stored them before the list's copy. */
function chargerItems(operatorId: string, i: number, nowMs: number): Record<string, unknown>[] {
  const chargerId = `BENCH-${String(i).padStart(5, '0')}`;
  const charger: Charger = {
    chargerId,
    operatorId,
    registration: 'active',
    accessMode: 'public',
    paid: true,
    connectorCount: 2,
    passwordHash: PASSWORD_HASH,
    vendor: 'Bench',
    model: 'Twin 22',
    serialNumber: `SN-${i}`,
    firmwareVersion: '1.8.3',
    lastBootAt: new Date(nowMs - 86_400_000).toISOString(),
    lastHeartbeatAt: new Date(nowMs - 60_000).toISOString(),
    createdAt: new Date(nowMs - 30 * 86_400_000).toISOString(),
  };
  const items: Record<string, unknown>[] = [chargerItem(charger)];
  if (i % 3 !== 0) {
    items.push({
      ...keys.connection(chargerId),
      entity: 'connection',
      chargerId,
      operatorId,
      connectionId: `conn-${i}`,
      connectedAt: nowMs - 600_000,
      protocol: 'ocpp1.6',
      domainName: 'bench',
      stage: 'ocpp',
    });
  }
  for (const connectorId of [1, 2]) {
    const at = new Date(nowMs - 120_000).toISOString();
    items.push({
      ...keys.connector(chargerId, connectorId),
      chargerId,
      operatorId,
      connectorId,
      status: STATUSES[(i + connectorId) % STATUSES.length],
      errorCode: 'NoError',
      timestamp: at,
      orderedAt: at,
      timestampSource: 'charger',
      messageId: `m-${i}-${connectorId}`,
      receivedAt: at,
    });
  }
  return items;
}

function sessionItem(operatorId: string, n: number, nowMs: number): Record<string, unknown> {
  const chargerId = `BENCH-${String(n % CHARGERS).padStart(5, '0')}`;
  // Within the last few minutes: "today" in UTC whatever the hour, bar the first minutes of a day.
  const startedAt = new Date(nowMs - (n % 300) * 1000).toISOString();
  return {
    ...keys.transaction(chargerId, n),
    ...gsi3.transactionOfOperator(operatorId, startedAt),
    entity: 'transaction',
    chargerId,
    transactionId: n,
    operatorId,
    connectorId: 1,
    idTag: `TAG${n}`,
    startedAt,
    status: n % 4 === 0 ? 'active' : 'final',
    energyMilliWh: 12_345_000,
    charge: {
      currency: 'GBP',
      tariffId: 'std',
      durationSeconds: 3600,
      totals: { netMinor: 400, taxMinor: 80, grossMinor: 480 },
    },
  };
}

async function main(): Promise<void> {
  console.log(
    `bench:chargers — ${CHARGERS} chargers, pages of ${PAGE_SIZE}, ${SESSIONS_TODAY} sessions today`,
  );
  console.log(`start: ${load()}`);
  const dynamo = await startDynamoLocal({ cacheDir: join(ROOT, '.cache'), port: 0, inMemory: true });
  const tableName = 'bench-chargers';
  try {
    await ensurePlatformTable(dynamo.endpoint, tableName);
    const doc = createDocumentClient({ region: 'local', endpoint: dynamo.endpoint });
    const table = { doc, tableName };
    const created = await createOperator(
      {
        operators: new DynamoOperatorRegistry(table),
        users: new DynamoUserStore(table),
        mailer: new MemoryMailer(),
        clock: systemClock,
        publicBaseUrl: 'http://127.0.0.1',
      },
      { name: 'Bench', email: 'bench@bench.example', kind: 'public', timeZone: 'UTC' },
    );
    const { operatorId } = created;

    const nowMs = Date.now();
    const seedStarted = performance.now();
    const chunk = 250;
    for (let i = 0; i < CHARGERS; i += chunk) {
      const items = [];
      for (let j = i; j < Math.min(CHARGERS, i + chunk); j++)
        items.push(...chargerItems(operatorId, j, nowMs));
      await batchWrite(doc, tableName, items);
      if ((i + chunk) % 1000 === 0 || i + chunk >= CHARGERS) {
        progress(`  seeded ${Math.min(CHARGERS, i + chunk)}/${CHARGERS} chargers`);
      }
    }
    const sessions = Array.from({ length: SESSIONS_TODAY }, (_, n) => sessionItem(operatorId, n + 1, nowMs));
    await batchWrite(doc, tableName, sessions);
    progress(`  seeded ${SESSIONS_TODAY} sessions`);
    console.log(`seed: ${((performance.now() - seedStarted) / 1000).toFixed(1)} s (BatchWriteItem)`);

    const requests = countDynamoRequests(doc);
    const deps = {
      views: new DynamoOperatorViews(doc, tableName),
      clock: systemClock,
      publicBaseUrl: 'http://127.0.0.1',
    };
    // Only the views and the clock are reached by these routes (and the API key check).
    const api = createHttpApi(() => deps as unknown as ReturnType<Parameters<typeof createHttpApi>[0]>);
    const get = async (path: string, query: Record<string, string> = {}) => {
      const event = {
        version: '2.0',
        routeKey: 'ANY /{proxy+}',
        rawPath: path,
        rawQueryString: new URLSearchParams(query).toString(),
        queryStringParameters: query,
        headers: { authorization: `Bearer ${created.apiKey.key}` },
        requestContext: {
          http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'b' },
        },
        isBase64Encoded: false,
      } as unknown as APIGatewayProxyEventV2;
      const context = { getRemainingTimeInMillis: () => 29_000 } as unknown as Context;
      const out = (await api(event, context)) as APIGatewayProxyStructuredResultV2;
      if (out.statusCode !== 200) throw new Error(`${path}: ${out.statusCode} ${String(out.body)}`);
      return JSON.parse(String(out.body));
    };

    interface Pass {
      pages: number;
      chargers: number;
      online: number;
      ms: number[];
      dynamo: number[];
      byCommand: Record<string, number>;
    }
    const pass = async (): Promise<Pass> => {
      const p: Pass = { pages: 0, chargers: 0, online: 0, ms: [], dynamo: [], byCommand: {} };
      let cursor: string | null = null;
      do {
        requests.reset();
        const started = performance.now();
        const page: { items: { connection: { status: string } }[]; nextCursor: string | null } = await get(
          '/api/v1/chargers',
          { limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) },
        );
        p.ms.push(performance.now() - started);
        p.dynamo.push(requests.total);
        for (const [k, v] of Object.entries(requests.byCommand)) p.byCommand[k] = (p.byCommand[k] ?? 0) + v;
        p.pages++;
        p.chargers += page.items.length;
        p.online += page.items.filter((c) => c.connection.status === 'online').length;
        cursor = page.nextCursor;
      } while (cursor);
      return p;
    };
    const describePass = (label: string, p: Pass) =>
      `${label}: ${p.pages} pages, ${p.chargers} chargers (${p.online} online); per page: 1 HTTP request, ` +
      `DynamoDB ${quantile(p.dynamo, 0.5)} (max ${Math.max(...p.dynamo)}) requests ` +
      `[${Object.entries(p.byCommand)
        .map(([k, v]) => `${k} ${(v / p.pages).toFixed(2)}`)
        .join(', ')}], ms p50 ${quantile(p.ms, 0.5).toFixed(1)} p99 ${quantile(p.ms, 0.99).toFixed(1)}`;

    const fill = await pass();
    console.log(describePass('first pass (lazy fill of the older chargers)', fill));
    const measured: Pass[] = [];
    for (let i = 0; i < MEASURED_PASSES; i++) {
      measured.push(await pass());
      console.log(describePass(`pass ${i + 1}`, measured[i] as Pass));
    }
    const all: Pass = {
      pages: measured.reduce((n, p) => n + p.pages, 0),
      chargers: measured[0]?.chargers ?? 0,
      online: measured[0]?.online ?? 0,
      ms: measured.flatMap((p) => p.ms),
      dynamo: measured.flatMap((p) => p.dynamo),
      byCommand: {},
    };

    const dashboardMs: number[] = [];
    const dashboardRequests: number[] = [];
    let dashboard: Record<string, unknown> = {};
    for (let i = 0; i < DASHBOARD_READS; i++) {
      requests.reset();
      const started = performance.now();
      dashboard = (await get('/api/v1/dashboard')).dashboard;
      dashboardMs.push(performance.now() - started);
      dashboardRequests.push(requests.total);
    }
    console.log(
      `dashboard: DynamoDB ${quantile(dashboardRequests, 0.5)} requests, ms p50 ${quantile(dashboardMs, 0.5).toFixed(0)} ` +
        `max ${Math.max(...dashboardMs).toFixed(0)}; ${JSON.stringify({
          chargers: dashboard.chargers,
          liveSessions: dashboard.liveSessions,
          today: dashboard.today,
        })}`,
    );
    console.log(`end: ${load()}`);
    console.log(
      `SUMMARY chargers=${all.chargers} pageSize=${PAGE_SIZE} pages=${measured[0]?.pages} httpPerPage=1 ` +
        `dynamoPerPage=${quantile(all.dynamo, 0.5)} msPerPage p50=${quantile(all.ms, 0.5).toFixed(1)} ` +
        `p99=${quantile(all.ms, 0.99).toFixed(1)} fillPass dynamoPerPage=${quantile(fill.dynamo, 0.5)} ` +
        `dashboard dynamo=${quantile(dashboardRequests, 0.5)} ms=${quantile(dashboardMs, 0.5).toFixed(0)}`,
    );
  } finally {
    await dynamo.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

/**
 * The embedded platform: every part the AWS deployment has, on one machine, running the same
 * handlers with local endpoints (see ARCHITECTURE.md, "Parts, in AWS and on one machine").
 * Used by `npm start`, by the integration tests' global setup and by the benchmarks.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HANDLER_NAMES, HANDLERS, type HandlerName } from '../lib/handlers.js';
import {
  PAYMENTS_FILTER_PATTERNS,
  RECOMPUTE_FILTER_PATTERNS,
} from '../shared/adapters/dynamodb/stream-filters.js';
import { createStripeClient } from '../shared/adapters/stripe/client.js';
import { FLEET_INVOICE_EVENTS_ACTED_ON } from '../shared/app/connect/transfers.js';
import { PAYMENT_INTENT_EVENTS_ACTED_ON } from '../shared/app/payments/payment-events.js';
import { resetConfigForTests } from '../shared/lambda/config.js';
import { asFunction, type Denial, enforceAccess } from './access.js';
import { ensurePlatformTable, startDynamoLocal } from './dynamodb-local.js';
import { startGateway } from './gateway.js';
import { startHttpServer } from './http-server.js';
import { type AnyHandler, invocationScoped, lambdaContext, runInvocationsApart } from './lambda-types.js';
import { reservePort, urlHost } from './ports.js';
import { seedDemo } from './seed.js';
import { startSesLocal } from './ses-local.js';
import { startStreamPoller } from './stream-poller.js';
import { EMULATOR_PUBLISHABLE_KEY, EMULATOR_SECRET_KEY, startStripeEmulator } from './stripe/emulator.js';

export interface PlatformPorts {
  http: number;
  ocpp: number;
  /** The `@connections` API the handlers call; always loopback. */
  connections: number;
  ses: number;
  stripe: number;
  dynamodb: number;
}

export const DEFAULT_PORTS: PlatformPorts = {
  http: 8080,
  ocpp: 8180,
  connections: 8181,
  ses: 8005,
  stripe: 12111,
  dynamodb: 8000,
};
/** The table `npm start` keeps the platform's data in (the admin CLI's default target too). */
export const LOCAL_TABLE_NAME = 'ev-platform';

export const RANDOM_PORTS: PlatformPorts = {
  http: 0,
  ocpp: 0,
  connections: 0,
  ses: 0,
  stripe: 0,
  dynamodb: 0,
};

export interface PlatformOptions {
  /** Data only in memory (tests, benchmarks); otherwise kept under `dataDir` across restarts. */
  inMemory?: boolean;
  dataDir?: string;
  cacheDir?: string;
  seed?: boolean;
  ports?: Partial<PlatformPorts>;
  /**
   * Interface every part listens on: DynamoDB Local, SES local, the Stripe emulator, the gateway and
   * the HTTP server. Default 127.0.0.1; none of them is meant to face a network unprotected. The
   * `@connections` API stays on loopback whatever this says.
   */
  host?: string;
  tableName?: string;
  /** How often the scheduled functions (call sweeper, finaliser) run; EventBridge runs them every minute. */
  scheduleIntervalMs?: number;
  /** Handler logs (Powertools JSON) level. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Runtime progress lines (not handler logs). */
  log?: (line: string) => void;
  /** Overrides for the handlers' settings (e.g. a short settle window in tests). */
  env?: Record<string, string>;
  /**
   * Hears each request a function made beyond its declared access (lib/handlers.ts), refused as IAM
   * would refuse it. Default: a `log` line. The tests' setup fails the run on any.
   */
  onAccessDenied?: (denial: Denial) => void;
  /**
   * Hears each function invocation as it ends, with its wall-clock duration: what Lambda would bill
   * (the cost model counts them). Scheduled runs included.
   */
  onInvocation?: (invocation: { fn: HandlerName; durationMs: number }) => void;
  /**
   * The stream mappings' MaximumBatchingWindow, in this runtime's time (a compressed-time run
   * scales it down). Default 0: a record is handled as soon as it is read.
   */
  streamBatchingWindowMs?: number;
}

export interface PlatformEndpoints {
  /** Chargers connect to `${ocppUrl}/<chargerId>`. */
  ocppUrl: string;
  /** `@connections` management API endpoint. */
  connectionsUrl: string;
  /** Driver pages, operator API and console, Stripe webhook. */
  httpUrl: string;
  /** SES API and inbox UI. */
  sesUrl: string;
  stripeUrl: string;
  dynamoEndpoint: string;
}

export interface Platform {
  endpoints: PlatformEndpoints;
  tableName: string;
  stripeSecretKey: string;
  /** Signing secrets of the two webhook endpoints registered with the emulator. */
  stripeWebhookSecrets: { platform: string; connect: string };
  /** Waits until both stream consumers (pricing, payments) have seen every write made so far. */
  drainStreams(timeoutMs?: number): Promise<void>;
  /** Runs the scheduled functions once now (tests need not wait a minute). */
  runSchedules(): Promise<void>;
  stop(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '..');

export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const ports = { ...DEFAULT_PORTS, ...opts.ports };
  const host = opts.host ?? '127.0.0.1';
  const cacheDir = opts.cacheDir ?? join(ROOT, '.cache');
  const dataDir = opts.dataDir ?? join(ROOT, '.data');
  const tableName = opts.tableName ?? LOCAL_TABLE_NAME;
  const log = opts.log ?? (() => {});
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((err) => log(`shutdown: ${String(err)}`));
    }
    stops.length = 0;
  };

  try {
    // Handler modules build their loggers on import, so the process-wide settings go first.
    await runInvocationsApart();
    Object.assign(process.env, {
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LOG_LEVEL: opts.logLevel ?? 'INFO',
      POWERTOOLS_LOG_LEVEL: opts.logLevel ?? 'INFO',
    });
    // DynamoDB Local's JVM takes the longest to start: everything that doesn't need it starts
    // alongside it.
    log('starting DynamoDB Local, SES local and the Stripe emulator; loading the handlers');
    const started = Date.now();
    const [dynamoResult, sesResult, stripeResult, handlersResult] = await Promise.allSettled([
      startDynamoLocal({
        cacheDir,
        port: ports.dynamodb,
        host,
        inMemory: opts.inMemory ?? false,
        dataDir: join(dataDir, 'dynamodb'),
        log,
      }),
      startSesLocal({ port: ports.ses, host }),
      startStripeEmulator({
        port: ports.stripe,
        host,
        ...(opts.inMemory ? {} : { persistFile: join(dataDir, 'stripe.json') }),
      }),
      loadHandlers(opts.onInvocation),
    ]);
    for (const r of [dynamoResult, sesResult, stripeResult])
      if (r.status === 'fulfilled') stops.push(r.value.stop);
    for (const r of [dynamoResult, sesResult, stripeResult, handlersResult])
      if (r.status === 'rejected') throw r.reason;
    const dynamo = (dynamoResult as PromiseFulfilledResult<Awaited<ReturnType<typeof startDynamoLocal>>>)
      .value;
    const ses = (sesResult as PromiseFulfilledResult<Awaited<ReturnType<typeof startSesLocal>>>).value;
    const stripe = (stripeResult as PromiseFulfilledResult<Awaited<ReturnType<typeof startStripeEmulator>>>)
      .value;
    const handlers = (handlersResult as PromiseFulfilledResult<Handlers>).value;
    log(`services up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const streamArn = await ensurePlatformTable(dynamo.endpoint, tableName);

    // The HTTP port must be known before the webhook endpoints are registered with Stripe.
    const httpPort = await reservePort(ports.http, 'HTTP API (pages, operator API, webhooks)', host);
    const httpUrl = `http://${urlHost(host)}:${httpPort}`;
    const webhookSecrets = await registerWebhookEndpoints(
      stripe.url,
      `${httpUrl}/stripe/webhook`,
      `${httpUrl}/stripe/connect-webhook`,
    );

    Object.assign(process.env, {
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      SES_ENDPOINT: ses.url,
      STRIPE_API_URL: stripe.url,
      STRIPE_SECRET_KEY: EMULATOR_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: webhookSecrets.platform,
      STRIPE_CONNECT_WEBHOOK_SECRET: webhookSecrets.connect,
      STRIPE_PUBLISHABLE_KEY: EMULATOR_PUBLISHABLE_KEY,
      // The driver's start page loads the emulator's Stripe.js subset, as it loads Stripe's in AWS.
      STRIPE_JS_URL: `${stripe.url}/v3/`,
      SESSION_TOKEN_SECRET: await sessionTokenSecret(opts.inMemory ? undefined : dataDir),
      SENDER_EMAIL: 'receipts@ev-platform.local',
      PUBLIC_BASE_URL: httpUrl,
      ...opts.env,
    });
    resetConfigForTests();

    const gateway = await startGateway({
      port: ports.ocpp,
      host,
      connectionsPort: ports.connections,
      stage: 'ocpp',
      handlers: {
        authorizer: handlers.ocppAuthorizer,
        connect: handlers.ocppConnect,
        disconnect: handlers.ocppDisconnect,
        default: handlers.ocppMessage,
      },
      log,
    });
    stops.push(gateway.stop);
    // The @connections URL (its own loopback port) is known only once the gateway listens; handlers
    // read config lazily.
    process.env.CONNECTIONS_ENDPOINT = gateway.connectionsUrl;
    // What the operator API tells a new charger to connect to (its credentials on registration).
    process.env.OCPP_PUBLIC_URL = gateway.ocppUrl;
    resetConfigForTests();
    // Every service a function reaches is known now: from here each function gets only what its
    // role would get in AWS (lib/handlers.ts), and a refusal is logged as the missing grant it is.
    const stopEnforcing = enforceAccess(
      {
        dynamodb: dynamo.endpoint,
        ses: ses.url,
        connections: gateway.connectionsUrl,
        stripe: stripe.url,
      },
      opts.onAccessDenied ?? ((d) => log(`access denied: ${d.caller} ${d.action}: ${d.reason}`)),
    );
    stops.push(async () => stopEnforcing());

    const http = await startHttpServer({
      port: httpPort,
      host,
      routes: [
        { routeKey: 'POST /stripe/webhook', handler: handlers.stripeWebhook, functionName: 'stripe-webhook' },
        {
          routeKey: 'POST /stripe/connect-webhook',
          handler: handlers.stripeWebhook,
          functionName: 'stripe-webhook',
        },
        { routeKey: 'ANY /{proxy+}', handler: handlers.httpApi, functionName: 'http-api' },
        { routeKey: 'GET /', handler: handlers.httpApi, functionName: 'http-api' },
      ],
      log,
    });
    stops.push(http.stop);

    // Each consumer resumes after its own checkpoint, as each event source mapping keeps its own
    // place; with none (a new data folder) it reads from the oldest record, so nothing written
    // before a crash is skipped. Payments read the same stream through a source of their own, as in AWS.
    const consume = async (
      functionName: string,
      handler: AnyHandler,
      filterPatterns: typeof RECOMPUTE_FILTER_PATTERNS,
      checkpoint: string,
      deadLetters: string,
    ) => {
      const consumer = await startStreamPoller({
        endpoint: dynamo.endpoint,
        streamArn,
        handler,
        functionName,
        filterPatterns,
        batchingWindowMs: opts.streamBatchingWindowMs ?? 0,
        startingPosition: 'TRIM_HORIZON',
        checkpointFile: opts.inMemory ? undefined : join(dataDir, checkpoint),
        deadLetterFile: opts.inMemory ? undefined : join(dataDir, deadLetters),
        log,
      });
      stops.push(consumer.stop);
      return consumer;
    };
    const poller = await consume(
      'stream-recompute',
      handlers.streamRecompute,
      RECOMPUTE_FILTER_PATTERNS,
      'stream-checkpoint-pricing.json',
      'stream-dlq.jsonl',
    );
    const paymentsPoller = await consume(
      'stream-payments',
      handlers.streamPayments,
      PAYMENTS_FILTER_PATTERNS,
      'stream-checkpoint-payments.json',
      'payments-stream-dlq.jsonl',
    );

    // The EventBridge schedules, in this order each run.
    const schedules: [AnyHandler, string][] = [
      [handlers.ocppCallSweeper, 'call-sweeper'],
      [handlers.scheduleFinaliser, 'finaliser'],
      [handlers.schedulePaymentsSweeper, 'payments-sweeper'],
    ];
    const runSchedules = async () => {
      for (const [handler, name] of schedules) {
        await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext(name));
      }
    };
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      runSchedules()
        .catch((err) => log(`scheduled functions failed: ${String(err)}`))
        .finally(() => {
          running = false;
        });
    }, opts.scheduleIntervalMs ?? 10_000);
    timer.unref();
    stops.push(async () => clearInterval(timer));

    if (opts.seed ?? true) {
      await seedDemo({
        endpoint: dynamo.endpoint,
        tableName,
        stripeUrl: stripe.url,
        stripeSecretKey: EMULATOR_SECRET_KEY,
      });
    }

    return {
      endpoints: {
        ocppUrl: gateway.ocppUrl,
        connectionsUrl: gateway.connectionsUrl,
        httpUrl: http.url,
        sesUrl: ses.url,
        stripeUrl: stripe.url,
        dynamoEndpoint: dynamo.endpoint,
      },
      tableName,
      stripeSecretKey: EMULATOR_SECRET_KEY,
      stripeWebhookSecrets: webhookSecrets,
      drainStreams: async (timeoutMs) => {
        await Promise.all([poller.drain(timeoutMs), paymentsPoller.drain(timeoutMs)]);
      },
      runSchedules,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

type Handlers = Record<HandlerName, AnyHandler>;

/**
 * The very modules the CDK stack bundles into Lambda functions (lib/handlers.ts entries), each run
 * under the access its declaration grants (local/access.ts), as its role would in AWS.
 */
async function loadHandlers(onInvocation: PlatformOptions['onInvocation']): Promise<Handlers> {
  const loaded = await Promise.all(
    HANDLER_NAMES.map(async (name) => {
      const module = (await import(join(ROOT, HANDLERS[name].entry))) as { handler: AnyHandler };
      const handler = invocationScoped(asFunction(name, module.handler));
      if (!onInvocation) return [name, handler] as const;
      const timed: AnyHandler = async (event, context) => {
        const started = performance.now();
        try {
          return await handler(event, context);
        } finally {
          onInvocation({ fn: name, durationMs: performance.now() - started });
        }
      };
      return [name, timed] as const;
    }),
  );
  return Object.fromEntries(loaded) as Handlers;
}

/**
 * The Transaction URL token secret (AWS keeps it in Secrets Manager). Kept in the data folder so
 * links emailed before a restart keep working; a fresh one per run when nothing is kept.
 */
async function sessionTokenSecret(dataDir: string | undefined): Promise<string> {
  if (!dataDir) return randomBytes(32).toString('base64url');
  const file = join(dataDir, 'session-token-secret');
  const kept = await readFile(file, 'utf8').catch(() => '');
  if (kept.trim().length >= 32) return kept.trim();
  const secret = randomBytes(32).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

/**
 * Registers the platform's two webhook endpoints with the Stripe emulator, as the deployer does once
 * in the Stripe dashboard: one for the platform account's events and one for connected accounts'
 * events (Connect events reach only `connect: true` endpoints). Returns both signing secrets.
 */
async function registerWebhookEndpoints(
  stripeUrl: string,
  webhookUrl: string,
  connectWebhookUrl: string,
): Promise<{ platform: string; connect: string }> {
  const stripe = createStripeClient({ secretKey: EMULATOR_SECRET_KEY, apiUrl: stripeUrl });
  // Stripe shows a secret only at creation, so an endpoint kept from an earlier run is replaced.
  const existing = await stripe.webhookEndpoints.list({ limit: 100 });
  for (const endpoint of existing.data) {
    if (endpoint.url === webhookUrl || endpoint.url === connectWebhookUrl)
      await stripe.webhookEndpoints.del(endpoint.id);
  }
  const platform = await stripe.webhookEndpoints.create({
    url: webhookUrl,
    // As deployed (README, deploy step 3): only what the platform acts on.
    enabled_events: [...PAYMENT_INTENT_EVENTS_ACTED_ON, ...FLEET_INVOICE_EVENTS_ACTED_ON],
    connect: false,
  });
  const connect = await stripe.webhookEndpoints.create({
    url: connectWebhookUrl,
    enabled_events: ['*'],
    connect: true,
  });
  if (!platform.secret || !connect.secret) {
    throw new Error('the Stripe emulator returned a webhook endpoint without a secret');
  }
  return { platform: platform.secret, connect: connect.secret };
}

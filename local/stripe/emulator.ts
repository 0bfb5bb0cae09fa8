/**
 * Project-owned Stripe emulator: speaks Stripe's REST wire format on node:http so the real `stripe` SDK
 * works against it unchanged (`new Stripe(EMULATOR_SECRET_KEY, { host, port, protocol: 'http' })`), and
 * sends signed webhooks. Hand-written because no package on npm emulates PaymentIntents, Connect and
 * webhooks together. See README.md in this folder for what is covered.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestContext, type Runtime } from './context.js';
import { Persistence } from './persistence.js';
import { accountRoutes } from './resources/accounts.js';
import { balanceRoutes } from './resources/balance.js';
import { chargeRoutes } from './resources/charges.js';
import { invoiceRoutes } from './resources/invoices.js';
import { paymentIntentRoutes } from './resources/payment-intents/routes.js';
import { expireAuthorizations } from './resources/payment-intents/state-machine.js';
import { runPayoutSchedules } from './resources/payouts-schedule.js';
import { refundRoutes } from './resources/refunds.js';
import { stripeJsRoutes } from './resources/stripe-js.js';
import { testHelperRoutes } from './resources/test-helpers.js';
import { transferRoutes } from './resources/transfers.js';
import { webhookRoutes } from './resources/webhooks.js';
import { Router } from './router.js';
import { createRequestListener } from './server.js';
import { Store } from './store.js';
import { TaskTracker } from './tasks.js';
import { WebhookDispatcher } from './webhook-delivery.js';

export { EMULATOR_PUBLISHABLE_KEY, EMULATOR_SECRET_KEY } from './keys.js';

/** Port stripe-mock made customary for local Stripe stand-ins. */
export const DEFAULT_EMULATOR_PORT = 12111;

export interface StripeEmulatorOptions {
  /** 0 picks a free port. Default 12111. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** JSON file to load state from at start and save it to as it changes; memory only when absent. */
  persistFile?: string;
  /** Emulator time in epoch milliseconds (drives `created`, `capture_before` expiry, fund availability). */
  clock?: () => number;
  /** One line per request and per webhook attempt. */
  log?: (line: string) => void;
  /** Delays before webhook retries, in ms; one retry per entry. Default [1000, 5000, 25000]. */
  webhookRetryDelaysMs?: readonly number[];
  /** Per-attempt webhook timeout in ms. Default 10000. */
  webhookTimeoutMs?: number;
}

export interface StripeEmulator {
  /** Base URL, e.g. `http://127.0.0.1:12111`. */
  url: string;
  port: number;
  host: string;
  /** Stops listening, abandons pending webhook retries (kept for the next start) and saves state. */
  stop(): Promise<void>;
  /** Resolves when every queued webhook delivery has succeeded or used up its retries. */
  flushWebhooks(): Promise<void>;
}

function buildRouter(): Router {
  const router = new Router();
  paymentIntentRoutes(router);
  chargeRoutes(router);
  refundRoutes(router);
  accountRoutes(router);
  transferRoutes(router);
  invoiceRoutes(router);
  balanceRoutes(router);
  webhookRoutes(router);
  testHelperRoutes(router);
  stripeJsRoutes(router);
  return router;
}

export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? DEFAULT_EMULATOR_PORT;
  const now = options.clock ?? Date.now;
  let offsetMs = 0;
  const log = options.log ?? (() => {});

  const store = new Store();
  const persistence = options.persistFile ? new Persistence(options.persistFile, store, log) : undefined;
  await persistence?.load();

  const tasks = new TaskTracker();
  const markDirty = () => persistence?.schedule();
  const dispatcher = new WebhookDispatcher(
    store,
    tasks,
    {
      retryDelaysMs: options.webhookRetryDelaysMs ?? [1000, 5000, 25000],
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
    },
    log,
    markDirty,
  );
  const runtime: Runtime = {
    store,
    clock: {
      ms: () => now() + offsetMs,
      s: () => Math.floor((now() + offsetMs) / 1000),
      setOffsetSeconds: (seconds) => {
        offsetMs = seconds * 1000;
      },
    },
    tasks,
    dispatcher,
    log,
    markDirty,
  };

  const server = http.createServer(
    createRequestListener(runtime, buildRouter(), {
      beforeRequest: (ctx) => {
        // Time-driven transitions happen "by themselves": their events carry no request id.
        const automatic = new RequestContext(runtime, {
          ...ctx.info,
          scope: null,
          requestId: null,
          idempotencyKey: null,
          mutating: false,
          publishable: false,
        });
        expireAuthorizations(automatic);
        runPayoutSchedules(automatic);
        automatic.finish();
      },
    }),
  );
  const port = await listen(server, requestedPort, host);
  dispatcher.resumePending();

  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  log(`Stripe emulator listening on ${url}`);

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    host,
    flushWebhooks: () => tasks.drain(),
    stop: () => {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await tasks.stop();
        await closed;
        await persistence?.flush();
      })();
      return stopping;
    },
  };
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const reason = error.code === 'EADDRINUSE' ? `port ${port} is already in use` : error.message;
      reject(new Error(`Stripe emulator cannot listen on ${host}:${port}: ${reason}`, { cause: error }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Starts the embedded platform once per test run (in memory, random ports) and hands its endpoints
 * to the integration tests through `inject('platform')`.
 */
import type { TestProject } from 'vitest/node';
import type { Denial } from '../../local/access.js';
import { type Platform, RANDOM_PORTS, startPlatform } from '../../local/platform.js';

export interface PlatformInfo {
  endpoints: Platform['endpoints'];
  tableName: string;
  stripeSecretKey: string;
  /** Signing secret of the platform account's webhook endpoint, to sign test deliveries. */
  stripeWebhookSecret: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    platform: PlatformInfo;
  }
}

let platform: Platform | undefined;
/** Requests a function made beyond its declared access: each is a missing grant (or a bug) AWS would refuse too. */
const denials: Denial[] = [];

export async function setup(project: TestProject): Promise<void> {
  platform = await startPlatform({
    inMemory: true,
    seed: true,
    ports: RANDOM_PORTS,
    logLevel: 'SILENT',
    scheduleIntervalMs: 1_000,
    // A short no-start timeout so the e2e test sees the sweeper cancel an abandoned hold; the
    // simulated chargers of the other tests start within milliseconds of RemoteStart.
    env: {
      SETTLE_WINDOW_SECONDS: '2',
      CALL_TIMEOUT_SECONDS: '5',
      START_TIMEOUT_SECONDS: '8',
      SETTLEMENT_CHECK_SECONDS: '1',
    },
    onAccessDenied: (denial) => denials.push(denial),
  });
  project.provide('platform', {
    endpoints: platform.endpoints,
    tableName: platform.tableName,
    stripeSecretKey: platform.stripeSecretKey,
    stripeWebhookSecret: platform.stripeWebhookSecrets.platform,
  });
}

export async function teardown(): Promise<void> {
  await platform?.stop();
  // A refusal inside a handler may be caught and logged there, passing the test that caused it; the
  // run fails here instead, naming the grant lib/handlers.ts lacks. (Vitest reports an error thrown
  // from a teardown but still exits 0, hence the exit code.)
  if (denials.length > 0) {
    const lines = [...new Set(denials.map((d) => `${d.caller}: ${d.action} (${d.reason})`))];
    console.error(`functions were refused access during the run:\n  ${lines.join('\n  ')}`);
    process.exitCode = 1;
  }
}

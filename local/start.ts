/**
 * `npm start`: the whole platform on this machine. Prints one table of endpoints, then serves
 * until Ctrl-C, which stops every part (DynamoDB Local's java process included).
 *
 *   npm start -- --in-memory --no-seed --http-port 9080 --log-level DEBUG
 *   npm start -- --settle-seconds 5    (a short settle window, e.g. for `npm run driver:demo`)
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { parseArgs } from 'node:util';
import { DEMO_USER, demoUserOtpauthUri } from './demo-user.js';
import { DEFAULT_PORTS, type Platform, type PlatformPorts, startPlatform } from './platform.js';
import { PortInUseError } from './ports.js';
import { DEMO } from './seed.js';

const HELP = `Usage: npm start -- [options]
  --in-memory          keep data in memory only (default: kept in .data/ across restarts)
  --no-seed            do not create the demo operator, site, charger and tariff
  --host H             interface every part listens on (default 127.0.0.1). DynamoDB Local, SES
                       local and the Stripe emulator have no real authentication: use e.g.
                       --host 0.0.0.0 only on a network you trust (the @connections API stays
                       on 127.0.0.1)
  --http-port N        driver pages, operator API and console, Stripe webhook (default ${DEFAULT_PORTS.http})
  --ocpp-port N        charger WebSocket endpoint (default ${DEFAULT_PORTS.ocpp})
  --connections-port N @connections API the handlers call, loopback only (default ${DEFAULT_PORTS.connections})
  --ses-port N         SES API and inbox (default ${DEFAULT_PORTS.ses})
  --stripe-port N      Stripe emulator (default ${DEFAULT_PORTS.stripe})
  --dynamodb-port N    DynamoDB Local (default ${DEFAULT_PORTS.dynamodb})
  --log-level L        handler logs: DEBUG, INFO, WARN, ERROR, SILENT (default WARN)
  --settle-seconds N   quiet period after StopTransaction before a charge is final and captured
                       (SETTLE_WINDOW_SECONDS; default 120, as deployed)
  --start-timeout-seconds N
                       cancel a card hold when the car has not started this long after it
                       (START_TIMEOUT_SECONDS; default 300, as deployed)
  -h, --help`;

function parse() {
  const { values } = parseArgs({
    options: {
      'in-memory': { type: 'boolean', default: false },
      'no-seed': { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
      'http-port': { type: 'string' },
      'ocpp-port': { type: 'string' },
      'connections-port': { type: 'string' },
      'ses-port': { type: 'string' },
      'stripe-port': { type: 'string' },
      'dynamodb-port': { type: 'string' },
      'log-level': { type: 'string', default: 'WARN' },
      'settle-seconds': { type: 'string' },
      'start-timeout-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const port = (name: keyof typeof values, fallback: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new Error(`--${name} must be a port number, got "${raw}"`);
    return n;
  };
  const ports: PlatformPorts = {
    http: port('http-port', DEFAULT_PORTS.http),
    ocpp: port('ocpp-port', DEFAULT_PORTS.ocpp),
    connections: port('connections-port', DEFAULT_PORTS.connections),
    ses: port('ses-port', DEFAULT_PORTS.ses),
    stripe: port('stripe-port', DEFAULT_PORTS.stripe),
    dynamodb: port('dynamodb-port', DEFAULT_PORTS.dynamodb),
  };
  const logLevel = String(values['log-level']).toUpperCase();
  if (!['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'].includes(logLevel)) {
    throw new Error(
      `--log-level must be one of DEBUG, INFO, WARN, ERROR, SILENT, got "${values['log-level']}"`,
    );
  }
  const seconds = (name: 'settle-seconds' | 'start-timeout-seconds'): string | undefined => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 86_400)
      throw new Error(`--${name} must be a whole number of seconds (1-86400), got "${raw}"`);
    return String(n);
  };
  // Handed to the handlers' settings (shared/lambda/config.ts reads them), as a deploy setting would be.
  const env: Record<string, string> = {};
  const settle = seconds('settle-seconds');
  if (settle !== undefined) env.SETTLE_WINDOW_SECONDS = settle;
  const startTimeout = seconds('start-timeout-seconds');
  if (startTimeout !== undefined) env.START_TIMEOUT_SECONDS = startTimeout;
  return {
    env,
    inMemory: values['in-memory'] === true,
    seed: values['no-seed'] !== true,
    host: String(values.host),
    ports,
    logLevel: logLevel as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT',
  };
}

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  const line = `+${'-'.repeat(width + 2)}+${'-'.repeat(Math.max(...rows.map(([, v]) => v.length)) + 2)}+`;
  const valueWidth = line.length - width - 7;
  return [line, ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v.padEnd(valueWidth)} |`), line].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const options = parse();
  const progress = (line: string) => console.log(`[start] ${line}`);
  let platform: Platform | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n[start] ${signal}: stopping every part…`);
    await platform?.stop();
    console.log('[start] stopped');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => void shutdown(signal));

  platform = await startPlatform({ ...options, log: progress });
  const e = platform.endpoints;
  const rows: [string, string][] = [
    ['OCPP 1.6-J (chargers)', `${e.ocppUrl}/<chargerId>`],
    ['Driver pages', `${e.httpUrl}/c/<chargerId>`],
    ['Operator console', `${e.httpUrl}/console`],
    ['Operator API', `${e.httpUrl}/api/v1`],
    ['Stripe webhook', `${e.httpUrl}/stripe/webhook`],
    ['Email inbox (SES)', `${e.sesUrl}/`],
    ['Stripe emulator', e.stripeUrl],
    ['DynamoDB Local', e.dynamoEndpoint],
  ];
  console.log(`\nEV charging platform ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  console.log(table(rows));
  if (options.seed) {
    console.log(`\nDemo operator "${DEMO.operatorName}":`);
    console.log(
      table([
        ['Charger id', DEMO.chargerId],
        ['Charger URL', `${e.ocppUrl}/${DEMO.chargerId}`],
        ['Basic auth', `${DEMO.chargerId} / ${DEMO.chargerPassword}`],
        ['RFID card', DEMO.idTag],
        ['Driver page', `${e.httpUrl}/c/${DEMO.chargerId}`],
        ['Operator API key', DEMO.apiKey],
      ]),
    );
    console.log(`\nSign in to the console as the demo operator's owner (local only):`);
    console.log(
      table([
        ['Console', `${e.httpUrl}/console`],
        ['Email', DEMO_USER.email],
        ['Password', DEMO_USER.password],
        ['TOTP secret', DEMO_USER.totpSecret],
        ['Recovery codes', `${DEMO_USER.recoveryCodes.join(', ')} (each once)`],
      ]),
    );
    console.log(
      `Add the secret to an authenticator app (or open this URI with it) for the 6-digit code:\n  ${await demoUserOtpauthUri()}`,
    );
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(options.host)) {
    console.log(
      `\n[start] WARNING: listening on ${options.host}: DynamoDB Local, SES local and the Stripe emulator are unauthenticated; whoever reaches them can read and change all data.`,
    );
  }
  console.log(
    `\nData: ${options.inMemory ? 'in memory (lost on exit)' : 'kept in .data/'}. Ctrl-C stops everything.`,
  );
}

main().catch((err) => {
  if (err instanceof PortInUseError) console.error(`\n[start] ${err.message}`);
  else console.error('\n[start] failed to start:', err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});

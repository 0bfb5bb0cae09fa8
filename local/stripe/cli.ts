/**
 * Run the Stripe emulator on its own: `npx tsx local/stripe/cli.ts [--port 12111] [--host 127.0.0.1]
 * [--persist .data/stripe.json] [--quiet]`. `npm start` starts it as part of the platform instead.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_EMULATOR_PORT, EMULATOR_SECRET_KEY, startStripeEmulator } from './emulator.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: String(DEFAULT_EMULATOR_PORT) },
    host: { type: 'string', default: '127.0.0.1' },
    persist: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer between 0 and 65535, got ${values.port}`);
  process.exit(2);
}

const emulator = await startStripeEmulator({
  port,
  host: values.host,
  ...(values.persist ? { persistFile: values.persist } : {}),
  log: values.quiet ? () => {} : (line) => console.log(`[stripe] ${line}`),
});

console.log(`Stripe emulator on ${emulator.url}`);
console.log(
  `  new Stripe('${EMULATOR_SECRET_KEY}', { host: '${new URL(emulator.url).hostname}', port: ${emulator.port}, protocol: 'http' })`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void emulator.stop().then(() => process.exit(0));
  });
}

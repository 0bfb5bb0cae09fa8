/**
 * SES, locally: aws-ses-v2-local speaks the real SES v1/v2 API (so the SESv2 client works
 * unchanged) and keeps sent mail in memory, with an inbox web UI at its root and `GET /store`.
 */
import type { Server } from 'node:http';
import * as sesLocalModule from 'aws-ses-v2-local';
import { reservePort, urlHost } from './ports.js';

// The package is CommonJS with an `exports.default`; ESM sees the whole exports object.
type StartSes = (config?: { host?: string; port?: number }) => Promise<Server>;
const loaded = sesLocalModule as unknown as { default: StartSes | { default: StartSes } };
const startSesServer: StartSes =
  typeof loaded.default === 'function' ? loaded.default : loaded.default.default;

export interface SesLocal {
  /** SES API endpoint and inbox UI (the same server). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startSesLocal(opts: { port: number; host?: string }): Promise<SesLocal> {
  const host = opts.host ?? '127.0.0.1';
  const port = await reservePort(opts.port, 'SES local (inbox)', host);
  const server = await startSesServer({ host, port });
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

/** Reads the local inbox, as the tests and the README's "read the emails" step do. */
export async function readInbox(sesUrl: string): Promise<StoredEmail[]> {
  const res = await fetch(`${sesUrl}/store`);
  if (!res.ok) throw new Error(`SES local store answered ${res.status}`);
  const json = (await res.json()) as { emails: StoredEmail[] };
  return json.emails;
}

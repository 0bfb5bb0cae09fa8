/** Port helpers for the embedded runtime: a clash gives an error that names the port. */
import { createServer } from 'node:net';

export class PortInUseError extends Error {
  override name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly service: string,
  ) {
    super(
      `port ${port} (${service}) is already in use; stop whatever holds it, or pick another port ('npm start -- --help' lists the port options)`,
    );
  }
}

/** Resolves with the port once it is known to be free on 127.0.0.1; 0 picks a free port. */
export function reservePort(port: number, service: string, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, service) : err);
    });
    server.listen({ port, host }, () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(chosen));
    });
  });
}

/** Listens an http/ws server, turning EADDRINUSE into a PortInUseError. */
export function listen(
  server: {
    listen(port: number, host: string): unknown;
    once(ev: 'error' | 'listening', fn: (e?: NodeJS.ErrnoException) => void): unknown;
    address(): unknown;
  },
  port: number,
  host: string,
  service: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) =>
      reject(err?.code === 'EADDRINUSE' ? new PortInUseError(port, service) : err),
    );
    server.once('listening', () => {
      const address = server.address() as { port: number } | null;
      resolve(address?.port ?? port);
    });
    server.listen(port, host);
  });
}

/** A host as it goes into a URL: a wildcard bind is reached through loopback, IPv6 in brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

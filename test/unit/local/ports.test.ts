import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PortInUseError, reservePort } from '../../../local/ports.js';

let holder: Server | undefined;
afterEach(() => holder?.close());

describe('reservePort', () => {
  it('names the port and the service when the port is taken', async () => {
    holder = createServer();
    const port = await new Promise<number>((resolve) =>
      holder!.listen(0, '127.0.0.1', () => resolve((holder!.address() as { port: number }).port)),
    );
    const err = await reservePort(port, 'OCPP WebSocket gateway').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortInUseError);
    expect((err as PortInUseError).message).toContain(
      `port ${port} (OCPP WebSocket gateway) is already in use`,
    );
  });

  it('hands out a free port for 0', async () => {
    const port = await reservePort(0, 'anything');
    expect(port).toBeGreaterThan(0);
  });
});

/**
 * `npm run charger:demo`: a simulated charger (ocpp-rpc in strict mode, so every reply is checked
 * against the official OCPP 1.6 schemas) runs a whole session against a running `npm start`:
 * Boot → Status → Authorize → Start → MeterValues → Stop, then a RemoteStart and a RemoteStop the
 * platform issues through the operator API, and prints the first session's charge as the operator
 * API reports it once the stream recompute has priced it.
 *
 *   npm run charger:demo -- [--url ws://127.0.0.1:8180/ocpp] [--api http://127.0.0.1:8080] [--readings 10]
 */
import { parseArgs } from 'node:util';
import { DEMO } from './seed.js';
import { simulatedCharger } from './simulated-charger.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:8180/ocpp' },
    api: { type: 'string', default: 'http://127.0.0.1:8080' },
    readings: { type: 'string', default: '10' },
  },
});
const readings = Number(values.readings);
const say = (line: string) => console.log(`[charger ${DEMO.chargerId}] ${line}`);

async function main(): Promise<void> {
  const client = simulatedCharger({
    ocppUrl: values.url,
    chargerId: DEMO.chargerId,
    password: DEMO.chargerPassword,
  });
  // Remote control: a charger accepts, then does what it was asked in a CALL of its own.
  const remote = { transactionId: undefined as number | undefined, stopped: false };
  client.handle('RemoteStartTransaction', async ({ params }) => {
    const { connectorId = 2, idTag } = params as { connectorId?: number; idTag: string };
    setTimeout(() => {
      void (async () => {
        const res = (await client.call('StartTransaction', {
          connectorId,
          idTag,
          meterStart: 40_000,
          timestamp: new Date().toISOString(),
        })) as { transactionId: number };
        remote.transactionId = res.transactionId;
      })();
    }, 50);
    return { status: 'Accepted' };
  });
  client.handle('RemoteStopTransaction', async ({ params }) => {
    const { transactionId } = params as { transactionId: number };
    if (transactionId !== remote.transactionId) return { status: 'Rejected' };
    setTimeout(() => {
      void (async () => {
        await client.call('StopTransaction', {
          transactionId,
          meterStop: 40_600,
          timestamp: new Date().toISOString(),
          reason: 'Remote',
        });
        remote.stopped = true;
      })();
    }, 50);
    return { status: 'Accepted' };
  });
  await client.connect();
  say(`connected to ${values.url} with subprotocol ${client.protocol}`);

  const boot = (await client.call('BootNotification', {
    chargePointVendor: 'Demo',
    chargePointModel: 'Simulator',
  })) as { status: string; interval: number };
  say(`BootNotification: ${boot.status}, heartbeat every ${boot.interval} s`);

  // A session that started a little over an hour ago, with a reading every 7 minutes.
  const start = Date.now() - (readings + 1) * 7 * 60_000;
  const at = (i: number) => new Date(start + i * 7 * 60_000).toISOString();
  await client.call('StatusNotification', {
    connectorId: 1,
    errorCode: 'NoError',
    status: 'Preparing',
    timestamp: at(0),
  });
  const auth = (await client.call('Authorize', { idTag: DEMO.idTag })) as { idTagInfo: { status: string } };
  say(`Authorize ${DEMO.idTag}: ${auth.idTagInfo.status}`);

  const meterStart = 1_250_000;
  const started = (await client.call('StartTransaction', {
    connectorId: 1,
    idTag: DEMO.idTag,
    meterStart,
    timestamp: at(0),
  })) as { transactionId: number };
  say(`StartTransaction: transaction ${started.transactionId}`);
  await client.call('StatusNotification', {
    connectorId: 1,
    errorCode: 'NoError',
    status: 'Charging',
    timestamp: at(0),
  });

  let register = meterStart;
  for (let i = 1; i <= readings; i++) {
    register += 850; // about 7.3 kW
    await client.call('MeterValues', {
      connectorId: 1,
      transactionId: started.transactionId,
      meterValue: [
        {
          timestamp: at(i),
          sampledValue: [
            {
              value: String(register),
              context: 'Sample.Periodic',
              measurand: 'Energy.Active.Import.Register',
              unit: 'Wh',
            },
            { value: '7300', context: 'Sample.Periodic', measurand: 'Power.Active.Import', unit: 'W' },
          ],
        },
      ],
    });
  }
  say(`${readings} × MeterValues sent, register at ${register} Wh`);
  await client.call('StopTransaction', {
    transactionId: started.transactionId,
    meterStop: register,
    timestamp: at(readings + 1),
    reason: 'EVDisconnected',
  });
  await client.call('StatusNotification', {
    connectorId: 1,
    errorCode: 'NoError',
    status: 'Available',
    timestamp: at(readings + 1),
  });
  say('StopTransaction sent');

  // The platform starts and stops a session on connector 2 through the operator API.
  const command = async (action: string, payload: unknown) => {
    const res = await fetch(`${values.api}/api/v1/chargers/${DEMO.chargerId}/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action, payload }),
    });
    const body = (await res.json()) as { status?: string; result?: { status: string }; error?: unknown };
    if (body.status !== 'succeeded') throw new Error(`${action}: ${res.status} ${JSON.stringify(body)}`);
    return body.result?.status;
  };
  const until = async (ok: () => boolean, what: string) => {
    for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
    if (!ok()) throw new Error(`timed out waiting for ${what}`);
  };
  say(
    `platform → RemoteStartTransaction: ${await command('RemoteStartTransaction', { connectorId: 2, idTag: DEMO.idTag })}`,
  );
  await until(() => remote.transactionId !== undefined, 'the remote-started transaction');
  say(`StartTransaction after the remote start: transaction ${remote.transactionId}`);
  say(
    `platform → RemoteStopTransaction: ${await command('RemoteStopTransaction', { transactionId: remote.transactionId })}`,
  );
  await until(() => remote.stopped, 'the remote stop');
  say('StopTransaction after the remote stop sent');
  await client.close();

  const url = `${values.api}/api/v1/chargers/${DEMO.chargerId}/transactions/${started.transactionId}`;
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${DEMO.apiKey}` } });
    const body = (await res.json()) as {
      transaction?: { charge?: { lines: unknown[]; totals: unknown }; status: string };
    };
    const charge = body.transaction?.charge;
    if (charge && body.transaction?.status !== 'active') {
      say(`charge (${body.transaction?.status}): ${JSON.stringify(charge.totals)}`);
      console.table(charge.lines);
      say(`the operator console shows it too: ${values.api}/console (API key ${DEMO.apiKey})`);
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no charge on ${url} after 10 s: is the stream poller running?`);
}

main().catch((err) => {
  console.error(`[charger ${DEMO.chargerId}] failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

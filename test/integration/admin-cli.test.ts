/**
 * The admin CLI (bin/admin.ts) run as a process against the test platform's DynamoDB Local, and the
 * keys it makes used against the platform's operator API: what an administrator does, end to end.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { readInbox } from '../../local/ses-local.js';
import { DynamoOperatorCatalog } from '../../shared/adapters/dynamodb/catalog.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoFleetStatements } from '../../shared/adapters/dynamodb/fleet-statements.js';
import { gsi2, keys } from '../../shared/adapters/dynamodb/keys.js';
import {
  ApiKeyListShape,
  IssuedApiKeyShape,
  RotatedApiKeyShape,
} from '../../shared/app/operators/api-keys.js';
import { priceSession } from '../../shared/domain/pricing.js';
import { aChargingSession, DEMO_TARIFF } from '../fixtures/builders/pricing.js';
import { operatorApi } from '../fixtures/operator-api.js';

const platform = inject('platform');
const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run admin -- <args>` (the same entry point) against the test platform's table. */
async function admin(...args: string[]): Promise<CliResult> {
  const where = ['--endpoint', platform.endpoints.dynamoEndpoint, '--table', platform.tableName];
  // The invitation create-operator sends goes through the test platform's ses-local and links to it.
  if (args[0] === 'create-operator')
    where.push('--ses-endpoint', platform.endpoints.sesUrl, '--console-url', platform.endpoints.httpUrl);
  if (args[0] === 'run-fleet-statements')
    where.push('--ses-endpoint', platform.endpoints.sesUrl, '--stripe-url', platform.endpoints.stripeUrl);
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'bin/admin.ts', ...args, ...where],
      {
        cwd: ROOT,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The one JSON line a command prints on stdout. */
// biome-ignore lint/suspicious/noExplicitAny: the test reads the printed JSON field by field.
function jsonLine(result: CliResult): any {
  const lines = result.stdout.split('\n').filter(Boolean);
  expect(lines, result.stderr).toHaveLength(1);
  return JSON.parse(lines[0] as string);
}

const api = (key: string) => operatorApi(platform.endpoints.httpUrl, key);

/** Each CLI run is a fresh Node process (a few seconds on a busy machine); a test makes several. */
const CLI_TEST_TIMEOUT_MS = 180_000;

describe('npm run admin', () => {
  it(
    'creates an operator whose key works over the API; rotates and revokes keys; refuses another operator',
    async () => {
      const created = await admin(
        'create-operator',
        '--name',
        'Riverside Flats',
        '--email',
        'landlord@riverside.example',
        '--kind',
        'group',
        '--pre-auth-minor',
        '2500',
      );
      expect(created.code, created.stderr).toBe(0);
      const out = jsonLine(created);
      expect(out).toMatchObject({
        kind: 'group',
        apiKey: { status: 'active' },
        firstUser: { email: 'landlord@riverside.example', invitation: 'sent' },
      });
      IssuedApiKeyShape.parse({ apiKey: out.apiKey, key: out.key });
      expect(created.stderr).toContain('invited landlord@riverside.example');
      const inbox = await readInbox(platform.endpoints.sesUrl);
      const invitation = inbox.find((m) => m.destination.to.includes('landlord@riverside.example'));
      expect(invitation?.body.text).toContain(`${platform.endpoints.httpUrl}/console/accept?token=`);
      const operatorId: string = out.operatorId;

      const asA = api(out.key);
      const me = await asA('GET', '/operator');
      expect(me.status).toBe(200);
      expect(me.json.operator).toMatchObject({
        operatorId,
        name: 'Riverside Flats',
        kind: 'group',
        currency: 'GBP',
        timeZone: 'Europe/London',
        contactEmail: 'landlord@riverside.example',
        preAuthAmount: { amountMinor: 2500, currency: 'GBP' },
      });

      // A second key through the CLI, listed through the API; the first rotated at once through the CLI.
      const second = jsonLine(await admin('create-key', '--operator', operatorId, '--label', 'meter export'));
      const listed = ApiKeyListShape.parse((await asA('GET', '/api-keys')).json);
      expect(listed.items.map((k) => k.keyId)).toEqual([out.apiKey.keyId, second.apiKey.keyId]);

      const rotated = jsonLine(
        await admin(
          'rotate-key',
          '--operator',
          operatorId,
          '--key-id',
          out.apiKey.keyId,
          '--grace-seconds',
          '0',
        ),
      );
      RotatedApiKeyShape.parse({ apiKey: rotated.apiKey, key: rotated.key, previous: rotated.previous });
      expect((await asA('GET', '/operator')).status).toBe(401);
      expect((await api(rotated.key)('GET', '/operator')).status).toBe(200);

      const revoked = jsonLine(
        await admin('revoke-key', '--operator', operatorId, '--key-id', second.apiKey.keyId),
      );
      expect(revoked.apiKey.status).toBe('revoked');
      expect((await api(second.key)('GET', '/api-keys')).status).toBe(401);

      const keys = jsonLine(await admin('list-keys', '--operator', operatorId));
      expect(keys.apiKeys.map((k: { status: string }) => k.status)).toEqual(['revoked', 'revoked', 'active']);

      // Another operator, with this one's key id: not found, and nothing of this one's changes.
      const other = jsonLine(
        await admin(
          'create-operator',
          '--name',
          'Fleet Co',
          '--email',
          'fleet@fleet.example',
          '--kind',
          'fleet',
        ),
      );
      const asB = api(other.key);
      // 404 `not_found` from the route itself, not `route_not_found`: the route exists, the key is not B's.
      const notFound = { status: 404, json: { error: { code: 'not_found', message: expect.any(String) } } };
      expect(await asB('DELETE', `/api-keys/${rotated.apiKey.keyId}`)).toMatchObject(notFound);
      expect(await asB('POST', `/api-keys/${rotated.apiKey.keyId}/rotate`, {})).toMatchObject(notFound);
      expect((await api(rotated.key)('GET', '/api-keys')).json.items).toEqual(keys.apiKeys);
      expect((await api(rotated.key)('GET', '/operator')).status).toBe(200);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'says what is wrong: usage errors exit 2 with the usage, failures exit 1, and stdout stays empty',
    async () => {
      const missing = await admin('create-operator', '--name', 'X', '--kind', 'home');
      expect(missing).toMatchObject({ code: 2, stdout: '' });
      expect(missing.stderr).toContain('--email is required');
      expect(missing.stderr).toContain('Usage: npm run admin');

      const badKind = await admin(
        'create-operator',
        '--name',
        'X',
        '--email',
        'x@example.com',
        '--kind',
        'hotel',
      );
      expect(badKind).toMatchObject({ code: 2, stdout: '' });
      expect(badKind.stderr).toContain('kind must be one of home, group, public, fleet');

      const unknown = await admin('list-keys', '--operator', 'op-does-not-exist');
      expect(unknown).toMatchObject({ code: 1, stdout: '' });
      expect(unknown.stderr).toContain('operator op-does-not-exist not found');
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'runs the monthly fleet statements of one operator and month, once, printing progress and the report',
    async () => {
      const created = jsonLine(
        await admin(
          'create-operator',
          '--name',
          'Van Depot',
          '--email',
          'vans@depot.example',
          '--kind',
          'fleet',
        ),
      );
      const operatorId: string = created.operatorId;
      const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
      const table = { doc, tableName: platform.tableName };
      await new DynamoOperatorCatalog(doc, platform.tableName).createGroup({
        operatorId,
        groupId: 'vans',
        name: 'Vans',
        kind: 'fleet',
      });
      // One final session of the fleet in November, as the finaliser leaves it.
      const startedAt = '2026-11-12T08:00:00.000Z';
      const charge = priceSession(
        DEMO_TARIFF,
        aChargingSession(8, { startedAt: Date.parse(startedAt) / 1000 }),
      );
      const chargerId = `CP-ADMIN-${operatorId}`;
      await doc.send(
        new PutCommand({
          TableName: platform.tableName,
          Item: {
            ...keys.transaction(chargerId, 1),
            ...gsi2.fleetSession(operatorId, 'vans', startedAt, chargerId, 1),
            entity: 'transaction',
            chargerId,
            transactionId: 1,
            operatorId,
            idTag: 'VAN-7',
            billedTo: { party: 'fleet', idTag: 'VAN-7', groupId: 'vans' },
            startedAt,
            status: 'final',
            finalisedAt: startedAt,
            charge,
            energyMilliWh: charge.energyMilliWh,
          },
        }),
      );

      const first = await admin('run-fleet-statements', '--operator', operatorId, '--month', '2026-11');
      expect(first.code, first.stderr).toBe(0);
      expect(jsonLine(first)).toEqual({
        month: '2026-11',
        fleets: 1,
        created: 1,
        emailed: 1,
        invoiced: 0,
        failed: 0,
      });
      expect(first.stderr).toContain(`fleet ${operatorId}/vans 2026-11: created,emailed`);
      const stored = await new DynamoFleetStatements(table).get(operatorId, 'vans', '2026-11');
      expect(stored?.statement).toMatchObject({
        sessionCount: 1,
        totals: { grossMinor: charge.totals.grossMinor },
      });
      const inbox = await readInbox(platform.endpoints.sesUrl);
      expect(
        inbox.some((m) => m.destination.to.includes('vans@depot.example') && m.subject.includes('2026-11')),
      ).toBe(true);

      const again = await admin('run-fleet-statements', '--operator', operatorId, '--month', '2026-11');
      expect(jsonLine(again)).toEqual({
        month: '2026-11',
        fleets: 1,
        created: 0,
        emailed: 0,
        invoiced: 0,
        failed: 0,
      });
      expect(again.stderr).toContain(`fleet ${operatorId}/vans 2026-11: unchanged`);

      const bad = await admin('run-fleet-statements', '--month', '2026-13');
      expect(bad).toMatchObject({ code: 2, stdout: '' });
      expect(bad.stderr).toContain('--month must be YYYY-MM');
      doc.destroy();
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

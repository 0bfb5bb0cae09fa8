/**
 * The operator API against its own published document, on the embedded platform:
 * - contract: every documented operation is called (an example per operationId; a new operation
 *   without one fails the test) and its answer must be a documented status whose documented JSON
 *   Schema it matches, checked by a JSON Schema 2020-12 validator over the served document;
 * - tenant isolation: for every documented operation that takes an id, operator B with operator A's
 *   id gets 404 (or, for a PUT that writes under the caller, its own item), and nothing of A's
 *   changes. Both walk the document, so a new route cannot be missed.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { simulatedCharger } from '../../local/simulated-charger.js';
import { DynamoOperatorCatalog } from '../../shared/adapters/dynamodb/catalog.js';
import { DynamoChargerAdmin } from '../../shared/adapters/dynamodb/charger-admin.js';
import { DynamoChargerRepository } from '../../shared/adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoUserStore } from '../../shared/adapters/dynamodb/users.js';
import { MemoryMailer } from '../../shared/adapters/memory/mailer.js';
import { createOperator } from '../../shared/app/operators/create-operator.js';
import { systemClock } from '../../shared/ports/clock.js';
import { markStatementPaid, storeEmptyStatement } from '../fixtures/fleet-statements.js';
import { aCharger, PASSWORD_HASH } from '../fixtures/ocpp/builders.js';
import {
  catalogExamples,
  contractFleetId,
  STATEMENT_MONTH,
} from '../fixtures/operator-api-catalog-examples.js';
import { apiKeyOf, capturedSession, paidCharger } from '../fixtures/payments/platform.js';

const platform = inject('platform');
const { httpUrl, ocppUrl, dynamoEndpoint } = platform.endpoints;
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const table = { doc, tableName: platform.tableName };

// biome-ignore lint/suspicious/noExplicitAny: the test walks the document and answers as plain JSON.
type Json = any;

interface Answer {
  status: number;
  contentType: string;
  json: Json;
}

/** One call to the API as an operator: path parameters filled into the documented template. */
async function call(
  key: string,
  method: string,
  template: string,
  req: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown },
): Promise<Answer> {
  const path = template.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(req.params?.[name] ?? `missing-${name}`),
  );
  const query = req.query ? `?${new URLSearchParams(req.query)}` : '';
  const res = await fetch(`${httpUrl}${path}${query}`, {
    method: method.toUpperCase(),
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
  });
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0] ?? '';
  const json = contentType === 'application/json' ? await res.json() : await res.arrayBuffer();
  return { status: res.status, contentType, json };
}

const run = Date.now().toString(36).toUpperCase();

/** A's fleet's statement of STATEMENT_MONTH, as the monthly run stores it (it runs on the 1st only). */
async function seedFleetStatement(operatorId: string): Promise<void> {
  const statement = { operatorId, fleetId: contractFleetId(run), month: STATEMENT_MONTH, runId: run };
  expect(await storeEmptyStatement(table, statement)).toBe(true);
}
const PASSWORD = 'contract-password-0001';

/** What the examples learn from earlier answers (ids the API hands out). */
interface Ctx {
  chargerId: string;
  pendingChargerId: string;
  /** A charger of A's with no session, for the catalog's deleteCharger example. */
  spareChargerId: string;
  transactionId: number;
  callId?: string;
  keyId?: string;
  rotatedKeyId?: string;
  userId?: string;
  memberId?: string;
}

interface Example {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** The status a well-formed call gets; another documented one fails the example too. */
  status: number;
  learn?: (json: Json, ctx: Ctx) => void;
}

const tariffBody = {
  name: 'Contract rate',
  currency: 'GBP',
  timeZone: 'Europe/London',
  elements: [{ components: [{ type: 'ENERGY', priceMilliMinor: 30_000, taxRateBp: 2000 }] }],
};

/** One example per documented operation, in the order they run (later ones use earlier answers). */
const EXAMPLES: [string, (ctx: Ctx) => Example][] = [
  ['getOperator', () => ({ status: 200 })],
  // Onboarding and the dashboard decide where money goes: an API key alone is refused (owner sign-in).
  ['startPaymentsOnboarding', () => ({ status: 403 })],
  ['createPaymentsDashboardLink', () => ({ status: 403 })],
  ['getPaymentsAccount', () => ({ status: 200 })],
  [
    'refundSession',
    () => ({
      params: { sessionId: 'no-captured-session' },
      body: { amount: { amountMinor: 100, currency: 'GBP' } },
      status: 404,
    }),
  ],
  // A has no payout here (test/integration/payouts-platform.test.ts pays one out): the list is empty.
  ['listPayouts', () => ({ query: { limit: '5' }, status: 200 })],
  ['getPayout', () => ({ params: { payoutId: 'po_not_paid_out' }, status: 404 })],
  ['emailDetailedInvoice', () => ({ params: { payoutId: 'po_not_paid_out' }, status: 404 })],
  [
    'refundTransaction',
    () => ({
      params: { chargerId: 'NO-SUCH-CHARGER', transactionId: '1' },
      body: { amount: { amountMinor: 100, currency: 'GBP' } },
      status: 404,
    }),
  ],
  [
    'registerCharger',
    (c) => ({
      body: {
        chargerId: c.chargerId,
        password: PASSWORD,
        accessMode: 'public',
        paid: false,
        connectorCount: 2,
      },
      status: 201,
    }),
  ],
  ['listChargers', () => ({ query: { limit: '1' }, status: 200 })],
  ['getCharger', (c) => ({ params: { chargerId: c.chargerId }, status: 200 })],
  ['getConnectorQrSvg', (c) => ({ params: { chargerId: c.chargerId, connectorId: '2' }, status: 200 })],
  ['getConnectorQrPng', (c) => ({ params: { chargerId: c.chargerId, connectorId: '1' }, status: 200 })],
  ['approveCharger', (c) => ({ params: { chargerId: c.pendingChargerId }, status: 200 })],
  ['claimRegistrationPrefix', () => ({ params: { prefix: `CT${run}` }, status: 200 })],
  [
    'sendCommand',
    (c) => ({
      params: { chargerId: c.chargerId },
      body: { action: 'ClearCache', waitSeconds: 10 },
      status: 200,
      learn: (json, ctx) => {
        ctx.callId = json.callId;
      },
    }),
  ],
  ['getCommand', (c) => ({ params: { chargerId: c.chargerId, callId: String(c.callId) }, status: 200 })],
  ['listTransactions', () => ({ query: { limit: '5' }, status: 200 })],
  ['getDashboard', () => ({ status: 200 })],
  [
    'getRevenueSummary',
    () => {
      const day = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(0, 10);
      return { query: { from: day(30 * 86_400_000), to: day(0), by: 'site' }, status: 200 };
    },
  ],
  [
    'getTransaction',
    (c) => ({ params: { chargerId: c.chargerId, transactionId: String(c.transactionId) }, status: 200 }),
  ],
  ['putTariff', () => ({ params: { tariffId: `contract-${run}` }, body: tariffBody, status: 200 })],
  ['getTariff', () => ({ params: { tariffId: `contract-${run}` }, status: 200 })],
  [
    'putSite',
    () => ({
      params: { siteId: `site-${run}` },
      body: { name: 'Contract depot', timeZone: 'Europe/London', tariffId: `contract-${run}` },
      status: 200,
    }),
  ],
  ['putGroup', () => ({ params: { groupId: `group-${run}` }, body: { name: 'Residents' }, status: 200 })],
  [
    'putIdTag',
    () => ({
      params: { idTag: `TAG-${run}` },
      body: { kind: 'member', groupId: `group-${run}`, blocked: true, label: 'Flat 4' },
      status: 200,
    }),
  ],
  ['listApiKeys', () => ({ query: { limit: '10' }, status: 200 })],
  [
    'createApiKey',
    () => ({
      body: { label: 'contract' },
      status: 201,
      learn: (json, ctx) => {
        ctx.keyId = json.apiKey.keyId;
      },
    }),
  ],
  [
    'rotateApiKey',
    (c) => ({
      params: { keyId: String(c.keyId) },
      body: { graceSeconds: 0 },
      status: 201,
      learn: (json, ctx) => {
        ctx.rotatedKeyId = json.apiKey.keyId;
      },
    }),
  ],
  ['revokeApiKey', (c) => ({ params: { keyId: String(c.rotatedKeyId) }, status: 200 })],
  ...catalogExamples(run),

  ['listUsers', () => ({ query: { limit: '10' }, status: 200 })],
  [
    'inviteUser',
    () => ({
      body: { email: `staff-${run}@contract.example`, role: 'staff' },
      status: 201,
      learn: (json, ctx) => {
        ctx.userId = json.user.userId;
      },
    }),
  ],
  ['changeUserRole', (c) => ({ params: { userId: String(c.userId) }, body: { role: 'owner' }, status: 200 })],
  ['removeUser', (c) => ({ params: { userId: String(c.userId) }, status: 200 })],
  ['listGroupMembers', () => ({ params: { groupId: `group-${run}` }, query: { limit: '10' }, status: 200 })],
  [
    'addGroupMember',
    () => ({
      params: { groupId: `group-${run}` },
      body: { email: `member-${run}@contract.example`, idTags: [`MT-${run}`], label: 'Flat 9' },
      status: 201,
      learn: (json, ctx) => {
        ctx.memberId = json.member.memberId;
      },
    }),
  ],
  [
    'removeGroupMember',
    (c) => ({ params: { groupId: `group-${run}`, memberId: String(c.memberId) }, status: 200 }),
  ],
];

interface DocOperation {
  operationId: string;
  method: string;
  path: string;
  op: Json;
}

function operationsOf(document: Json): DocOperation[] {
  return Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Json>).map(([method, op]) => ({
      operationId: op.operationId as string,
      method,
      path,
      op,
    })),
  );
}

/** An operator of its own, with a charger connected to the platform and one session on it. */
async function anOperatorWithACharger(name: string) {
  const created = await createOperator(
    {
      operators: new DynamoOperatorRegistry(table),
      users: new DynamoUserStore(table),
      // The owner's invitation is not what this test is about (operator-sign-in.test.ts reads it).
      mailer: new MemoryMailer(),
      clock: systemClock,
      publicBaseUrl: httpUrl,
    },
    { name, email: `${name.toLowerCase()}@contract.example`, kind: 'public' },
  );
  const ctx: Ctx = {
    chargerId: `CT-${name}-${run}`,
    pendingChargerId: `CT-${name}-${run}-P`,
    spareChargerId: `CT-${name}-${run}-S`,
    transactionId: 700_000 + Math.floor(Math.random() * 90_000),
  };
  // A charger that registered itself and waits for approval (what approveCharger is for).
  await new DynamoChargerRepository(table).createIfAbsent(
    aCharger({
      chargerId: ctx.pendingChargerId,
      operatorId: created.operatorId,
      passwordHash: PASSWORD_HASH,
      registration: 'pending',
    }),
  );
  await new DynamoChargerRepository(table).createIfAbsent(
    aCharger({ chargerId: ctx.spareChargerId, operatorId: created.operatorId, passwordHash: PASSWORD_HASH }),
  );
  return { operatorId: created.operatorId, key: created.apiKey.key, ctx };
}

async function connect(chargerId: string): Promise<RPCClient> {
  const client = simulatedCharger({ ocppUrl, chargerId, password: PASSWORD });
  client.handle('ClearCache', async () => ({ status: 'Accepted' }));
  await client.connect();
  await client.call('BootNotification', { chargePointVendor: 'Contract', chargePointModel: 'Sim' });
  return client;
}

let document: Json;
let operations: DocOperation[];
let A: Awaited<ReturnType<typeof anOperatorWithACharger>>;
let chargerOfA: RPCClient | undefined;

beforeAll(async () => {
  document = await (await fetch(`${httpUrl}/api/v1/openapi.json`)).json();
  operations = operationsOf(document);
  // The one-off migration of legacy prefix claims, run here as a deployment runs it: the HTTP
  // function may not Scan (local/access.ts), yet its first claim would otherwise try to (reported).
  await new DynamoChargerAdmin(doc, platform.tableName).markLegacyPrefixClaims();
  A = await anOperatorWithACharger('A');
});

afterAll(async () => {
  await chargerOfA?.close({ force: true });
});

describe('every documented route answers with its documented shape', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);

  /** The documented answer for this status, validated with the document's own components. */
  function check(op: DocOperation, answer: Answer): void {
    const response = op.op.responses[String(answer.status)];
    expect(response, `${op.operationId} answered an undocumented ${answer.status}`).toBeDefined();
    const media = response.content[answer.contentType];
    expect(media, `${op.operationId} ${answer.status} answered ${answer.contentType}`).toBeDefined();
    if (answer.contentType !== 'application/json') return;
    const validate = ajv.compile({ ...media.schema, components: document.components });
    const ok = validate(answer.json);
    expect(ok, `${op.operationId} ${answer.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  }

  it('has an example for every documented operation, and no example for an operation it lacks', () => {
    expect(EXAMPLES.map(([id]) => id).sort()).toEqual(operations.map((o) => o.operationId).sort());
  });

  it('calls each operation and gets its documented answer', async () => {
    const byId = new Map(operations.map((o) => [o.operationId, o]));
    for (const [operationId, example] of EXAMPLES) {
      if (operationId === 'sendCommand') chargerOfA ??= await connect(A.ctx.chargerId);
      if (operationId === 'listFleetStatements') await seedFleetStatement(A.operatorId);
      if (operationId === 'getTransaction' && chargerOfA) {
        // A session whose StartTransaction was lost: the platform records it from the stop alone.
        await chargerOfA.call('StopTransaction', {
          transactionId: A.ctx.transactionId,
          meterStop: 1000,
          timestamp: new Date().toISOString(),
        });
      }
      const op = byId.get(operationId) as DocOperation;
      const req = example(A.ctx);
      const answer = await call(A.key, op.method, op.path, req);
      expect(answer.status, `${operationId}: ${JSON.stringify(answer.json)}`).toBe(req.status);
      check(op, answer);
      req.learn?.(answer.json, A.ctx);
    }
  });

  it('shows a paid session, captured and partly refunded, in its documented shape', async () => {
    // An operator of its own with a paid charger (A's charger takes no card): its session is held,
    // captured, and refunded in part through the documented refund route.
    const charger = await paidCharger(platform);
    try {
      const paid = await capturedSession(platform, charger);
      const key = await apiKeyOf(platform, charger.operatorId);
      const byId = new Map(operations.map((o) => [o.operationId, o]));
      const op = (id: string) => byId.get(id) as DocOperation;
      const refund = await call(key, 'post', op('refundSession').path, {
        params: { sessionId: paid.sessionId },
        body: { amount: { amountMinor: 234, currency: 'GBP' } },
      });
      expect(refund.status).toBe(201);
      check(op('refundSession'), refund);

      const params = { chargerId: charger.chargerId, transactionId: String(paid.transactionId) };
      const detail = await call(key, 'get', op('getTransaction').path, { params });
      expect(detail.status).toBe(200);
      check(op('getTransaction'), detail);
      expect(detail.json.transaction.payment).toMatchObject({
        method: 'card',
        state: 'partly-refunded',
        sessionId: paid.sessionId,
        paymentIntentId: paid.paymentIntentId,
        captured: { amountMinor: 1234, currency: 'GBP' },
        refunded: { amountMinor: 234, currency: 'GBP' },
      });
      const list = await call(key, 'get', op('listTransactions').path, { query: { limit: '5' } });
      check(op('listTransactions'), list);
      expect(list.json.items[0].payment).toEqual(detail.json.transaction.payment);
    } finally {
      await charger.close();
    }
  });

  it('shows a paid fleet statement, its fee, its transfer and the sessions it left off, in its documented shape', async () => {
    // A fleet of its own: the examples' fleet is deleted by the walk above.
    const fleetId = `paid-${contractFleetId(run)}`;
    await new DynamoOperatorCatalog(doc, platform.tableName).createGroup({
      operatorId: A.operatorId,
      groupId: fleetId,
      name: 'Paid fleet',
      kind: 'fleet',
    });
    const month = '2026-09';
    const excluded = [
      { chargerId: 'CP-EUR', transactionId: 4, reason: 'other-currency' as const },
      { chargerId: 'CP-BAD', transactionId: 9, reason: 'unpriceable' as const },
    ];
    const stored = { operatorId: A.operatorId, fleetId, month, runId: `${run}-paid`, excluded };
    expect(await storeEmptyStatement(table, stored)).toBe(true);
    await markStatementPaid(table, stored, {
      invoiceId: 'in_contract',
      amountDueMinor: 1_000,
      paidAt: '2026-10-03T10:00:00.000Z',
      transfer: { feeMinor: 90, netMinor: 910, status: 'pending' },
    });
    const op = operations.find((o) => o.operationId === 'listFleetStatements') as DocOperation;
    const list = await call(A.key, 'get', op.path, { params: { fleetId } });
    expect(list.status).toBe(200);
    check(op, list);
    const shown = list.json.items.find((i: { month: string }) => i.month === month);
    expect(shown).toMatchObject({
      invoice: { status: 'paid', paidAt: '2026-10-03T10:00:00.000Z', amountDueMinor: 1_000 },
      transfer: {
        status: 'pending',
        platformFee: { amountMinor: 90, currency: 'GBP' },
        amount: { amountMinor: 910, currency: 'GBP' },
      },
      excludedSessions: excluded,
    });
  });

  it('pages a list with the cursor it gives, and refuses a forged cursor with 400', async () => {
    const listChargers = operations.find((o) => o.operationId === 'listChargers') as DocOperation;
    const first = await call(A.key, 'get', listChargers.path, { query: { limit: '1' } });
    expect(first.json.items).toHaveLength(1);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const second = await call(A.key, 'get', listChargers.path, {
      query: { limit: '1', cursor: first.json.nextCursor },
    });
    check(listChargers, second);
    expect(second.json.items).toHaveLength(1);
    expect(second.json.items[0].chargerId).not.toBe(first.json.items[0].chargerId);

    for (const cursor of ['not-a-cursor', Buffer.from('{"pk":"x","sk":"y"}').toString('base64url')]) {
      const forged = await call(A.key, 'get', listChargers.path, { query: { cursor } });
      expect(forged.status).toBe(400);
      expect(forged.json.error.code).toBe('invalid_cursor');
      check(listChargers, forged);
    }
  });
});

describe('tenant isolation, walked from the document', () => {
  /** Every stored item of A: its operator-scoped items and its chargers' partitions. */
  async function itemsOfA(): Promise<Json[]> {
    const chargerPks = [A.ctx.chargerId, A.ctx.pendingChargerId].map((id) => keys.charger(id).pk);
    const items: Json[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new ScanCommand({
          TableName: platform.tableName,
          FilterExpression: 'operatorId = :a OR pk IN (:c1, :c2)',
          ExpressionAttributeValues: { ':a': A.operatorId, ':c1': chargerPks[0], ':c2': chargerPks[1] },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    const id = (i: Json) => `${i.pk}|${i.sk}`;
    return items.sort((x, y) => id(x).localeCompare(id(y)));
  }

  it("gives operator B 404 for each of A's ids, and changes nothing of A's", async () => {
    // A's resources exist (the contract test made them); its charger goes away so nothing moves.
    expect(A.ctx.callId).toBeDefined();
    await chargerOfA?.close({ force: true });
    chargerOfA = undefined;
    // The $disconnect first (on a loaded machine it may start after two equal reads below).
    const connectionOfA = keys.connection(A.ctx.chargerId);
    await expect
      .poll(
        async () => (await itemsOfA()).some((i) => i.pk === connectionOfA.pk && i.sk === connectionOfA.sk),
        {
          timeout: 20_000,
          interval: 200,
        },
      )
      .toBe(false);
    let before = await itemsOfA();
    // Settled: the disconnect and the stream's pricing of the session are done, and the finaliser
    // has finalised the stopped session (it runs on its own schedule, so two equal reads alone can
    // come between its runs and the walk below then sees it change).
    await expect
      .poll(
        async () => {
          const now = await itemsOfA();
          // A stopped session is finalised by the sweep a settle window later (2 s here, longer on
          // a loaded machine): two equal reads before then are not settled.
          const finalised = now
            .filter((i) => i.entity === 'transaction' && i.stoppedAt !== undefined)
            .every((i) => i.finalisedAt !== undefined);
          const settled = finalised && JSON.stringify(now) === JSON.stringify(before);
          before = now;
          return settled;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);

    const B = await anOperatorWithACharger('B');
    const withIds = operations.filter((o) => o.path.includes('{'));
    expect(withIds.length).toBeGreaterThan(10);
    const examples = new Map(EXAMPLES);
    const tried: string[] = [];
    for (const o of withIds) {
      // A's ids in the path; B's own valid body, so only the id decides the answer.
      const example = (examples.get(o.operationId) as (ctx: Ctx) => Example)(A.ctx);
      const answer = await call(B.key, o.method, o.path, example);
      const tenancy = o.op['x-tenancy'];
      if (tenancy === 'not-found') {
        expect(answer.status, `${o.operationId} as B with A's id`).toBe(404);
      } else {
        expect(tenancy, o.operationId).toBe('caller-scoped');
        // B writes its own item of that id (or is refused); never A's.
        expect([200, 201, 409], `${o.operationId} as B`).toContain(answer.status);
      }
      tried.push(o.operationId);
    }
    expect(tried).toContain('getCharger');
    expect(tried).toContain('revokeApiKey');
    expect(await itemsOfA()).toEqual(before);
    // And A still works as before: its charger is its own.
    expect(
      (await call(A.key, 'get', '/api/v1/chargers/{chargerId}', { params: { chargerId: A.ctx.chargerId } }))
        .status,
    ).toBe(200);
  });
});

/**
 * Issue 13, IAM parity: each function reaches DynamoDB, SES and `@connections` locally only as its
 * declaration in lib/handlers.ts lets its role reach them in AWS (local/access.ts). Against the shared
 * platform's real services; the OCPP handlers run here, over a table of their own, so a test can run
 * the authorizer under an older, read-only declaration and see the defect AWS had.
 */
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { HANDLERS, type HandlerName } from '../../lib/handlers.js';
import { asFunction, type Caller, type Denial, enforceAccess } from '../../local/access.js';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { type Gateway, startGateway } from '../../local/gateway.js';
import { DynamoChargerAdmin } from '../../shared/adapters/dynamodb/charger-admin.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { createOcppDeps } from '../../shared/lambda/ocpp-deps.js';
import {
  createAuthorizerHandler,
  createConnectHandler,
  createDisconnectHandler,
  createMessageHandler,
} from '../../shared/lambda/ocpp-handlers.js';
import { silentLog } from '../../shared/ports/log.js';
import { anOperator } from '../fixtures/ocpp/builders.js';

const platform = inject('platform');
const tableName = 'iam-parity';
const run = Date.now().toString(36);
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const denials: Denial[] = [];
let stopEnforcing: () => void;

beforeAll(async () => {
  await ensurePlatformTable(platform.endpoints.dynamoEndpoint, tableName);
  stopEnforcing = enforceAccess(
    {
      dynamodb: platform.endpoints.dynamoEndpoint,
      ses: platform.endpoints.sesUrl,
      connections: platform.endpoints.connectionsUrl,
    },
    (denial) => denials.push(denial),
  );
});

afterAll(() => {
  stopEnforcing?.();
  doc.destroy();
});

/** Runs `work` as function `name` would run it: under its declared access. */
const as = <T>(name: HandlerName | Caller, work: () => Promise<T>): Promise<T> => asFunction(name, work)();

/** The error `work` failed with (the test fails if it succeeded). */
async function failure(work: Promise<unknown>): Promise<{ name: string; message: string }> {
  const result = await work.then(
    () => undefined,
    (err: unknown) => err as { name: string; message: string },
  );
  expect(result, 'expected a refusal').toBeDefined();
  return result!;
}

const stored = async (key: { pk: string; sk: string }) =>
  (await doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;

describe('a function’s declaration, enforced on DynamoDB Local', () => {
  const item = { ...keys.operator(`op-iam-${run}`), entity: 'operator', name: 'written' };

  it('refuses a write from a read-only function with AccessDenied, and nothing is stored', async () => {
    const err = await failure(
      as('ocppAuthorizer', () => doc.send(new PutCommand({ TableName: tableName, Item: item }))),
    );
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toContain('dynamodb:PutItem');
    expect(await stored(keys.operator(`op-iam-${run}`))).toBeUndefined();
    expect(denials.at(-1)).toMatchObject({ caller: 'ocppAuthorizer', action: 'dynamodb:PutItem' });

    // The same function may read, and a function declared readWrite may write.
    await as('ocppAuthorizer', () =>
      doc.send(new GetCommand({ TableName: tableName, Key: keys.operator(`op-iam-${run}`) })),
    );
    await as('ocppConnect', () => doc.send(new PutCommand({ TableName: tableName, Item: item })));
    expect(await stored(keys.operator(`op-iam-${run}`))).toMatchObject({ name: 'written' });
  });

  it('refuses a transaction with one item outside the authorizer’s scoped writes, as a whole', async () => {
    const loginFailure = { ...keys.loginFailures({ chargerId: `IAM-${run}` }), entity: 'loginFailures' };
    const transaction = { ...keys.transaction(`IAM-${run}`, 1), entity: 'transaction' };
    const err = await failure(
      as('ocppAuthorizer', () =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: tableName, Item: loginFailure } },
              { Put: { TableName: tableName, Item: transaction } },
            ],
          }),
        ),
      ),
    );
    expect(err.name).toBe('AccessDeniedException');
    expect(await stored(keys.loginFailures({ chargerId: `IAM-${run}` }))).toBeUndefined();
    // Within its scope alone, the write goes through.
    await as('ocppAuthorizer', () => doc.send(new PutCommand({ TableName: tableName, Item: loginFailure })));
    expect(await stored(keys.loginFailures({ chargerId: `IAM-${run}` }))).toBeDefined();
  });

  it('lets only the declared functions query the index and scan the table', async () => {
    const query = () =>
      doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': `OP#op-iam-${run}` },
        }),
      );
    expect((await failure(as('ocppMessage', query))).name).toBe('AccessDeniedException');
    await as('httpApi', query);

    const scan = () => doc.send(new ScanCommand({ TableName: tableName, Limit: 1 }));
    expect((await failure(as('ocppMessage', scan))).name).toBe('AccessDeniedException');
    await as('scheduleFinaliser', scan);
  });

  it('leaves the runtime’s own requests (seed, stream poller, tests) alone', async () => {
    const key = keys.operator(`op-runtime-${run}`);
    await doc.send(new PutCommand({ TableName: tableName, Item: { ...key, entity: 'operator' } }));
    expect(await stored(key)).toBeDefined();
  });
});

describe('email and @connections, enforced on SES local and the gateway', () => {
  const ses = new SESv2Client({ region: 'local', endpoint: platform.endpoints.sesUrl, credentials });
  const connections = new ApiGatewayManagementApiClient({
    region: 'local',
    endpoint: platform.endpoints.connectionsUrl,
    credentials,
  });
  afterAll(() => {
    ses.destroy();
    connections.destroy();
  });

  it('lets only the functions that declare it send email', async () => {
    const send = () =>
      ses.send(
        new SendEmailCommand({
          FromEmailAddress: 'receipts@ev-platform.local',
          Destination: { ToAddresses: [`iam-${run}@example.com`] },
          Content: { Simple: { Subject: { Data: 'iam parity' }, Body: { Text: { Data: 'parity' } } } },
        }),
      );
    const err = await failure(as('ocppAuthorizer', send));
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toContain('ses:SendEmail');
    expect(HANDLERS.streamPayments.sendsEmail).toBe(true);
    await as('streamPayments', send);
    // Operator sign-in: email codes and invitations.
    await as('httpApi', send);
  });

  it('lets only functions that post to chargers reach @connections', async () => {
    const post = () =>
      connections.send(new PostToConnectionCommand({ ConnectionId: `gone-${run}`, Data: Buffer.from('[]') }));
    const refused = await failure(as('ocppAuthorizer', post));
    expect(refused.name).toBe('AccessDeniedException');
    // Allowed through: the gateway itself answers, for a connection it does not know.
    expect((await failure(as('ocppMessage', post))).name).toBe('GoneException');
  });
});

describe('a self-registering charger, through a gateway with the AWS grants enforced', () => {
  const prefix = `IAM${run}-`.toUpperCase();
  const operatorId = `op-pending-${run}`;
  const password = 'first-use-password-42';
  /** The authorizer's access; a test swaps in the read-only declaration AWS had. */
  let authorizerAs: Caller = { name: 'ocppAuthorizer', spec: HANDLERS.ocppAuthorizer };
  let gateway: Gateway;

  beforeAll(async () => {
    const t = { doc, tableName };
    await new DynamoOperatorRegistry(t).create(anOperator({ operatorId, allowPendingChargers: true }));
    expect(await new DynamoChargerAdmin(doc, tableName).claimPrefix({ prefix, operatorId })).toBe('claimed');
    const deps = createOcppDeps({
      tableName,
      region: 'local',
      doc,
      log: silentLog,
      heartbeatIntervalSeconds: 300,
      callTimeoutSeconds: 30,
    });
    const authorize = createAuthorizerHandler(() => deps);
    gateway = await startGateway({
      port: 0,
      connectionsPort: 0,
      handlers: {
        authorizer: (event) => asFunction(authorizerAs, authorize)(event),
        connect: asFunction(
          'ocppConnect',
          createConnectHandler(() => deps),
        ),
        disconnect: asFunction(
          'ocppDisconnect',
          createDisconnectHandler(() => deps),
        ),
        default: asFunction(
          'ocppMessage',
          createMessageHandler(() => deps),
        ),
      },
    });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  function open(chargerId: string, secret: string): Promise<{ protocol: string } | { status: number }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${gateway.ocppUrl}/${chargerId}`, ['ocpp1.6'], {
        headers: { authorization: `Basic ${Buffer.from(`${chargerId}:${secret}`).toString('base64')}` },
      });
      ws.once('open', () => {
        resolve({ protocol: ws.protocol });
        ws.close();
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve({ status: res.statusCode ?? 0 });
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  it('connects as pending, and a wrong password later is counted', async () => {
    const chargerId = `${prefix}001`;
    expect(await open(chargerId, password)).toEqual({ protocol: 'ocpp1.6' });
    expect(await stored(keys.charger(chargerId))).toMatchObject({ operatorId, registration: 'pending' });

    expect(await open(chargerId, 'not-the-first-password')).toEqual({ status: 403 });
    expect(await stored(keys.loginFailures({ chargerId }))).toMatchObject({ failures: 1 });
  });

  it('cannot connect under the read-only authorizer role AWS had (the defect, seen locally)', async () => {
    authorizerAs = {
      name: 'ocppAuthorizer (read-only)',
      spec: { ...HANDLERS.ocppAuthorizer, scopedWrites: [] },
    };
    try {
      const chargerId = `${prefix}002`;
      // The authorizer fails (API Gateway answers 500) and nothing is stored.
      expect(await open(chargerId, password)).toEqual({ status: 500 });
      expect(await stored(keys.charger(chargerId))).toBeUndefined();
      expect(denials.at(-1)).toMatchObject({
        caller: 'ocppAuthorizer (read-only)',
        action: 'dynamodb:PutItem',
      });
    } finally {
      authorizerAs = { name: 'ocppAuthorizer', spec: HANDLERS.ocppAuthorizer };
    }
  });
});

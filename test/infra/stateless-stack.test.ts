import { marshall } from '@aws-sdk/util-dynamodb';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN_VERIFY_HEADER } from '../../lib/constructs/ocpp-edge.js';
import {
  HANDLER_NAMES,
  HANDLERS,
  type HandlerName,
  type HandlerSpec,
  OCPP_STAGE_NAME,
} from '../../lib/handlers.js';
import { DEFAULT_RECOMPUTE_BATCHING_WINDOW_SECONDS } from '../../lib/settings.js';
import { STREAM_MAX_RECORD_AGE } from '../../lib/stateless-stack.js';
import { keys, prefixes, REPRICE_DUE } from '../../shared/adapters/dynamodb/keys.js';
import { paymentTriggerOf } from '../../shared/adapters/dynamodb/payments-stream.js';
import { PLATFORM_TABLE } from '../../shared/adapters/dynamodb/table.js';
import { newSessionIdTag } from '../../shared/app/payments/tokens.js';
import {
  logicalId,
  REQUIRED_CONTEXT,
  resourcesOfType,
  type Synthesized,
  synthPlatform,
} from './platform-fixture.js';

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

function statementsOf(template: Template, policyLogicalId: string): Statement[] {
  const policy = template.toJSON().Resources[policyLogicalId] as {
    Properties: { PolicyDocument: { Statement: Statement[] } };
  };
  return policy.Properties.PolicyDocument.Statement;
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

/** The functions with an event source mapping on the table stream. */
const STREAM_CONSUMERS: readonly HandlerName[] = ['streamRecompute', 'streamPayments'];

/** Whether a policy statement allows `action` on a resource that mentions `resourceLogicalId`. */
function allows(statements: Statement[], action: string, resourceLogicalId: string): boolean {
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      actionsOf([s]).includes(action) &&
      JSON.stringify(s.Resource).includes(resourceLogicalId),
  );
}

interface TableGrants {
  /** Actions on the table itself, without a condition. */
  table: string[];
  indexes: { index: string; actions: string[] }[];
  /** Actions on the table under a `dynamodb:LeadingKeys` condition, with its patterns. */
  scoped: { actions: string[]; leadingKeys: string[] }[];
  stream: boolean;
}

/** A role's DynamoDB statements, sorted by what they reach: the table, an index, the stream. */
function tableGrantsOf(statements: Statement[]): TableGrants {
  const grants: TableGrants = { table: [], indexes: [], scoped: [], stream: false };
  for (const s of statements) {
    const actions = actionsOf([s]).filter((a) => a.startsWith('dynamodb:'));
    if (actions.length === 0 || s.Effect !== 'Allow') continue;
    const resource = JSON.stringify(s.Resource);
    if (actions.includes('dynamodb:GetRecords')) {
      grants.stream = true;
      continue;
    }
    if (actions.every((a) => a === 'dynamodb:ListStreams')) continue;
    // One statement may name several indexes (httpApi queries gsi1 and gsi3).
    const indexes = [...resource.matchAll(/\/index\/([A-Za-z0-9_.-]+)/g)].map((m) => m[1] as string);
    if (indexes.length > 0) {
      for (const index of indexes) grants.indexes.push({ index, actions });
      continue;
    }
    const like = (s as Statement & { Condition?: Record<string, Record<string, string | string[]>> })
      .Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
    if (like) grants.scoped.push({ actions, leadingKeys: Array.isArray(like) ? like : [like] });
    else grants.table.push(...actions);
  }
  return grants;
}

/** IAM StringLike for the patterns the stack writes: `*` matches any run of characters. */
function likeMatches(pattern: string, value: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(value);
}

type Pattern = { [key: string]: Pattern | (string | { prefix: string })[] };

/**
 * Lambda's event filtering for the pattern subset the stack uses (exact strings and `prefix`): every
 * field the pattern names must be present in the record and match one of its values.
 */
function matches(pattern: Pattern, value: unknown): boolean {
  return Object.entries(pattern).every(([field, rule]) => {
    const actual = (value as Record<string, unknown> | undefined)?.[field];
    if (!Array.isArray(rule)) return matches(rule, actual);
    return (
      typeof actual === 'string' &&
      rule.some((r) => (typeof r === 'string' ? actual === r : actual.startsWith(r.prefix)))
    );
  });
}

/** A table stream record as Lambda receives it. */
function streamRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  key: { pk: string; sk: string },
  item: Record<string, unknown>,
): DynamoDBRecord {
  const image = marshall({ ...key, ...item }) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
  return {
    eventName,
    dynamodb: { Keys: marshall(key) as NonNullable<DynamoDBRecord['dynamodb']>['Keys'], NewImage: image },
  };
}

function routeByKey(template: Template, routeKey: string): { id: string; props: Record<string, unknown> } {
  const found = Object.entries(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).filter(
    ([, r]) => r.Properties?.RouteKey === routeKey,
  );
  expect(found, `route ${routeKey}`).toHaveLength(1);
  const [id, route] = found[0]!;
  return { id, props: route.Properties ?? {} };
}

/** The logical id of the integration a route targets (`integrations/<Ref>`). */
function integrationOf(route: Record<string, unknown>): string {
  const match = /"Ref":"([^"]+)"/.exec(JSON.stringify(route.Target));
  if (!match?.[1]) throw new Error(`route has no integration target: ${JSON.stringify(route.Target)}`);
  return match[1];
}

describe('stateless stack', () => {
  let platform: Synthesized;
  let template: Template;
  const fnId = (name: HandlerName) => logicalId(platform.stateless.functions[name].function);
  const policyId = (name: HandlerName) =>
    logicalId(platform.stateless.functions[name].role.node.findChild('DefaultPolicy'));
  const integrationTargets = (integrationId: string, name: HandlerName) =>
    JSON.stringify(template.toJSON().Resources[integrationId].Properties.IntegrationUri).includes(fnId(name));

  beforeAll(() => {
    platform = synthPlatform();
    template = platform.statelessTemplate;
  });

  describe('functions', () => {
    it('has one function per entry of lib/handlers.ts, and no other', () => {
      expect(Object.keys(resourcesOfType(template, 'AWS::Lambda::Function'))).toHaveLength(
        HANDLER_NAMES.length,
      );
      expect(Object.keys(platform.stateless.functions).sort()).toEqual([...HANDLER_NAMES].sort());
    });

    it.each(HANDLER_NAMES)('%s: nodejs22.x on arm64, source maps on, sized as listed', (name) => {
      const spec: HandlerSpec = HANDLERS[name];
      const f = platform.stateless.functions[name];
      const resources = template.toJSON().Resources;
      expect(resources[fnId(name)].Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: spec.memorySize,
        Timeout: spec.timeoutSeconds,
        Description: spec.description,
        Role: { 'Fn::GetAtt': [logicalId(f.role), 'Arn'] },
        LoggingConfig: { LogGroup: { Ref: logicalId(f.logGroup) } },
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            TABLE_NAME: expect.anything(),
            SENDER_EMAIL: REQUIRED_CONTEXT.senderEmail,
            PUBLIC_BASE_URL: expect.anything(),
            HEARTBEAT_INTERVAL_SECONDS: '300',
            CALL_TIMEOUT_SECONDS: '30',
            SETTLE_WINDOW_SECONDS: '120',
            PLATFORM_FEE_BPS: '0',
            LOG_LEVEL: 'INFO',
            START_TIMEOUT_SECONDS: '300',
          },
        },
      });
      expect(resources[logicalId(f.logGroup)].Properties.RetentionInDays).toBe(30);
    });

    it('traces no function and grants no X-Ray unless the deployment asks (context tracing)', () => {
      const xrayGrants = (t: Template) =>
        HANDLER_NAMES.flatMap((name) =>
          statementsOf(t, policyId(name)).filter((st) => JSON.stringify(st.Action).includes('xray:')),
        );
      for (const name of HANDLER_NAMES) {
        expect(template.toJSON().Resources[fnId(name)].Properties.TracingConfig, name).toBeUndefined();
      }
      expect(xrayGrants(template)).toEqual([]);

      const traced = synthPlatform({ tracing: 'true' }).statelessTemplate;
      for (const name of HANDLER_NAMES) {
        expect(traced.toJSON().Resources[fnId(name)].Properties.TracingConfig, name).toEqual({
          Mode: 'Active',
        });
      }
      expect(xrayGrants(traced)).toHaveLength(HANDLER_NAMES.length);
    });

    it.each(HANDLER_NAMES)('%s: names each secret in its environment only if it may read it', (name) => {
      const spec: HandlerSpec = HANDLERS[name];
      const variables = template.toJSON().Resources[fnId(name)].Properties.Environment.Variables;
      for (const [variable, secret, readable] of [
        ['SESSION_TOKEN_SECRET_ARN', platform.stateful.sessionTokenSecret, spec.readsTokenSecret],
        ['STRIPE_SECRET_ARN', platform.stateful.stripeSecret, spec.readsStripeSecret],
        ['OCPP_ORIGIN_SECRET_ARN', platform.stateless.edge.originSecret, spec.readsOriginSecret],
      ] as const) {
        if (readable) expect(JSON.stringify(variables[variable]), variable).toContain(logicalId(secret));
        else expect(variables[variable], variable).toBeUndefined();
      }
    });

    it('gives the token secret to the driver pages and the payments consumer, the origin secret to the authorizer, and email to the payments consumer, the HTTP API and the Stripe webhook', () => {
      const declaring = (flag: 'readsTokenSecret' | 'readsOriginSecret' | 'sendsEmail') =>
        HANDLER_NAMES.filter((name) => (HANDLERS[name] as HandlerSpec)[flag]).sort();
      expect(declaring('readsTokenSecret')).toEqual(['httpApi', 'streamPayments']);
      // The CloudFront origin header is checked once, at the handshake.
      expect(declaring('readsOriginSecret')).toEqual(['ocppAuthorizer']);
      // Receipts are owed through the table and sent by one function (exactly once per receipt); the
      // HTTP API sends operator users' sign-in codes and invitations; the Stripe webhook the payout
      // invoices (payout.paid on the Connect endpoint); the monthly run fleet statements.
      expect(declaring('sendsEmail')).toEqual([
        'httpApi',
        'scheduleFleetStatements',
        'streamPayments',
        'stripeWebhook',
      ]);
    });

    it('takes payments only with a publishable key: none in the environment by default, and never the Stripe.js URL', () => {
      for (const name of HANDLER_NAMES) {
        const variables = template.toJSON().Resources[fnId(name)].Properties.Environment.Variables;
        expect(variables.STRIPE_PUBLISHABLE_KEY, name).toBeUndefined();
        expect(variables.STRIPE_JS_URL, name).toBeUndefined();
      }
    });

    it('sets no local-runtime endpoint override (the SDKs must reach the real AWS endpoints)', () => {
      for (const name of HANDLER_NAMES) {
        const variables = template.toJSON().Resources[fnId(name)].Properties.Environment.Variables;
        for (const local of [
          'CONNECTIONS_ENDPOINT',
          'DYNAMODB_ENDPOINT',
          'SES_ENDPOINT',
          'STRIPE_API_URL',
          'STRIPE_SECRET_KEY',
          'STRIPE_WEBHOOK_SECRET',
        ]) {
          expect(variables[local], `${name} ${local}`).toBeUndefined();
        }
      }
    });

    it('passes the deploy settings from context into every function', () => {
      const custom = synthPlatform({
        heartbeatIntervalSeconds: 120,
        settleWindowSeconds: '600',
        platformFeeBps: 250,
        logLevel: 'DEBUG',
        publicBaseUrl: 'https://charge.example.org',
        logRetentionDays: 90,
        stripePublishableKey: 'pk_live_51Example',
        startTimeoutSeconds: '420',
      });
      const expected = {
        HEARTBEAT_INTERVAL_SECONDS: '120',
        SETTLE_WINDOW_SECONDS: '600',
        PLATFORM_FEE_BPS: '250',
        LOG_LEVEL: 'DEBUG',
        PUBLIC_BASE_URL: 'https://charge.example.org',
        STRIPE_PUBLISHABLE_KEY: 'pk_live_51Example',
        START_TIMEOUT_SECONDS: '420',
      };
      const functions = resourcesOfType(custom.statelessTemplate, 'AWS::Lambda::Function');
      expect(Object.keys(functions)).toHaveLength(HANDLER_NAMES.length);
      for (const [id, f] of Object.entries(functions)) {
        const environment = f.Properties?.Environment as { Variables: Record<string, unknown> } | undefined;
        expect(environment?.Variables, id).toMatchObject(expected);
      }
      custom.statelessTemplate.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    });
  });

  describe('least-privilege grants, as lib/handlers.ts lists them', () => {
    it.each(HANDLER_NAMES)('%s: table items, indexes, Scan and stream exactly as declared', (name) => {
      const spec: HandlerSpec = HANDLERS[name];
      const grants = tableGrantsOf(statementsOf(template, policyId(name)));
      const reads = [
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
      ];
      const writes = [
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ];
      expect(grants.table.sort()).toEqual(
        [
          ...reads,
          ...(spec.scansTable ? ['dynamodb:Scan'] : []),
          ...(spec.table === 'readWrite' ? writes : []),
        ].sort(),
      );
      expect(grants.indexes).toEqual(spec.indexes.map((index) => ({ index, actions: ['dynamodb:Query'] })));
      expect(grants.scoped.length).toBe(spec.scopedWrites.length);
      expect(grants.stream).toBe(spec.readsStream);
    });

    it.each(HANDLER_NAMES)('%s: @connections, secrets and email exactly as declared', (name) => {
      const spec: HandlerSpec = HANDLERS[name];
      const statements = statementsOf(template, policyId(name));
      const actions = actionsOf(statements);
      expect(actions.includes('execute-api:ManageConnections')).toBe(spec.postsToChargers);
      expect(
        allows(statements, 'secretsmanager:GetSecretValue', logicalId(platform.stateful.stripeSecret)),
      ).toBe(spec.readsStripeSecret);
      expect(
        allows(statements, 'secretsmanager:GetSecretValue', logicalId(platform.stateful.sessionTokenSecret)),
      ).toBe(spec.readsTokenSecret);
      expect(
        allows(statements, 'secretsmanager:GetSecretValue', logicalId(platform.stateless.edge.originSecret)),
      ).toBe(spec.readsOriginSecret);
      // No secret beyond the three above.
      expect(actions.includes('secretsmanager:GetSecretValue')).toBe(
        spec.readsStripeSecret || spec.readsTokenSecret || spec.readsOriginSecret,
      );
      expect(actions.some((action) => action.startsWith('ses:'))).toBe(spec.sendsEmail);
      // Writes its own log group only; never the account-wide managed policy.
      expect(actions).toEqual(expect.arrayContaining(['logs:CreateLogStream', 'logs:PutLogEvents']));
    });

    it('grants Scan only to the one-time migrations (reconciliation sweep, prefix claims, fleet indexes), and on no index', () => {
      const scanning = HANDLER_NAMES.filter((name) =>
        tableGrantsOf(statementsOf(template, policyId(name))).table.includes('dynamodb:Scan'),
      );
      expect(scanning.sort()).toEqual(['httpApi', 'scheduleFinaliser', 'scheduleFleetStatements']);
      for (const name of HANDLER_NAMES) {
        for (const index of tableGrantsOf(statementsOf(template, policyId(name))).indexes)
          expect(index.actions, name).toEqual(['dynamodb:Query']);
      }
    });

    it('gives the stream to its two consumers alone, and each index to the functions that query it', () => {
      const streaming = HANDLER_NAMES.filter(
        (name) => tableGrantsOf(statementsOf(template, policyId(name))).stream,
      );
      expect(streaming.sort()).toEqual([...STREAM_CONSUMERS].sort());
      const queriers = (gsi: string) =>
        HANDLER_NAMES.filter((name) =>
          tableGrantsOf(statementsOf(template, policyId(name))).indexes.some((i) => i.index === gsi),
        ).sort();
      expect(queriers('gsi1')).toEqual([
        'httpApi',
        'ocppCallSweeper',
        'scheduleFleetStatements',
        'schedulePaymentsSweeper',
        'stripeWebhook',
      ]);
      expect(queriers('gsi2')).toEqual([
        'scheduleFinaliser',
        'scheduleFleetStatements',
        'schedulePaymentsSweeper',
      ]);
      expect(queriers('gsi3')).toEqual(['httpApi']);
      expect(queriers('gsi4')).toEqual(['scheduleFinaliser', 'schedulePaymentsSweeper']);
    });

    it('lets the authorizer write only a pending charger record and login failures, each under dynamodb:LeadingKeys', () => {
      const grants = tableGrantsOf(statementsOf(template, policyId('ocppAuthorizer')));
      // Reads only, without a condition: a flood of unauthenticated connects reaches this role.
      expect(grants.table.sort()).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
      ]);
      expect(grants.scoped).toEqual([
        { actions: ['dynamodb:PutItem'], leadingKeys: ['CP#*'] },
        {
          actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          leadingKeys: ['LOGINFAIL#CP#*', 'LOGINFAIL#IP#*'],
        },
      ]);
      // The patterns cover the keys the authorizer writes (keys.ts) and not, say, a transaction's.
      const [pending, failures] = grants.scoped.map((g) => g.leadingKeys);
      expect(pending!.some((p) => likeMatches(p, keys.charger('ACME-001').pk))).toBe(true);
      for (const subject of [{ chargerId: 'ACME-001' }, { sourceIp: '192.0.2.1' }]) {
        expect(failures!.some((p) => likeMatches(p, keys.loginFailures(subject).pk))).toBe(true);
      }
      for (const pattern of [...pending!, ...failures!]) {
        expect(likeMatches(pattern, keys.transaction('ACME-001', 7).pk)).toBe(false);
        expect(likeMatches(pattern, keys.operator('op-1').pk)).toBe(false);
      }
    });

    it('gives no other function a scoped write', () => {
      for (const name of HANDLER_NAMES.filter((n) => n !== 'ocppAuthorizer')) {
        expect(tableGrantsOf(statementsOf(template, policyId(name))).scoped, name).toEqual([]);
      }
    });

    it('names each index of PLATFORM_TABLE instead of granting <table>/index/*', () => {
      const json = JSON.stringify(template.toJSON());
      expect(json).not.toContain('/index/*');
      for (const gsi of PLATFORM_TABLE.globalSecondaryIndexes)
        expect(json).toContain(`/index/${gsi.indexName}`);
    });

    it('attaches no AWS managed policy to the function roles', () => {
      for (const name of HANDLER_NAMES) {
        const role = template.toJSON().Resources[logicalId(platform.stateless.functions[name].role)];
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('OCPP WebSocket API', () => {
    it('has exactly the $connect, $disconnect and $default routes', () => {
      const wsApiId = logicalId(platform.stateless.webSocketApi);
      const keys = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'))
        .filter((r) => JSON.stringify(r.Properties?.ApiId) === JSON.stringify({ Ref: wsApiId }))
        .map((r) => r.Properties?.RouteKey)
        .sort();
      expect(keys).toEqual(['$connect', '$default', '$disconnect']);
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET' });
    });

    it('puts $connect behind the REQUEST authorizer, whose identity sources make API Gateway refuse a handshake without Basic auth, charger id or the CloudFront origin header', () => {
      const authorizers = Object.entries(resourcesOfType(template, 'AWS::ApiGatewayV2::Authorizer'));
      expect(authorizers).toHaveLength(1);
      const [authorizerId, authorizer] = authorizers[0]!;
      expect(authorizer.Properties).toMatchObject({
        AuthorizerType: 'REQUEST',
        IdentitySource: [
          'route.request.header.Authorization',
          'route.request.querystring.chargerId',
          `route.request.header.${ORIGIN_VERIFY_HEADER}`,
        ],
      });
      expect(JSON.stringify(authorizer.Properties?.AuthorizerUri)).toContain(fnId('ocppAuthorizer'));

      const connect = routeByKey(template, '$connect');
      expect(connect.props).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
      });
      expect(integrationTargets(integrationOf(connect.props), 'ocppConnect')).toBe(true);
    });

    it('routes $disconnect and $default to their handlers, without an authorizer', () => {
      const disconnect = routeByKey(template, '$disconnect');
      const message = routeByKey(template, '$default');
      expect(integrationTargets(integrationOf(disconnect.props), 'ocppDisconnect')).toBe(true);
      expect(integrationTargets(integrationOf(message.props), 'ocppMessage')).toBe(true);
      expect(disconnect.props.AuthorizationType ?? 'NONE').toBe('NONE');
      expect(message.props.AuthorizationType ?? 'NONE').toBe('NONE');
    });

    it('makes $default one-way (no route response): replies go out through @connections, so nothing sends an empty frame', () => {
      const message = routeByKey(template, '$default');
      expect(message.props.RouteResponseSelectionExpression).toBeUndefined();
      expect(Object.keys(resourcesOfType(template, 'AWS::ApiGatewayV2::RouteResponse'))).toEqual([]);
      // The handler posts its replies, so it needs @connections.
      expect(actionsOf(statementsOf(template, policyId('ocppMessage')))).toContain(
        'execute-api:ManageConnections',
      );
    });

    it('deploys the stage the CloudFront rewrite targets, with access logs and throttling', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        ApiId: { Ref: logicalId(platform.stateless.webSocketApi) },
        StageName: OCPP_STAGE_NAME,
        AutoDeploy: true,
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
        DefaultRouteSettings: {
          ThrottlingRateLimit: Match.anyValue(),
          ThrottlingBurstLimit: Match.anyValue(),
        },
      });
    });

    it('sets the account API Gateway logging role only when asked, before the stage (WebSocket access logs need it), and keeps it when the stack goes', () => {
      template.resourceCountIs('AWS::ApiGateway::Account', 0);
      const withRole = synthPlatform({ createApiGatewayLogRole: 'true' }).statelessTemplate;
      const accountId = Object.keys(resourcesOfType(withRole, 'AWS::ApiGateway::Account'));
      expect(accountId).toHaveLength(1);
      withRole.hasResource('AWS::ApiGatewayV2::Stage', {
        Properties: Match.objectLike({ StageName: OCPP_STAGE_NAME }),
        DependsOn: Match.arrayWith([accountId[0]]),
      });
      // One setting per account and region, serving other APIs too: deleting this stack leaves it.
      withRole.hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain' });
      withRole.hasResource('AWS::IAM::Role', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          AssumeRolePolicyDocument: Match.objectLike({
            Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
          }),
        }),
      });
    });
  });

  describe('HTTP API', () => {
    it.each([
      ['GET /', 'httpApi'],
      ['ANY /{proxy+}', 'httpApi'],
      ['POST /stripe/webhook', 'stripeWebhook'],
      ['POST /stripe/connect-webhook', 'stripeWebhook'],
    ] as const)('routes %s to %s with the v2 payload', (routeKey, handler) => {
      const route = routeByKey(template, routeKey);
      const integrationId = integrationOf(route.props);
      expect(integrationTargets(integrationId, handler)).toBe(true);
      expect(template.toJSON().Resources[integrationId].Properties.PayloadFormatVersion).toBe('2.0');
    });

    it('has an auto-deployed $default stage with access logs and throttling', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        ApiId: { Ref: logicalId(platform.stateless.httpApi) },
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
        DefaultRouteSettings: {
          ThrottlingRateLimit: Match.anyValue(),
          ThrottlingBurstLimit: Match.anyValue(),
        },
      });
    });
  });

  describe('table stream consumers', () => {
    const mappingOf = (name: HandlerName) => {
      const found = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).filter(
        (m) => JSON.stringify(m.Properties?.FunctionName) === JSON.stringify({ Ref: fnId(name) }),
      );
      expect(found, name).toHaveLength(1);
      return found[0]!.Properties!;
    };
    const filtersOf = (name: HandlerName): Pattern[] =>
      (mappingOf(name).FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map(
        (f) => JSON.parse(f.Pattern) as Pattern,
      );
    const dlqOf = (name: HandlerName) =>
      name === 'streamRecompute' ? platform.stateless.recomputeDlq : platform.stateless.paymentsDlq;

    it('maps the table stream to the recompute and payments functions only', () => {
      const mapped = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).map((m) =>
        JSON.stringify(m.Properties?.FunctionName),
      );
      expect(mapped.sort()).toEqual(
        STREAM_CONSUMERS.map((name) => JSON.stringify({ Ref: fnId(name) })).sort(),
      );
    });

    it.each(STREAM_CONSUMERS)(
      '%s reads the table stream from the oldest record, bisecting, retrying and reporting item failures into its own queue',
      (name) => {
        expect(mappingOf(name)).toMatchObject({
          EventSourceArn: { 'Fn::ImportValue': expect.stringMatching(/StreamArn/) },
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 100,
          BisectBatchOnFunctionError: true,
          MaximumRetryAttempts: 10,
          MaximumRecordAgeInSeconds: STREAM_MAX_RECORD_AGE.toSeconds(),
          ParallelizationFactor: 1,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          DestinationConfig: {
            OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(dlqOf(name)), 'Arn'] } },
          },
        });
      },
    );

    it('lets the recompute gather records for a batching window, so one invocation folds several readings; payments do not wait', () => {
      expect(mappingOf('streamRecompute').MaximumBatchingWindowInSeconds).toBe(
        DEFAULT_RECOMPUTE_BATCHING_WINDOW_SECONDS,
      );
      expect(DEFAULT_RECOMPUTE_BATCHING_WINDOW_SECONDS).toBeGreaterThan(0);
      expect(mappingOf('streamPayments').MaximumBatchingWindowInSeconds).toBeUndefined();
      const unbatched = synthPlatform({ recomputeBatchingWindowSeconds: '0' }).statelessTemplate;
      const recomputeMapping = Object.values(
        resourcesOfType(unbatched, 'AWS::Lambda::EventSourceMapping'),
      ).find(
        (m) =>
          JSON.stringify(m.Properties?.FunctionName) === JSON.stringify({ Ref: fnId('streamRecompute') }),
      );
      expect(recomputeMapping?.Properties?.MaximumBatchingWindowInSeconds).toBeUndefined();
    });

    it('gives each consumer a queue of its own', () => {
      expect(logicalId(platform.stateless.recomputeDlq)).not.toBe(logicalId(platform.stateless.paymentsDlq));
    });

    it('passes the recompute new meter values, a new transaction item and one marked repriceDue: never its own writes', () => {
      const txPartition = { S: [{ prefix: prefixes.transactionPartition }] };
      const txItem = { pk: txPartition, sk: { S: [keys.transaction('CP', 1).sk] } };
      expect(filtersOf('streamRecompute')).toEqual([
        // INSERTs only: the recompute's own label on a stored message (meter-message-flags.ts) is a MODIFY.
        {
          eventName: ['INSERT'],
          dynamodb: { Keys: { pk: txPartition, sk: { S: [{ prefix: prefixes.meterValues }] } } },
        },
        { eventName: ['INSERT'], dynamodb: { Keys: txItem } },
        {
          eventName: ['MODIFY'],
          dynamodb: { Keys: txItem, NewImage: { [REPRICE_DUE]: { S: [{ exists: true }] } } },
        },
      ]);
    });

    it('passes to payments exactly three kinds of INSERT: a paid transaction, a charge-finalised event, a receipt owed', () => {
      const sessionTag = newSessionIdTag();
      expect(filtersOf('streamPayments')).toEqual([
        {
          eventName: ['INSERT'],
          dynamodb: {
            Keys: {
              pk: { S: [{ prefix: prefixes.transactionPartition }] },
              sk: { S: [keys.transaction('CP', 1).sk] },
            },
            NewImage: { idTag: { S: [{ prefix: sessionTag.slice(0, 2) }] } },
          },
        },
        {
          eventName: ['INSERT'],
          dynamodb: { Keys: { pk: { S: [keys.outbox('charge-finalised', 'at', 'CP', 1).pk] } } },
        },
        { eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [{ prefix: prefixes.receipt }] } } } },
      ]);
    });

    // The filters and the handler's own parser (payments-stream.ts) must agree: a record the filter
    // drops never reaches the parser, and one the parser ignores costs an invocation for nothing.
    const paidTag = newSessionIdTag();
    const records: [string, DynamoDBRecord, boolean][] = [
      [
        'a paid session transaction created',
        streamRecord('INSERT', keys.transaction('CP1', 7), {
          chargerId: 'CP1',
          transactionId: 7,
          idTag: paidTag,
        }),
        true,
      ],
      [
        'an RFID transaction created',
        streamRecord('INSERT', keys.transaction('CP1', 8), {
          chargerId: 'CP1',
          transactionId: 8,
          idTag: 'RFID0001',
        }),
        false,
      ],
      [
        'a transaction created with no idTag',
        streamRecord('INSERT', keys.transaction('CP1', 9), { chargerId: 'CP1', transactionId: 9 }),
        false,
      ],
      [
        'a paid session transaction updated by pricing',
        streamRecord('MODIFY', keys.transaction('CP1', 7), {
          chargerId: 'CP1',
          transactionId: 7,
          idTag: paidTag,
        }),
        false,
      ],
      [
        'meter values of a paid session',
        streamRecord('INSERT', keys.meterValues('CP1', 7, 'm1'), {
          chargerId: 'CP1',
          transactionId: 7,
          idTag: paidTag,
        }),
        false,
      ],
      [
        'a charge-finalised event created',
        streamRecord('INSERT', keys.outbox('charge-finalised', '2026-11-02T10:05:00Z', 'CP1', 7), {
          eventId: 'evt-1',
          chargerId: 'CP1',
          transactionId: 7,
        }),
        true,
      ],
      [
        'a charge-finalised event removed',
        streamRecord('REMOVE', keys.outbox('charge-finalised', '2026-11-02T10:05:00Z', 'CP1', 7), {
          eventId: 'evt-1',
          chargerId: 'CP1',
          transactionId: 7,
        }),
        false,
      ],
      [
        'a receipt owed',
        streamRecord('INSERT', keys.receipt('S1', 'pre-auth', 1), {
          sessionId: 'S1',
          kind: 'pre-auth',
          copy: 1,
          requestedAt: '2026-11-02T10:00:00Z',
        }),
        true,
      ],
      [
        'a receipt marked sent',
        streamRecord('MODIFY', keys.receipt('S1', 'pre-auth', 1), {
          sessionId: 'S1',
          kind: 'pre-auth',
          copy: 1,
          requestedAt: '2026-11-02T10:00:00Z',
          sentAt: '2026-11-02T10:00:01Z',
        }),
        false,
      ],
      [
        'a payment session created',
        streamRecord('INSERT', keys.paymentSession('S1'), { sessionId: 'S1', idTag: paidTag }),
        false,
      ],
    ];
    it.each(records.map(([what, record, passes]) => [what, passes, record] as const))(
      '%s: reaches payments = %s, as the handler reads it',
      (_what, passes, record) => {
        expect(filtersOf('streamPayments').some((pattern) => matches(pattern, record))).toBe(passes);
        expect('kind' in paymentTriggerOf(record)).toBe(passes);
      },
    );

    it.each(STREAM_CONSUMERS)('%s dead-letters into an encrypted queue that refuses plain HTTP', (name) => {
      const queueId = logicalId(dlqOf(name));
      expect(template.toJSON().Resources[queueId].Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });
  });

  describe('schedules', () => {
    it.each(['ocppCallSweeper', 'scheduleFinaliser', 'schedulePaymentsSweeper'] as const)(
      'runs %s every minute',
      (name) => {
        template.hasResourceProperties('AWS::Events::Rule', {
          ScheduleExpression: 'rate(1 minute)',
          Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId(name), 'Arn'] } })],
        });
      },
    );

    it("runs the fleets' monthly statements at noon UTC on the 1st, retried for hours", () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(0 12 1 * ? *)',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [fnId('scheduleFleetStatements'), 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 21_600 },
          }),
        ],
      });
    });
  });
});

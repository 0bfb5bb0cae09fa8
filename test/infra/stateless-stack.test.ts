import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  HANDLER_NAMES,
  HANDLERS,
  type HandlerName,
  type HandlerSpec,
  OCPP_STAGE_NAME,
} from '../../lib/handlers.js';
import { keys, prefixes } from '../../shared/adapters/dynamodb/keys.js';
import { PLATFORM_TABLE } from '../../shared/adapters/dynamodb/table.js';
import { logicalId, resourcesOfType, type Synthesized, synthPlatform } from './platform-fixture.js';

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

    it.each(HANDLER_NAMES)('%s: nodejs22.x on arm64, traced, source maps on, sized as listed', (name) => {
      const spec: HandlerSpec = HANDLERS[name];
      const f = platform.stateless.functions[name];
      const resources = template.toJSON().Resources;
      expect(resources[fnId(name)].Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        MemorySize: spec.memorySize,
        Timeout: spec.timeoutSeconds,
        Description: spec.description,
        Role: { 'Fn::GetAtt': [logicalId(f.role), 'Arn'] },
        LoggingConfig: { LogGroup: { Ref: logicalId(f.logGroup) } },
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            TABLE_NAME: expect.anything(),
            SENDER_EMAIL: 'receipts@example.com',
            STRIPE_SECRET_ARN: expect.anything(),
            PUBLIC_BASE_URL: expect.anything(),
            HEARTBEAT_INTERVAL_SECONDS: '300',
            CALL_TIMEOUT_SECONDS: '30',
            SETTLE_WINDOW_SECONDS: '120',
            PLATFORM_FEE_BPS: '0',
            LOG_LEVEL: 'INFO',
          },
        },
      });
      expect(resources[logicalId(f.logGroup)].Properties.RetentionInDays).toBe(30);
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
      });
      custom.statelessTemplate.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            HEARTBEAT_INTERVAL_SECONDS: '120',
            SETTLE_WINDOW_SECONDS: '600',
            PLATFORM_FEE_BPS: '250',
            LOG_LEVEL: 'DEBUG',
            PUBLIC_BASE_URL: 'https://charge.example.org',
          }),
        },
      });
      custom.statelessTemplate.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    });
  });

  describe('least-privilege grants, as lib/handlers.ts lists them', () => {
    it.each(HANDLER_NAMES)('%s', (name) => {
      const spec: HandlerSpec = HANDLERS[name];
      const statements = statementsOf(template, policyId(name));
      const actions = actionsOf(statements);

      expect(actions).toContain('dynamodb:GetItem');
      expect(actions).toContain('dynamodb:Query');
      expect(actions.includes('dynamodb:PutItem')).toBe(spec.table === 'readWrite');
      expect(actions.includes('execute-api:ManageConnections')).toBe(spec.postsToChargers);
      expect(actions.includes('secretsmanager:GetSecretValue')).toBe(spec.readsStripeSecret);
      expect(actions.includes('ses:SendEmail')).toBe(spec.sendsEmail);
      expect(actions.includes('dynamodb:GetRecords')).toBe(name === 'streamRecompute');
      // Writes its own log group only; never the account-wide managed policy.
      expect(actions).toEqual(expect.arrayContaining(['logs:CreateLogStream', 'logs:PutLogEvents']));
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

    it('puts $connect behind the REQUEST authorizer, whose identity sources make API Gateway refuse a handshake without Basic auth or charger id', () => {
      const authorizers = Object.entries(resourcesOfType(template, 'AWS::ApiGatewayV2::Authorizer'));
      expect(authorizers).toHaveLength(1);
      const [authorizerId, authorizer] = authorizers[0]!;
      expect(authorizer.Properties).toMatchObject({
        AuthorizerType: 'REQUEST',
        IdentitySource: ['route.request.header.Authorization', 'route.request.querystring.chargerId'],
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

    it('gives $default a route response so the reply frame the handler returns reaches the charger', () => {
      const message = routeByKey(template, '$default');
      expect(message.props.RouteResponseSelectionExpression).toBe('$default');
      template.hasResourceProperties('AWS::ApiGatewayV2::RouteResponse', {
        RouteId: { Ref: message.id },
        RouteResponseKey: '$default',
      });
      expect(Object.keys(resourcesOfType(template, 'AWS::ApiGatewayV2::RouteResponse'))).toHaveLength(1);
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

    it('sets the account API Gateway logging role before the stage (WebSocket access logs need it), unless told not to', () => {
      const accountId = Object.keys(resourcesOfType(template, 'AWS::ApiGateway::Account'));
      expect(accountId).toHaveLength(1);
      template.hasResource('AWS::ApiGatewayV2::Stage', {
        Properties: Match.objectLike({ StageName: OCPP_STAGE_NAME }),
        DependsOn: Match.arrayWith([accountId[0]]),
      });
      const without = synthPlatform({ createApiGatewayLogRole: 'false' });
      without.statelessTemplate.resourceCountIs('AWS::ApiGateway::Account', 0);
    });
  });

  describe('HTTP API', () => {
    it.each([
      ['GET /', 'httpApi'],
      ['ANY /{proxy+}', 'httpApi'],
      ['POST /stripe/webhook', 'stripeWebhook'],
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

  describe('stream recompute', () => {
    it('reads the table stream from the oldest record, bisecting, retrying and reporting item failures', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fnId('streamRecompute') },
        EventSourceArn: Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('StreamArn') }),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 86400,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(platform.stateless.recomputeDlq), 'Arn'] } },
        },
      });
    });

    it('passes only the meter values and transaction items of transaction partitions', () => {
      const mapping = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'))[0]!;
      const filters = (mapping.Properties!.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map(
        (f) => JSON.parse(f.Pattern),
      );
      const txPartition = prefixes.transactionPartition;
      const meterValues = prefixes.meterValues;
      const txItem = keys.transaction('CP', 1).sk;
      expect(filters).toEqual([
        {
          dynamodb: { Keys: { pk: { S: [{ prefix: txPartition }] }, sk: { S: [{ prefix: meterValues }] } } },
        },
        { dynamodb: { Keys: { pk: { S: [{ prefix: txPartition }] }, sk: { S: [txItem] } } } },
      ]);
    });

    it('dead-letters into an encrypted queue that refuses plain HTTP', () => {
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
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
    it.each(['ocppCallSweeper', 'scheduleFinaliser'] as const)('runs %s every minute', (name) => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId(name), 'Arn'] } })],
      });
    });
  });
});

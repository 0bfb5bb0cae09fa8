/**
 * Everything that can be torn down and rebuilt from the code: the functions, the OCPP WebSocket API
 * with CloudFront in front, the HTTP API, the stream processing and the schedules.
 */
import { join } from 'node:path';
import {
  CfnOutput,
  CrossStackReferences,
  Duration,
  ReferenceStrength,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import {
  PAYMENTS_FILTER_PATTERNS,
  RECOMPUTE_FILTER_PATTERNS,
} from '../shared/adapters/dynamodb/stream-filters.js';
import { Alarms } from './constructs/alarms.js';
import { OcppEdge, ORIGIN_VERIFY_HEADER } from './constructs/ocpp-edge.js';
import { PlatformFunction } from './constructs/platform-function.js';
import { grantTableData } from './constructs/platform-table.js';
import { HANDLER_NAMES, HANDLERS, type HandlerName, type HandlerSpec, OCPP_STAGE_NAME } from './handlers.js';
import { REPO_ROOT } from './repo-root.js';
import type { PlatformSettings } from './settings.js';

/**
 * Which table stream records reach the recompute: meter values, and the transaction item when it is
 * created or a write marks it `repriceDue` (never the recompute's own writes; the patterns are
 * shared/adapters/dynamodb/stream-filters.ts, which the local stream poller applies too).
 * Lambda drops every other record before invoking, so connection, status and call items cost nothing.
 */
export const RECOMPUTE_FILTERS = RECOMPUTE_FILTER_PATTERNS.map((p) => lambda.FilterCriteria.filter(p));

/**
 * Which table stream records reach the payments consumer (the keys are keys.ts `paymentsStreamKeys`;
 * shared/adapters/dynamodb/payments-stream.ts reads the same records the same way). INSERTs only:
 * each trigger is an item created once, and its later updates (pricing's writes on the transaction,
 * a receipt marked sent) must not fire again.
 * - a transaction item whose idTag is a paid session's: bind the StartTransaction to the session;
 * - a `charge-finalised` outbox event: capture or release the hold;
 * - a receipt owed: send it.
 */
export const PAYMENTS_STREAM_FILTERS = PAYMENTS_FILTER_PATTERNS.map((p) => lambda.FilterCriteria.filter(p));

/**
 * How old a stream record may get before the mapping gives up on its batch and sends the batch's
 * metadata to the dead-letter queue. The stream keeps records 24 h and the queue gets no records,
 * only where they were: `npm run replay` reads them back from the stream, so it needs the records
 * still there. Six hours of retries leave eighteen to replay in; past that the reconciliation
 * sweep re-folds the recompute's charges from the stored messages (payments batches need a person).
 */
export const STREAM_MAX_RECORD_AGE = Duration.hours(6);

const CROSS_STACK_REFERENCES_CONTEXT = '@aws-cdk/core:defaultCrossStackReferences';

export interface StatelessStackProps extends StackProps {
  readonly settings: PlatformSettings;
  readonly table: dynamodb.ITable;
  readonly stripeSecret: secretsmanager.ISecret;
  /** The key of the Transaction URL tokens; only functions that declare `readsTokenSecret` see it. */
  readonly sessionTokenSecret: secretsmanager.ISecret;
  readonly senderIdentity: ses.IEmailIdentity;
}

export class StatelessStack extends Stack {
  readonly functions: Record<HandlerName, PlatformFunction>;
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly webSocketStage: apigwv2.WebSocketStage;
  readonly httpApi: apigwv2.HttpApi;
  readonly httpStage: apigwv2.HttpStage;
  readonly edge: OcppEdge;
  readonly recomputeDlq: sqs.Queue;
  readonly paymentsDlq: sqs.Queue;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    // The table, secret and identity come from the stateful stack. Strong references (exports)
    // keep that stack from being deleted while this one uses it; an explicit app-wide setting in
    // cdk.json still wins.
    if (this.node.tryGetContext(CROSS_STACK_REFERENCES_CONTEXT) === undefined) {
      CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    }
    const { settings, table, stripeSecret, sessionTokenSecret, senderIdentity } = props;

    // APIs and stages first: the functions' environment names the HTTP API's endpoint. (No
    // CONNECTIONS_ENDPOINT: that is the local runtime's override; in AWS each connection's
    // @connections endpoint comes from its own $connect event.)
    this.webSocketApi = new apigwv2.WebSocketApi(this, 'OcppApi', {
      description: 'OCPP-J charger endpoint ($connect behind an authorizer, $disconnect, $default)',
    });
    const apiGatewayAccount = settings.createApiGatewayLogRole ? this.apiGatewayCloudWatchRole() : undefined;
    const wsAccessLogs = new logs.LogGroup(this, 'OcppApiAccessLogs', {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.webSocketStage = new apigwv2.WebSocketStage(this, 'OcppStage', {
      webSocketApi: this.webSocketApi,
      stageName: OCPP_STAGE_NAME,
      autoDeploy: true,
      throttle: { rateLimit: 500, burstLimit: 1000 },
      // Route-level metrics: the $connect failure alarm (lib/constructs/alarms.ts) needs them.
      detailedMetricsEnabled: true,
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(wsAccessLogs) },
    });
    if (apiGatewayAccount) this.webSocketStage.node.addDependency(apiGatewayAccount);

    // CloudFront in front of the WebSocket API; built before the functions, whose authorizer reads
    // the origin secret it creates.
    this.edge = new OcppEdge(this, 'OcppEdge', {
      webSocketApi: this.webSocketApi,
      customDomain: settings.ocppDomain,
      originSecretVersionId: settings.ocppOriginSecretVersionId,
      wafRateLimit: settings.wafRateLimit,
      webAclArn: settings.ocppWebAclArn,
    });

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Driver pages, operator API, console and the Stripe webhook',
      createDefaultStage: false,
    });
    const httpAccessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpStage = new apigwv2.HttpStage(this, 'HttpStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: { rateLimit: 200, burstLimit: 400 },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(httpAccessLogs) },
    });

    const environment: Record<string, string> = {
      TABLE_NAME: table.tableName,
      SENDER_EMAIL: settings.senderEmail,
      PUBLIC_BASE_URL: settings.publicBaseUrl ?? this.httpApi.apiEndpoint,
      // What the operator API tells a new charger to connect to (the OcppEndpoint output, less the id).
      OCPP_PUBLIC_URL: `wss://${this.edge.host}/ocpp`,
      HEARTBEAT_INTERVAL_SECONDS: String(settings.heartbeatIntervalSeconds),
      CALL_TIMEOUT_SECONDS: String(settings.callTimeoutSeconds),
      SETTLE_WINDOW_SECONDS: String(settings.settleWindowSeconds),
      PLATFORM_FEE_BPS: String(settings.platformFeeBps),
      LOG_LEVEL: settings.logLevel,
      START_TIMEOUT_SECONDS: String(settings.startTimeoutSeconds),
      // Left out when not set (no empty variable): the driver pages then answer "payments
      // unavailable". STRIPE_JS_URL is never set here: the code's default is Stripe's own URL.
      ...(settings.stripePublishableKey ? { STRIPE_PUBLISHABLE_KEY: settings.stripePublishableKey } : {}),
    };

    const functions = {} as Record<HandlerName, PlatformFunction>;
    for (const name of HANDLER_NAMES) {
      const spec = HANDLERS[name];
      functions[name] = new PlatformFunction(this, `${pascal(name)}Function`, {
        entry: join(REPO_ROOT, spec.entry),
        projectRoot: REPO_ROOT,
        description: spec.description,
        memorySize: spec.memorySize,
        timeout: Duration.seconds(spec.timeoutSeconds),
        // Each secret's ARN only where it may be read, like its grant below.
        environment: {
          ...environment,
          ...(spec.readsStripeSecret ? { STRIPE_SECRET_ARN: stripeSecret.secretArn } : {}),
          ...(spec.readsTokenSecret ? { SESSION_TOKEN_SECRET_ARN: sessionTokenSecret.secretArn } : {}),
          ...(spec.readsOriginSecret ? { OCPP_ORIGIN_SECRET_ARN: this.edge.originSecret.secretArn } : {}),
        },
        logRetention: settings.logRetention,
        tracing: settings.tracing,
      });
    }
    this.functions = functions;
    const fn = (name: HandlerName): lambda.IFunction => functions[name].function;

    // ---- OCPP WebSocket routes -----------------------------------------------------------------
    this.webSocketApi.addRoute('$connect', {
      integration: new WebSocketLambdaIntegration('Connect', fn('ocppConnect')),
      authorizer: new WebSocketLambdaAuthorizer('ChargerAuthorizer', fn('ocppAuthorizer'), {
        // API Gateway refuses a handshake without these with 401 before invoking the authorizer:
        // no Basic auth header, no charger id (the CloudFront Function always adds it), or no
        // CloudFront origin header (a request to the execute-api URL itself).
        identitySource: [
          'route.request.header.Authorization',
          'route.request.querystring.chargerId',
          `route.request.header.${ORIGIN_VERIFY_HEADER}`,
        ],
      }),
    });
    const disconnect = this.webSocketApi.addRoute('$disconnect', {
      integration: new WebSocketLambdaIntegration('Disconnect', fn('ocppDisconnect')),
    });
    openRoute(
      disconnect,
      'API Gateway allows an authorizer on $connect only; $disconnect belongs to a connection that already passed it.',
    );
    // One-way: the handler posts its reply frame through @connections, so a frame that needs no
    // reply (a charger's CALLRESULT) sends nothing, not an empty frame (`ReplyRoute` in
    // shared/lambda/ocpp-handlers.ts says what the documentation and reports say).
    const message = this.webSocketApi.addRoute('$default', {
      integration: new WebSocketLambdaIntegration('Message', fn('ocppMessage')),
    });
    openRoute(
      message,
      'API Gateway allows an authorizer on $connect only; every frame on $default travels on a connection that passed it.',
    );

    // ---- HTTP routes --------------------------------------------------------------------------
    const pages = new HttpLambdaIntegration('Pages', fn('httpApi'));
    const pagesReason =
      'Driver pages are public by design (QR code target, Transaction URL with an unguessable token); the operator API and console authenticate in the handler (API key / session), per path, which one API Gateway authorizer on a catch-all route cannot express.';
    for (const route of [
      ...this.httpApi.addRoutes({ path: '/', methods: [apigwv2.HttpMethod.GET], integration: pages }),
      ...this.httpApi.addRoutes({ path: '/{proxy+}', methods: [apigwv2.HttpMethod.ANY], integration: pages }),
    ]) {
      openRoute(route, pagesReason);
    }
    // The platform account's endpoint and the Connect endpoint (connected accounts' events, its own
    // signing secret): one function, which picks the secret by path.
    const stripeWebhook = new HttpLambdaIntegration('StripeWebhook', fn('stripeWebhook'));
    for (const path of ['/stripe/webhook', '/stripe/connect-webhook']) {
      for (const route of this.httpApi.addRoutes({
        path,
        methods: [apigwv2.HttpMethod.POST],
        integration: stripeWebhook,
      })) {
        openRoute(
          route,
          'Stripe cannot present AWS credentials or tokens; the handler verifies the Stripe-Signature header against the raw body.',
        );
      }
    }

    // ---- Grants, from the one table in lib/handlers.ts ----------------------------------------
    const connectionsFinding = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${this.getLogicalId(this.webSocketApi.node.defaultChild as apigwv2.CfnApi)}>/${OCPP_STAGE_NAME}/*/@connections/*]`;
    for (const name of HANDLER_NAMES) {
      const spec: HandlerSpec = HANDLERS[name];
      const f = functions[name];
      grantTableData(table, f.function, spec);
      if (spec.readsStripeSecret) stripeSecret.grantRead(f.function);
      if (spec.readsTokenSecret) sessionTokenSecret.grantRead(f.function);
      if (spec.readsOriginSecret) this.edge.originSecret.grantRead(f.function);
      if (spec.sendsEmail) senderIdentity.grantSendEmail(f.function);
      if (spec.postsToChargers) {
        this.webSocketStage.grantManagementApiAccess(f.function);
        Validations.of(f.role).acknowledge({
          id: connectionsFinding,
          reason:
            'execute-api:ManageConnections on this API and stage only; connection ids exist only at runtime, and the methods (POST send, GET status, DELETE close) all act on one connection.',
        });
      }
    }

    // ---- Table stream consumers ---------------------------------------------------------------
    // Two mappings on the one table stream (DynamoDB serves up to two readers per shard without
    // throttling), each with its own filters and its own dead-letter queue.
    // Only the recompute waits to batch: it runs on every reading, payments on a few records a session.
    this.recomputeDlq = this.streamConsumer('Recompute', 'streamRecompute', table, RECOMPUTE_FILTERS, {
      tracing: settings.tracing,
      batchingWindowSeconds: settings.recomputeBatchingWindowSeconds,
    });
    this.paymentsDlq = this.streamConsumer('Payments', 'streamPayments', table, PAYMENTS_STREAM_FILTERS, {
      tracing: settings.tracing,
      batchingWindowSeconds: 0,
    });

    // ---- Schedules ----------------------------------------------------------------------------
    const everyMinute = events.Schedule.rate(Duration.minutes(1));
    // A run that fails is retried briefly; the next minute's run picks up what it left anyway.
    const target = (name: HandlerName) =>
      new targets.LambdaFunction(fn(name), { retryAttempts: 2, maxEventAge: Duration.minutes(2) });
    new events.Rule(this, 'CallSweeperSchedule', {
      description: 'Every minute: time out unanswered platform calls to chargers',
      schedule: everyMinute,
      targets: [target('ocppCallSweeper')],
    });
    new events.Rule(this, 'FinaliserSchedule', {
      description: 'Every minute: finalise settled charges and holds about to expire',
      schedule: everyMinute,
      targets: [target('scheduleFinaliser')],
    });
    new events.Rule(this, 'PaymentsSweeperSchedule', {
      description: 'Every minute: cancel holds whose charger never started, release holds left held',
      schedule: everyMinute,
      targets: [target('schedulePaymentsSweeper')],
    });
    // 12:00 UTC on the 1st is past midnight of the 1st in every time zone (UTC-12 to UTC+14), so each
    // operator's month before is over, and its last sessions have had hours to settle and finalise.
    new events.Rule(this, 'FleetStatementsSchedule', {
      description: "On the 1st: fleets' monthly statements and invoices",
      schedule: events.Schedule.cron({ minute: '0', hour: '12', day: '1' }),
      targets: [
        new targets.LambdaFunction(fn('scheduleFleetStatements'), {
          retryAttempts: 3,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    // ---- Alarms and the dashboard ---------------------------------------------------------------
    this.alarms = new Alarms(this, 'Alarms', {
      alarmEmail: settings.alarmEmail,
      functions,
      streamConsumers: [fn('streamRecompute'), fn('streamPayments')],
      deadLetterQueues: { recompute: this.recomputeDlq, payments: this.paymentsDlq },
      finaliser: fn('scheduleFinaliser'),
      webSocketApi: this.webSocketApi,
      webSocketStage: this.webSocketStage,
      httpStage: this.httpStage,
      stripeWebhookLogs: functions.stripeWebhook.logGroup,
      paymentsLogs: functions.streamPayments.logGroup,
      paymentsSweeperLogs: functions.schedulePaymentsSweeper.logGroup,
    });

    new CfnOutput(this, 'OcppEndpoint', {
      value: `wss://${this.edge.host}/ocpp/{chargerId}`,
      description: 'What chargers are configured with (OCPP-J central system URL)',
    });
    // No output for the stage's own execute-api URL: it refuses every request without CloudFront's
    // origin header, and publishing it only invites floods at the authorizer.
    new CfnOutput(this, 'OcppOriginSecretArn', {
      value: this.edge.originSecret.secretArn,
      description:
        'The header value CloudFront sends to the WebSocket API; rotate it as lib/README-settings.md says',
    });
    new CfnOutput(this, 'CloudFrontDomain', { value: this.edge.distribution.distributionDomainName });
    new CfnOutput(this, 'HttpApiUrl', { value: this.httpApi.apiEndpoint });
    new CfnOutput(this, 'RecomputeDlqUrl', { value: this.recomputeDlq.queueUrl });
    new CfnOutput(this, 'PaymentsDlqUrl', { value: this.paymentsDlq.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarms.topic.topicArn,
      description: 'Every alarm notifies this topic; subscribe more endpoints to it as needed',
    });
  }

  /**
   * A filtered consumer of the table stream with the settings both consumers share, and the queue
   * its failed batches land in (`<name>Dlq`). Returns the queue.
   */
  private streamConsumer(
    name: string,
    handler: HandlerName,
    table: dynamodb.ITable,
    filters: Record<string, unknown>[],
    opts: { tracing: boolean; batchingWindowSeconds: number },
  ): sqs.Queue {
    // The event source grants the stream read itself; the declaration must say so too, or the
    // local runtime and the grants tests would not know this function reads the stream.
    if (!(HANDLERS[handler] as HandlerSpec).readsStream) {
      throw new Error(
        `${handler} consumes the table stream but lib/handlers.ts does not declare readsStream`,
      );
    }
    const consumer = this.functions[handler];
    const dlq = new sqs.Queue(this, `${name}Dlq`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself the dead-letter destination of the ${name.toLowerCase()} stream mapping; it receives the failed batches' metadata, and \`npm run replay\` (bin/replay.ts) reads their records again from the stream while it still holds them.`,
    });
    consumer.function.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: STREAM_MAX_RECORD_AGE,
        reportBatchItemFailures: true,
        // One batch per shard at a time: records of one transaction or session land on one shard
        // and need no parallel writers; the handlers are idempotent, not built for races.
        parallelizationFactor: 1,
        onFailure: new SqsDlq(dlq),
        filters,
        ...(opts.batchingWindowSeconds > 0
          ? { maxBatchingWindow: Duration.seconds(opts.batchingWindowSeconds) }
          : {}),
      }),
    );
    Validations.of(consumer.role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: opts.tracing
        ? 'X-Ray PutTraceSegments/PutTelemetryRecords and dynamodb:ListStreams (needed by the stream event source) support no resource-level permissions.'
        : 'dynamodb:ListStreams (needed by the stream event source) supports no resource-level permissions.',
    });
    return dlq;
  }

  /**
   * The account-wide role API Gateway needs to write WebSocket access logs (one per region). Opt-in
   * (`createApiGatewayLogRole`), and both retained: the setting serves every API of the account and
   * region, so deleting this stack must leave it, and the role it names, in place.
   */
  private apiGatewayCloudWatchRole(): apigateway.CfnAccount {
    const role = new iam.Role(this, 'ApiGatewayCloudWatchRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "The AWS-documented policy for API Gateway's account-level logging role; API Gateway creates the log streams itself.",
    });
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const account = new apigateway.CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
    account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    return account;
  }
}

/** A route without an API Gateway authorizer, on purpose: cdk-nag APIG4 acknowledged with the reason. */
function openRoute(route: IConstruct, reason: string): void {
  Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason });
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

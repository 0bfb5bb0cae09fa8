/**
 * What tells an operator that the deployment needs a human: CloudWatch alarms on an SNS topic (with
 * an email subscription when `alarmEmail` is set), and one dashboard with sessions, messages, errors
 * and latency.
 *
 * Each alarm names the failure it catches; thresholds are named constants so the tests and the README
 * read the same numbers. Nothing here changes what the functions do: the two figures the platform does
 * not publish as metrics (paid sessions, Stripe webhook failures) are read from the functions' own
 * JSON log lines with metric filters, so no handler code had to change for them.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LEFTOVER_REFUND_FAILED_LOG_MESSAGE } from '../../shared/app/connect/refunds.js';
import { STALE_TRANSFER_LOG_MESSAGE } from '../../shared/app/connect/transfers.js';

/** The namespace of the metrics the platform derives from its own logs. */
export const METRIC_NAMESPACE = 'EvPlatform';

/** Errors of one function in five minutes that raise its alarm (a single retried failure does not). */
export const FUNCTION_ERRORS_THRESHOLD = 3;
/** Any throttle means the account's concurrency or the function's reserved concurrency ran out. */
export const FUNCTION_THROTTLES_THRESHOLD = 1;
/**
 * Age of the oldest record a stream consumer is reading. Well under the mappings' maximum record age
 * (lib/stateless-stack.ts STREAM_MAX_RECORD_AGE): the alarm fires while the records can still be
 * processed, not after they went to the dead-letter queue.
 */
export const ITERATOR_AGE_THRESHOLD_MS = 15 * 60 * 1000;
/** HTTP API 5xx answers in five minutes. */
export const HTTP_5XX_THRESHOLD = 5;
/** $connect answers that failed on the platform's side (integration or execution errors) in five minutes. */
export const CONNECT_FAILURES_THRESHOLD = 5;
/**
 * SES reputation, as fractions (the metrics' own unit). AWS puts an account under review at a 5 %
 * bounce rate and 0.1 % complaint rate; the alarms fire at half of each, while there is time to act.
 */
export const SES_BOUNCE_RATE_THRESHOLD = 0.025;
export const SES_COMPLAINT_RATE_THRESHOLD = 0.0005;
/** The finaliser runs every minute: ten minutes without an invocation means the schedule stopped. */
export const FINALISER_SILENCE = Duration.minutes(10);

const FIVE_MINUTES = Duration.minutes(5);

export interface AlarmsProps {
  /** Subscribed to the topic by email when set (the subscriber confirms once, from the email). */
  readonly alarmEmail: string | undefined;
  /** Every function of the platform, by name: errors and throttles alarmed, errors graphed. */
  readonly functions: Readonly<Record<string, { readonly function: lambda.IFunction }>>;
  /** The table stream consumers: iterator age. */
  readonly streamConsumers: readonly lambda.IFunction[];
  /** The stream mappings' failure destinations, by consumer name: any message is a lost batch. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  readonly finaliser: lambda.IFunction;
  readonly webSocketApi: apigwv2.IWebSocketApi;
  readonly webSocketStage: apigwv2.IWebSocketStage;
  readonly httpStage: apigwv2.IHttpStage;
  /** The Stripe webhook's log group: a line at level ERROR is an event answered 500 (Stripe retries). */
  readonly stripeWebhookLogs: logs.ILogGroup;
  /** The payments stream consumer's log group: one `payments stream` line per trigger handled. */
  readonly paymentsLogs: logs.ILogGroup;
  /** The payments sweeper's log group: one WARN line per transfer flagged as held too long. */
  readonly paymentsSweeperLogs: logs.ILogGroup;
}

export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);

    // No customer managed key: CloudWatch alarms cannot publish to a topic under the AWS managed SNS
    // key, and the notifications carry only alarm names, states and metric values.
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'EV platform alarms',
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    // ---- Metrics ----------------------------------------------------------------------------
    const wsMetric = (metricName: string, route?: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: {
          ApiId: props.webSocketApi.apiId,
          Stage: props.webSocketStage.stageName,
          // Route-level metrics exist only with the stage's detailed metrics on.
          ...(route ? { Route: route } : {}),
        },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      });
    const paidSessions = (trigger: string, label: string) =>
      new logs.MetricFilter(this, `PaidSessions${label}`, {
        logGroup: props.paymentsLogs,
        metricNamespace: METRIC_NAMESPACE,
        metricName: `PaidSessions${label}`,
        // Powertools JSON: the message and its extra keys at the top level. INFO lines: a deployment
        // at logLevel WARN or above shows no sessions here.
        filterPattern: logs.FilterPattern.all(
          logs.FilterPattern.stringValue('$.message', '=', 'payments stream'),
          logs.FilterPattern.stringValue('$.trigger', '=', trigger),
        ),
        metricValue: '1',
        defaultValue: 0,
      }).metric({ statistic: 'Sum', period: FIVE_MINUTES, label: `paid sessions ${label.toLowerCase()}` });
    const webhookFailures = new logs.MetricFilter(this, 'StripeWebhookFailuresFilter', {
      logGroup: props.stripeWebhookLogs,
      metricNamespace: METRIC_NAMESPACE,
      metricName: 'StripeWebhookFailures',
      filterPattern: logs.FilterPattern.stringValue('$.level', '=', 'ERROR'),
      metricValue: '1',
      defaultValue: 0,
    }).metric({ statistic: 'Sum', period: FIVE_MINUTES });

    // ---- Alarms -----------------------------------------------------------------------------
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.alarm(`${name}DlqNotEmpty`, {
        alarmDescription: `A ${name} stream batch failed for good and its metadata is in the dead-letter queue: run \`npm run replay\` while the records are still in the stream (24 h).`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: FIVE_MINUTES,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }
    for (const consumer of props.streamConsumers) {
      const name = nameOf(props.functions, consumer);
      this.alarm(`${name}IteratorAge`, {
        alarmDescription: `${name} is falling behind the table stream; past the maximum record age its batches go to the dead-letter queue.`,
        metric: consumer.metric('IteratorAge', { statistic: 'Maximum', period: FIVE_MINUTES }),
        threshold: ITERATOR_AGE_THRESHOLD_MS,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    for (const [name, { function: fn }] of Object.entries(props.functions)) {
      this.alarm(`${name}Errors`, {
        alarmDescription: `${name} failed ${FUNCTION_ERRORS_THRESHOLD} or more times in five minutes.`,
        metric: fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: FUNCTION_ERRORS_THRESHOLD,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
      this.alarm(`${name}Throttles`, {
        alarmDescription: `${name} was throttled (Lambda concurrency exhausted).`,
        metric: fn.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: FUNCTION_THROTTLES_THRESHOLD,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }
    this.alarm('HttpApi5xx', {
      alarmDescription: 'The HTTP API (driver pages, operator API, Stripe webhook) answered 5xx.',
      metric: props.httpStage.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: HTTP_5XX_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    this.alarm('OcppConnectFailures', {
      alarmDescription:
        'Charger handshakes failing on the platform side ($connect integration or execution errors, authorizer failures included): chargers cannot connect.',
      metric: new cloudwatch.MathExpression({
        expression: 'integration + execution',
        usingMetrics: {
          integration: wsMetric('IntegrationError', '$connect'),
          execution: wsMetric('ExecutionError', '$connect'),
        },
        period: FIVE_MINUTES,
        label: '$connect failures',
      }),
      threshold: CONNECT_FAILURES_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    this.alarm('FinaliserNotRunning', {
      alarmDescription:
        'The finaliser has not run for ten minutes: no charge becomes final, no hold is captured, holds near expiry are not stopped.',
      metric: props.finaliser.metricInvocations({ statistic: 'Sum', period: FINALISER_SILENCE }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // No data is no invocation: exactly what this alarm is for.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.alarm('SesBounceRate', {
      alarmDescription: `SES bounce rate above ${SES_BOUNCE_RATE_THRESHOLD * 100} % (AWS reviews the account at 5 %).`,
      metric: sesReputation('Reputation.BounceRate'),
      threshold: SES_BOUNCE_RATE_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.alarm('SesComplaintRate', {
      alarmDescription: `SES complaint rate above ${SES_COMPLAINT_RATE_THRESHOLD * 100} % (AWS reviews the account at 0.1 %).`,
      metric: sesReputation('Reputation.ComplaintRate'),
      threshold: SES_COMPLAINT_RATE_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    // Money an operator cannot receive yet, waiting past the deployment's limit: someone should call.
    const staleTransfers = new logs.MetricFilter(this, 'StalePendingTransfersFilter', {
      logGroup: props.paymentsSweeperLogs,
      metricNamespace: METRIC_NAMESPACE,
      metricName: 'StalePendingTransfers',
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', STALE_TRANSFER_LOG_MESSAGE),
      metricValue: '1',
      defaultValue: 0,
    }).metric({ statistic: 'Sum', period: FIVE_MINUTES });
    this.alarm('StalePendingTransfers', {
      alarmDescription:
        'A transfer has been held for an operator longer than PENDING_TRANSFER_FLAG_DAYS (its onboarding is not finished); the console shows it to the operator too.',
      metric: staleTransfers,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    // A refund the operator asked for, reserved and not made: the driver waits for money, and the
    // operator's transfer still holds the refunded share. The sweeper retries every minute.
    const unfinishedRefunds = new logs.MetricFilter(this, 'UnfinishedRefundsFilter', {
      logGroup: props.paymentsSweeperLogs,
      metricNamespace: METRIC_NAMESPACE,
      metricName: 'UnfinishedRefunds',
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', LEFTOVER_REFUND_FAILED_LOG_MESSAGE),
      metricValue: '1',
      defaultValue: 0,
    }).metric({ statistic: 'Sum', period: FIVE_MINUTES });
    this.alarm('UnfinishedRefunds', {
      alarmDescription:
        'A refund reserved by an operator could not be made at Stripe on several sweeper runs in a row (the sweeper retries every minute); its ERROR lines name the session and Stripe’s answer.',
      metric: unfinishedRefunds,
      // Three failed runs in five minutes: Stripe refusing, not one dropped call.
      threshold: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    this.alarm('StripeWebhookFailures', {
      alarmDescription:
        'The Stripe webhook answered 500 (logged at ERROR); Stripe retries for three days, then the event is lost to the platform.',
      metric: webhookFailures,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    // ---- Dashboard --------------------------------------------------------------------------
    const fns = Object.entries(props.functions);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Sessions',
            left: [
              paidSessions('transaction-started', 'Started'),
              paidSessions('charge-finalised', 'Finalised'),
            ],
            right: [wsMetric('ConnectCount').with({ label: 'charger connects' })],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Messages',
            left: [
              wsMetric('MessageCount').with({ label: 'OCPP frames (both ways)' }),
              props.httpStage.metricCount({ statistic: 'Sum', period: FIVE_MINUTES, label: 'HTTP requests' }),
            ],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Errors',
            left: fns.map(([name, { function: fn }]) =>
              fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES, label: name }),
            ),
            right: [
              props.httpStage.metricServerError({
                statistic: 'Sum',
                period: FIVE_MINUTES,
                label: 'HTTP 5xx',
              }),
              wsMetric('ExecutionError').with({ label: 'WebSocket execution errors' }),
              webhookFailures.with({ label: 'Stripe webhook failures' }),
              ...Object.entries(props.deadLetterQueues).map(([name, q]) =>
                q.metricApproximateNumberOfMessagesVisible({
                  statistic: 'Maximum',
                  period: FIVE_MINUTES,
                  label: `${name} DLQ messages`,
                }),
              ),
            ],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Latency (p99, ms)',
            left: fns.map(([name, { function: fn }]) =>
              fn.metricDuration({ statistic: 'p99', period: FIVE_MINUTES, label: name }),
            ),
            right: [
              props.httpStage.metricLatency({ statistic: 'p99', period: FIVE_MINUTES, label: 'HTTP API' }),
              wsMetric('IntegrationLatency').with({ statistic: 'p99', label: 'OCPP integration' }),
              ...props.streamConsumers.map((c) =>
                c.metric('IteratorAge', {
                  statistic: 'Maximum',
                  period: FIVE_MINUTES,
                  label: `${nameOf(props.functions, c)} iterator age`,
                }),
              ),
            ],
            width: 12,
          }),
        ],
      ],
    });
  }

  private alarm(
    id: string,
    props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods'> & { evaluationPeriods?: number },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    const action = new actions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    // Also when it clears, so a night's alarm that resolved itself is visible as such.
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}

/** SES account reputation: account-wide, published every few hours; the latest value counts. */
function sesReputation(metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/SES',
    metricName,
    statistic: 'Maximum',
    period: Duration.hours(1),
  });
}

function nameOf(
  functions: Readonly<Record<string, { readonly function: lambda.IFunction }>>,
  fn: lambda.IFunction,
): string {
  const found = Object.entries(functions).find(([, f]) => f.function === fn);
  if (!found)
    throw new Error(`a stream consumer that is not one of the platform's functions: ${fn.node.path}`);
  return found[0];
}

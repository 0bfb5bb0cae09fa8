import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FINALISER_SILENCE,
  ITERATOR_AGE_THRESHOLD_MS,
  METRIC_NAMESPACE,
  SES_BOUNCE_RATE_THRESHOLD,
  SES_COMPLAINT_RATE_THRESHOLD,
} from '../../lib/constructs/alarms.js';
import { HANDLER_NAMES, type HandlerName } from '../../lib/handlers.js';
import { STREAM_MAX_RECORD_AGE } from '../../lib/stateless-stack.js';
import { LEFTOVER_REFUND_FAILED_LOG_MESSAGE } from '../../shared/app/connect/refunds.js';
import { STALE_TRANSFER_LOG_MESSAGE } from '../../shared/app/connect/transfers.js';
import { logicalId, resourcesOfType, type Synthesized, synthPlatform } from './platform-fixture.js';

interface AlarmProps {
  AlarmDescription?: string;
  MetricName?: string;
  Namespace?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Statistic?: string;
  Period?: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData?: string;
  AlarmActions?: unknown[];
  OKActions?: unknown[];
  Metrics?: { Id: string; Expression?: string; MetricStat?: { Metric: Record<string, unknown> } }[];
}

describe('alarms and the dashboard', () => {
  let platform: Synthesized;
  let alarms: AlarmProps[];
  beforeAll(() => {
    platform = synthPlatform({ alarmEmail: 'ops@evplatform.dev' });
    alarms = Object.values(resourcesOfType(platform.statelessTemplate, 'AWS::CloudWatch::Alarm')).map(
      (r) => r.Properties as unknown as AlarmProps,
    );
  });

  const fnRef = (name: HandlerName) => ({ Ref: logicalId(platform.stateless.functions[name].function) });
  /** The alarms on one metric of one resource (matched by a dimension's value). */
  const alarmsOn = (metricName: string, dimensionValue: unknown) =>
    alarms.filter(
      (a) =>
        a.MetricName === metricName &&
        (a.Dimensions ?? []).some((d) => JSON.stringify(d.Value) === JSON.stringify(dimensionValue)),
    );

  it('notifies one topic, refusing plain HTTP, subscribed by the alarm email, on alarm and on recovery', () => {
    const topicId = logicalId(platform.stateless.alarms.topic);
    platform.statelessTemplate.resourceCountIs('AWS::SNS::Topic', 1);
    platform.statelessTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@evplatform.dev',
      TopicArn: { Ref: topicId },
    });
    platform.statelessTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    expect(alarms.length).toBeGreaterThan(HANDLER_NAMES.length * 2);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions, alarm.AlarmDescription).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions, alarm.AlarmDescription).toEqual([{ Ref: topicId }]);
      expect(alarm.AlarmDescription?.length ?? 0).toBeGreaterThan(20);
    }
    platform.statelessTemplate.hasOutput('AlarmTopicArn', { Value: { Ref: topicId } });
  });

  it('has no subscriber without an alarm email', () => {
    synthPlatform().statelessTemplate.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it.each([
    ['recomputeDlq', () => platform.stateless.recomputeDlq],
    ['paymentsDlq', () => platform.stateless.paymentsDlq],
  ] as const)('alarms when the %s holds a message', (_name, queue) => {
    const found = alarmsOn('ApproximateNumberOfMessagesVisible', {
      'Fn::GetAtt': [logicalId(queue()), 'QueueName'],
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(found[0]!.AlarmDescription).toMatch(/npm run replay/);
  });

  it.each(['streamRecompute', 'streamPayments'] as const)(
    'alarms on %s iterator age well before the mapping gives records up',
    (name) => {
      const found = alarmsOn('IteratorAge', fnRef(name));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        Statistic: 'Maximum',
        Threshold: ITERATOR_AGE_THRESHOLD_MS,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(ITERATOR_AGE_THRESHOLD_MS).toBeLessThan(STREAM_MAX_RECORD_AGE.toMilliseconds() / 4);
    },
  );

  it.each(HANDLER_NAMES)('alarms on the errors and throttles of %s', (name) => {
    expect(alarmsOn('Errors', fnRef(name))).toHaveLength(1);
    expect(alarmsOn('Throttles', fnRef(name))).toHaveLength(1);
  });

  it('alarms on HTTP API 5xx answers', () => {
    const found = alarmsOn('5xx', { Ref: logicalId(platform.stateless.httpApi) });
    expect(found).toHaveLength(1);
    expect(found[0]!.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
  });

  it('alarms on failed charger handshakes from route-level $connect metrics, which the stage publishes', () => {
    const connect = alarms.filter((a) =>
      (a.Metrics ?? []).some((m) =>
        JSON.stringify(m.MetricStat?.Metric ?? {}).includes('"Name":"Route","Value":"$connect"'),
      ),
    );
    expect(connect).toHaveLength(1);
    const metricNames = connect[0]!
      .Metrics!.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []))
      .sort();
    expect(metricNames).toEqual(['ExecutionError', 'IntegrationError']);
    expect(connect[0]!.Metrics!.find((m) => m.Expression)?.Expression).toMatch(/\+/);
    platform.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'ocpp',
      DefaultRouteSettings: Match.objectLike({ DetailedMetricsEnabled: true }),
    });
  });

  it('alarms when the finaliser stops running, counting no data as not running', () => {
    const found = alarmsOn('Invocations', fnRef('scheduleFinaliser'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      Period: FINALISER_SILENCE.toSeconds(),
    });
    // The schedule runs every minute: the silence covers several missed runs, not one late one.
    expect(FINALISER_SILENCE.toSeconds()).toBeGreaterThanOrEqual(Duration.minutes(5).toSeconds());
  });

  it.each([
    ['Reputation.BounceRate', SES_BOUNCE_RATE_THRESHOLD, 0.05],
    ['Reputation.ComplaintRate', SES_COMPLAINT_RATE_THRESHOLD, 0.001],
  ])(
    'alarms on SES %s below the rate at which AWS reviews the account',
    (metricName, threshold, reviewAt) => {
      const found = alarms.filter((a) => a.Namespace === 'AWS/SES' && a.MetricName === metricName);
      expect(found).toHaveLength(1);
      expect(found[0]!.Threshold).toBe(threshold);
      expect(threshold).toBeLessThan(reviewAt);
    },
  );

  it('counts Stripe webhook failures from the webhook’s ERROR lines and alarms on the first', () => {
    platform.statelessTemplate.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(platform.stateless.functions.stripeWebhook.logGroup) },
      FilterPattern: Match.stringLikeRegexp('\\$\\.level\\s*=\\s*"ERROR"'),
      MetricTransformations: [
        Match.objectLike({ MetricNamespace: METRIC_NAMESPACE, MetricName: 'StripeWebhookFailures' }),
      ],
    });
    const found = alarms.filter(
      (a) => a.Namespace === METRIC_NAMESPACE && a.MetricName === 'StripeWebhookFailures',
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  it('counts transfers flagged as held too long from the payments sweeper’s WARN lines and alarms on the first', () => {
    platform.statelessTemplate.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(platform.stateless.functions.schedulePaymentsSweeper.logGroup) },
      FilterPattern: Match.stringLikeRegexp(`"${STALE_TRANSFER_LOG_MESSAGE}"`),
      MetricTransformations: [
        Match.objectLike({ MetricNamespace: METRIC_NAMESPACE, MetricName: 'StalePendingTransfers' }),
      ],
    });
    const found = alarms.filter(
      (a) => a.Namespace === METRIC_NAMESPACE && a.MetricName === 'StalePendingTransfers',
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  it('counts refunds the payments sweeper could not finish from its ERROR lines and alarms on three in five minutes', () => {
    platform.statelessTemplate.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(platform.stateless.functions.schedulePaymentsSweeper.logGroup) },
      FilterPattern: Match.stringLikeRegexp(`"${LEFTOVER_REFUND_FAILED_LOG_MESSAGE}"`),
      MetricTransformations: [
        Match.objectLike({ MetricNamespace: METRIC_NAMESPACE, MetricName: 'UnfinishedRefunds' }),
      ],
    });
    const found = alarms.filter(
      (a) => a.Namespace === METRIC_NAMESPACE && a.MetricName === 'UnfinishedRefunds',
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      Threshold: 3,
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('counts paid sessions from the payments consumer’s log lines', () => {
    const filters = Object.values(resourcesOfType(platform.statelessTemplate, 'AWS::Logs::MetricFilter'))
      .map((r) => r.Properties as { LogGroupName: unknown; FilterPattern: string })
      .filter((p) =>
        JSON.stringify(p.LogGroupName).includes(
          logicalId(platform.stateless.functions.streamPayments.logGroup),
        ),
      );
    expect(filters.map((f) => f.FilterPattern).sort()).toEqual([
      expect.stringMatching(/"charge-finalised"/),
      expect.stringMatching(/"transaction-started"/),
    ]);
  });

  it('builds one dashboard with sessions, messages, errors and latency', () => {
    const dashboards = Object.values(
      resourcesOfType(platform.statelessTemplate, 'AWS::CloudWatch::Dashboard'),
    );
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties?.DashboardBody);
    for (const title of ['Sessions', 'Messages', 'Errors', 'Latency'])
      expect(body).toContain(`\\"title\\":\\"${title}`);
    for (const metric of [
      'PaidSessionsStarted',
      'ConnectCount',
      'MessageCount',
      'IntegrationLatency',
      'Duration',
    ]) {
      expect(body).toContain(metric);
    }
  });
});

describe('replay window', () => {
  it('gives up on a stream batch well before the stream drops its records (24 h), leaving time to replay', () => {
    expect(STREAM_MAX_RECORD_AGE.toHours()).toBeLessThanOrEqual(12);
    const platform = synthPlatform();
    const mappings = Object.values(
      resourcesOfType(platform.statelessTemplate, 'AWS::Lambda::EventSourceMapping'),
    ).map((r) => r.Properties as { MaximumRecordAgeInSeconds: number });
    expect(mappings.length).toBe(2);
    for (const m of mappings) expect(m.MaximumRecordAgeInSeconds).toBe(STREAM_MAX_RECORD_AGE.toSeconds());
  });
});

import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { readSettings, SettingsError } from '../../lib/settings.js';

const SENDER = 'receipts@charge.evplatform.dev';

/** The settings from `context`, with the one required key given unless the test overrides it. */
const settings = (context: Record<string, unknown> = {}) =>
  readSettings(new App({ context: { senderEmail: SENDER, ...context } }).node);

describe('deploy settings from CDK context', () => {
  it('synthesizes with a sender alone, on the handlers’ own defaults', () => {
    expect(settings()).toEqual({
      senderEmail: SENDER,
      senderDomain: undefined,
      senderIdentityExists: false,
      stripeSecretName: 'ev-platform/stripe',
      stripeSecretExists: false,
      platformFeeBps: 0,
      heartbeatIntervalSeconds: 300,
      callTimeoutSeconds: 30,
      settleWindowSeconds: 120,
      logLevel: 'INFO',
      logRetention: RetentionDays.ONE_MONTH,
      publicBaseUrl: undefined,
      ocppDomain: undefined,
      createApiGatewayLogRole: false,
      stripePublishableKey: undefined,
      startTimeoutSeconds: 300,
      alarmEmail: undefined,
      tracing: false,
      recomputeBatchingWindowSeconds: 5,
    });
  });

  it('turns X-Ray on only when asked, and takes a batching window within Lambda’s 0–300 s', () => {
    expect(settings({ tracing: 'true', recomputeBatchingWindowSeconds: '0' })).toMatchObject({
      tracing: true,
      recomputeBatchingWindowSeconds: 0,
    });
    expect(settings({ recomputeBatchingWindowSeconds: 300 }).recomputeBatchingWindowSeconds).toBe(300);
    expect(() => settings({ recomputeBatchingWindowSeconds: '301' })).toThrow(
      /recomputeBatchingWindowSeconds/,
    );
    expect(() => settings({ recomputeBatchingWindowSeconds: '2.5' })).toThrow(
      /recomputeBatchingWindowSeconds/,
    );
    expect(() => settings({ tracing: 'yes' })).toThrow(/tracing/);
  });

  it('accepts values as -c passes them (strings) and as cdk.json holds them (numbers, booleans)', () => {
    expect(
      settings({
        heartbeatIntervalSeconds: '240',
        platformFeeBps: 150,
        settleWindowSeconds: 300,
        createApiGatewayLogRole: true,
        logRetentionDays: '14',
        alarmEmail: 'ops@evplatform.dev',
        stripeSecretExists: 'true',
        senderIdentityExists: true,
        startTimeoutSeconds: 600,
        stripePublishableKey: 'pk_test_51AbcDEF',
      }),
    ).toMatchObject({
      startTimeoutSeconds: 600,
      stripePublishableKey: 'pk_test_51AbcDEF',
      heartbeatIntervalSeconds: 240,
      platformFeeBps: 150,
      settleWindowSeconds: 300,
      createApiGatewayLogRole: true,
      logRetention: RetentionDays.TWO_WEEKS,
      alarmEmail: 'ops@evplatform.dev',
      stripeSecretExists: true,
      senderIdentityExists: true,
    });
  });

  it.each([
    [{ heartbeatIntervalSeconds: 600 }, /HEARTBEAT_INTERVAL_SECONDS/],
    [{ platformFeeBps: 10_001 }, /PLATFORM_FEE_BPS/],
    [{ platformFeeBps: 'ten' }, /PLATFORM_FEE_BPS/],
    [{ senderEmail: 'not-an-address' }, /SENDER_EMAIL/],
    [{ publicBaseUrl: 'charge.example.org' }, /PUBLIC_BASE_URL/],
    [{ logLevel: 'TRACE' }, /LOG_LEVEL/],
    [{ senderEmail: 'receipts@evplatform.dev', senderDomain: 'charge.evplatform.dev' }, /senderEmail/],
    // No default sender: a deployment that could never send a receipt is refused before it deploys.
    [{ senderEmail: undefined }, /senderEmail is required/],
    [{ senderEmail: '' }, /senderEmail is required/],
    // Documentation domains (RFC 2606): SES's verification email can never arrive there.
    [{ senderEmail: 'receipts@example.com' }, /senderEmail.*reserved/],
    [{ senderEmail: 'receipts@charge.example.org' }, /senderEmail.*reserved/],
    [{ senderEmail: 'receipts@platform.test' }, /senderEmail.*reserved/],
    [{ alarmEmail: 'ops' }, /alarmEmail/],
    [{ stripeSecretExists: 'yes' }, /stripeSecretExists/],
    [{ senderIdentityExists: 1 }, /senderIdentityExists/],
    [{ ocppCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' }, /ocppDomainName/],
    [
      {
        ocppDomainName: 'ocpp.example.org',
        ocppCertificateArn: 'arn:aws:acm:eu-west-2:123456789012:certificate/abc',
      },
      /us-east-1/,
    ],
    [{ logRetentionDays: 31 }, /logRetentionDays/],
    [{ createApiGatewayLogRole: 'yes' }, /createApiGatewayLogRole/],
    [{ startTimeoutSeconds: 0 }, /startTimeoutSeconds/],
    [{ startTimeoutSeconds: '1.5' }, /startTimeoutSeconds/],
    [{ startTimeoutSeconds: 'five minutes' }, /startTimeoutSeconds/],
    // A secret key would be written into every start page.
    [{ stripePublishableKey: 'sk_live_51AbcDEF' }, /stripePublishableKey/],
    [{ stripePublishableKey: 'rk_live_51AbcDEF' }, /stripePublishableKey/],
  ])('refuses %j with a message naming the setting', (context, message) => {
    expect(() => settings(context)).toThrow(SettingsError);
    expect(() => settings(context)).toThrow(message);
  });
});

import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { readSettings, SettingsError } from '../../lib/settings.js';

const settings = (context: Record<string, unknown> = {}) => readSettings(new App({ context }).node);

describe('deploy settings from CDK context', () => {
  it('synthesizes with no context at all, on the handlers’ own defaults', () => {
    expect(settings()).toEqual({
      senderEmail: 'receipts@example.com',
      senderDomain: undefined,
      stripeSecretName: 'ev-platform/stripe',
      platformFeeBps: 0,
      heartbeatIntervalSeconds: 300,
      callTimeoutSeconds: 30,
      settleWindowSeconds: 120,
      logLevel: 'INFO',
      logRetention: RetentionDays.ONE_MONTH,
      publicBaseUrl: undefined,
      ocppDomain: undefined,
      createApiGatewayLogRole: true,
      stripePublishableKey: undefined,
      startTimeoutSeconds: 300,
    });
  });

  it('accepts values as -c passes them (strings) and as cdk.json holds them (numbers, booleans)', () => {
    expect(
      settings({
        heartbeatIntervalSeconds: '240',
        platformFeeBps: 150,
        settleWindowSeconds: 300,
        createApiGatewayLogRole: false,
        logRetentionDays: '14',
        startTimeoutSeconds: 600,
        stripePublishableKey: 'pk_test_51AbcDEF',
      }),
    ).toMatchObject({
      startTimeoutSeconds: 600,
      stripePublishableKey: 'pk_test_51AbcDEF',
      heartbeatIntervalSeconds: 240,
      platformFeeBps: 150,
      settleWindowSeconds: 300,
      createApiGatewayLogRole: false,
      logRetention: RetentionDays.TWO_WEEKS,
    });
  });

  it.each([
    [{ heartbeatIntervalSeconds: 600 }, /HEARTBEAT_INTERVAL_SECONDS/],
    [{ platformFeeBps: 10_001 }, /PLATFORM_FEE_BPS/],
    [{ platformFeeBps: 'ten' }, /PLATFORM_FEE_BPS/],
    [{ senderEmail: 'not-an-address' }, /SENDER_EMAIL/],
    [{ publicBaseUrl: 'charge.example.org' }, /PUBLIC_BASE_URL/],
    [{ logLevel: 'TRACE' }, /LOG_LEVEL/],
    [{ senderEmail: 'receipts@example.com', senderDomain: 'example.org' }, /senderEmail/],
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

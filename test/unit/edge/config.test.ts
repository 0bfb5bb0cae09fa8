/**
 * The environment schema (shared/lambda/config.ts, on zod/mini so it stays out of the bundles'
 * init cost): defaults, coercion, and the message naming the setting when a deploy gets one wrong.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../shared/lambda/config.js';

const REQUIRED = { TABLE_NAME: 'platform', SENDER_EMAIL: 'receipts@example.org' };

describe('parseConfig', () => {
  it('fills the defaults and coerces numbers from strings', () => {
    const c = parseConfig({ ...REQUIRED, CALL_TIMEOUT_SECONDS: '45', PLATFORM_FEE_BPS: '250' });
    expect(c).toMatchObject({
      AWS_REGION: 'eu-west-2',
      STRIPE_JS_URL: 'https://js.stripe.com/v3/',
      PUBLIC_BASE_URL: 'http://localhost:8080',
      START_TIMEOUT_SECONDS: 300,
      HEARTBEAT_INTERVAL_SECONDS: 300,
      CALL_TIMEOUT_SECONDS: 45,
      REMOTE_START_WAIT_SECONDS: 10,
      PLATFORM_FEE_BPS: 250,
      LOG_LEVEL: 'INFO',
    });
    expect(c.DYNAMODB_ENDPOINT).toBeUndefined();
  });

  it('reads an empty publishable key as none, and keeps a real one', () => {
    expect(parseConfig({ ...REQUIRED, STRIPE_PUBLISHABLE_KEY: '' }).STRIPE_PUBLISHABLE_KEY).toBeUndefined();
    expect(parseConfig({ ...REQUIRED, STRIPE_PUBLISHABLE_KEY: 'pk_test_1' }).STRIPE_PUBLISHABLE_KEY).toBe(
      'pk_test_1',
    );
  });

  it.each([
    [{ TABLE_NAME: '' }, 'TABLE_NAME: TABLE_NAME names the platform DynamoDB table'],
    [{ SENDER_EMAIL: 'receipts' }, 'SENDER_EMAIL: SENDER_EMAIL must be an email address'],
    [{ STRIPE_PUBLISHABLE_KEY: 'sk_test_1' }, 'STRIPE_PUBLISHABLE_KEY must be a Stripe publishable key'],
    [{ HEARTBEAT_INTERVAL_SECONDS: '600' }, 'HEARTBEAT_INTERVAL_SECONDS must stay under the 600 s gateway'],
    [{ SESSION_TOKEN_SECRET: 'short' }, 'SESSION_TOKEN_SECRET must be at least 32 characters'],
    [{ CALL_TIMEOUT_SECONDS: '1.5' }, 'CALL_TIMEOUT_SECONDS:'],
    [{ CALL_TIMEOUT_SECONDS: '0' }, 'CALL_TIMEOUT_SECONDS:'],
    [{ REMOTE_START_WAIT_SECONDS: '21' }, 'REMOTE_START_WAIT_SECONDS:'],
    [{ PLATFORM_FEE_BPS: '10001' }, 'PLATFORM_FEE_BPS:'],
    [{ LOG_LEVEL: 'TRACE' }, 'LOG_LEVEL:'],
    [{ DYNAMODB_ENDPOINT: 'not a url' }, 'DYNAMODB_ENDPOINT:'],
  ])('refuses %o naming the setting', (bad, message) => {
    const parse = () => parseConfig({ ...REQUIRED, ...bad });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(message);
  });
});

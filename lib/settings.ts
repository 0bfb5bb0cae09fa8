/**
 * Deploy-time settings, read from CDK context (`cdk.json` "context" or `-c key=value`), each with a
 * default except `senderEmail`: a deployment without a real sender could never send a receipt, so
 * `cdk synth` refuses it instead of letting it deploy. The values that reach the handlers are validated here by
 * the handlers' own config schema, so a setting the handlers would reject fails the synth instead
 * of the first invocation. Documented in lib/README-settings.md.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import * as z from 'zod';
import { type Config, ConfigError, parseConfig } from '../shared/lambda/config.js';

/** Context keys, in one place so the README, the stacks and the tests agree. */
export const CONTEXT_KEYS = {
  senderEmail: 'senderEmail',
  senderDomain: 'senderDomain',
  stripeSecretName: 'stripeSecretName',
  platformFeeBps: 'platformFeeBps',
  heartbeatIntervalSeconds: 'heartbeatIntervalSeconds',
  callTimeoutSeconds: 'callTimeoutSeconds',
  settleWindowSeconds: 'settleWindowSeconds',
  logLevel: 'logLevel',
  logRetentionDays: 'logRetentionDays',
  publicBaseUrl: 'publicBaseUrl',
  ocppDomainName: 'ocppDomainName',
  ocppCertificateArn: 'ocppCertificateArn',
  createApiGatewayLogRole: 'createApiGatewayLogRole',
  stripePublishableKey: 'stripePublishableKey',
  startTimeoutSeconds: 'startTimeoutSeconds',
  alarmEmail: 'alarmEmail',
  stripeSecretExists: 'stripeSecretExists',
  senderIdentityExists: 'senderIdentityExists',
  tracing: 'tracing',
  recomputeBatchingWindowSeconds: 'recomputeBatchingWindowSeconds',
  wafRateLimit: 'wafRateLimit',
  ocppWebAclArn: 'ocppWebAclArn',
  ocppOriginSecretVersionId: 'ocppOriginSecretVersionId',
} as const;

/** AWS WAF's bounds on a rate-based rule's limit (requests per IP per evaluation window). */
export const WAF_RATE_LIMIT_MIN = 10;
export const WAF_RATE_LIMIT_MAX = 2_000_000_000;

/**
 * Domains reserved for documentation (RFC 2606): no mailbox there can receive SES's verification
 * email, so a sender at one of them can never send a receipt.
 */
const RESERVED_EMAIL_DOMAIN = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/i;
export const DEFAULT_STRIPE_SECRET_NAME = 'ev-platform/stripe';
export const DEFAULT_LOG_RETENTION = RetentionDays.ONE_MONTH;
/** How long a held session waits for StartTransaction before its hold is cancelled as abandoned. */
export const DEFAULT_START_TIMEOUT_SECONDS = 300;
/**
 * X-Ray off unless asked: at a few requests a second the default sampling rule records nearly every
 * invocation, and at $5 per million traces that was half of what a session cost (npm run cost:model).
 */
export const DEFAULT_TRACING = false;
/**
 * How long the recompute's stream mapping gathers records before it invokes: one invocation folds
 * every reading that arrives meanwhile, across chargers. The live charge lags by at most this much;
 * readings come a minute apart, and the settle window (120 s) is well beyond it.
 */
export const DEFAULT_RECOMPUTE_BATCHING_WINDOW_SECONDS = 5;
/** Lambda's limit on MaximumBatchingWindowInSeconds. */
const MAX_BATCHING_WINDOW_SECONDS = 300;

/**
 * A publishable key and nothing else: it is written into every start page, so a secret (`sk_`) or
 * restricted (`rk_`) key given here by mistake would be published to every driver's browser.
 */
const PUBLISHABLE_KEY = /^pk_(test|live)_[A-Za-z0-9]+$/;

export interface PlatformSettings {
  /** The From address of every email; verified in SES as an address or through its domain. */
  readonly senderEmail: string;
  /**
   * The SES identity (the address, or `senderDomain`) already exists in the account and region:
   * reference it instead of creating it, which would fail.
   */
  readonly senderIdentityExists: boolean;
  /** When set, SES verifies this domain (Easy DKIM) instead of the single sender address. */
  readonly senderDomain: string | undefined;
  readonly stripeSecretName: string;
  /**
   * The Stripe secret already exists under `stripeSecretName` (kept from an earlier deployment, or
   * made by hand): reference it instead of creating it, which would fail on the name.
   */
  readonly stripeSecretExists: boolean;
  readonly platformFeeBps: number;
  readonly heartbeatIntervalSeconds: number;
  readonly callTimeoutSeconds: number;
  readonly settleWindowSeconds: number;
  readonly logLevel: Config['LOG_LEVEL'];
  readonly logRetention: RetentionDays;
  /** Base of the Transaction URL in emails; defaults to the HTTP API's own endpoint. */
  readonly publicBaseUrl: string | undefined;
  /** Custom domain for the charger endpoint (CloudFront); off unless both values are given. */
  readonly ocppDomain: { readonly domainName: string; readonly certificateArn: string } | undefined;
  /** Set the account's API Gateway CloudWatch role, which WebSocket access logging needs. */
  readonly createApiGatewayLogRole: boolean;
  /**
   * Stripe.js's key on the driver pages. Without it the deployment takes no payments: the start
   * page answers "payments unavailable".
   */
  readonly stripePublishableKey: string | undefined;
  readonly startTimeoutSeconds: number;
  /** Subscribed by email to the alarm topic; without it the topic has no subscriber. */
  readonly alarmEmail: string | undefined;
  /** X-Ray active tracing on every function (and the grants it needs); off by default. */
  readonly tracing: boolean;
  /** The recompute stream mapping's MaximumBatchingWindowInSeconds (0 to 300). */
  readonly recomputeBatchingWindowSeconds: number;
  /**
   * Requests per source IP per 5 minutes above which a WAF web ACL on the OCPP distribution blocks
   * that IP; off when unset. The web ACL is created in the stateless stack, which must then be
   * deployed in us-east-1 (CloudFront's web ACLs live there only).
   */
  readonly wafRateLimit: number | undefined;
  /** An existing CLOUDFRONT-scope web ACL (made in us-east-1) to attach instead; any stack region. */
  readonly ocppWebAclArn: string | undefined;
  /**
   * The version of the OCPP origin secret CloudFront sends. Unset, CloudFormation resolves the
   * current version, but only when the distribution changes anyway: a rotation names the new
   * version here so the next deploy carries it (lib/README-settings.md).
   */
  readonly ocppOriginSecretVersionId: string | undefined;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

function text(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value).trim();
  }
  throw new SettingsError(`context ${key} must be a string, number or boolean`);
}

function flag(node: Node, key: string, fallback: boolean): boolean {
  const value = text(node, key);
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new SettingsError(`context ${key} must be true or false, got '${value}'`);
}

function positiveSeconds(node: Node, key: string, fallback: number): number {
  const value = text(node, key);
  if (value === undefined) return fallback;
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new SettingsError(`context ${key} must be a whole number of seconds above 0, got '${value}'`);
  }
  return seconds;
}

function batchingWindow(node: Node): number {
  const key = CONTEXT_KEYS.recomputeBatchingWindowSeconds;
  const value = text(node, key);
  if (value === undefined) return DEFAULT_RECOMPUTE_BATCHING_WINDOW_SECONDS;
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds > MAX_BATCHING_WINDOW_SECONDS) {
    throw new SettingsError(
      `context ${key} must be a whole number of seconds from 0 to ${MAX_BATCHING_WINDOW_SECONDS}, got '${value}'`,
    );
  }
  return seconds;
}

function publishableKey(node: Node): string | undefined {
  const value = text(node, CONTEXT_KEYS.stripePublishableKey);
  if (value !== undefined && !PUBLISHABLE_KEY.test(value)) {
    throw new SettingsError(
      `context ${CONTEXT_KEYS.stripePublishableKey} must be a Stripe publishable key (pk_live_... or pk_test_...); it is sent to every driver's browser`,
    );
  }
  return value;
}

function retention(node: Node): RetentionDays {
  const value = text(node, CONTEXT_KEYS.logRetentionDays);
  if (value === undefined) return DEFAULT_LOG_RETENTION;
  const days = Number(value);
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowed.includes(days)) {
    throw new SettingsError(
      `context ${CONTEXT_KEYS.logRetentionDays} must be one of CloudWatch's retention periods (${allowed.join(', ')}), got '${value}'`,
    );
  }
  return days as RetentionDays;
}

/** The From address: required, and at a domain where SES's verification email can arrive. */
function sender(node: Node): string {
  const value = text(node, CONTEXT_KEYS.senderEmail);
  if (value === undefined) {
    throw new SettingsError(
      `context ${CONTEXT_KEYS.senderEmail} is required: the From address of every receipt, verified in SES (e.g. -c ${CONTEXT_KEYS.senderEmail}=receipts@yourdomain.com)`,
    );
  }
  const domain = value.slice(value.lastIndexOf('@') + 1);
  if (RESERVED_EMAIL_DOMAIN.test(domain)) {
    throw new SettingsError(
      `context ${CONTEXT_KEYS.senderEmail} (${value}) is at a reserved documentation domain where SES cannot verify it; give a real sender address`,
    );
  }
  return value;
}

function email(node: Node, key: string): string | undefined {
  const value = text(node, key);
  if (value !== undefined && !z.email().safeParse(value).success) {
    throw new SettingsError(`context ${key} must be an email address, got '${value}'`);
  }
  return value;
}

function wafRateLimit(node: Node): number | undefined {
  const value = text(node, CONTEXT_KEYS.wafRateLimit);
  if (value === undefined) return undefined;
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < WAF_RATE_LIMIT_MIN || limit > WAF_RATE_LIMIT_MAX) {
    throw new SettingsError(
      `context ${CONTEXT_KEYS.wafRateLimit} must be a whole number of requests per IP per 5 minutes from ${WAF_RATE_LIMIT_MIN} to ${WAF_RATE_LIMIT_MAX} (AWS WAF's bounds), got '${value}'`,
    );
  }
  return limit;
}

function webAclArn(node: Node): string | undefined {
  const value = text(node, CONTEXT_KEYS.ocppWebAclArn);
  if (
    value !== undefined &&
    !/^arn:aws[\w-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/.test(value)
  ) {
    throw new SettingsError(
      `context ${CONTEXT_KEYS.ocppWebAclArn} must be the ARN of a CLOUDFRONT-scope WAFv2 web ACL (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>), got '${value}'`,
    );
  }
  return value;
}

function secretVersionId(node: Node): string | undefined {
  const value = text(node, CONTEXT_KEYS.ocppOriginSecretVersionId);
  if (value !== undefined && !/^[A-Za-z0-9-]{32,64}$/.test(value)) {
    throw new SettingsError(
      `context ${CONTEXT_KEYS.ocppOriginSecretVersionId} must be a Secrets Manager VersionId (32 to 64 letters, digits or hyphens), got '${value}'`,
    );
  }
  return value;
}

/** Reads and validates the settings; throws a SettingsError naming the context key on bad input. */
export function readSettings(node: Node): PlatformSettings {
  const senderEmail = sender(node);
  const senderDomain = text(node, CONTEXT_KEYS.senderDomain);
  const publicBaseUrl = text(node, CONTEXT_KEYS.publicBaseUrl);
  // Checked here as deploy input; also handed to the handlers' schema below, which has the last word
  // on the values the functions will run with.
  const startTimeoutSeconds = positiveSeconds(
    node,
    CONTEXT_KEYS.startTimeoutSeconds,
    DEFAULT_START_TIMEOUT_SECONDS,
  );
  const stripePublishableKey = publishableKey(node);

  let config: Config;
  try {
    // The handlers' schema, over what the stack will put in their environment. TABLE_NAME is a
    // deploy-time token the schema cannot see yet; a placeholder stands in for it.
    config = parseConfig({
      TABLE_NAME: 'resolved-at-deploy',
      SENDER_EMAIL: senderEmail,
      PUBLIC_BASE_URL: publicBaseUrl,
      HEARTBEAT_INTERVAL_SECONDS: text(node, CONTEXT_KEYS.heartbeatIntervalSeconds),
      CALL_TIMEOUT_SECONDS: text(node, CONTEXT_KEYS.callTimeoutSeconds),
      SETTLE_WINDOW_SECONDS: text(node, CONTEXT_KEYS.settleWindowSeconds),
      PLATFORM_FEE_BPS: text(node, CONTEXT_KEYS.platformFeeBps),
      LOG_LEVEL: text(node, CONTEXT_KEYS.logLevel),
      START_TIMEOUT_SECONDS: String(startTimeoutSeconds),
      STRIPE_PUBLISHABLE_KEY: stripePublishableKey,
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new SettingsError(
        `invalid deploy settings (CDK context; see lib/README-settings.md for the key of each variable): ${err.message}`,
        { cause: err },
      );
    }
    throw err;
  }

  if (senderDomain !== undefined && !senderEmail.toLowerCase().endsWith(`@${senderDomain.toLowerCase()}`)) {
    throw new SettingsError(
      `context ${CONTEXT_KEYS.senderEmail} (${senderEmail}) must be an address at ${CONTEXT_KEYS.senderDomain} (${senderDomain})`,
    );
  }

  const domainName = text(node, CONTEXT_KEYS.ocppDomainName);
  const certificateArn = text(node, CONTEXT_KEYS.ocppCertificateArn);
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new SettingsError(
      `context ${CONTEXT_KEYS.ocppDomainName} and ${CONTEXT_KEYS.ocppCertificateArn} go together: set both or neither`,
    );
  }
  if (
    certificateArn !== undefined &&
    !/^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(certificateArn)
  ) {
    throw new SettingsError(
      `context ${CONTEXT_KEYS.ocppCertificateArn} must be an ACM certificate ARN in us-east-1 (CloudFront's requirement), got '${certificateArn}'`,
    );
  }

  const rateLimit = wafRateLimit(node);
  const existingWebAcl = webAclArn(node);
  if (rateLimit !== undefined && existingWebAcl !== undefined) {
    throw new SettingsError(
      `context ${CONTEXT_KEYS.wafRateLimit} and ${CONTEXT_KEYS.ocppWebAclArn} exclude each other: a distribution has one web ACL (put the rate rule in yours)`,
    );
  }

  return {
    senderEmail: config.SENDER_EMAIL,
    senderDomain,
    senderIdentityExists: flag(node, CONTEXT_KEYS.senderIdentityExists, false),
    stripeSecretName: text(node, CONTEXT_KEYS.stripeSecretName) ?? DEFAULT_STRIPE_SECRET_NAME,
    stripeSecretExists: flag(node, CONTEXT_KEYS.stripeSecretExists, false),
    platformFeeBps: config.PLATFORM_FEE_BPS,
    heartbeatIntervalSeconds: config.HEARTBEAT_INTERVAL_SECONDS,
    callTimeoutSeconds: config.CALL_TIMEOUT_SECONDS,
    settleWindowSeconds: config.SETTLE_WINDOW_SECONDS,
    logLevel: config.LOG_LEVEL,
    logRetention: retention(node),
    publicBaseUrl: publicBaseUrl === undefined ? undefined : config.PUBLIC_BASE_URL,
    ocppDomain:
      domainName !== undefined && certificateArn !== undefined ? { domainName, certificateArn } : undefined,
    // Opt-in: the role is one per account and region, and overwriting it is not this stack's call.
    createApiGatewayLogRole: flag(node, CONTEXT_KEYS.createApiGatewayLogRole, false),
    stripePublishableKey,
    startTimeoutSeconds,
    alarmEmail: email(node, CONTEXT_KEYS.alarmEmail),
    tracing: flag(node, CONTEXT_KEYS.tracing, DEFAULT_TRACING),
    recomputeBatchingWindowSeconds: batchingWindow(node),
    wafRateLimit: rateLimit,
    ocppWebAclArn: existingWebAcl,
    ocppOriginSecretVersionId: secretVersionId(node),
  };
}

/**
 * CloudFront in front of the OCPP WebSocket API, so chargers can connect to
 * `wss://host/ocpp/{chargerId}` although API Gateway WebSocket APIs have no path parameters.
 *
 * - A viewer-request CloudFront Function (lib/edge/ocpp-path-rewrite.js) rewrites the path to the
 *   stage path with `?chargerId=` and refuses every other path.
 * - Origin: the API's own domain, HTTPS only. Its `Host` header must never be forwarded (API
 *   Gateway answers 403 to a foreign host), so the origin request policy lists the WebSocket
 *   handshake headers one by one instead of forwarding all viewer headers.
 * - `Authorization` (HTTP Basic auth, OCPP security profiles 1/2) cannot be forwarded by an origin
 *   request policy; CloudFront forwards it only as part of the cache key. Caching stays effectively
 *   off: minimum and default TTL are 0 and the maximum is 1 s. (A policy whose TTLs are all 0 is
 *   "caching disabled" to CloudFront, which then refuses headers in its key.) A WebSocket upgrade
 *   is never cached anyway.
 * - Only CloudFront may reach the API: it adds an origin custom header (`X-Ocpp-Origin-Verify`)
 *   whose value is a Secrets Manager secret, resolved by CloudFormation at deploy time. The
 *   authorizer has it as an identity source (API Gateway answers 401 without invoking it) and
 *   compares the value in constant time before any scrypt (shared/lambda/origin-verify.ts), so a
 *   flood at the `execute-api` URL costs no authorizer run. The stack does not publish that URL.
 * - Optional WAF rate rule per source IP (`wafRateLimit`), or a web ACL of the operator's own
 *   (`ocppWebAclArn`). CloudFront web ACLs exist in us-east-1 only: this construct creates one only
 *   in a us-east-1 stack, and a template rule refuses the deploy anywhere else before any change.
 */
import { fileURLToPath } from 'node:url';
import {
  Aws,
  CfnRule,
  Duration,
  Fn,
  Names,
  RemovalPolicy,
  SecretValue,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import type { IWebSocketApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ORIGIN_VERIFY_HEADER } from '../../shared/lambda/origin-verify.js';

export { ORIGIN_VERIFY_HEADER };

/** The only region where a CloudFront (global) web ACL can be created. */
export const CLOUDFRONT_WAF_REGION = 'us-east-1';
/** WAF counts a rate-based rule's requests over this window (its default, and what `wafRateLimit` means). */
export const WAF_RATE_WINDOW_SECONDS = 300;

export const OCPP_PATH_REWRITE_FILE = fileURLToPath(new URL('../edge/ocpp-path-rewrite.js', import.meta.url));

/** The headers of a WebSocket handshake the origin needs; never `Host`. */
export const WEBSOCKET_HANDSHAKE_HEADERS = [
  'Sec-WebSocket-Key',
  'Sec-WebSocket-Version',
  'Sec-WebSocket-Protocol',
  'Sec-WebSocket-Extensions',
] as const;

export interface OcppEdgeProps {
  readonly webSocketApi: IWebSocketApi;
  /** Optional custom domain; the certificate must be in us-east-1. */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string } | undefined;
  /** Pins the origin secret's version CloudFront sends (a rotation; see lib/README-settings.md). */
  readonly originSecretVersionId?: string | undefined;
  /** Requests per IP per 5 minutes before WAF blocks the IP; creates a web ACL (us-east-1 only). */
  readonly wafRateLimit?: number | undefined;
  /** An existing CLOUDFRONT-scope web ACL to attach instead. */
  readonly webAclArn?: string | undefined;
}

export class OcppEdge extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly pathRewrite: cloudfront.Function;
  readonly cachePolicy: cloudfront.CachePolicy;
  readonly originRequestPolicy: cloudfront.OriginRequestPolicy;
  readonly logBucket: s3.Bucket;
  /** The value CloudFront adds as `X-Ocpp-Origin-Verify`; the authorizer reads it. */
  readonly originSecret: secretsmanager.Secret;
  /** The rate-limiting web ACL, when `wafRateLimit` is set. */
  readonly webAcl: wafv2.CfnWebACL | undefined;
  /** The host chargers connect to: the custom domain when set, else the distribution's domain. */
  readonly host: string;

  constructor(scope: Construct, id: string, props: OcppEdgeProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.pathRewrite = new cloudfront.Function(this, 'PathRewrite', {
      code: cloudfront.FunctionCode.fromFile({ filePath: OCPP_PATH_REWRITE_FILE }),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'OCPP: /ocpp/{chargerId} -> /ocpp?chargerId={chargerId}; other paths refused',
    });

    this.cachePolicy = new cloudfront.CachePolicy(this, 'CachePolicy', {
      comment: 'OCPP WebSocket: Authorization in the key so CloudFront forwards it; caching effectively off',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
      // Query strings in the key too, so not even a 1 s entry can answer one charger for another.
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: false,
      enableAcceptEncodingBrotli: false,
    });

    this.originRequestPolicy = new cloudfront.OriginRequestPolicy(this, 'OriginRequestPolicy', {
      // CloudFront policy names are account-wide; CDK's default name lacks the region (the cache
      // policy's and the function's have it), so two regional copies of this stack would clash.
      originRequestPolicyName: `${Names.uniqueResourceName(this, { maxLength: 100 })}-${stack.region}`,
      comment: 'OCPP WebSocket handshake headers and the query string; never Host',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...WEBSOCKET_HANDSHAKE_HEADERS),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });

    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // CloudFront standard logging delivers through bucket ACLs.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the access-log destination itself; logging its own accesses would log the log writes.',
    });

    // Generated, and rebuilt with the stack: CloudFront and the authorizer are in this stack too, so
    // nothing outside it ever holds the value. Letters and digits only: it travels as a header value.
    this.originSecret = new secretsmanager.Secret(this, 'OriginSecret', {
      description: `OCPP: the ${ORIGIN_VERIFY_HEADER} header CloudFront adds; the $connect authorizer requires it`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.originSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'CloudFront takes the header value at deploy time, so a rotation Lambda alone would lock CloudFront out; rotation is put-secret-value then a deploy naming the new version (lib/README-settings.md), and the authorizer accepts the previous value meanwhile.',
    });
    // A CloudFormation dynamic reference: the value never appears in the template or cdk.out.
    const originSecretValue = SecretValue.secretsManager(this.originSecret.secretArn, {
      ...(props.originSecretVersionId ? { versionId: props.originSecretVersionId } : {}),
    });

    const origin = new origins.HttpOrigin(
      `${props.webSocketApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`,
      {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        customHeaders: { [ORIGIN_VERIFY_HEADER]: originSecretValue.unsafeUnwrap() },
      },
    );

    this.webAcl = props.wafRateLimit === undefined ? undefined : this.rateLimitAcl(props.wafRateLimit);
    const webAclId = this.webAcl?.attrArn ?? props.webAclArn;

    const custom = props.customDomain;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'OCPP charger endpoint: wss://host/ocpp/{chargerId}',
      defaultBehavior: {
        origin,
        // wss only: Basic auth credentials never travel in clear text.
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: this.cachePolicy,
        originRequestPolicy: this.originRequestPolicy,
        compress: false,
        functionAssociations: [
          { function: this.pathRewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      // Do not keep a 4xx/5xx from the origin: a charger retrying after its record was fixed must
      // reach the origin again, not a cached refusal.
      errorResponses: [400, 403, 404, 500, 502, 503, 504].map((httpStatus) => ({
        httpStatus,
        ttl: Duration.seconds(0),
      })),
      // North America and Europe edges; chargers elsewhere still connect, through those edges.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'ocpp/',
      ...(webAclId ? { webAclId } : {}),
      ...(custom
        ? {
            domainNames: [custom.domainName],
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', custom.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    this.host = custom ? custom.domainName : this.distribution.distributionDomainName;

    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Chargers are installed wherever operators are; a geo restriction would lock out legitimate sites.',
    });
    if (!webAclId) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason:
          'WAF is opt-in (wafRateLimit, or ocppWebAclArn): a CloudFront web ACL must live in us-east-1 and this stack deploys anywhere. Without it the path is narrowed by the CloudFront Function, the origin refuses requests without the CloudFront origin header, and every connection is authenticated by the $connect authorizer.',
      });
    }
    if (!custom) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose viewer TLS policy cannot be chosen; with ocppDomainName/ocppCertificateArn it is TLSv1.2_2021.',
      });
    }
  }

  /**
   * A web ACL that blocks a source IP above `limit` requests per 5 minutes. WAF counts every request
   * the distribution receives, WebSocket handshakes included (frames on an open connection are not
   * requests), so this caps reconnect storms and credential guessing from one address.
   */
  private rateLimitAcl(limit: number): wafv2.CfnWebACL {
    const stack = Stack.of(this);
    if (!Token.isUnresolved(stack.region) && stack.region !== CLOUDFRONT_WAF_REGION) {
      throw new Error(
        `wafRateLimit creates a CloudFront web ACL, which must be in ${CLOUDFRONT_WAF_REGION}; this stack is in ${stack.region}. Create one there and pass ocppWebAclArn instead.`,
      );
    }
    // The stack is environment-agnostic, so the region is known only at deploy: the template's own
    // rule refuses the change set elsewhere, before anything is created.
    new CfnRule(this, 'WafRegionRule', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, CLOUDFRONT_WAF_REGION),
          assertDescription: `wafRateLimit creates a CloudFront web ACL, which exists only in ${CLOUDFRONT_WAF_REGION}: deploy there, or create the web ACL in ${CLOUDFRONT_WAF_REGION} and pass ocppWebAclArn instead.`,
        },
      ],
    });
    const metricName = `${Names.uniqueResourceName(this, { maxLength: 100 })}`;
    return new wafv2.CfnWebACL(this, 'RateLimitAcl', {
      scope: 'CLOUDFRONT',
      description: `OCPP edge: at most ${limit} requests per source IP per ${WAF_RATE_WINDOW_SECONDS} s`,
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName },
      rules: [
        {
          name: 'RatePerSourceIp',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit,
              aggregateKeyType: 'IP',
              evaluationWindowSec: WAF_RATE_WINDOW_SECONDS,
            },
          },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            sampledRequestsEnabled: true,
            metricName: `${metricName}-rate`,
          },
        },
      ],
    });
  }
}

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
 */
import { fileURLToPath } from 'node:url';
import { Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IWebSocketApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

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
}

export class OcppEdge extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly pathRewrite: cloudfront.Function;
  readonly cachePolicy: cloudfront.CachePolicy;
  readonly originRequestPolicy: cloudfront.OriginRequestPolicy;
  readonly logBucket: s3.Bucket;
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

    const origin = new origins.HttpOrigin(
      `${props.webSocketApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`,
      {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      },
    );

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
      ...(custom
        ? {
            domainNames: [custom.domainName],
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', custom.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    this.host = custom ? custom.domainName : this.distribution.distributionDomainName;

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Chargers are installed wherever operators are; a geo restriction would lock out legitimate sites.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF: a CloudFront web ACL must live in us-east-1 and this stack is environment-agnostic; the path is narrowed by the CloudFront Function and every connection is authenticated by the $connect authorizer.',
      },
    );
    if (!custom) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose viewer TLS policy cannot be chosen; with ocppDomainName/ocppCertificateArn it is TLSv1.2_2021.',
      });
    }
  }
}

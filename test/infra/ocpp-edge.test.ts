import { readFileSync } from 'node:fs';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CLOUDFRONT_WAF_REGION,
  OCPP_PATH_REWRITE_FILE,
  ORIGIN_VERIFY_HEADER,
  WAF_RATE_WINDOW_SECONDS,
  WEBSOCKET_HANDSHAKE_HEADERS,
} from '../../lib/constructs/ocpp-edge.js';
import { SettingsError } from '../../lib/settings.js';
import { logicalId, resourcesOfType, type Synthesized, synthPlatform } from './platform-fixture.js';

/** CloudFormation JSON, loosely typed the way Template.toJSON() returns it. */
type Props = ReturnType<Template['toJSON']>;

function only(template: Template, type: string): Props {
  const found = Object.values(resourcesOfType(template, type));
  expect(found, type).toHaveLength(1);
  return found[0]!.Properties as Props;
}

describe('CloudFront in front of the OCPP WebSocket API', () => {
  let platform: Synthesized;
  let template: Template;
  let distribution: Props;
  beforeAll(() => {
    platform = synthPlatform();
    template = platform.statelessTemplate;
    distribution = only(template, 'AWS::CloudFront::Distribution').DistributionConfig;
  });

  it('deploys lib/edge/ocpp-path-rewrite.js as is, on the cloudfront-js-2.0 runtime', () => {
    const fn = only(template, 'AWS::CloudFront::Function');
    expect(fn.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    expect(fn.AutoPublish).toBe(true);
    expect(fn.FunctionCode).toBe(readFileSync(OCPP_PATH_REWRITE_FILE, 'utf8'));
  });

  it('runs the rewrite on viewer request, on the only behavior', () => {
    expect(distribution.CacheBehaviors).toBeUndefined();
    expect(distribution.DefaultCacheBehavior.FunctionAssociations).toEqual([
      {
        EventType: 'viewer-request',
        FunctionARN: { 'Fn::GetAtt': [logicalId(platform.stateless.edge.pathRewrite), 'FunctionARN'] },
      },
    ]);
  });

  it("uses the WebSocket API's own execute-api domain as the origin, over HTTPS only, TLS 1.2", () => {
    expect(distribution.Origins).toHaveLength(1);
    const origin = distribution.Origins[0];
    expect(origin.DomainName).toEqual({
      'Fn::Join': [
        '',
        [
          { Ref: logicalId(platform.stateless.webSocketApi) },
          '.execute-api.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
        ],
      ],
    });
    expect(origin.CustomOriginConfig).toEqual({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
    expect(origin.OriginPath).toBeUndefined();
    expect(distribution.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('https-only');
  });

  it('forwards the WebSocket handshake headers and the query string, and never Host', () => {
    const policy = only(template, 'AWS::CloudFront::OriginRequestPolicy').OriginRequestPolicyConfig;
    expect(policy.HeadersConfig).toEqual({
      HeaderBehavior: 'whitelist',
      Headers: [...WEBSOCKET_HANDSHAKE_HEADERS],
    });
    expect(WEBSOCKET_HANDSHAKE_HEADERS).toEqual([
      'Sec-WebSocket-Key',
      'Sec-WebSocket-Version',
      'Sec-WebSocket-Protocol',
      'Sec-WebSocket-Extensions',
    ]);
    expect(policy.HeadersConfig.Headers.map((h: string) => h.toLowerCase())).not.toContain('host');
    expect(policy.QueryStringsConfig).toEqual({ QueryStringBehavior: 'all' });
    expect(distribution.DefaultCacheBehavior.OriginRequestPolicyId).toEqual({
      Ref: logicalId(platform.stateless.edge.originRequestPolicy),
    });
    // No managed "all viewer" policy either: that one forwards Host.
    expect(JSON.stringify(distribution)).not.toContain('216adef6-5c7f-47e4-b989-5492eafa07d3');
  });

  it('forwards Authorization the only way CloudFront allows: in the cache key, with caching effectively off', () => {
    const policy = only(template, 'AWS::CloudFront::CachePolicy').CachePolicyConfig;
    expect(policy.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig).toEqual({
      HeaderBehavior: 'whitelist',
      Headers: ['Authorization'],
    });
    expect(policy.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig).toEqual({
      QueryStringBehavior: 'all',
    });
    expect(policy.MinTTL).toBe(0);
    expect(policy.DefaultTTL).toBe(0);
    // All TTLs 0 would be "caching disabled", where CloudFront refuses headers in the key.
    expect(policy.MaxTTL).toBe(1);
    expect(distribution.DefaultCacheBehavior.CachePolicyId).toEqual({
      Ref: logicalId(platform.stateless.edge.cachePolicy),
    });
  });

  it('keeps no origin error: a refused charger that was fixed reaches the origin on its next try', () => {
    for (const response of distribution.CustomErrorResponses) expect(response.ErrorCachingMinTTL).toBe(0);
    expect(distribution.CustomErrorResponses.map((r: Props) => r.ErrorCode)).toEqual(
      expect.arrayContaining([400, 403, 500, 502, 503, 504]),
    );
  });

  it('writes access logs to an encrypted, private bucket that refuses plain HTTP', () => {
    expect(distribution.Logging.Bucket).toEqual({
      'Fn::GetAtt': [logicalId(platform.stateless.edge.logBucket), 'RegionalDomainName'],
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it('uses the default cloudfront.net domain unless a custom domain is configured', () => {
    expect(distribution.Aliases).toBeUndefined();
    expect(distribution.ViewerCertificate).toBeUndefined();
    expect(JSON.stringify(template.findOutputs('OcppEndpoint'))).toContain('/ocpp/{chargerId}');
  });

  it('serves the custom domain with its us-east-1 certificate and TLS 1.2 when both are given', () => {
    const certificateArn =
      'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const custom = synthPlatform({ ocppDomainName: 'ocpp.example.org', ocppCertificateArn: certificateArn });
    const config = only(custom.statelessTemplate, 'AWS::CloudFront::Distribution').DistributionConfig;
    expect(config.Aliases).toEqual(['ocpp.example.org']);
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: certificateArn,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(custom.statelessTemplate.findOutputs('OcppEndpoint').OcppEndpoint?.Value).toBe(
      'wss://ocpp.example.org/ocpp/{chargerId}',
    );
  });

  it('refuses half a custom domain', () => {
    expect(() => synthPlatform({ ocppDomainName: 'ocpp.example.org' })).toThrow(SettingsError);
  });
});

describe('only CloudFront reaches the WebSocket API (flood cost)', () => {
  let platform: Synthesized;
  let template: Template;
  let origin: Props;
  beforeAll(() => {
    platform = synthPlatform();
    template = platform.statelessTemplate;
    origin = only(template, 'AWS::CloudFront::Distribution').DistributionConfig.Origins[0];
  });

  it('adds the origin header with the generated secret, as a deploy-time dynamic reference (never the value)', () => {
    const secretId = logicalId(platform.stateless.edge.originSecret);
    expect(origin.OriginCustomHeaders).toEqual([
      {
        HeaderName: ORIGIN_VERIFY_HEADER,
        HeaderValue: {
          'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
        },
      },
    ]);
    expect(template.toJSON().Resources[secretId].Properties.GenerateSecretString).toEqual({
      ExcludePunctuation: true,
      IncludeSpace: false,
      PasswordLength: 64,
    });
  });

  it('sends the secret version named by ocppOriginSecretVersionId after a rotation', () => {
    const versionId = 'a1b2c3d4-e5f6-a7b8-c9d0-e1f2a3b4c5d6';
    const rotated = synthPlatform({ ocppOriginSecretVersionId: versionId });
    const header = only(rotated.statelessTemplate, 'AWS::CloudFront::Distribution').DistributionConfig
      .Origins[0].OriginCustomHeaders[0];
    expect(JSON.stringify(header.HeaderValue)).toContain(`:SecretString:::${versionId}}}`);
    expect(() => synthPlatform({ ocppOriginSecretVersionId: 'AWSCURRENT' })).toThrow(SettingsError);
  });

  it('makes the origin header an identity source of the authorizer, which alone may read the secret', () => {
    const authorizer = only(template, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.IdentitySource).toContain(`route.request.header.${ORIGIN_VERIFY_HEADER}`);
    const variables =
      template.toJSON().Resources[logicalId(platform.stateless.functions.ocppAuthorizer.function)].Properties
        .Environment.Variables;
    expect(variables.OCPP_ORIGIN_SECRET_ARN).toEqual({
      Ref: logicalId(platform.stateless.edge.originSecret),
    });
  });

  it('publishes no execute-api endpoint: only the CloudFront one and the secret ARN for rotation', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).not.toContain('OcppDirectEndpoint');
    for (const [name, output] of Object.entries(outputs)) {
      expect(JSON.stringify(output.Value), name).not.toContain('execute-api');
      expect(JSON.stringify(output.Value), name).not.toContain(logicalId(platform.stateless.webSocketStage));
    }
    expect(outputs.OcppOriginSecretArn?.Value).toEqual({
      Ref: logicalId(platform.stateless.edge.originSecret),
    });
  });

  it('has no WAF unless asked', () => {
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(only(template, 'AWS::CloudFront::Distribution').DistributionConfig.WebACLId).toBeUndefined();
    expect(Object.keys(template.toJSON().Rules ?? {})).toEqual(['CheckBootstrapVersion']);
  });

  it('with wafRateLimit, blocks a source IP above the limit per 5 minutes, on the distribution', () => {
    const waf = synthPlatform({ wafRateLimit: '2000' });
    const acl = only(waf.statelessTemplate, 'AWS::WAFv2::WebACL');
    expect(acl.Scope).toBe('CLOUDFRONT');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    expect(acl.Rules).toHaveLength(1);
    expect(acl.Rules[0]).toMatchObject({
      Action: { Block: {} },
      Statement: {
        RateBasedStatement: {
          Limit: 2000,
          AggregateKeyType: 'IP',
          EvaluationWindowSec: WAF_RATE_WINDOW_SECONDS,
        },
      },
    });
    const [aclId] = Object.keys(resourcesOfType(waf.statelessTemplate, 'AWS::WAFv2::WebACL'));
    expect(only(waf.statelessTemplate, 'AWS::CloudFront::Distribution').DistributionConfig.WebACLId).toEqual({
      'Fn::GetAtt': [aclId, 'Arn'],
    });
  });

  it('with wafRateLimit, refuses at change-set time to deploy outside us-east-1, where CloudFront web ACLs live', () => {
    const waf = synthPlatform({ wafRateLimit: 500 });
    const rules = Object.entries(waf.statelessTemplate.toJSON().Rules as Record<string, Props>).filter(
      ([name]) => name !== 'CheckBootstrapVersion',
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Assertions).toEqual([
      {
        Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, CLOUDFRONT_WAF_REGION] },
        AssertDescription: expect.stringContaining('ocppWebAclArn'),
      },
    ]);
  });

  it('attaches an existing web ACL by ARN instead, from any region, without creating one', () => {
    const arn =
      'arn:aws:wafv2:us-east-1:123456789012:global/webacl/ocpp-edge/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
    const existing = synthPlatform({ ocppWebAclArn: arn });
    existing.statelessTemplate.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(
      only(existing.statelessTemplate, 'AWS::CloudFront::Distribution').DistributionConfig.WebACLId,
    ).toBe(arn);
  });

  it.each([
    ["a limit below WAF's minimum", { wafRateLimit: 9 }],
    ['a limit that is not a whole number', { wafRateLimit: '100.5' }],
    ['a regional web ACL', { ocppWebAclArn: 'arn:aws:wafv2:eu-west-2:123456789012:regional/webacl/x/abc' }],
    [
      'both a rate limit and a web ACL',
      { wafRateLimit: 100, ocppWebAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/abc' },
    ],
  ])('refuses %s', (_, context) => {
    expect(() => synthPlatform(context)).toThrow(SettingsError);
  });
});

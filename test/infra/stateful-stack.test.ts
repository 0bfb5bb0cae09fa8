import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STRIPE_SECRET_PLACEHOLDER } from '../../lib/stateful-stack.js';
import { PLATFORM_TABLE } from '../../shared/adapters/dynamodb/table.js';
import { resourcesOfType, type Synthesized, synthPlatform } from './platform-fixture.js';

describe('stateful stack', () => {
  let platform: Synthesized;
  beforeAll(() => {
    platform = synthPlatform();
  });

  describe('platform table, built from PLATFORM_TABLE', () => {
    it('has the keys, TTL and stream the shared table description declares', () => {
      platform.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: PLATFORM_TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: PLATFORM_TABLE.sortKey, KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: PLATFORM_TABLE.timeToLiveAttribute, Enabled: true },
        StreamSpecification: { StreamViewType: PLATFORM_TABLE.streamViewType },
      });
    });

    it('has exactly the GSIs of PLATFORM_TABLE, all attributes strings, projection ALL', () => {
      const tables = Object.values(resourcesOfType(platform.statefulTemplate, 'AWS::DynamoDB::Table'));
      expect(tables).toHaveLength(1);
      const props = tables[0]!.Properties as {
        GlobalSecondaryIndexes: { IndexName: string; KeySchema: unknown; Projection: unknown }[];
        AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
      };
      expect(props.GlobalSecondaryIndexes).toEqual(
        PLATFORM_TABLE.globalSecondaryIndexes.map((g) => ({
          IndexName: g.indexName,
          KeySchema: [
            { AttributeName: g.partitionKey, KeyType: 'HASH' },
            { AttributeName: g.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      );
      const keyAttributes = new Set<string>([PLATFORM_TABLE.partitionKey, PLATFORM_TABLE.sortKey]);
      for (const g of PLATFORM_TABLE.globalSecondaryIndexes) {
        keyAttributes.add(g.partitionKey);
        keyAttributes.add(g.sortKey);
      }
      expect(
        [...props.AttributeDefinitions].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName)),
      ).toEqual([...keyAttributes].sort().map((name) => ({ AttributeName: name, AttributeType: 'S' })));
    });

    it('is on-demand, point-in-time recoverable, encrypted, deletion-protected and retained', () => {
      platform.statefulTemplate.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      });
    });
  });

  it('keeps a retained Stripe secret holding only an empty placeholder of the shape the handlers read', () => {
    platform.statefulTemplate.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        Name: 'ev-platform/stripe',
        SecretString: JSON.stringify(STRIPE_SECRET_PLACEHOLDER),
      }),
    });
    expect(Object.values(STRIPE_SECRET_PLACEHOLDER).every((v) => v === '')).toBe(true);
  });

  it('verifies the sender address in SES by default', () => {
    platform.statefulTemplate.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'receipts@example.com',
    });
  });

  it('verifies the whole domain (Easy DKIM) when senderDomain is set, and names the secret from context', () => {
    const custom = synthPlatform({
      senderEmail: 'receipts@charge.example.org',
      senderDomain: 'charge.example.org',
      stripeSecretName: 'prod/stripe',
    });
    custom.statefulTemplate.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'charge.example.org',
    });
    custom.statefulTemplate.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'prod/stripe' });
    expect(
      Object.keys(custom.statefulTemplate.findOutputs('*')).filter((k) => k.startsWith('DkimRecord')),
    ).toHaveLength(3);
  });
});

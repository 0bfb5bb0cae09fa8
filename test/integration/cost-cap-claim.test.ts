/**
 * The cost cap's claim against real DynamoDB: claimed once; claimed again only to retry a stop
 * whose send failed; never over a stop that was sent. The items live in a table of their own, which
 * no stream poller watches, so the recompute cannot move their version under the test.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { DynamoChargeRepository } from '../../shared/adapters/dynamodb/charge-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import { initAggregate } from '../../shared/domain/charge-aggregate.js';
import type { CostCapRecord } from '../../shared/ports/charges.js';
import { DEMO_TARIFF, ms } from '../fixtures/builders/pricing.js';
import { isoAt, secondsAt, thisMinuteMs } from '../fixtures/time.js';

const platform = inject('platform');
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const tableName = 'cost-cap-claims';
const charges = new DynamoChargeRepository({ doc, tableName });
/** When the cost cap stopped the sessions; they began 20 minutes before. */
const T0 = thisMinuteMs();

beforeAll(async () => {
  await ensurePlatformTable(platform.endpoints.dynamoEndpoint, tableName);
});

const costCap = (status: CostCapRecord['status'], attempts: number): CostCapRecord => ({
  stoppedAt: isoAt(T0, '0'),
  reason: 'limit-reached',
  projectedGrossMinor: 2100,
  limitMinor: 1900,
  preAuthAmountMinor: 2000,
  status,
  attempts,
});

async function transactionWith(cap: CostCapRecord | undefined) {
  const key = {
    chargerId: `CAP-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
    transactionId: 1,
  };
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.transaction(key.chargerId, key.transactionId),
        ...key,
        operatorId: 'op-cap',
        status: 'active',
        chargeVersion: 1,
        ...(cap ? { costCap: cap } : {}),
      },
    }),
  );
  return key;
}

const update = (cap: CostCapRecord) => ({
  aggregate: initAggregate({ tariff: DEMO_TARIFF, startedAtMs: ms(secondsAt(T0, '-20m')), meterStartWh: 0 }),
  energyMilliWh: 0,
  costCap: cap,
  addFlags: [],
});

describe('cost cap claim', () => {
  it('claims a first stop', async () => {
    const key = await transactionWith(undefined);
    expect(await charges.saveCharge(key, 1, update(costCap('requested', 1)))).toBe('saved');
  });

  it('claims again to retry a stop whose send failed', async () => {
    const key = await transactionWith(costCap('send-failed', 1));
    expect(await charges.saveCharge(key, 1, update(costCap('requested', 2)))).toBe('saved');
  });

  it('never claims over a stop that was sent or is being sent', async () => {
    for (const status of ['sent', 'requested'] as const) {
      const key = await transactionWith(costCap(status, 1));
      expect(await charges.saveCharge(key, 1, update(costCap('requested', 2))), status).toBe('conflict');
    }
  });
});

/**
 * The table stream as the pricing recompute sees it: Lambda DynamoDB stream records in, pricing
 * triggers out. The handler that acts on them is at the edge (shared/lambda/recompute-handler.ts).
 *
 * Which records matter (the CDK event source mapping filters the same way, RECOMPUTE_FILTERS):
 * - a meter values item (keys.meterValues) being written: its samples travel in the record;
 * - the transaction item (keys.transaction) being created, or modified in one of the fields pricing
 *   reads (PRICING_INPUTS). Its own writes (aggregate, charge, version, timers, discrepancies,
 *   status 'final') and other flows' unrelated fields change none of them, so the handler never
 *   reacts to itself and never loops.
 * Everything else (other entities, removals by TTL) is ignored.
 */

import { isDeepStrictEqual } from 'node:util';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { PricingTrigger } from '../../ports/charges.js';
import { keyOf } from './keys.js';
import { toMeterMessage } from './meter-values-items.js';
import { fromStringSet } from './support.js';

/** Transaction attributes whose change can change the charge or when it becomes final. */
export const PRICING_INPUTS = [
  'startedAt',
  'meterStart',
  'stoppedAt',
  'meterStop',
  'tariffSnapshot',
  'preAuthAmountMinor',
  'holdExpiresAt',
] as const;

type Image = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

const plain = (image: Image | undefined): Record<string, unknown> | undefined =>
  image ? unmarshall(image as Record<string, AttributeValue>) : undefined;

/** Why a record was ignored, for debug logs. */
export type Ignored = { ignored: string };

/** The pricing trigger a stream record carries, or why it carries none. */
export function triggerOf(record: DynamoDBRecord): PricingTrigger | Ignored {
  const keys = record.dynamodb?.Keys;
  const pk = keys?.pk?.S;
  const sk = keys?.sk?.S;
  if (pk === undefined || !keyOf.isTransactionPartition(pk) || sk === undefined) {
    return { ignored: 'not a transaction partition' };
  }
  if (record.eventName === 'REMOVE') return { ignored: 'removal' };
  const image = plain(record.dynamodb?.NewImage);
  if (!image) return { ignored: 'no new image (the stream must be NEW_AND_OLD_IMAGES)' };
  const chargerId = image.chargerId;
  const transactionId = image.transactionId;
  if (typeof chargerId !== 'string' || typeof transactionId !== 'number') {
    return { ignored: 'item without chargerId / transactionId' };
  }
  const key = { chargerId, transactionId };

  if (keyOf.isMeterValues(sk)) {
    const message = toMeterMessage(image);
    if (!message) return { ignored: 'malformed meter values item' };
    // A replayed record whose message is labelled already costs no label write (meter-message-flags.ts).
    return { kind: 'meter-values', key, message, flags: [...fromStringSet(image.flags)] };
  }
  if (!keyOf.isTransactionItem(sk)) return { ignored: 'other item of the transaction partition' };

  const old = plain(record.dynamodb?.OldImage);
  if (
    record.eventName === 'MODIFY' &&
    old &&
    PRICING_INPUTS.every((f) => isDeepStrictEqual(old[f], image[f]))
  ) {
    return { ignored: 'no pricing input changed' };
  }
  const stopLanded = image.stoppedAt !== undefined && old?.stoppedAt === undefined;
  // recordStop / createFromStop set updatedAt to the StopTransaction's receive time.
  const stopReceivedAt = stopLanded && typeof image.updatedAt === 'string' ? image.updatedAt : undefined;
  return { kind: 'transaction', key, ...(stopReceivedAt ? { stopReceivedAt } : {}) };
}

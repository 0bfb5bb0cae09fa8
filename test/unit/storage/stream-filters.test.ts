/**
 * The stream filter patterns, evaluated as the local poller evaluates them (and Lambda, in AWS):
 * which records cost an invocation of which consumer.
 */
import { describe, expect, it } from 'vitest';
import { keys, REPRICE_DUE } from '../../../shared/adapters/dynamodb/keys.js';
import {
  type FilterPattern,
  PAYMENTS_FILTER_PATTERNS,
  passesFilters,
  RECOMPUTE_FILTER_PATTERNS,
} from '../../../shared/adapters/dynamodb/stream-filters.js';
import { transactionItem } from '../../../shared/adapters/dynamodb/transaction-repository.js';
import { newSessionIdTag } from '../../../shared/app/payments/tokens.js';
import { streamRecord } from '../../fixtures/pricing/stream-records.js';
import { aTransaction } from '../pricing/support.js';

const recompute = (record: unknown) => passesFilters(record, RECOMPUTE_FILTER_PATTERNS);
const payments = (record: unknown) => passesFilters(record, PAYMENTS_FILTER_PATTERNS);

describe('passesFilters', () => {
  const record = { eventName: 'MODIFY', dynamodb: { Keys: { pk: { S: 'TX#CP#1' } }, Tags: ['a', 'b'] } };

  it('matches literals, prefixes and any element of a list', () => {
    expect(passesFilters(record, [{ eventName: ['INSERT', 'MODIFY'] }])).toBe(true);
    expect(passesFilters(record, [{ eventName: ['INSERT'] }])).toBe(false);
    expect(passesFilters(record, [{ dynamodb: { Keys: { pk: { S: [{ prefix: 'TX#' }] } } } }])).toBe(true);
    expect(passesFilters(record, [{ dynamodb: { Keys: { pk: { S: [{ prefix: 'CP#' }] } } } }])).toBe(false);
    expect(passesFilters(record, [{ dynamodb: { Tags: ['b'] } }])).toBe(true);
  });

  it('tells a present field from a missing one', () => {
    const exists = (is: boolean): FilterPattern[] => [
      { dynamodb: { Keys: { sk: { S: [{ exists: is }] } } } },
    ];
    expect(passesFilters(record, exists(false))).toBe(true);
    expect(passesFilters(record, exists(true))).toBe(false);
  });

  it('passes a record that matches any one pattern, every field of it', () => {
    expect(passesFilters(record, [{ eventName: ['INSERT'] }, { eventName: ['MODIFY'] }])).toBe(true);
    expect(
      passesFilters(record, [{ eventName: ['MODIFY'], dynamodb: { Keys: { pk: { S: ['other'] } } } }]),
    ).toBe(false);
  });

  it('refuses an operator it cannot evaluate instead of passing the record', () => {
    const numeric = [{ eventName: [{ numeric: ['>', 0] }] }] as unknown as FilterPattern[];
    expect(() => passesFilters(record, numeric)).toThrow(/not supported/);
  });
});

describe('the consumers’ patterns', () => {
  const tx = transactionItem(aTransaction());

  it('invoke the recompute for meter values and the transaction item, nothing else of the table', () => {
    const meterValues = { ...keys.meterValues('CP-1', 42, 'm1'), chargerId: 'CP-1', transactionId: 42 };
    expect(recompute(streamRecord('INSERT', meterValues))).toBe(true);
    // the recompute's own label on a stored message (meter-message-flags.ts) does not come back to it
    const labelled = { ...meterValues, flags: new Set(['after-stop']) };
    expect(recompute(streamRecord('MODIFY', labelled, meterValues))).toBe(false);
    expect(recompute(streamRecord('INSERT', tx))).toBe(true);
    expect(recompute(streamRecord('INSERT', { ...keys.connection('CP-1'), connectionId: 'c' }))).toBe(false);
  });

  it('invoke the recompute for a MODIFY of the transaction only while a write marked it repriceDue', () => {
    const stopped = {
      ...tx,
      status: 'stopped',
      stoppedAt: '2026-03-02T09:00:00.000Z',
      [REPRICE_DUE]: 'stop',
    };
    expect(recompute(streamRecord('MODIFY', stopped, tx))).toBe(true);
    // The recompute's own write removes the mark: its record is dropped before any invocation.
    const { [REPRICE_DUE]: _mark, ...priced } = { ...stopped, chargeVersion: 1 };
    expect(recompute(streamRecord('MODIFY', priced, stopped))).toBe(false);
    expect(recompute(streamRecord('REMOVE', tx))).toBe(false);
  });

  it('invoke payments for a paid transaction’s INSERT only', () => {
    const paid = { ...tx, idTag: newSessionIdTag() };
    expect(payments(streamRecord('INSERT', paid))).toBe(true);
    expect(payments(streamRecord('MODIFY', { ...paid, charge: {} }, paid))).toBe(false);
    expect(payments(streamRecord('INSERT', tx))).toBe(false);
  });
});

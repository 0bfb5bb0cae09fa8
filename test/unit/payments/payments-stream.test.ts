/**
 * Stream records → payment triggers, with Lambda-shaped records of the items the adapters write
 * (the transaction, the charge-finalised outbox event, a receipt owed).
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { chargeFinalisedPut } from '../../../shared/adapters/dynamodb/charge-outbox.js';
import { keys } from '../../../shared/adapters/dynamodb/keys.js';
import { paymentTriggerOf } from '../../../shared/adapters/dynamodb/payments-stream.js';
import {
  meterValuesItem,
  transactionItem,
} from '../../../shared/adapters/dynamodb/transaction-repository.js';
import type { ChargeFinalisedEvent } from '../../../shared/ports/charges.js';
import type { ReceiptRequest } from '../../../shared/ports/payments.js';
import { aMeterValuesRecord, aTransactionRecord } from '../../fixtures/contracts/transactions.js';
import { streamRecord } from '../../fixtures/pricing/stream-records.js';

const SESSION_TAG = 'PS0123456789ABCDEF01';
const KEY = { chargerId: 'CP-1', transactionId: 7 };

const txItem = (idTag: string) => transactionItem(aTransactionRecord({ ...KEY, idTag }));

const EVENT: ChargeFinalisedEvent = {
  type: 'charge-finalised',
  eventId: 'charge-finalised:CP-1#7',
  ...KEY,
  operatorId: 'op-1',
  finalisedAt: '2026-11-01T10:05:00.000Z',
  reason: 'settled',
  charge: null,
  energyMilliWh: 10_000_000,
  preAuthAmountMinor: 3000,
  stillRunning: false,
};

/** The outbox item exactly as the finaliser's transaction puts it. */
const outboxItem = (event: Record<string, unknown> = { ...EVENT }) => {
  const put = chargeFinalisedPut('platform', KEY, {
    finalisedAt: EVENT.finalisedAt,
    reason: 'settled',
    energyMilliWh: EVENT.energyMilliWh,
    markFinal: true,
    event: event as unknown as ChargeFinalisedEvent,
  }).Put;
  if (!put) throw new Error('the outbox write is a Put');
  return put.Item as Record<string, unknown>;
};

const RECEIPT: ReceiptRequest = {
  sessionId: 'pay-1',
  kind: 'transaction',
  copy: 0,
  requestedAt: '2026-11-01T10:05:01.000Z',
};
/** The receipt item as DynamoReceiptOutbox.enqueue writes it. */
const receiptItem = (over: Record<string, unknown> = {}) => ({
  ...keys.receipt(RECEIPT.sessionId, RECEIPT.kind, RECEIPT.copy),
  entity: 'receipt',
  ...RECEIPT,
  ...over,
});

describe('paymentTriggerOf', () => {
  it("a transaction created with a paid session's idTag starts that session's binding", () => {
    expect(paymentTriggerOf(streamRecord('INSERT', txItem(SESSION_TAG)))).toEqual({
      kind: 'transaction-started',
      ...KEY,
      idTag: SESSION_TAG,
    });
    // OCPP id tags are case-insensitive: a charger may send the tag back in lower case.
    expect(paymentTriggerOf(streamRecord('INSERT', txItem(SESSION_TAG.toLowerCase())))).toEqual({
      kind: 'transaction-started',
      ...KEY,
      idTag: SESSION_TAG.toLowerCase(),
    });
  });

  it('a transaction started with an RFID card or without an idTag is not a paid session', () => {
    expect(paymentTriggerOf(streamRecord('INSERT', txItem('RFID-0001')))).toEqual({
      ignored: 'not a paid session',
    });
    const { idTag: _none, ...fromStop } = txItem(SESSION_TAG);
    expect(paymentTriggerOf(streamRecord('INSERT', fromStop))).toEqual({ ignored: 'not a paid session' });
  });

  it("ignores every later write of the items (pricing's, a receipt marked sent) and their removal", () => {
    const created = txItem(SESSION_TAG);
    const priced = { ...created, chargeVersion: 1, preAuthAmountMinor: 3000 };
    expect(paymentTriggerOf(streamRecord('MODIFY', priced, created))).toEqual({ ignored: 'not an insert' });
    const sent = receiptItem({ sentAt: '2026-11-01T10:05:02.000Z', messageId: 'ses-1' });
    expect(paymentTriggerOf(streamRecord('MODIFY', sent, receiptItem()))).toEqual({
      ignored: 'not an insert',
    });
    expect(paymentTriggerOf(streamRecord('REMOVE', outboxItem()))).toEqual({ ignored: 'not an insert' });
  });

  it('a charge-finalised event created in the outbox asks for the capture', () => {
    const trigger = paymentTriggerOf(streamRecord('INSERT', outboxItem()));
    expect(trigger).toEqual({ kind: 'charge-finalised', event: expect.objectContaining(EVENT) });
  });

  it('a receipt created in the outbox asks for it to be sent', () => {
    expect(paymentTriggerOf(streamRecord('INSERT', receiptItem()))).toEqual({
      kind: 'receipt',
      request: RECEIPT,
    });
    const copy = { ...RECEIPT, kind: 'pre-auth' as const, copy: 2 };
    expect(
      paymentTriggerOf(
        streamRecord('INSERT', {
          ...keys.receipt(copy.sessionId, copy.kind, copy.copy),
          entity: 'receipt',
          ...copy,
        }),
      ),
    ).toEqual({ kind: 'receipt', request: copy });
  });

  it.each([
    [
      'a paid-session transaction without a numeric id',
      { ...txItem(SESSION_TAG), transactionId: '7' },
      'malformed transaction',
    ],
    [
      'a paid-session transaction without its charger',
      { ...txItem(SESSION_TAG), chargerId: undefined },
      'malformed transaction',
    ],
    [
      'a charge-finalised event without its event id',
      outboxItem({ ...EVENT, eventId: undefined }),
      'malformed charge-finalised event',
    ],
    [
      'a charge-finalised event with a string transaction id',
      outboxItem({ ...EVENT, transactionId: '7' }),
      'malformed charge-finalised event',
    ],
    ['a receipt of an unknown kind', receiptItem({ kind: 'invoice' }), 'malformed receipt'],
    ['a receipt without its copy number', receiptItem({ copy: undefined }), 'malformed receipt'],
    ['a receipt without its request time', receiptItem({ requestedAt: 1_793_523_600 }), 'malformed receipt'],
  ])('ignores %s, saying why', (_name, item, reason) => {
    expect(paymentTriggerOf(streamRecord('INSERT', item))).toEqual({ ignored: reason });
  });

  it('ignores records of other items, and records without keys or a new image', () => {
    const meterValues = meterValuesItem(aMeterValuesRecord({ ...KEY }));
    expect(paymentTriggerOf(streamRecord('INSERT', meterValues))).toEqual({
      ignored: 'not a payments record',
    });
    const session = { ...keys.paymentSession('pay-1'), entity: 'payment-session', idTag: SESSION_TAG };
    expect(paymentTriggerOf(streamRecord('INSERT', session))).toEqual({ ignored: 'not a payments record' });

    const record = streamRecord('INSERT', receiptItem());
    const withoutImage: DynamoDBRecord = { ...record, dynamodb: { ...record.dynamodb, NewImage: undefined } };
    expect(paymentTriggerOf(withoutImage)).toEqual({ ignored: 'no keys or new image' });
    const withoutKeys: DynamoDBRecord = { ...record, dynamodb: { ...record.dynamodb, Keys: undefined } };
    expect(paymentTriggerOf(withoutKeys)).toEqual({ ignored: 'no keys or new image' });
    expect(paymentTriggerOf({ ...record, dynamodb: undefined })).toEqual({ ignored: 'no keys or new image' });
  });
});

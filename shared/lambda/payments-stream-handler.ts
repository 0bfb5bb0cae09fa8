/**
 * The payments stream handler's body (functions/streams/payments.ts wraps it with middy): binds
 * started transactions to their sessions, captures final charges and sends receipts. Records are
 * handled one by one in stream order; a failure reports that record and every later one as
 * batchItemFailures, so Lambda (or the local poller) retries from it, and each use case is
 * idempotent under the retry. A receipt that cannot be sent for good is recorded by its use case
 * and not retried, so no mail problem holds the stream.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { type PaymentTrigger, paymentTriggerOf } from '../adapters/dynamodb/payments-stream.js';
import type { ConnectDeps } from '../app/connect/deps.js';
import { recordSessionTransfer } from '../app/connect/transfers.js';
import { bindTransaction } from '../app/payments/bind-transaction.js';
import { captureFinalCharge } from '../app/payments/capture-charge.js';
import type { PaymentsDeps } from '../app/payments/deps.js';
import { sendReceipt } from '../app/payments/send-receipt.js';

async function handle(
  deps: PaymentsDeps,
  connect: ConnectDeps | undefined,
  trigger: PaymentTrigger,
): Promise<string> {
  switch (trigger.kind) {
    case 'transaction-started':
      return bindTransaction(deps, trigger);
    case 'charge-finalised': {
      const e = trigger.event;
      const outcome = await captureFinalCharge(deps, {
        eventId: e.eventId,
        chargerId: e.chargerId,
        transactionId: e.transactionId,
        chargeGrossMinor: e.charge?.totals.grossMinor ?? 0,
        stillRunning: e.stillRunning,
      });
      // The capture is recorded: the operator is owed its transfer (held until its account can take
      // it). Also on `already-settled`, so a crash between the two is finished by the redelivery;
      // recording the transfer is idempotent.
      if (connect && (outcome === 'captured' || outcome === 'already-settled')) {
        const sessionId = await deps.sessions.sessionOfTransaction(e.chargerId, e.transactionId);
        const session = sessionId ? await deps.sessions.get(sessionId) : undefined;
        if (session) return `${outcome}, transfer ${await recordSessionTransfer(connect, session)}`;
      }
      return outcome;
    }
    case 'receipt':
      return sendReceipt(deps, trigger.request);
  }
}

/**
 * Without payments deps (no card processor configured) nothing here is owed: records pass. Without
 * Connect deps, captures are not transferred (tests of the payments flow alone).
 */
export function createPaymentsStreamHandler(
  getDeps: () => PaymentsDeps | undefined,
  getConnectDeps: () => ConnectDeps | undefined = () => undefined,
) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const deps = getDeps();
    const connect = getConnectDeps();
    if (!deps) return { batchItemFailures: [] };
    for (const [index, record] of event.Records.entries()) {
      const trigger = paymentTriggerOf(record);
      if ('ignored' in trigger) continue;
      try {
        const outcome = await handle(deps, connect, trigger);
        deps.log.info('payments stream', { trigger: trigger.kind, outcome });
      } catch (err) {
        deps.log.error('payments stream record failed; retried from here', {
          trigger: trigger.kind,
          error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
        });
        return {
          batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? String(index) }],
        };
      }
    }
    return { batchItemFailures: [] };
  };
}

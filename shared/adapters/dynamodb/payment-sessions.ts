/**
 * Paid sessions in the platform table (the key table in keys.ts):
 * - the session item (`keys.paymentSession`), the only record of the session's state; while the
 *   sweeper has something to do for it (`sweepAt`), it carries the sparse `gsi1.paymentSweep`, so
 *   the sweeper queries due sessions instead of scanning;
 * - lookups written with it in one transaction: by the Transaction URL token's hash
 *   (`keys.paymentToken`) and by the idTag the StartTransaction carries (`keys.paymentIdTag`), each
 *   holding the session id;
 * - the binding `keys.paymentTransaction`, written with the session's `transactionId` in one
 *   transaction, each side conditional, so a transaction has one session and a session one transaction.
 * Status moves are conditional on the status the caller read (see shared/domain/payment-session.ts).
 */
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { canAdvance, type PaymentSessionStatus } from '../../domain/payment-session.js';
import type { PaymentSession, PaymentSessionRepository, SessionPatch } from '../../ports/payments.js';
import { epochSortKey, gsi1, keys, PAY_SWEEP_PARTITION } from './keys.js';
import {
  Expression,
  failedConditions,
  ITEM_ABSENT,
  isConditionalCheckFailed,
  stripKeys,
  type TableContext,
} from './support.js';

const ENTITY = 'payment-session';

/** SETs the patch's fields; `sweepAt` also moves (or, with null, removes) the sparse sweep index. */
function applyPatch(e: Expression, sessionId: string, patch: SessionPatch): void {
  const { sweepAt, ...fields } = patch;
  e.setAll(fields);
  if (sweepAt === null) e.remove('sweepAt').remove('gsi1pk').remove('gsi1sk');
  else if (sweepAt !== undefined) e.set('sweepAt', sweepAt).setAll(gsi1.paymentSweep(sweepAt, sessionId));
}

export class DynamoPaymentSessions implements PaymentSessionRepository {
  constructor(private readonly t: TableContext) {}

  async create(session: PaymentSession): Promise<void> {
    const { tableName } = this.t;
    const ref = { sessionId: session.sessionId, entity: 'payment-session-ref' };
    await this.t.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: {
                ...keys.paymentSession(session.sessionId),
                entity: ENTITY,
                ...session,
                ...(session.sweepAt !== undefined
                  ? gsi1.paymentSweep(session.sweepAt, session.sessionId)
                  : {}),
              },
              ConditionExpression: ITEM_ABSENT,
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.paymentToken(session.tokenHash), ...ref },
              ConditionExpression: ITEM_ABSENT,
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.paymentIdTag(session.idTag), ...ref },
              ConditionExpression: ITEM_ABSENT,
            },
          },
        ],
      }),
    );
  }

  async get(sessionId: string): Promise<PaymentSession | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.paymentSession(sessionId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? stripKeys<PaymentSession>(out.Item) : undefined;
  }

  private async viaRef(key: { pk: string; sk: string }): Promise<PaymentSession | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({ TableName: this.t.tableName, Key: key, ConsistentRead: true }),
    );
    const sessionId = out.Item?.sessionId;
    return typeof sessionId === 'string' ? this.get(sessionId) : undefined;
  }

  byTokenHash(tokenHash: string) {
    return this.viaRef(keys.paymentToken(tokenHash));
  }

  byIdTag(idTag: string) {
    return this.viaRef(keys.paymentIdTag(idTag));
  }

  async advance(
    sessionId: string,
    from: readonly PaymentSessionStatus[],
    to: PaymentSessionStatus,
    patch: SessionPatch,
  ): Promise<'saved' | 'conflict'> {
    // Only the statuses `to` is a forward move from may match: a backward move is a conflict even
    // when the stored status is one of `from` (and an empty IN list is not valid syntax).
    const forwardFrom = from.filter((s) => canAdvance(s, to));
    if (forwardFrom.length === 0) return 'conflict';
    const e = new Expression();
    applyPatch(e, sessionId, patch);
    e.set('status', to);
    const statuses = forwardFrom.map((s) => e.value(s)).join(', ');
    e.when(`attribute_exists(pk) AND ${e.name('status')} IN (${statuses})`);
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.paymentSession(sessionId),
          ...e.params(),
        }),
      );
      return 'saved';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'conflict';
      throw err;
    }
  }

  async patch(sessionId: string, patch: SessionPatch): Promise<void> {
    const e = new Expression();
    applyPatch(e, sessionId, patch);
    e.when('attribute_exists(pk)');
    await this.t.doc.send(
      new UpdateCommand({ TableName: this.t.tableName, Key: keys.paymentSession(sessionId), ...e.params() }),
    );
  }

  async bindTransaction(
    sessionId: string,
    chargerId: string,
    transactionId: number,
  ): Promise<'bound' | 'taken'> {
    const e = new Expression();
    e.set('transactionId', transactionId);
    // The session's own charger only (its idTag was sent there): `transactionId` alone does not
    // name a transaction, and another charger's transaction 7 must not pass for a replay.
    e.when(
      `attribute_exists(pk) AND ${e.name('chargerId')} = ${e.value(chargerId)} AND (attribute_not_exists(${e.name('transactionId')}) OR ${e.name('transactionId')} = ${e.value(transactionId)})`,
    );
    try {
      await this.t.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.t.tableName,
                Item: {
                  ...keys.paymentTransaction(chargerId, transactionId),
                  sessionId,
                  entity: 'payment-session-ref',
                },
                ConditionExpression: `${ITEM_ABSENT} OR sessionId = :s`,
                ExpressionAttributeValues: { ':s': sessionId },
              },
            },
            { Update: { TableName: this.t.tableName, Key: keys.paymentSession(sessionId), ...e.params() } },
          ],
        }),
      );
      return 'bound';
    } catch (err) {
      if (failedConditions(err)) return 'taken';
      throw err;
    }
  }

  async sessionOfTransaction(chargerId: string, transactionId: number): Promise<string | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.paymentTransaction(chargerId, transactionId),
        ConsistentRead: true,
      }),
    );
    return typeof out.Item?.sessionId === 'string' ? out.Item.sessionId : undefined;
  }

  async dueForSweep(now: number, limit: number): Promise<PaymentSession[]> {
    // One page: with no filter, Limit counts matches, so the page holds the `limit` oldest due
    // sessions (paging on would read every due session only to drop all but `limit`).
    const out = await this.t.doc.send(
      new QueryCommand({
        TableName: this.t.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk < :due',
        ExpressionAttributeValues: { ':p': PAY_SWEEP_PARTITION, ':due': epochSortKey(now + 1) },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => stripKeys<PaymentSession>(i));
  }
}

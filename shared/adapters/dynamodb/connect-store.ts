/**
 * The Connect store over the platform table (keys.ts): the operator's connected-account item beside
 * its operator item, a lookup from the Stripe account id (events name only the account), and one
 * transfer item per captured session (a fleet invoice's transfer keeps its state on its statement
 * too, in the same transactions). A pending transfer carries two sparse index entries, removed
 * as it leaves that state: gsi1 lists an operator's held transfers for the release, gsi2 the ones not
 * yet flagged for the stale sweep, oldest first, so neither ever scans.
 */
import {
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { StatementTransfer } from '../../app/fleets/deps.js';
import {
  type ConnectAccountRecord,
  type ConnectAccountState,
  type ConnectStore,
  type RefundClaim,
  refundClaimId,
  type SessionTransfer,
} from '../../ports/connect.js';
import { gsi1, gsi2, gsi4, keys } from './keys.js';
import {
  Expression,
  failedConditions,
  getItem,
  ITEM_ABSENT,
  isConditionalCheckFailed,
  lostRace,
  putIfAbsent,
  queryAll,
  stripKeys,
  type TableContext,
} from './support.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * A fleet invoice's transfer, as its statement shows it (app/fleets/deps.ts StatementTransfer), set
 * whole so a statement that has none yet gets it; undefined for a session's transfer.
 */
function statementTransferUpdate(
  tableName: string,
  transfer: Pick<SessionTransfer, 'operatorId' | 'feeMinor' | 'netMinor' | 'fleetInvoice'>,
  state: Pick<StatementTransfer, 'status' | 'paidAt'>,
): TransactItem | undefined {
  const invoice = transfer.fleetInvoice;
  if (!invoice) return undefined;
  const shown: StatementTransfer = { feeMinor: transfer.feeMinor, netMinor: transfer.netMinor, ...state };
  const e = new Expression().set('transfer', shown).when('attribute_exists(pk)');
  return {
    Update: {
      TableName: tableName,
      Key: keys.fleetStatement(transfer.operatorId, invoice.fleetId, invoice.month),
      ...e.params(),
    },
  };
}

const INDEX_FIELDS = ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi4pk', 'gsi4sk', 'entity'];

const withoutIndexes = <T>(item: Record<string, unknown>): T => {
  const rest = stripKeys<Record<string, unknown>>(item);
  for (const field of INDEX_FIELDS) delete rest[field];
  return rest as T;
};

export class DynamoConnectStore implements ConnectStore {
  constructor(private readonly t: TableContext) {}

  async account(operatorId: string): Promise<ConnectAccountRecord | undefined> {
    const item = await getItem(this.t, keys.connectAccount(operatorId));
    return item ? withoutIndexes<ConnectAccountRecord>(item) : undefined;
  }

  async operatorOfAccount(accountId: string): Promise<string | undefined> {
    const item = await getItem(this.t, keys.connectAccountOwner(accountId));
    return typeof item?.operatorId === 'string' ? item.operatorId : undefined;
  }

  async createAccount(record: ConnectAccountRecord): Promise<'created' | 'exists'> {
    const onOperator = new Expression()
      .set('stripeAccountId', record.state.accountId)
      .when('attribute_exists(pk)');
    onOperator.when(`attribute_not_exists(${onOperator.name('stripeAccountId')})`);
    try {
      await this.t.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.t.tableName,
                Item: { ...keys.connectAccount(record.operatorId), entity: 'connectAccount', ...record },
                ConditionExpression: ITEM_ABSENT,
              },
            },
            {
              Put: {
                TableName: this.t.tableName,
                Item: {
                  ...keys.connectAccountOwner(record.state.accountId),
                  entity: 'connectAccountOwner',
                  operatorId: record.operatorId,
                },
                ConditionExpression: ITEM_ABSENT,
              },
            },
            {
              Update: {
                TableName: this.t.tableName,
                Key: keys.operator(record.operatorId),
                ...onOperator.params(),
              },
            },
          ],
        }),
      );
      return 'created';
    } catch (err) {
      if (lostRace(err)) return 'exists';
      throw err;
    }
  }

  async saveState(
    operatorId: string,
    state: ConnectAccountState,
    stateAsOf: number,
    updatedAt: string,
  ): Promise<'saved' | 'stale'> {
    const e = new Expression().set('state', state).set('stateAsOf', stateAsOf).set('updatedAt', updatedAt);
    e.when(`attribute_exists(pk) AND ${e.name('stateAsOf')} <= ${e.value(stateAsOf)}`);
    return this.conditionalUpdate(keys.connectAccount(operatorId), e, 'stale');
  }

  async setLink(
    operatorId: string,
    linkHash: string,
    linkExpiresAtMs: number,
    updatedAt: string,
  ): Promise<void> {
    const e = new Expression()
      .set('linkHash', linkHash)
      .set('linkExpiresAtMs', linkExpiresAtMs)
      .set('updatedAt', updatedAt)
      .when('attribute_exists(pk)');
    if ((await this.conditionalUpdate(keys.connectAccount(operatorId), e, 'missing')) === 'missing')
      throw new Error(`operator ${operatorId} has no connected account`);
  }

  async createTransfer(transfer: SessionTransfer): Promise<'created' | 'exists'> {
    const item = {
      ...keys.sessionTransfer(transfer.sessionId),
      entity: 'sessionTransfer',
      ...transfer,
      ...(transfer.status === 'pending'
        ? {
            ...gsi1.pendingTransfer(transfer.operatorId, transfer.createdAt, transfer.sessionId),
            ...(transfer.flaggedAt
              ? {}
              : gsi2.unflaggedPendingTransfer(transfer.createdAt, transfer.sessionId)),
          }
        : {}),
    };
    const statement = statementTransferUpdate(this.t.tableName, transfer, { status: transfer.status });
    if (!statement) return putIfAbsent(this.t, item);
    const put: TransactItem = {
      Put: { TableName: this.t.tableName, Item: item, ConditionExpression: ITEM_ABSENT },
    };
    return (await this.transact([put, statement], 'exists')) === 'saved' ? 'created' : 'exists';
  }

  async transfer(sessionId: string): Promise<SessionTransfer | undefined> {
    const item = await getItem(this.t, keys.sessionTransfer(sessionId));
    return item ? withoutIndexes<SessionTransfer>(item) : undefined;
  }

  async pendingTransfers(operatorId: string): Promise<SessionTransfer[]> {
    const { gsi1pk } = gsi1.pendingTransfer(operatorId, '', '');
    const { items } = await queryAll(this.t, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': gsi1pk },
    });
    // The index is eventually consistent: re-read each, so one paid a moment ago is not paid again
    // (markPaid's condition would stop the record; this spares the Stripe call).
    const transfers = await Promise.all(items.map((i) => this.transfer(String(i.sessionId))));
    return transfers.filter((t): t is SessionTransfer => t?.status === 'pending');
  }

  async markPaid(
    transfer: Pick<SessionTransfer, 'sessionId' | 'operatorId' | 'feeMinor' | 'netMinor' | 'fleetInvoice'>,
    transferId: string | undefined,
    paidAt: string,
    expectedReversedMinor: number,
  ): Promise<'saved' | 'conflict'> {
    const { sessionId } = transfer;
    const e = new Expression().set('status', 'paid').set('paidAt', paidAt);
    if (transferId) e.set('transferId', transferId);
    e.remove('gsi1pk').remove('gsi1sk').remove('gsi2pk').remove('gsi2sk');
    e.when(
      `${e.name('status')} = ${e.value('pending')} AND ${e.name('reversedMinor')} = ${e.value(expectedReversedMinor)}`,
    );
    const statement = statementTransferUpdate(this.t.tableName, transfer, { status: 'paid', paidAt });
    if (!statement) return this.conditionalUpdate(keys.sessionTransfer(sessionId), e, 'conflict');
    const update: TransactItem = {
      Update: { TableName: this.t.tableName, Key: keys.sessionTransfer(sessionId), ...e.params() },
    };
    return this.transact([update, statement], 'conflict');
  }

  /**
   * The transfer's write and its statement's, at once: `onFailure` when the transfer's condition
   * failed; a missing statement is an error (the invoice names a statement the platform made).
   */
  private async transact<F extends string>(
    [transfer, statement]: [TransactItem, TransactItem],
    onFailure: F,
  ): Promise<'saved' | F> {
    try {
      await this.t.doc.send(new TransactWriteCommand({ TransactItems: [transfer, statement] }));
      return 'saved';
    } catch (err) {
      const failed = failedConditions(err);
      if (!failed) throw err;
      if (failed[0]) return onFailure;
      throw new Error('the fleet invoice names a statement that does not exist', { cause: err });
    }
  }

  async reserveRefund(read: SessionTransfer, claim: RefundClaim): Promise<'reserved' | 'conflict'> {
    const mark = gsi4.refundClaimed(read.sessionId);
    const e = new Expression()
      .set('claimedMinor', claim.offsetMinor + claim.amountMinor)
      // The sweeper finds the transfer by it if this request never finishes the claim.
      .set('gsi4pk', mark.gsi4pk)
      .set('gsi4sk', mark.gsi4sk);
    const claimed = e.name('claimedMinor');
    const offset = e.value(claim.offsetMinor);
    e.when(
      `(${claimed} = ${offset} OR (attribute_not_exists(${claimed}) AND ${e.name('refundedMinor')} = ${offset}))`,
    );
    // A record without the map (made before reservations) gets it whole: a nested SET needs its parent.
    if (read.refundClaims) {
      e.set(`refundClaims.${refundClaimId(claim)}`, claim);
      e.when(`attribute_exists(${e.name('refundClaims')})`);
    } else {
      e.set('refundClaims', { [refundClaimId(claim)]: claim });
      e.when(`attribute_not_exists(${e.name('refundClaims')})`);
    }
    const saved = await this.conditionalUpdate(keys.sessionTransfer(read.sessionId), e, 'conflict');
    return saved === 'saved' ? 'reserved' : saved;
  }

  async settleRefund(
    sessionId: string,
    claim: RefundClaim,
    expectedStatus: SessionTransfer['status'],
    shares: { reversedMinor: number; feeRefundedMinor: number },
  ): Promise<'saved' | 'conflict'> {
    const e = new Expression()
      .add('refundedMinor', claim.amountMinor)
      .add('reversedMinor', shares.reversedMinor)
      .add('feeRefundedMinor', shares.feeRefundedMinor)
      .remove(`refundClaims.${refundClaimId(claim)}`);
    e.when(
      `attribute_exists(${e.name(`refundClaims.${refundClaimId(claim)}`)}) AND ${e.name('status')} = ${e.value(expectedStatus)}`,
    );
    return this.conditionalUpdate(keys.sessionTransfer(sessionId), e, 'conflict');
  }

  async abandonRefund(sessionId: string, claim: RefundClaim): Promise<void> {
    const path = `refundClaims.${refundClaimId(claim)}`;
    const e = new Expression().set(`${path}.claimedAtMs`, 0);
    e.when(`attribute_exists(${e.name(path)})`);
    await this.conditionalUpdate(keys.sessionTransfer(sessionId), e, 'gone');
  }

  async refundClaimMarks(): Promise<string[]> {
    // Keys only, and few: the refunds of the last minute or so, and any the sweeper cannot finish.
    const { items } = await queryAll(this.t, {
      IndexName: 'gsi4',
      KeyConditionExpression: 'gsi4pk = :pk',
      ExpressionAttributeValues: { ':pk': gsi4.refundClaimed('').gsi4pk },
    });
    return items.flatMap((i) => (typeof i.gsi4sk === 'string' ? [i.gsi4sk] : []));
  }

  async unmarkRefundClaims(sessionId: string): Promise<void> {
    const e = new Expression().remove('gsi4pk').remove('gsi4sk');
    const claims = e.name('refundClaims');
    // attribute_exists: an update never creates the item (the index may still list one that is gone).
    e.when(
      `attribute_exists(${e.name('pk')}) AND (attribute_not_exists(${claims}) OR size(${claims}) = ${e.value(0)})`,
    );
    await this.conditionalUpdate(keys.sessionTransfer(sessionId), e, 'claimed');
  }

  async unflaggedPendingBefore(createdBefore: string, limit: number): Promise<SessionTransfer[]> {
    const { gsi2pk } = gsi2.unflaggedPendingTransfer('', '');
    const out = await this.t.doc.send(
      new QueryCommand({
        TableName: this.t.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :before',
        ExpressionAttributeValues: { ':pk': gsi2pk, ':before': createdBefore },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => withoutIndexes<SessionTransfer>(i));
  }

  async flag(sessionId: string, flaggedAt: string): Promise<void> {
    const e = new Expression()
      .set('flaggedAt', flaggedAt)
      .remove('gsi2pk')
      .remove('gsi2sk')
      .when('attribute_exists(pk)');
    await this.conditionalUpdate(keys.sessionTransfer(sessionId), e, 'missing');
  }

  private async conditionalUpdate<F extends string>(
    key: { pk: string; sk: string },
    e: Expression,
    onFailure: F,
  ): Promise<'saved' | F> {
    try {
      await this.t.doc.send(new UpdateCommand({ TableName: this.t.tableName, Key: key, ...e.params() }));
      return 'saved';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return onFailure;
      throw err;
    }
  }
}

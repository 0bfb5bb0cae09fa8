/**
 * The fleet statements' store (app/fleets/deps.ts FleetStatementStore) over the platform table:
 * - fleets: group items of kind fleet, listed from their sparse gsi1 entry (keys.ts FLEETS);
 * - a fleet's sessions not billed yet: its sparse gsi2 partition (keys.ts FLEETTX#), which projects
 *   every attribute, so each session's final charge comes with the query; a session leaves it in
 *   the transaction that stores its statement line (addLines), which also marks it `fleetBilledIn`;
 * - statements (keys.fleetStatement): entity `fleetStatement`, the StoredStatement fields with the
 *   summary only, created once (conditional put), then only its `emailed*`, `invoice` and `transfer`
 *   (connect-store.ts, with the invoice's transfer) attributes are updated;
 * - a session a statement can never bill leaves the gsi2 queue in the transaction that creates the
 *   statement, marked `fleetExcludedFrom` {statement, reason} (nothing else of it changes); statements stored before the lines had items of their own keep them inline
 *   (`statement.lines`), read back as one page;
 * - statement lines (keys.fleetStatementLine): entity `fleetStatementLine`, one StatementLine each;
 * - the claim of a statement being made (keys.fleetStatementClaim): `runId`, `leaseUntil`.
 */
import {
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type FleetBackfillReport,
  type FleetStatementStore,
  MAX_UNBILLABLE_PER_STATEMENT,
  type StatementInvoice,
  type StoredStatement,
} from '../../app/fleets/deps.js';
import type { Group } from '../../domain/entities.js';
import {
  type ExcludedSession,
  type FleetSessionInput,
  lineOrder,
  type StatementLine,
  type StatementSummary,
} from '../../domain/fleet-statement.js';
import type { Charge } from '../../domain/pricing.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import type { TransactionBilledTo } from '../../ports/transactions.js';
import { FLEETS_PARTITION, gsi1, gsi2, keys, queries, unbilledFleetSessionsBefore } from './keys.js';
import {
  Expression,
  failedConditions,
  fromStringSet,
  isConditionalCheckFailed,
  putIfAbsent,
  queryAll,
  queryPage,
  stripKeys,
  type TableContext,
} from './support.js';

/** Recorded as done in MIGRATION#<name> (see backfillIndexes). */
export const FLEET_INDEXES_MIGRATION = 'fleet-billing-indexes';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A transaction holds at most 100 items: the claim check and two per line. */
const LINES_PER_TRANSACTION = 49;

/** What a billed transaction is marked with: the statement it is billed in. */
const billedIn = (fleetId: string, month: string): string => `${fleetId}#${month}`;

const isoOf = (seconds: number): string => new Date(seconds * 1000).toISOString();

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** A final transaction item as the statement reads it. */
function toFleetSession(item: Record<string, unknown>): FleetSessionInput {
  const charge = item.charge as Charge | undefined;
  const startedAt = (item.startedAt ?? item.stoppedAt ?? item.createdAt) as string;
  const billedTo = item.billedTo as TransactionBilledTo | undefined;
  return {
    chargerId: item.chargerId as string,
    transactionId: item.transactionId as number,
    ...(typeof item.siteId === 'string' ? { siteId: item.siteId } : {}),
    idTag: billedTo?.idTag ?? (item.idTag as string | undefined) ?? '',
    startedAt: Math.floor(Date.parse(startedAt) / 1000),
    energyMilliWh: charge?.energyMilliWh ?? num(item.energyMilliWh) ?? 0,
    ...(charge ? { currency: charge.currency } : {}),
    lines: charge?.lines ?? [],
    ...(fromStringSet(item.chargeFlags).includes(UNPRICEABLE) ? { unpriceable: true as const } : {}),
  };
}

/** Pricing's flag on a transaction whose stored data cannot be priced (charge-repository.ts). */
const UNPRICEABLE = 'pricing-input-invalid';

type StoredSummary = Omit<StatementSummary, 'sessionCount' | 'lateCount'> &
  Partial<Pick<StatementSummary, 'sessionCount' | 'lateCount'>> & { lines?: StatementLine[] };

/** A stored statement item; one stored with inline lines gets its counts from them. */
function toStoredStatement(item: Record<string, unknown>): StoredStatement {
  const record = stripKeys<StoredStatement & { statement: StoredSummary }>(item);
  const { lines, ...summary } = record.statement;
  return {
    ...record,
    statement: {
      ...summary,
      sessionCount: summary.sessionCount ?? lines?.length ?? 0,
      lateCount: summary.lateCount ?? 0,
    },
  };
}

export class DynamoFleetStatements implements FleetStatementStore {
  private backfilled = false;

  constructor(private readonly t: TableContext) {}

  async allFleets(): Promise<Group[]> {
    const { items } = await queryAll(this.t, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': FLEETS_PARTITION },
    });
    return items.map((i) => stripKeys<Group>(i));
  }

  async fleet(operatorId: string, fleetId: string): Promise<Group | undefined> {
    const item = await this.get_(keys.group(operatorId, fleetId));
    return item && item.kind === 'fleet' ? stripKeys<Group>(item) : undefined;
  }

  async unbilledSessions(
    operatorId: string,
    fleetId: string,
    beforeIso: string,
  ): Promise<FleetSessionInput[]> {
    const range = unbilledFleetSessionsBefore(operatorId, fleetId, beforeIso);
    const { items } = await queryAll(this.t, {
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :before',
      // The index is eventually consistent: one billed a moment ago may still be listed.
      FilterExpression: 'attribute_not_exists(fleetBilledIn)',
      ExpressionAttributeValues: { ':pk': range.gsi2pk, ':before': range.before },
    });
    return items.map(toFleetSession);
  }

  async claim(
    operatorId: string,
    fleetId: string,
    month: string,
    runId: string,
    now: string,
    leaseUntil: string,
  ): Promise<'claimed' | 'busy'> {
    const claimed = await putIfAbsent(
      this.t,
      {
        ...keys.fleetStatementClaim(operatorId, fleetId, month),
        entity: 'fleetStatementClaim',
        runId,
        leaseUntil,
      },
      { condition: 'leaseUntil < :now OR runId = :run', values: { ':now': now, ':run': runId } },
    );
    return claimed === 'created' ? 'claimed' : 'busy';
  }

  async addLines(
    operatorId: string,
    fleetId: string,
    month: string,
    runId: string,
    lines: readonly StatementLine[],
  ): Promise<void> {
    const claimHeld: TransactItem = {
      ConditionCheck: {
        TableName: this.t.tableName,
        Key: keys.fleetStatementClaim(operatorId, fleetId, month),
        ConditionExpression: 'runId = :run',
        ExpressionAttributeValues: { ':run': runId },
      },
    };
    for (let from = 0; from < lines.length; from += LINES_PER_TRANSACTION) {
      const batch = lines.slice(from, from + LINES_PER_TRANSACTION);
      const items: TransactItem[] = [claimHeld];
      for (const line of batch) {
        items.push({
          Put: {
            TableName: this.t.tableName,
            Item: {
              ...keys.fleetStatementLine(
                operatorId,
                fleetId,
                month,
                isoOf(line.startedAt),
                line.chargerId,
                line.transactionId,
              ),
              entity: 'fleetStatementLine',
              ...line,
            },
          },
        });
        const e = new Expression();
        const billed = e.name('fleetBilledIn');
        const statement = e.value(billedIn(fleetId, month));
        e.when('attribute_exists(pk)')
          .when(`(attribute_not_exists(${billed}) OR ${billed} = ${statement})`)
          .setRaw(`${billed} = ${statement}`)
          .remove('gsi2pk')
          .remove('gsi2sk');
        items.push({
          Update: {
            TableName: this.t.tableName,
            Key: keys.transaction(line.chargerId, line.transactionId),
            ...e.params(),
          },
        });
      }
      try {
        await this.t.doc.send(new TransactWriteCommand({ TransactItems: items }));
      } catch (err) {
        const failed = failedConditions(err);
        if (!failed) throw err;
        const reason = failed[0]
          ? `the claim on ${fleetId} ${month} is no longer ${runId}'s`
          : 'a session is billed in another statement';
        throw new Error(`statement lines not stored: ${reason}`, { cause: err });
      }
    }
  }

  async lines(
    operatorId: string,
    fleetId: string,
    month: string,
    page: PageRequest,
  ): Promise<Page<StatementLine>> {
    const out = await queryPage(
      this.t,
      queries.linesOfStatement(operatorId, fleetId, month),
      undefined,
      page,
    );
    if (out.items.length === 0 && !page.after) {
      const header = await this.get_(keys.fleetStatement(operatorId, fleetId, month));
      const inline = (header?.statement as StoredSummary | undefined)?.lines;
      if (inline) return { items: [...inline].sort(lineOrder) };
    }
    return {
      items: out.items.map((i) => stripKeys<StatementLine>(i)),
      ...(out.next ? { next: out.next } : {}),
    };
  }

  async create(
    record: StoredStatement,
    runId: string,
    unbillable: readonly ExcludedSession[],
  ): Promise<'created' | 'exists'> {
    const { operatorId, fleetId, month } = record;
    if (unbillable.length > MAX_UNBILLABLE_PER_STATEMENT)
      throw new RangeError(
        `at most ${MAX_UNBILLABLE_PER_STATEMENT} sessions leave the queue with a statement`,
      );
    const offQueue = unbillable.map((x): TransactItem => {
      const e = new Expression();
      e.when('attribute_exists(pk)')
        .when(`attribute_not_exists(${e.name('fleetBilledIn')})`)
        .set('fleetExcludedFrom', { statement: billedIn(fleetId, month), reason: x.reason })
        .remove('gsi2pk')
        .remove('gsi2sk');
      return {
        Update: {
          TableName: this.t.tableName,
          Key: keys.transaction(x.chargerId, x.transactionId),
          ...e.params(),
        },
      };
    });
    try {
      await this.t.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.t.tableName,
                Item: {
                  ...keys.fleetStatement(operatorId, fleetId, month),
                  entity: 'fleetStatement',
                  ...record,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Delete: {
                TableName: this.t.tableName,
                Key: keys.fleetStatementClaim(operatorId, fleetId, month),
                ConditionExpression: 'runId = :run',
                ExpressionAttributeValues: { ':run': runId },
              },
            },
            ...offQueue,
          ],
        }),
      );
      return 'created';
    } catch (err) {
      const failed = failedConditions(err);
      if (!failed) throw err;
      if (failed[0]) return 'exists';
      const reason = failed[1]
        ? `the claim on ${fleetId} ${month} is no longer ${runId}'s`
        : 'a session it leaves off is billed in another statement';
      throw new Error(`statement not stored: ${reason}`, { cause: err });
    }
  }

  async get(operatorId: string, fleetId: string, month: string): Promise<StoredStatement | undefined> {
    const item = await this.get_(keys.fleetStatement(operatorId, fleetId, month));
    return item ? toStoredStatement(item) : undefined;
  }

  async list(operatorId: string, fleetId: string, page: PageRequest): Promise<Page<StoredStatement>> {
    const out = await queryPage(this.t, queries.statementsOfFleet(operatorId, fleetId), undefined, page);
    return {
      items: out.items.map(toStoredStatement),
      ...(out.next ? { next: out.next } : {}),
    };
  }

  async markEmailed(
    operatorId: string,
    fleetId: string,
    month: string,
    to: string,
    at: string,
  ): Promise<void> {
    await this.update(keys.fleetStatement(operatorId, fleetId, month), (e) =>
      e.set('emailedTo', to).set('emailedAt', at),
    );
  }

  async saveInvoice(
    operatorId: string,
    fleetId: string,
    month: string,
    invoice: StatementInvoice,
  ): Promise<void> {
    const e = new Expression().set('invoice', invoice).when('attribute_exists(pk)');
    const status = e.name('invoice.status');
    e.when(`(attribute_not_exists(${status}) OR ${status} <> ${e.value('paid')})`);
    // A paid invoice stays paid: the run that sent it may record `sent` after the fleet paid.
    const key = keys.fleetStatement(operatorId, fleetId, month);
    if (!(await this.updateIf(key, e)) && !(await this.get_(key)))
      throw new Error(`no statement of fleet ${fleetId} for ${month} to save its invoice on`);
  }

  async markInvoicePaid(
    operatorId: string,
    fleetId: string,
    month: string,
    invoiceId: string,
    paidAt: string,
  ): Promise<'saved' | 'unchanged'> {
    const e = new Expression().set('invoice.status', 'paid').set('invoice.paidAt', paidAt);
    e.when('attribute_exists(pk)')
      .when(`${e.name('invoice.stripeInvoiceId')} = ${e.value(invoiceId)}`)
      .when(`${e.name('invoice.status')} <> ${e.value('paid')}`);
    return (await this.updateIf(keys.fleetStatement(operatorId, fleetId, month), e)) ? 'saved' : 'unchanged';
  }

  async saveStripeCustomer(operatorId: string, fleetId: string, customerId: string): Promise<string> {
    const e = new Expression();
    const field = e.name('stripeCustomerId');
    e.when('attribute_exists(pk)');
    e.setRaw(`${field} = if_not_exists(${field}, ${e.value(customerId)})`);
    const out = await this.t.doc.send(
      new UpdateCommand({
        TableName: this.t.tableName,
        Key: keys.group(operatorId, fleetId),
        ...e.params(),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return (out.Attributes?.stripeCustomerId as string | undefined) ?? customerId;
  }

  /**
   * One Scan of the table (fleets and final sessions stored before their sparse indexes have no
   * index to find them by; it runs once per table, not per item), then: each statement stored with
   * inline lines marks its sessions billed in it (they were billed from the index, which still lists
   * them), each fleet without its gsi1 entry gets it, and each final fleet session in no index and
   * no statement gets its gsi2 entry, so the next statement bills it (a `late` line). Every write is
   * conditional on what the Scan saw, so a second run, or two at once, change nothing more.
   */
  async backfillIndexes(): Promise<FleetBackfillReport | 'done'> {
    if (this.backfilled) return 'done';
    const migrationKey = keys.migration(FLEET_INDEXES_MIGRATION);
    if (await this.get_(migrationKey)) {
      this.backfilled = true;
      return 'done';
    }
    const statements: Record<string, unknown>[] = [];
    const fleets: Group[] = [];
    const sessions: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.t.doc.send(
        new ScanCommand({
          TableName: this.t.tableName,
          FilterExpression: [
            '(entity = :stmt AND attribute_exists(#statement.#lines))',
            '(entity = :group AND #kind = :fleet AND attribute_not_exists(gsi1pk))',
            '(entity = :tx AND #billedTo.#party = :fleet AND attribute_exists(#billedTo.#groupId)' +
              ' AND attribute_exists(finalisedAt) AND attribute_not_exists(gsi2pk)' +
              ' AND attribute_not_exists(fleetBilledIn))',
          ].join(' OR '),
          ExpressionAttributeNames: {
            '#statement': 'statement',
            '#lines': 'lines',
            '#kind': 'kind',
            '#billedTo': 'billedTo',
            '#party': 'party',
            '#groupId': 'groupId',
          },
          ExpressionAttributeValues: {
            ':stmt': 'fleetStatement',
            ':group': 'group',
            ':fleet': 'fleet',
            ':tx': 'transaction',
          },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.entity === 'fleetStatement') statements.push(item);
        else if (item.entity === 'group') fleets.push(stripKeys<Group>(item));
        else sessions.push(item);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);

    const report: FleetBackfillReport = { fleetsIndexed: 0, sessionsIndexed: 0, sessionsMarkedBilled: 0 };
    for (const item of statements) {
      const { fleetId, month } = item as { fleetId: string; month: string };
      for (const line of (item.statement as { lines: StatementLine[] }).lines) {
        const e = new Expression()
          .when('attribute_exists(pk)')
          .when('attribute_not_exists(fleetBilledIn)')
          .set('fleetBilledIn', billedIn(fleetId, month))
          .remove('gsi2pk')
          .remove('gsi2sk');
        if (await this.updateIf(keys.transaction(line.chargerId, line.transactionId), e)) {
          report.sessionsMarkedBilled++;
        }
      }
    }
    for (const fleet of fleets) {
      const e = new Expression().when('attribute_exists(pk)').when('attribute_not_exists(gsi1pk)');
      const entry = gsi1.fleet(fleet.operatorId, fleet.groupId);
      e.set('gsi1pk', entry.gsi1pk).set('gsi1sk', entry.gsi1sk);
      if (await this.updateIf(keys.group(fleet.operatorId, fleet.groupId), e)) report.fleetsIndexed++;
    }
    for (const item of sessions) {
      const { operatorId, chargerId, transactionId } = item as {
        operatorId: string;
        chargerId: string;
        transactionId: number;
      };
      const fleetId = (item.billedTo as { groupId: string }).groupId;
      const startedAt = (item.startedAt ?? item.stoppedAt ?? item.createdAt) as string;
      const entry = gsi2.fleetSession(operatorId, fleetId, startedAt, chargerId, transactionId);
      const e = new Expression()
        .when('attribute_exists(pk)')
        .when('attribute_not_exists(gsi2pk)')
        .when('attribute_not_exists(fleetBilledIn)')
        .set('gsi2pk', entry.gsi2pk)
        .set('gsi2sk', entry.gsi2sk);
      if (await this.updateIf(keys.transaction(chargerId, transactionId), e)) report.sessionsIndexed++;
    }
    await this.t.doc.send(
      new PutCommand({
        TableName: this.t.tableName,
        Item: { ...migrationKey, entity: 'migration', ...report },
      }),
    );
    this.backfilled = true;
    return report;
  }

  /** An update under its condition: false when the condition failed (nothing written). */
  private async updateIf(key: { pk: string; sk: string }, e: Expression): Promise<boolean> {
    try {
      await this.t.doc.send(new UpdateCommand({ TableName: this.t.tableName, Key: key, ...e.params() }));
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  private async update(key: { pk: string; sk: string }, build: (e: Expression) => Expression): Promise<void> {
    const e = build(new Expression()).when('attribute_exists(pk)');
    await this.t.doc.send(new UpdateCommand({ TableName: this.t.tableName, Key: key, ...e.params() }));
  }

  private async get_(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const out = await this.t.doc.send(new GetCommand({ TableName: this.t.tableName, Key: key }));
    return out.Item;
  }
}

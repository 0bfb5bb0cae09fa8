import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Charger } from '../../domain/entities.js';
import type { ChargerAdmin } from '../../ports/charger-admin.js';
import type { RegistrationPrefix } from '../../ports/charger-registry.js';
import { DynamoChargerRepository } from './charger-repository.js';
import { keys } from './keys.js';
import {
  Expression,
  failedConditions,
  isConditionalCheckFailed,
  oldItemOf,
  type TableContext,
} from './support.js';

const CLAIM_ENTITY = 'registrationPrefix';

/** The migration that gives claims stored before the overlap markers their markers. */
export const PREFIX_MARKERS_MIGRATION = 'registration-prefix-markers';

/** What {@link DynamoChargerAdmin.markLegacyPrefixClaims} did. */
export interface PrefixMarkersReport {
  /** Claims that had no markers and now have them. */
  marked: number;
  /**
   * Claims that overlap an older-or-shorter claim of another operator (both were accepted before
   * the overlap check existed): left as they are, listed on the migration's item for the operators.
   */
  overlapping: string[];
}

export class DynamoChargerAdmin implements ChargerAdmin {
  private readonly chargers: DynamoChargerRepository;
  private readonly t: TableContext;
  /** Set once the migration is seen done: it never becomes undone, so this cache cannot go stale. */
  private legacyClaimsMarked = false;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.t = { doc: db, tableName };
    this.chargers = new DynamoChargerRepository(this.t);
  }

  register(charger: Charger): Promise<'created' | 'exists'> {
    return this.chargers.createIfAbsent(charger);
  }

  async approve(operatorId: string, chargerId: string): Promise<'approved' | 'not-found' | 'not-pending'> {
    const e = new Expression();
    e.when(`${e.name('operatorId')} = ${e.value(operatorId)}`)
      .when(`${e.name('registration')} = ${e.value('pending')}`)
      .set('registration', 'active');
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.charger(chargerId),
          ...e.params(),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'approved';
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      // Another operator's charger is reported as missing: ids of other tenants don't leak.
      return oldItemOf(err)?.operatorId?.S === operatorId ? 'not-pending' : 'not-found';
    }
  }

  /**
   * Prefix claims of different operators must not overlap: if `ACME-` and `ACME-0` belonged to two
   * operators, the longest match would hand the first operator's charger `ACME-001` to the second.
   *
   * One transaction over the item of every leading part of the prefix (`A`, `AC`, … `ACME-`; at most
   * 48 items) makes the check and the claim atomic, so two racing claims cannot both win:
   * - each part records in `claimsBelow` (a string set) the operators with a claim at or under it;
   * - every part must hold no other operator's claim (`operatorId`): nothing shorter overlaps;
   * - the prefix's own item must list no other operator in `claimsBelow`: nothing longer overlaps.
   * A part that is only a marker has no `prefix` attribute, so the connect-time lookup
   * (`findRegistrationPrefix`) does not take it for a claim.
   *
   * Claims stored before these markers existed carry none, so a shorter claim of another operator
   * would not see them. Before its first claim, each process makes sure the one-time migration
   * {@link markLegacyPrefixClaims} has run on the table (one GetItem per claim until it has seen it
   * done; the migration itself reads the table once, when it first runs).
   */
  async claimPrefix(claim: RegistrationPrefix): Promise<'claimed' | 'taken'> {
    await this.ensureLegacyClaimsMarked();
    return this.claimAtomically(claim);
  }

  /**
   * Writes the markers of every claim stored without them by claiming it again for its own
   * operator (the claim is idempotent, so a second run, or two processes running it at once, change
   * nothing more), shorter prefixes first; then records the migration done. A Scan, because claims
   * have no index: it runs once per table, not per claim.
   */
  async markLegacyPrefixClaims(): Promise<PrefixMarkersReport> {
    const legacy: RegistrationPrefix[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'entity = :claim AND attribute_not_exists(claimsBelow)',
          ExpressionAttributeValues: { ':claim': CLAIM_ENTITY },
          ProjectionExpression: 'prefix, operatorId',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (typeof item.prefix === 'string' && typeof item.operatorId === 'string') {
          legacy.push({ prefix: item.prefix, operatorId: item.operatorId });
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    legacy.sort((a, b) => a.prefix.length - b.prefix.length || a.prefix.localeCompare(b.prefix));
    const report: PrefixMarkersReport = { marked: 0, overlapping: [] };
    for (const claim of legacy) {
      if ((await this.claimAtomically(claim)) === 'claimed') report.marked++;
      else report.overlapping.push(claim.prefix);
    }
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.migration(PREFIX_MARKERS_MIGRATION),
          entity: 'migration',
          ...report,
        },
      }),
    );
    this.legacyClaimsMarked = true;
    return report;
  }

  private async ensureLegacyClaimsMarked(): Promise<void> {
    if (this.legacyClaimsMarked) return;
    const done = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.migration(PREFIX_MARKERS_MIGRATION),
        ConsistentRead: true,
      }),
    );
    if (done.Item) this.legacyClaimsMarked = true;
    else await this.markLegacyPrefixClaims();
  }

  private async claimAtomically(claim: RegistrationPrefix): Promise<'claimed' | 'taken'> {
    const { prefix, operatorId } = claim;
    const noOtherClaim = 'attribute_not_exists(operatorId) OR operatorId = :op';
    const nobodyElseBelow =
      'attribute_not_exists(claimsBelow) OR (size(claimsBelow) = :one AND contains(claimsBelow, :op))';
    const parts = Array.from({ length: prefix.length }, (_, i) => prefix.slice(0, i + 1));
    const updates = parts.map((part) => {
      const own = part === prefix;
      return {
        Update: {
          TableName: this.tableName,
          Key: keys.registrationPrefix(part),
          ConditionExpression: own ? `(${noOtherClaim}) AND (${nobodyElseBelow})` : noOtherClaim,
          UpdateExpression: own
            ? 'SET entity = :claim, prefix = :prefix, operatorId = :op ADD claimsBelow :ops'
            : 'SET entity = if_not_exists(entity, :marker) ADD claimsBelow :ops',
          ExpressionAttributeValues: {
            ':op': operatorId,
            ':ops': new Set([operatorId]),
            ...(own
              ? { ':claim': CLAIM_ENTITY, ':prefix': prefix, ':one': 1 }
              : { ':marker': 'registrationPrefixPath' }),
          },
        },
      };
    });
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: updates }));
      return 'claimed';
    } catch (err) {
      if (!failedConditions(err)?.some(Boolean)) throw err;
      return 'taken';
    }
  }
}

import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

export class DynamoChargerAdmin implements ChargerAdmin {
  private readonly chargers: DynamoChargerRepository;
  private readonly t: TableContext;

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
   * Claims stored before these markers existed are seen only from below; re-claiming each one by
   * its own operator (allowed, and idempotent) writes its markers.
   */
  async claimPrefix(claim: RegistrationPrefix): Promise<'claimed' | 'taken'> {
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
              ? { ':claim': 'registrationPrefix', ':prefix': prefix, ':one': 1 }
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

import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Charger } from '../../domain/entities.js';
import type { ChargerAdmin } from '../../ports/charger-admin.js';
import type { RegistrationPrefix } from '../../ports/charger-registry.js';
import { DynamoChargerRepository } from './charger-repository.js';
import { keys } from './keys.js';
import {
  Expression,
  isConditionalCheckFailed,
  oldItemOf,
  putIfAbsent,
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

  async claimPrefix(claim: RegistrationPrefix): Promise<'claimed' | 'taken'> {
    const outcome = await putIfAbsent(
      this.t,
      { ...keys.registrationPrefix(claim.prefix), entity: 'registrationPrefix', ...claim },
      // The claiming operator may claim its own prefix again.
      { condition: 'operatorId = :op', values: { ':op': claim.operatorId } },
    );
    return outcome === 'created' ? 'claimed' : 'taken';
  }
}

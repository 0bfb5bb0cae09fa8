/**
 * The operator's own settings (ports/catalog.ts OperatorSettingsStore): one UpdateItem on the
 * operator item that sets only the fields given, so the fields the platform keeps there (the
 * Stripe account, the kind, the creation time) are never touched by a settings change.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Operator, operatorKindOf } from '../../domain/entities.js';
import type { OperatorChanges, OperatorSettingsStore } from '../../ports/catalog.js';
import { keys } from './keys.js';
import { Expression, isConditionalCheckFailed, stripKeys, type TableContext } from './support.js';

export class DynamoOperatorSettings implements OperatorSettingsStore {
  private readonly t: TableContext;

  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.t = { doc: db, tableName };
  }

  async update(operatorId: string, changes: OperatorChanges): Promise<Operator | undefined> {
    const e = new Expression();
    e.when('attribute_exists(pk)');
    e.setAll(
      Object.fromEntries(
        Object.entries(changes)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, v === null ? undefined : v]),
      ),
      { removeUndefined: true },
    );
    // Nothing to change still reads the operator back (and tells a missing one).
    if (!e.update()) e.set('operatorId', operatorId);
    try {
      const out = await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.operator(operatorId),
          ...e.params(),
          ReturnValues: 'ALL_NEW',
        }),
      );
      const operator = stripKeys<Operator>(out.Attributes ?? {});
      return { ...operator, kind: operatorKindOf(operator) };
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }
}

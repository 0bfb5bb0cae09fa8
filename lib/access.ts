/**
 * What a function's declaration in lib/handlers.ts allows on the platform table, as IAM statements
 * in plain data. Two readers, so the grants in AWS and the checks on one machine cannot differ:
 * the CDK turns each statement into a policy statement (lib/constructs/platform-table.ts), and the
 * local runtime evaluates each DynamoDB request against the same statements (local/access.ts).
 * No CDK import here: the local runtime loads this file.
 */
import type { GsiName } from '../shared/adapters/dynamodb/table.js';
import type { HandlerSpec } from './handlers.js';

/** DynamoDB actions (IAM names without the `dynamodb:` service prefix) the platform grants. */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'Scan'
  | 'ConditionCheckItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem';

/**
 * Item reads. TransactGetItems needs no action of its own (IAM authorises each item by GetItem),
 * nor does TransactWriteItems (each item by Put/Update/Delete/ConditionCheckItem).
 */
export const ITEM_READ_ACTIONS: readonly TableAction[] = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'ConditionCheckItem',
];
export const ITEM_WRITE_ACTIONS: readonly TableAction[] = [
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
];

export interface TableStatement {
  readonly actions: readonly TableAction[];
  /** The table itself, or its named indexes. */
  readonly on: { readonly table: true } | { readonly indexes: readonly GsiName[] };
  /** Present: only requests whose every partition key starts with one of these (`dynamodb:LeadingKeys`). */
  readonly partitionKeyPrefixes?: readonly string[];
}

/** The table statements a function's declaration grants (stream reads are `readsStream`, apart). */
export function tableStatements(spec: HandlerSpec): TableStatement[] {
  const statements: TableStatement[] = [
    {
      actions: [
        ...ITEM_READ_ACTIONS,
        ...(spec.scansTable ? (['Scan'] as const) : []),
        ...(spec.table === 'readWrite' ? ITEM_WRITE_ACTIONS : []),
      ],
      on: { table: true },
    },
  ];
  if (spec.indexes.length > 0) statements.push({ actions: ['Query'], on: { indexes: spec.indexes } });
  for (const scoped of spec.scopedWrites) {
    statements.push({
      actions: scoped.actions,
      on: { table: true },
      partitionKeyPrefixes: scoped.partitionKeyPrefixes,
    });
  }
  return statements;
}

/** One authorisation question, as IAM asks it of a DynamoDB request (one per item of a transaction). */
export interface TableRequest {
  readonly action: TableAction;
  /** The index a Query or Scan reads; absent for the table. */
  readonly indexName?: string | undefined;
  /** The partition keys the request touches, where the action has them (writes always do). */
  readonly partitionKeys: readonly string[];
}

/** Whether some statement allows the request (IAM: no explicit deny here, so any allow suffices). */
export function allowsTableRequest(statements: readonly TableStatement[], request: TableRequest): boolean {
  return statements.some((s) => {
    if (!s.actions.includes(request.action)) return false;
    const onTarget =
      'table' in s.on
        ? request.indexName === undefined
        : request.indexName !== undefined && (s.on.indexes as readonly string[]).includes(request.indexName);
    if (!onTarget) return false;
    const prefixes = s.partitionKeyPrefixes;
    // ForAllValues: every key the request touches must match; IAM treats an empty set as a match,
    // but a scoped write always names its key.
    return (
      prefixes === undefined ||
      (request.partitionKeys.length > 0 &&
        request.partitionKeys.every((pk) => prefixes.some((prefix) => pk.startsWith(prefix))))
    );
  });
}

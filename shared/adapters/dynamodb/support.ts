/** Helpers shared by the DynamoDB repositories. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface TableContext {
  doc: DynamoDBDocumentClient;
  tableName: string;
}

const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity']);

/** An item without its storage attributes (keys, index keys, entity tag). */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRIBUTES.has(k)) out[k] = v;
  return out as T;
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/**
 * For a cancelled TransactWriteItems: which of its items failed their condition (by index), or
 * undefined when it was cancelled for another reason (conflict, throttling), which the caller rethrows.
 */
export function failedConditions(err: unknown): boolean[] | undefined {
  const e = err as { name?: string; CancellationReasons?: { Code?: string }[] } | undefined;
  if (e?.name !== 'TransactionCanceledException' || !e.CancellationReasons) return undefined;
  const failed = e.CancellationReasons.map((r) => r.Code === 'ConditionalCheckFailed');
  const otherReason = e.CancellationReasons.some(
    (r) => r.Code && r.Code !== 'None' && r.Code !== 'ConditionalCheckFailed',
  );
  return otherReason ? undefined : failed;
}

/** Epoch seconds for the table's TTL attribute (`expiresAt`). */
export const ttlSeconds = (ms: number): number => Math.floor(ms / 1000);

/** String sets cannot be empty in DynamoDB: absent when there is nothing to store. */
export const stringSet = (values: readonly string[]): Set<string> | undefined =>
  values.length > 0 ? new Set(values) : undefined;

export const fromStringSet = (value: unknown): string[] =>
  value instanceof Set
    ? [...(value as Set<string>)].sort()
    : Array.isArray(value)
      ? [...(value as string[])]
      : [];

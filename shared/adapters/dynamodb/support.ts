/**
 * Helpers shared by the DynamoDB repositories: the one pagination loop, the one conditional put,
 * the one way to recognise a lost condition, and the update-expression builder.
 */
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError, type Page, type PageRequest } from '../../ports/paging.js';
import type { Key } from './keys.js';
import { INDEX_KEY_ATTRIBUTES } from './table.js';

export interface TableContext {
  doc: DynamoDBDocumentClient;
  tableName: string;
}

type Item = Record<string, unknown>;

const KEY_ATTRIBUTES = new Set(['pk', 'sk', ...INDEX_KEY_ATTRIBUTES, 'entity']);

/** The indexes the prefix listings query; each index's keys are `<name>pk` / `<name>sk`. */
export type ListingIndex = 'gsi1' | 'gsi3';

/** An item without its storage attributes (keys, index keys, entity tag). */
export function stripKeys<T>(item: Item): T {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRIBUTES.has(k)) out[k] = v;
  return out as T;
}

/**
 * Every page of a query, followed over LastEvaluatedKey. With `Select: 'COUNT'` the items are empty
 * and the count is the sum of the pages' counts.
 */
export async function queryAll(
  t: TableContext,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
): Promise<{ items: Item[]; count: number }> {
  const items: Item[] = [];
  let count = 0;
  let start: Item | undefined;
  do {
    const out = await t.doc.send(
      new QueryCommand({ ...input, TableName: t.tableName, ExclusiveStartKey: start }),
    );
    items.push(...((out.Items ?? []) as Item[]));
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return { items, count };
}

/**
 * One page of a prefix query (see beginsWith), with its LastEvaluatedKey as an opaque cursor
 * (base64url JSON). A cursor is read back only if it is a key this very query could have stopped
 * at: the key attributes of the table (and index), all strings, in the query's partition and under
 * its prefix. Anything else, a forged cursor or another operator's, is an InvalidCursorError, so
 * it neither reaches DynamoDB (a ValidationException, a 500) nor reads another partition.
 */
export async function queryPage(
  t: TableContext,
  q: { pk: string; skPrefix: string },
  index: ListingIndex | undefined,
  page: PageRequest,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit' | 'IndexName'> = {},
): Promise<Page<Item>> {
  const condition = beginsWith(q, index);
  const out = await t.doc.send(
    new QueryCommand({
      ...input,
      ...condition,
      ExpressionAttributeNames: { ...condition.ExpressionAttributeNames, ...input.ExpressionAttributeNames },
      ExpressionAttributeValues: {
        ...condition.ExpressionAttributeValues,
        ...input.ExpressionAttributeValues,
      },
      TableName: t.tableName,
      Limit: page.limit,
      ...(page.after ? { ExclusiveStartKey: readCursor(page.after, q, index) } : {}),
    }),
  );
  const last = out.LastEvaluatedKey;
  return {
    items: (out.Items ?? []) as Item[],
    ...(last ? { next: Buffer.from(JSON.stringify(last), 'utf8').toString('base64url') } : {}),
  };
}

function readCursor(
  cursor: string,
  q: { pk: string; skPrefix: string },
  index: ListingIndex | undefined,
): Item {
  const [pkName, skName] = index ? [`${index}pk`, `${index}sk`] : ['pk', 'sk'];
  const expected = index ? [`${index}pk`, `${index}sk`, 'pk', 'sk'].sort() : ['pk', 'sk'];
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the cursor is not one this listing gave');
  }
  const ok =
    typeof key === 'object' &&
    key !== null &&
    !Array.isArray(key) &&
    Object.keys(key).sort().join() === expected.join() &&
    Object.values(key).every((v) => typeof v === 'string') &&
    (key as Record<string, string>)[pkName] === q.pk &&
    (key as Record<string, string>)[skName]?.startsWith(q.skPrefix);
  if (!ok) throw new InvalidCursorError('the cursor is not one this listing gave');
  return key as Item;
}

/** The condition of a create-only put: the item's key is not taken yet. */
export const ITEM_ABSENT = 'attribute_not_exists(pk)';

/**
 * Writes the item unless one with its key exists. `exists` (nothing written) when the key is taken,
 * or when `orWhen` (an alternative condition on the stored item, with its placeholders) fails too.
 */
export async function putIfAbsent(
  t: TableContext,
  item: Item,
  orWhen?: { condition: string; values: Item },
): Promise<'created' | 'exists'> {
  try {
    await t.doc.send(
      new PutCommand({
        TableName: t.tableName,
        Item: item,
        ConditionExpression: orWhen ? `${ITEM_ABSENT} OR ${orWhen.condition}` : ITEM_ABSENT,
        ...(orWhen ? { ExpressionAttributeValues: orWhen.values } : {}),
      }),
    );
    return 'created';
  } catch (err) {
    if (isConditionalCheckFailed(err)) return 'exists';
    throw err;
  }
}

/** One item by its key, read consistently (a write a moment ago is seen). */
export async function getItem(t: TableContext, key: Key): Promise<Item | undefined> {
  const out = await t.doc.send(new GetCommand({ TableName: t.tableName, Key: key, ConsistentRead: true }));
  return out.Item;
}

/** Deletes one item; one already gone is no error. */
export async function deleteItem(t: TableContext, key: Key): Promise<void> {
  await t.doc.send(new DeleteCommand({ TableName: t.tableName, Key: key }));
}

/**
 * Stores a record that lapses at its `expiresAtMs`: the table's TTL removes it some time after
 * (DynamoDB's TTL is lazy), so reads check the time themselves ({@link getUnexpired}).
 */
export async function putExpiring(
  t: TableContext,
  key: Key,
  entity: string,
  record: { expiresAtMs: number },
): Promise<void> {
  await t.doc.send(
    new PutCommand({
      TableName: t.tableName,
      Item: { ...key, entity, ...record, expiresAt: ttlSeconds(record.expiresAtMs) },
    }),
  );
}

/** The record {@link putExpiring} stored, while `nowMs` is before its `expiresAtMs`. */
export async function getUnexpired<T extends { expiresAtMs: number }>(
  t: TableContext,
  key: Key,
  nowMs: number,
): Promise<T | undefined> {
  const item = await getItem(t, key);
  if (!item || Number(item.expiresAtMs) <= nowMs) return undefined;
  const { expiresAt: _ttl, ...record } = stripKeys<T & { expiresAt: number }>(item);
  return record as unknown as T;
}

/** A put that replaces what is stored, or with `onlyIfAbsent` one that keeps it (ports/catalog.ts PutOptions). */
export async function putItem(
  t: TableContext,
  item: Item,
  options?: { onlyIfAbsent?: boolean },
): Promise<void> {
  if (options?.onlyIfAbsent) await putIfAbsent(t, item);
  else await t.doc.send(new PutCommand({ TableName: t.tableName, Item: item }));
}

/**
 * A single-item write failed its condition. Checked by name, not `instanceof`: the document client
 * and the low-level client may come from different copies of the SDK, and tests raise plain errors.
 */
export function isConditionalCheckFailed(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** The stored item a failed condition returned (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`), unmarshalled by hand: the error carries wire format. */
export function oldItemOf(err: unknown): Record<string, { S?: string; N?: string }> | undefined {
  return (err as { Item?: Record<string, { S?: string; N?: string }> } | undefined)?.Item;
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

/**
 * A conditional write lost: to a condition or to a concurrent transaction on the same item. For
 * optimistic writers (the version-checked pricing writes), both mean "re-read and try again".
 */
export function lostRace(err: unknown): boolean {
  if (isConditionalCheckFailed(err)) return true;
  const e = err as { name?: string; CancellationReasons?: { Code?: string }[] } | undefined;
  if (e?.name === 'TransactionConflictException') return true;
  if (e?.name !== 'TransactionCanceledException') return false;
  const codes = (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  return codes.every((c) => c === 'None' || c === 'ConditionalCheckFailed' || c === 'TransactionConflict');
}

/** Epoch seconds for the table's TTL attribute (`expiresAt`), from epoch milliseconds. */
export const ttlSeconds = (ms: number): number => Math.floor(ms / 1000);

/** The TTL (`expiresAt`, epoch seconds) of an item kept `retentionSeconds` after an ISO-8601 instant. */
export const ttlAfter = (iso: string, retentionSeconds: number): number =>
  ttlSeconds(Date.parse(iso)) + retentionSeconds;

/** String sets cannot be empty in DynamoDB: absent when there is nothing to store. */
export const stringSet = (values: readonly string[]): Set<string> | undefined =>
  values.length > 0 ? new Set(values) : undefined;

export const fromStringSet = (value: unknown): string[] =>
  value instanceof Set
    ? [...(value as Set<string>)].sort()
    : Array.isArray(value)
      ? [...(value as string[])]
      : [];

/** The expression parts of an UpdateItem (or of the Update of a transaction). */
export interface UpdateParams {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * Builds update and condition expressions with a placeholder for every name and value, so that no
 * attribute ever collides with a reserved word (`status`, `timestamp`, `result`...).
 */
export class Expression {
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private readonly conditions: string[] = [];
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private n = 0;

  /** A document path (`costCap.status`): one placeholder per part. */
  name(path: string): string {
    return path
      .split('.')
      .map((part) => this.part(part))
      .join('.');
  }
  /** One attribute or map key, taken literally (a message id may contain dots). */
  part(name: string): string {
    const existing = Object.entries(this.names).find(([, v]) => v === name)?.[0];
    if (existing) return existing;
    const placeholder = `#n${this.n++}`;
    this.names[placeholder] = name;
    return placeholder;
  }
  value(v: unknown): string {
    const placeholder = `:v${this.n++}`;
    this.values[placeholder] = v;
    return placeholder;
  }
  set(path: string, v: unknown): this {
    this.sets.push(`${this.name(path)} = ${this.value(v)}`);
    return this;
  }
  /** SETs every defined field; with `removeUndefined`, REMOVEs the ones given as undefined. */
  setAll(fields: Record<string, unknown>, options: { removeUndefined?: boolean } = {}): this {
    for (const [k, v] of Object.entries(fields)) {
      if (v !== undefined) this.set(k, v);
      else if (options.removeUndefined) this.remove(k);
    }
    return this;
  }
  setRaw(clause: string): this {
    this.sets.push(clause);
    return this;
  }
  remove(path: string): this {
    this.removes.push(this.name(path));
    return this;
  }
  add(path: string, v: unknown): this {
    this.adds.push(`${this.name(path)} ${this.value(v)}`);
    return this;
  }
  when(condition: string): this {
    this.conditions.push(condition);
    return this;
  }
  update(): string {
    return [
      this.sets.length ? `SET ${this.sets.join(', ')}` : '',
      this.removes.length ? `REMOVE ${this.removes.join(', ')}` : '',
      this.adds.length ? `ADD ${this.adds.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }
  condition(): string | undefined {
    return this.conditions.length ? this.conditions.join(' AND ') : undefined;
  }
  /** Only what the expressions use (DynamoDB rejects unused placeholders). */
  params(): UpdateParams {
    const condition = this.condition();
    return {
      UpdateExpression: this.update(),
      ...(condition ? { ConditionExpression: condition } : {}),
      ExpressionAttributeNames: this.names,
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/**
 * The key condition of a `begins_with` query (keys.ts `queries`), on the table or on a listing
 * index. Extra names and values (filters, projections) are merged by the caller.
 */
export function beginsWith(
  q: { pk: string; skPrefix: string },
  index?: ListingIndex,
): {
  IndexName?: ListingIndex;
  KeyConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  return {
    ...(index ? { IndexName: index } : {}),
    KeyConditionExpression: '#kpk = :kpk AND begins_with(#ksk, :ksk)',
    ExpressionAttributeNames: { '#kpk': index ? `${index}pk` : 'pk', '#ksk': index ? `${index}sk` : 'sk' },
    ExpressionAttributeValues: { ':kpk': q.pk, ':ksk': q.skPrefix },
  };
}

/**
 * Every item of a BatchGetItem (at most 100 keys) that exists, retrying the keys DynamoDB left
 * unprocessed (throttling) a few times. A key still unprocessed after that reads as absent.
 */
/** BatchGetItem takes at most 100 keys per call (DynamoDB refuses more with a ValidationException). */
const BATCH_GET_MAX_KEYS = 100;

export async function batchGetAll(
  t: TableContext,
  keys: readonly { pk: string; sk: string }[],
  options: { consistentRead?: boolean } = {},
): Promise<Item[]> {
  const found: Item[] = [];
  for (let from = 0; from < keys.length; from += BATCH_GET_MAX_KEYS) {
    let pending: Item[] = keys.slice(from, from + BATCH_GET_MAX_KEYS).map((key) => ({ ...key }));
    for (let attempt = 0; pending.length > 0 && attempt < 5; attempt++) {
      const out = await t.doc.send(
        new BatchGetCommand({
          RequestItems: {
            [t.tableName]: { Keys: pending, ...(options.consistentRead ? { ConsistentRead: true } : {}) },
          },
        }),
      );
      found.push(...((out.Responses?.[t.tableName] ?? []) as Item[]));
      pending = (out.UnprocessedKeys?.[t.tableName]?.Keys as Item[] | undefined) ?? [];
    }
  }
  return found;
}

/**
 * Counts one failure on `key` within a window (login and sign-in back-off): adds to the count while
 * the window is open, else starts a new count of 1 whose window ends `windowMs` after `atMs`. The
 * item expires with its window. Two racing restarts may lose one count; a back-off only comes later.
 */
export async function countFailureInWindow(
  t: TableContext,
  key: Key,
  entity: string,
  atMs: number,
  windowMs: number,
): Promise<{ failures: number; lastFailureAtMs: number }> {
  const windowEndsAtMs = atMs + windowMs;
  const fresh = { lastFailureAtMs: atMs, windowEndsAtMs, expiresAt: ttlSeconds(windowEndsAtMs) };
  try {
    const out = await t.doc.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: key,
        ConditionExpression: 'attribute_not_exists(pk) OR windowEndsAtMs > :at',
        UpdateExpression:
          'ADD failures :one SET lastFailureAtMs = :at, windowEndsAtMs = :end, expiresAt = :ttl, entity = :entity',
        ExpressionAttributeValues: {
          ':one': 1,
          ':at': atMs,
          ':end': windowEndsAtMs,
          ':ttl': fresh.expiresAt,
          ':entity': entity,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { failures: Number(out.Attributes?.failures), lastFailureAtMs: atMs };
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
  }
  await t.doc.send(
    new PutCommand({ TableName: t.tableName, Item: { ...key, entity, failures: 1, ...fresh } }),
  );
  return { failures: 1, lastFailureAtMs: atMs };
}

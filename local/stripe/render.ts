/**
 * Response shaping shared by all resources: `expand[]` and list pagination.
 */

import * as z from 'zod';
import type { RequestContext } from './context.js';
import { invalidParam } from './errors.js';
import { expand, listParams, parseParams } from './params.js';
import type { Handler } from './router.js';

const MAX_EXPAND_DEPTH = 4;

/**
 * Replace id strings with the objects they name, along dotted paths (`latest_charge`,
 * `data.latest_charge`, `latest_charge.balance_transaction`). The stored object is never mutated.
 */
export function expandObject<T>(ctx: RequestContext, object: T, paths: readonly string[] | undefined): T {
  if (!paths || paths.length === 0) return object;
  const copy = structuredClone(object) as unknown;
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > MAX_EXPAND_DEPTH) {
      throw invalidParam('expand', `You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property.`);
    }
    expandPath(ctx, copy, segments, path);
  }
  return copy as T;
}

function expandPath(ctx: RequestContext, node: unknown, segments: string[], fullPath: string): void {
  if (node === null || typeof node !== 'object') return;
  const [head, ...rest] = segments;
  if (head === undefined) return;
  const record = node as Record<string, unknown>;
  if (head === 'data' && Array.isArray(record.data)) {
    for (const item of record.data) expandPath(ctx, item, rest, fullPath);
    return;
  }
  if (!(head in record)) throw cannotExpand(fullPath);
  let value = record[head];
  if (typeof value === 'string') {
    const found = ctx.store.byPrefix(value)?.find(value);
    if (!found) throw cannotExpand(fullPath);
    value = structuredClone(found);
    record[head] = value;
  } else if (rest.length === 0 && value !== null) {
    if (typeof value !== 'object' || !('id' in (value as object))) throw cannotExpand(fullPath);
  }
  if (rest.length > 0) expandPath(ctx, value, rest, fullPath);
}

function cannotExpand(path: string) {
  return invalidParam('expand', `This property cannot be expanded (${path}).`);
}

export interface ListParams {
  limit?: number | undefined;
  starting_after?: string | undefined;
  ending_before?: string | undefined;
  expand?: string[] | undefined;
}

export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/** Stripe cursor pagination over `items` sorted newest first. */
export function paginate<T extends { id: string }>(
  ctx: RequestContext,
  items: T[],
  params: ListParams,
  url: string,
  objectName: string,
): ListObject<T> {
  const limit = params.limit ?? 10;
  let slice: T[];
  let hasMore: boolean;
  if (params.starting_after) {
    const index = items.findIndex((i) => i.id === params.starting_after);
    if (index === -1)
      throw invalidParam('starting_after', `No such ${objectName}: '${params.starting_after}'`);
    const rest = items.slice(index + 1);
    slice = rest.slice(0, limit);
    hasMore = rest.length > limit;
  } else if (params.ending_before) {
    const index = items.findIndex((i) => i.id === params.ending_before);
    if (index === -1) throw invalidParam('ending_before', `No such ${objectName}: '${params.ending_before}'`);
    const before = items.slice(0, index);
    slice = before.slice(Math.max(0, before.length - limit));
    hasMore = before.length > limit;
  } else {
    slice = items.slice(0, limit);
    hasMore = items.length > limit;
  }
  return expandObject(ctx, { object: 'list', data: slice, has_more: hasMore, url }, params.expand);
}

/** The parameters of a request that only names an object: `expand[]`. */
export const EXPAND_ONLY = z.strictObject({ expand: expand() });

/**
 * A route that answers one object: the parameters parsed against `schema` (Stripe-shaped errors),
 * the object made from them and the path's `:id`, expanded as `expand[]` asks.
 */
export function objectRoute<S extends z.ZodType<{ expand?: string[] | undefined }>>(
  schema: S,
  make: (ctx: RequestContext, params: z.output<S>, id: string) => unknown,
): Handler {
  return (ctx, req) => {
    const p = parseParams(schema, req.params);
    return expandObject(ctx, make(ctx, p, req.path.id ?? ''), p.expand);
  };
}

/** A list route: the list parameters and the list's own `filters`, then one page of what `list` finds. */
export function listRoute<F extends z.core.$ZodShape, T extends { id: string }>(
  filters: F,
  url: string,
  objectName: string,
  list: (ctx: RequestContext, params: z.output<z.ZodObject<F & typeof listParams>>) => T[],
): Handler {
  const schema = z.strictObject({ ...listParams, ...filters });
  return (ctx, req) => {
    const p = parseParams(schema, req.params) as z.output<z.ZodObject<F & typeof listParams>>;
    return paginate(ctx, list(ctx, p), p as ListParams, url, objectName);
  };
}

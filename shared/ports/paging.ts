/**
 * Paged reads. A page is asked for with a size and the opaque cursor of the page before; the store
 * answers the items and the cursor of the next page, if there is one. Only the store that made a
 * cursor can read it (it encodes where its query stopped), so callers pass it through untouched.
 */
export interface PageRequest {
  limit: number;
  /** The `next` of the page before; absent for the first page. */
  after?: string;
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  next?: string;
}

/**
 * A cursor the store did not make for this query: malformed, edited, or taken from another
 * operator's listing. The caller's fault (HTTP 400), never a reason to run the query.
 */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

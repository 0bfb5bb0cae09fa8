/**
 * The operator API's one registry of operations. Each operation says, once, its method and path, what
 * it takes (path parameters, query, body) and what it answers (a zod shape per status, and the error
 * codes it may give). From that one entry come:
 * - the route: parameters, query and body validated before the handler runs, which receives them typed;
 * - the OpenAPI 3.1 document (document.ts), so the published contract cannot drift from the code.
 *
 * To add routes, write `defineOperation({...})` entries and append them to the list the router and the
 * document read (operator-api.ts `operatorOperations`); `auth: 'none'` for a route without an API key.
 */
import type { Method } from '@middy/http-router';
import * as z from 'zod';
import { MANAGE_ACCESS_REFUSAL, mayManageAccess } from '../../app/users/roles.js';
import { badRequest, HttpError } from '../../lambda/http-errors.js';
import type { IdempotencyKeys } from '../../ports/idempotency.js';
import { InvalidCursorError } from '../../ports/paging.js';
import { fingerprintOf, idempotencyKeyOf, runIdempotently } from '../idempotency.js';
import type { OperatorRequest } from '../operator-auth.js';
import { type HttpEvent, type HttpResult, jsonBody } from '../responses.js';

/** `{"error":{"code","message"}}`: every failure of the API. */
export const ErrorShape = z
  .strictObject({
    error: z.strictObject({
      code: z.string().describe('Stable, machine-readable; see each operation for the codes it gives.'),
      message: z.string().describe('For people; may change.'),
    }),
  })
  .meta({ id: 'Error' });

/** A documented answer: a JSON shape, or another content type (an image) described in words. */
export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** `application/json` unless said. */
  contentType?: string;
}

/**
 * How an operation treats an id of another operator, for the tenant-isolation test and readers:
 * `not-found` answers 404 and changes nothing; `caller-scoped` writes under the caller's own operator
 * (a PUT that creates the caller's item of that id), leaving the other operator's untouched.
 */
export type Tenancy = 'not-found' | 'caller-scoped';

type AnyObject = z.ZodObject<z.ZodRawShape>;
type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface OperationInput<P, Q, B> extends OperatorRequest {
  params: P;
  query: Q;
  body: B;
}

export interface OperationSpec<
  P extends AnyObject | undefined,
  Q extends AnyObject | undefined,
  B extends z.ZodType | undefined,
> {
  /** Unique, camelCase: names the operation in the document and in clients generated from it. */
  operationId: string;
  method: Method;
  /** OpenAPI template form, `{name}` per parameter; the router reads the same form. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** An empty body reads as `{}` (every field has a default). */
  bodyOptional?: boolean;
  /** Answers by status; error statuses are added from `errors`. */
  responses: Record<number, ResponseSpec>;
  /** Error codes this operation may answer with, by status (400 invalid_parameter, 404 not_found, …). */
  errors?: Record<number, readonly string[]>;
  /** Required when the path takes an id. */
  tenancy?: Tenancy;
  /**
   * `api-key` (the default): behind the bearer key check, the handler gets the caller's operator.
   * `none`: open to anyone (a sign-in step); the handler's `operatorId` is the empty string.
   */
  auth?: 'api-key' | 'none';
  /**
   * Manages who has access (users, API keys): refused with 403 `forbidden` for a staff user's
   * session before anything is parsed (app/users/roles.ts). Declare 403 `forbidden` in `errors`.
   */
  ownersOnly?: boolean;
  /**
   * Moves money: takes an `Idempotency-Key` header (../idempotency.ts), kept in this store, so a
   * request sent again after a lost answer gets the first answer and moves nothing twice.
   */
  idempotency?: () => IdempotencyKeys;
  handler: (input: OperationInput<Infer<P>, Infer<Q>, Infer<B>>) => Promise<HttpResult>;
}

/** An operation with its types erased, as lists hold them. */
// biome-ignore lint/suspicious/noExplicitAny: the list holds operations of every input type; defineOperation checks each.
export type Operation = OperationSpec<any, any, any>;

/** Types one operation's handler from its shapes; checks nothing at run time by itself. */
export function defineOperation<
  P extends AnyObject | undefined = undefined,
  Q extends AnyObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: OperationSpec<P, Q, B>): Operation {
  return spec as Operation;
}

/** The first problem of a parameter object, named like `chargerId: too long`. */
function parsed<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue?.path.join('.') || 'parameters';
  throw badRequest(`${name}: ${issue?.message ?? 'invalid'}`, 'invalid_parameter');
}

function pick(values: Record<string, string | undefined> | undefined, shape: AnyObject) {
  return Object.fromEntries(Object.keys(shape.shape).map((name) => [name, values?.[name]]));
}

/** The route an operation serves: validation first, then its handler; a forged cursor is a 400. */
export function routeOf(op: Operation): {
  method: Method;
  path: string;
  handler: (r: OperatorRequest) => Promise<HttpResult>;
} {
  return {
    method: op.method,
    path: op.path,
    handler: async (request) => {
      if (op.ownersOnly && !mayManageAccess(request))
        throw new HttpError(403, MANAGE_ACCESS_REFUSAL, 'forbidden');
      const event: HttpEvent = request.event;
      // Only the operation's own parameters: API Gateway may add its own (`proxy` of a {proxy+} route).
      const params = op.params ? parsed(op.params, pick(event.pathParameters, op.params)) : undefined;
      const query = op.query ? parsed(op.query, event.queryStringParameters) : undefined;
      const body = !op.body
        ? undefined
        : op.bodyOptional && !event.body
          ? op.body.parse({})
          : jsonBody(event, op.body);
      const run = () => op.handler({ ...request, params, query, body });
      const key = op.idempotency ? idempotencyKeyOf(event) : undefined;
      try {
        if (!op.idempotency || key === undefined) return await run();
        const fingerprint = fingerprintOf(op.operationId, params, body);
        return await runIdempotently(
          op.idempotency(),
          { operatorId: request.operatorId, key, fingerprint },
          Date.now(),
          run,
        );
      } catch (err) {
        if (err instanceof InvalidCursorError) throw badRequest(`cursor: ${err.message}`, 'invalid_cursor');
        throw err;
      }
    },
  };
}

/** `?limit=&cursor=` of every list. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25).describe('Items per page, 1–100.'),
  cursor: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .describe('The `nextCursor` of the page before; opaque. Absent for the first page.'),
});

/** `{ items, nextCursor }`: every list. `nextCursor` is null on the last page. */
export function pageOf<T extends z.core.SomeType>(item: T) {
  return z.strictObject({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last one.'),
  });
}

export const LIST_ERRORS = { 400: ['invalid_parameter', 'invalid_cursor'] } as const;

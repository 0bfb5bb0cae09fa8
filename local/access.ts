/**
 * The functions' IAM roles, on one machine. In AWS each function runs under a role granted from its
 * declaration in lib/handlers.ts; locally every handler runs in one process with the same SDK
 * clients, so without this a function could do anything and a missing grant would show only in AWS
 * (a self-registering charger's authorizer wrote with a read-only role, and no local test could see it).
 *
 * How: the runtime runs each invocation inside `asFunction(name, …)` (an AsyncLocalStorage scope that
 * follows every await of the invocation), and `enforceAccess` checks every outgoing node:http request
 * (all the SDKs' requests are). A request to one of the platform's local services, made inside a
 * function's scope, is checked against that function's declaration before any of it is sent; a
 * refused one is destroyed with the error the SDK would have raised in AWS (`AccessDeniedException`),
 * so nothing reaches the service.
 * Why not an SDK middleware per client: the composition roots (shared/lambda) build one set of clients
 * per process and share them between functions, so a client cannot know which function is calling;
 * the scope can.
 *
 * Requests outside any function's scope (the stream poller, the seed, tests) are the runtime's own
 * and pass, as the event source mapping and the deployer do not run under a function's role.
 * Not covered: the session token secret, read from the environment locally (no request to check).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ClientRequest } from 'node:http';
import { ApiGatewayManagementApiServiceException } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { SESv2ServiceException } from '@aws-sdk/client-sesv2';
import { allowsTableRequest, type TableAction, type TableRequest, tableStatements } from '../lib/access.js';
import { HANDLERS, type HandlerName, type HandlerSpec } from '../lib/handlers.js';
import { PLATFORM_TABLE } from '../shared/adapters/dynamodb/table.js';

/** Who is calling: a function of lib/handlers.ts, or (tests) a declaration of one's own. */
export interface Caller {
  readonly name: string;
  readonly spec: HandlerSpec;
}

const scope = new AsyncLocalStorage<Caller>();

/** `handler`, run under the role `caller` declares: every request it makes is checked against it. */
export function asFunction<A extends unknown[], R>(
  caller: HandlerName | Caller,
  handler: (...args: A) => R,
): (...args: A) => R {
  const who: Caller = typeof caller === 'string' ? { name: caller, spec: HANDLERS[caller] } : caller;
  return (...args: A) => scope.run(who, () => handler(...args));
}

/** The local services whose requests are checked, by base URL (the endpoints the handlers are given). */
export interface EnforcedEndpoints {
  dynamodb?: string;
  ses?: string;
  /** The `@connections` management API. */
  connections?: string;
  /** The Stripe emulator: reaching it needs the Stripe key, which only `readsStripeSecret` may read. */
  stripe?: string;
}

export interface Denial {
  caller: string;
  /** The IAM action refused, e.g. `dynamodb:PutItem`. */
  action: string;
  reason: string;
}

type Service = keyof EnforcedEndpoints;

interface Enforcer {
  services: Map<string, Service>;
  onDenied: ((denial: Denial) => void) | undefined;
}

const enforcers = new Set<Enforcer>();
let unpatch: (() => void) | undefined;

/**
 * Starts checking requests to `endpoints` made under `asFunction`; returns the function that stops.
 * `onDenied` hears each refusal (the runtime logs them: a refusal is a missing grant or a bug).
 */
export function enforceAccess(endpoints: EnforcedEndpoints, onDenied?: (denial: Denial) => void): () => void {
  const services = new Map<string, Service>();
  for (const [service, url] of Object.entries(endpoints) as [Service, string | undefined][]) {
    if (url) services.set(new URL(url).host, service);
  }
  const enforcer: Enforcer = { services, onDenied };
  enforcers.add(enforcer);
  unpatch ??= guardRequestBodies(decide);
  return () => {
    enforcers.delete(enforcer);
    if (enforcers.size === 0) {
      unpatch?.();
      unpatch = undefined;
    }
  };
}

/** The refusal for a request about to send `body`, or undefined to let it go. */
function decide(request: ClientRequest, body: string): Error | undefined {
  const caller = scope.getStore();
  if (!caller) return undefined;
  const host = String(request.getHeader('host') ?? '');
  for (const enforcer of enforcers) {
    const service = enforcer.services.get(host);
    if (!service) continue;
    const denial = check(service, caller, request, body);
    if (!denial) return undefined;
    enforcer.onDenied?.(denial);
    return accessDenied(service, denial);
  }
  return undefined;
}

/**
 * Makes every node:http request ask `decide` at its first `write` or `end`, before any byte of it
 * (headers included: node sends them with the first chunk) leaves the process, and destroys a refused
 * one with the error `decide` gives, which the SDK's request handler rejects with. Patched on the
 * prototype because node 20 offers no earlier hook: its `http.client.request.start` diagnostics
 * channel fires once the body is already written. The SDKs send a DynamoDB, SES or @connections body
 * in one `end`, Stripe's in one `write`, so the first chunk is the whole body. Returns the unpatch.
 */
function guardRequestBodies(
  decideFor: (request: ClientRequest, body: string) => Error | undefined,
): () => void {
  const proto = ClientRequest.prototype;
  const { write, end } = proto;
  const checked = new WeakSet<ClientRequest>();
  const refused = (request: ClientRequest, chunk: unknown): boolean => {
    if (checked.has(request)) return false;
    checked.add(request);
    const body = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
    const error = decideFor(request, body);
    if (error) request.destroy(error);
    return error !== undefined;
  };
  proto.write = function (this: ClientRequest, chunk: unknown, ...rest: unknown[]) {
    if (refused(this, chunk)) return false;
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ClientRequest['write'];
  proto.end = function (this: ClientRequest, chunk?: unknown, ...rest: unknown[]) {
    if (refused(this, typeof chunk === 'function' ? undefined : chunk)) return this;
    return (end as (...a: unknown[]) => ClientRequest).call(this, chunk, ...rest);
  } as ClientRequest['end'];
  return () => {
    proto.write = write;
    proto.end = end;
  };
}

function check(service: Service, caller: Caller, request: ClientRequest, body: string): Denial | undefined {
  const { name, spec } = caller;
  const deny = (action: string, reason: string): Denial => ({ caller: name, action, reason });
  switch (service) {
    case 'dynamodb':
      return checkDynamo(caller, String(request.getHeader('x-amz-target') ?? ''), body);
    case 'ses':
      return spec.sendsEmail ? undefined : deny('ses:SendEmail', 'sendsEmail is false');
    case 'connections':
      return spec.postsToChargers
        ? undefined
        : deny('execute-api:ManageConnections', 'postsToChargers is false');
    case 'stripe':
      return spec.readsStripeSecret
        ? undefined
        : deny('secretsmanager:GetSecretValue', 'readsStripeSecret is false: it cannot hold the Stripe key');
  }
}

/** DynamoDB's JSON protocol: the operation is in `X-Amz-Target`, the keys in the body (marshalled). */
function checkDynamo(caller: Caller, target: string, body: string): Denial | undefined {
  const [api, operation = ''] = target.split('.');
  const deny = (action: string, reason: string): Denial => ({ caller: caller.name, action, reason });
  if (api?.startsWith('DynamoDBStreams')) {
    return caller.spec.readsStream ? undefined : deny(`dynamodb:${operation}`, 'readsStream is false');
  }
  let input: DynamoInput;
  try {
    input = JSON.parse(body) as DynamoInput;
  } catch {
    return deny(`dynamodb:${operation}`, 'the request body is not JSON');
  }
  const requests = tableRequests(operation, input);
  if (!requests) return deny(`dynamodb:${operation}`, 'the platform grants no function this action');
  const statements = tableStatements(caller.spec);
  const refused = requests.find((r) => !allowsTableRequest(statements, r));
  if (!refused) return undefined;
  const where = refused.indexName ? ` on index ${refused.indexName}` : '';
  const keys = refused.partitionKeys.length > 0 ? ` (partition ${refused.partitionKeys.join(', ')})` : '';
  return deny(`dynamodb:${refused.action}`, `not in its declaration${where}${keys}`);
}

type Marshalled = Record<string, { S?: string } | undefined>;
interface DynamoInput {
  IndexName?: string;
  Item?: Marshalled;
  Key?: Marshalled;
  RequestItems?: Record<
    string,
    { PutRequest?: { Item?: Marshalled }; DeleteRequest?: { Key?: Marshalled } }[]
  >;
  TransactItems?: {
    Put?: { Item?: Marshalled };
    Update?: { Key?: Marshalled };
    Delete?: { Key?: Marshalled };
    ConditionCheck?: { Key?: Marshalled };
    Get?: { Key?: Marshalled };
  }[];
}

const pkOf = (item: Marshalled | undefined): string[] => {
  const pk = item?.[PLATFORM_TABLE.partitionKey]?.S;
  return pk === undefined ? [] : [pk];
};

/** The authorisation questions IAM asks of one request; undefined for an operation no grant names. */
function tableRequests(operation: string, input: DynamoInput): TableRequest[] | undefined {
  const one = (action: TableAction, partitionKeys: string[] = []): TableRequest[] => [
    { action, partitionKeys, indexName: input.IndexName },
  ];
  switch (operation) {
    case 'GetItem':
    case 'BatchGetItem':
    case 'Query':
    case 'Scan':
      return one(operation);
    case 'PutItem':
      return one('PutItem', pkOf(input.Item));
    case 'UpdateItem':
    case 'DeleteItem':
      return one(operation, pkOf(input.Key));
    case 'BatchWriteItem':
      return one(
        'BatchWriteItem',
        Object.values(input.RequestItems ?? {}).flatMap((writes) =>
          writes.flatMap((w) => [...pkOf(w.PutRequest?.Item), ...pkOf(w.DeleteRequest?.Key)]),
        ),
      );
    case 'TransactWriteItems':
      return (input.TransactItems ?? []).map((t): TableRequest => {
        if (t.Put) return { action: 'PutItem', partitionKeys: pkOf(t.Put.Item) };
        if (t.Update) return { action: 'UpdateItem', partitionKeys: pkOf(t.Update.Key) };
        if (t.Delete) return { action: 'DeleteItem', partitionKeys: pkOf(t.Delete.Key) };
        return { action: 'ConditionCheckItem', partitionKeys: pkOf(t.ConditionCheck?.Key) };
      });
    case 'TransactGetItems':
      return (input.TransactItems ?? []).map((t) => ({ action: 'GetItem', partitionKeys: pkOf(t.Get?.Key) }));
    default:
      return undefined;
  }
}

/** The error each service's SDK raises for an IAM refusal, so handlers see what they would in AWS. */
function accessDenied(service: Service, denial: Denial): Error {
  const message = `User: local/${denial.caller} is not authorized to perform: ${denial.action} (lib/handlers.ts: ${denial.reason})`;
  const options = {
    name: 'AccessDeniedException',
    $fault: 'client' as const,
    $metadata: { httpStatusCode: service === 'dynamodb' ? 400 : 403 },
    message,
  };
  switch (service) {
    case 'dynamodb':
      return new DynamoDBServiceException(options);
    case 'ses':
      return new SESv2ServiceException(options);
    case 'connections':
      return new ApiGatewayManagementApiServiceException(options);
    case 'stripe':
      return Object.assign(new Error(message), { name: 'AccessDeniedException' });
  }
}

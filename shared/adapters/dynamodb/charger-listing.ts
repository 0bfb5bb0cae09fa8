/**
 * The charger list's denormalised copy: the charger item (listed under its operator in gsi1, which
 * projects ALL) carries a copy of its live connection and of each connector's current status, so one
 * gsi1 query returns a whole page of the list with no read per charger.
 *
 * The authoritative items stay where they were (keys.connection, keys.connector); each writer updates
 * the copy right after them, under the same ordering rule, in a conditional update of its own:
 * - a connector's copy is replaced only by a status ordered after it (`orderedAt`, else the charger's
 *   timestamp, as status-repository.ts orders the connector item), so out-of-order StatusNotifications
 *   converge on the newest one whatever order they are applied in, and a retry is harmless;
 * - the connection's copy is replaced only by a connection at least as new (`connectedAt`), and is
 *   marked closed only by a $disconnect of the connection it names: a stale $disconnect of a
 *   superseded connection finds another id and changes nothing.
 * Every update requires the charger item to exist, so a status of an unknown charger creates nothing.
 * A refused condition writes nothing, so it costs no index write either.
 *
 * Cost: every write of the charger item is copied to gsi1. Status changes and (dis)connections are
 * what the list shows, so their index writes are the point; heartbeats are not written here (the
 * charger repository writes `lastHeartbeatAt` at most every HEARTBEAT_RECORD_RESOLUTION_SECONDS).
 *
 * Chargers stored before the copy existed lack LISTING_VERSION: a reader builds their view from the
 * partition as before and writes the copy once (fillListing, a lazy fill), under the same conditions,
 * so a status written meanwhile is never overwritten by the older one the fill read.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StatusEvent } from '../../ports/charger-status.js';
import type { ConnectionRecord } from '../../ports/connections.js';
import type { ChargerView, ConnectorView } from '../../ports/operator-views.js';
import { keyOf, keys } from './keys.js';
import { Expression, isConditionalCheckFailed, type TableContext } from './support.js';
import { INDEX_KEY_ATTRIBUTES } from './table.js';

/** The charger item's copy of its live (or last) connection. */
export const LISTED_CONNECTION = 'listedConnection';
/** Prefix of the charger item's copy of one connector's status: `listedConnector0001`. */
export const LISTED_CONNECTOR_PREFIX = 'listedConnector';
/** Set once a charger item's copy is complete (written by fillListing; absent on items from before). */
export const LISTING_VERSION = 'listingVersion';
const CURRENT_LISTING_VERSION = 1;

/**
 * A connection older than this is treated as gone even without its $disconnect ($disconnect is best
 * effort): API Gateway closes every WebSocket after 2 h, and the connection item itself expires by
 * TTL after as long (connection-repository.ts).
 */
export const CONNECTION_LIFETIME_MS = 3 * 60 * 60 * 1000;

const connectorAttribute = (connectorId: number): string =>
  `${LISTED_CONNECTOR_PREFIX}${String(connectorId).padStart(4, '0')}`;

interface ListedConnection {
  connectionId: string;
  /** Epoch ms, as ConnectionRecord. */
  connectedAt: number;
  protocol?: string;
  /** Epoch ms of the $disconnect; absent while the connection is live. */
  closedAt?: number;
}

interface ListedConnector {
  connectorId: number;
  status: string;
  errorCode?: string;
  info?: string;
  timestamp?: string;
  /** What orders statuses (StatusEvent.orderedAt, else its timestamp). */
  orderedAt: string;
}

function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function listedConnector(e: {
  connectorId: number;
  status?: unknown;
  errorCode?: unknown;
  info?: unknown;
  timestamp?: unknown;
  orderedAt?: unknown;
}): ListedConnector | undefined {
  const orderedAt = typeof e.orderedAt === 'string' ? e.orderedAt : e.timestamp;
  if (typeof e.status !== 'string' || typeof orderedAt !== 'string') return undefined;
  return defined({
    connectorId: e.connectorId,
    status: e.status,
    errorCode: typeof e.errorCode === 'string' ? e.errorCode : undefined,
    info: typeof e.info === 'string' ? e.info : undefined,
    timestamp: typeof e.timestamp === 'string' ? e.timestamp : undefined,
    orderedAt,
  });
}

/** `attribute OR its order < value`: the condition under which a connector's copy may be replaced. */
function olderConnector(u: Expression, c: ListedConnector): string {
  const attr = u.part(connectorAttribute(c.connectorId));
  return `(attribute_not_exists(${attr}) OR ${attr}.${u.part('orderedAt')} < ${u.value(c.orderedAt)})`;
}

function olderConnection(u: Expression, c: ListedConnection): string {
  const attr = u.part(LISTED_CONNECTION);
  return (
    `(attribute_not_exists(${attr}) OR ${attr}.${u.part('connectedAt')} < ${u.value(c.connectedAt)}` +
    ` OR (${attr}.${u.part('connectionId')} = ${u.value(c.connectionId)}` +
    ` AND attribute_not_exists(${attr}.${u.part('closedAt')})))`
  );
}

async function conditionalUpdate(t: TableContext, chargerId: string, u: Expression): Promise<boolean> {
  try {
    await t.doc.send(
      new UpdateCommand({ TableName: t.tableName, Key: keys.charger(chargerId), ...u.params() }),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/** Copies a StatusNotification onto the charger item, unless the copy holds a newer one. */
export async function listStatus(t: TableContext, e: StatusEvent): Promise<'updated' | 'older'> {
  const copy = listedConnector(e);
  if (!copy) return 'older';
  const u = new Expression();
  u.when(`attribute_exists(${u.part('pk')}) AND ${olderConnector(u, copy)}`);
  u.setRaw(`${u.part(connectorAttribute(copy.connectorId))} = ${u.value(copy)}`);
  return (await conditionalUpdate(t, e.chargerId, u)) ? 'updated' : 'older';
}

/** Copies a new connection onto the charger item, unless the copy holds a newer one. */
export async function listConnectionOpened(
  t: TableContext,
  c: Pick<ConnectionRecord, 'chargerId' | 'connectionId' | 'connectedAt' | 'protocol'>,
): Promise<'updated' | 'older'> {
  const copy: ListedConnection = defined({
    connectionId: c.connectionId,
    connectedAt: c.connectedAt,
    protocol: c.protocol,
  });
  const u = new Expression();
  u.when(`attribute_exists(${u.part('pk')}) AND ${olderConnection(u, copy)}`);
  u.setRaw(`${u.part(LISTED_CONNECTION)} = ${u.value(copy)}`);
  return (await conditionalUpdate(t, c.chargerId, u)) ? 'updated' : 'older';
}

/** Marks the copied connection closed at `closedAtMs`, if it is still this connection's and open. */
export async function listConnectionClosed(
  t: TableContext,
  chargerId: string,
  connectionId: string,
  closedAtMs: number,
): Promise<'closed' | 'not-current'> {
  const u = new Expression();
  const attr = u.part(LISTED_CONNECTION);
  const closedAt = `${attr}.${u.part('closedAt')}`;
  u.when(
    `${attr}.${u.part('connectionId')} = ${u.value(connectionId)} AND attribute_not_exists(${closedAt})`,
  );
  u.setRaw(`${closedAt} = ${u.value(closedAtMs)}`);
  return (await conditionalUpdate(t, chargerId, u)) ? 'closed' : 'not-current';
}

/** Whether the charger item carries a complete copy (else its view comes from its partition). */
export const isListed = (chargerItem: Record<string, unknown>): boolean =>
  typeof chargerItem[LISTING_VERSION] === 'number';

function connectionState(
  listed: ListedConnection | undefined,
  nowMs: number,
): Pick<ChargerView, 'connection' | 'offlineSince'> {
  if (!listed) return {};
  const expiredAtMs = listed.connectedAt + CONNECTION_LIFETIME_MS;
  if (listed.closedAt === undefined && expiredAtMs > nowMs) {
    return {
      connection: defined({
        connectionId: listed.connectionId,
        connectedAt: new Date(listed.connectedAt).toISOString(),
        protocol: listed.protocol,
      }),
    };
  }
  return { offlineSince: new Date(listed.closedAt ?? expiredAtMs).toISOString() };
}

/** Without a connection item the charger is offline; the copy may still tell since when. */
function offlineSinceOf(
  listed: ListedConnection | undefined,
  nowMs: number,
): Pick<ChargerView, 'offlineSince'> {
  const state = connectionState(listed, nowMs);
  return state.offlineSince ? { offlineSince: state.offlineSince } : {};
}

/** Key and bookkeeping attributes that never reach an answer (operator-views.ts strips the same). */
export const STORAGE_ATTRIBUTES = new Set(['pk', 'sk', ...INDEX_KEY_ATTRIBUTES, 'entity', 'expiresAt']);

/** The charger's own fields: no keys, no password hash, no copies; string sets as sorted arrays. */
function chargerFields(item: Record<string, unknown>): ChargerView['charger'] {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if (STORAGE_ATTRIBUTES.has(k) || k === 'passwordHash' || k === LISTING_VERSION) continue;
    if (k === LISTED_CONNECTION || k.startsWith(LISTED_CONNECTOR_PREFIX)) continue;
    out[k] = v instanceof Set ? [...v].sort() : v;
  }
  return out as ChargerView['charger'];
}

function connectorView(c: ListedConnector): ConnectorView {
  return defined({
    connectorId: c.connectorId,
    status: c.status,
    errorCode: c.errorCode,
    info: c.info,
    timestamp: c.timestamp,
  });
}

/** The view of a listed charger item, from its copy alone. */
export function viewOfListed(item: Record<string, unknown>, nowMs: number): ChargerView {
  const connectors = Object.entries(item)
    .filter(([k]) => k.startsWith(LISTED_CONNECTOR_PREFIX))
    .map(([, v]) => connectorView(v as ListedConnector))
    .sort((a, b) => a.connectorId - b.connectorId);
  return {
    charger: chargerFields(item),
    connectors,
    ...connectionState(item[LISTED_CONNECTION] as ListedConnection | undefined, nowMs),
  };
}

/**
 * The view of a charger from its partition's items (CHARGER, CONNECTION, CONNECTOR#...), for items
 * without the copy; also what fillListing copies.
 */
export function viewOfPartition(
  items: readonly Record<string, unknown>[],
  nowMs: number,
): { view: ChargerView; chargerItem: Record<string, unknown>; connectors: ListedConnector[] } | undefined {
  const chargerItem = items.find((i) => keyOf.isCharger(String(i.sk)));
  if (!chargerItem) return undefined;
  const connection = items.find((i) => keyOf.isConnection(String(i.sk)));
  const connectors = items
    .filter((i) => keyOf.isConnector(String(i.sk)))
    .flatMap((i) => {
      const c = listedConnector({
        ...i,
        connectorId: Number(i.connectorId ?? keyOf.connectorId(String(i.sk))),
      });
      return c ? [c] : [];
    });
  // The connection item is the truth while it exists; the copy tells since when a charger is offline.
  const listed = chargerItem[LISTED_CONNECTION] as ListedConnection | undefined;
  const live: ListedConnection | undefined = connection
    ? defined({
        connectionId: String(connection.connectionId),
        connectedAt: Number(connection.connectedAt),
        protocol: typeof connection.protocol === 'string' ? connection.protocol : undefined,
      })
    : undefined;
  return {
    view: {
      charger: chargerFields(chargerItem),
      connectors: connectors.map(connectorView).sort((a, b) => a.connectorId - b.connectorId),
      ...(live ? connectionState(live, nowMs) : offlineSinceOf(listed, nowMs)),
    },
    chargerItem,
    connectors,
  };
}

/**
 * Writes the copy of a charger stored before it existed, from what its partition held, and marks it
 * complete. Each part is written only where the copy holds nothing newer; if a concurrent write made
 * one of those conditions false, nothing is written and the next reader tries again.
 */
export async function fillListing(
  t: TableContext,
  chargerId: string,
  partitionItems: readonly Record<string, unknown>[],
): Promise<'filled' | 'raced'> {
  const chargerItem = partitionItems.find((i) => keyOf.isCharger(String(i.sk)));
  if (!chargerItem) return 'raced';
  const u = new Expression();
  const conditions = [`attribute_exists(${u.part('pk')})`];
  for (const i of partitionItems) {
    if (!keyOf.isConnector(String(i.sk))) continue;
    const c = listedConnector({
      ...i,
      connectorId: Number(i.connectorId ?? keyOf.connectorId(String(i.sk))),
    });
    if (!c) continue;
    const held = chargerItem[connectorAttribute(c.connectorId)] as ListedConnector | undefined;
    if (held && held.orderedAt >= c.orderedAt) continue;
    conditions.push(olderConnector(u, c));
    u.setRaw(`${u.part(connectorAttribute(c.connectorId))} = ${u.value(c)}`);
  }
  const connection = partitionItems.find((i) => keyOf.isConnection(String(i.sk)));
  const held = chargerItem[LISTED_CONNECTION] as ListedConnection | undefined;
  if (connection && (!held || held.connectedAt < Number(connection.connectedAt))) {
    const copy: ListedConnection = defined({
      connectionId: String(connection.connectionId),
      connectedAt: Number(connection.connectedAt),
      protocol: typeof connection.protocol === 'string' ? connection.protocol : undefined,
    });
    conditions.push(olderConnection(u, copy));
    u.setRaw(`${u.part(LISTED_CONNECTION)} = ${u.value(copy)}`);
  }
  u.when(conditions.join(' AND '));
  u.setRaw(`${u.part(LISTING_VERSION)} = ${u.value(CURRENT_LISTING_VERSION)}`);
  return (await conditionalUpdate(t, chargerId, u)) ? 'filled' : 'raced';
}

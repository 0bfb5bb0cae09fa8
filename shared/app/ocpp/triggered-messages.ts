/**
 * OCPP 1.6 §4.2: a charger in Pending may send the messages a TriggerMessage asked it for, and
 * nothing else but BootNotification. No state of its own: the platform's outbound call records
 * already say what was asked and when, so a trigger is honoured for a bounded window after it was
 * sent (a StatusNotification trigger without connectorId may bring one answer per connector).
 */
import { isoFromMillis } from '../../ocpp/time.js';
import type { OutboundCallRecord } from '../../ports/charger-calls.js';
import type { ChargerSession, OcppDeps } from './deps.js';

/** How long after a TriggerMessage went out the charger may send what it asked for. */
export const TRIGGERED_MESSAGE_WINDOW_SECONDS = 120;

/**
 * How long before it was sent a TriggerMessage may have been created (queued behind other calls)
 * and still be found. A Pending charger is asked little, so the look-back reads few records.
 */
const TRIGGER_QUEUE_LOOKBACK_SECONDS = 30 * 60;

/** The actions TriggerMessage can ask for whose payload names a connector. */
const CONNECTOR_SCOPED = new Set(['StatusNotification', 'MeterValues']);

/**
 * True when `action` is what a TriggerMessage sent to this Pending charger within the window asked
 * for (on the connector it named, if it named one), and the charger did not refuse the trigger.
 */
export async function wasTriggered(
  deps: Pick<OcppDeps, 'calls' | 'chargers' | 'clock'>,
  session: ChargerSession,
  action: string,
  payload: unknown,
): Promise<boolean> {
  const nowMs = deps.clock.now();
  const windowMs = TRIGGERED_MESSAGE_WINDOW_SECONDS * 1000;
  // The window runs from when the trigger was sent, and it may have queued behind other calls
  // before that: the records are found by creation time, so look back further than the window.
  const since = isoFromMillis(nowMs - windowMs - TRIGGER_QUEUE_LOOKBACK_SECONDS * 1000);
  const calls = await deps.calls.createdSince(session.chargerId, since);
  const asked = calls.some((call) => triggers(call, action, payload, nowMs - windowMs));
  if (!asked) return false;
  // Only Pending: a Rejected charger is told to go away, whatever it was asked before.
  const charger = await deps.chargers.get(session.chargerId);
  return charger?.registration === 'pending';
}

function triggers(call: OutboundCallRecord, action: string, payload: unknown, sentFromMs: number): boolean {
  if (call.action !== 'TriggerMessage' || call.payload.requestedMessage !== action) return false;
  if (call.sentAt === undefined || Date.parse(call.sentAt) < sentFromMs) return false;
  // Sent and not answered yet counts: the answer and the triggered message may be handled out of order.
  const notRefused =
    call.status === 'sent' || (call.status === 'succeeded' && call.result?.status === 'Accepted');
  if (!notRefused) return false;
  const connectorId = call.payload.connectorId;
  if (typeof connectorId !== 'number' || !CONNECTOR_SCOPED.has(action)) return true;
  return (payload as { connectorId?: unknown }).connectorId === connectorId;
}

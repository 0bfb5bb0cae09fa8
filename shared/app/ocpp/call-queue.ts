/**
 * The charger's call queue (see commands.ts): one outstanding slot per charger, the oldest queued
 * call sent when it is free, and every way a call ends without an answer: its deadline passes
 * (`timeout` once sent, `not-sent` while queued), its connection closes or is superseded, or the
 * frame cannot be posted. Each of these frees the slot so the queue moves on.
 */
import type { OcppErrorCode } from '../../ocpp/errors.js';
import { encodeCall } from '../../ocpp/frames.js';
import { isoFromMillis } from '../../ocpp/time.js';
import type { CallRef, OutboundCallRecord } from '../../ports/charger-calls.js';
import type { CommandDeps } from './commands.js';

export const refOf = (c: Pick<OutboundCallRecord, 'chargerId' | 'createdAt' | 'messageId'>): CallRef => ({
  chargerId: c.chargerId,
  createdAt: c.createdAt,
  messageId: c.messageId,
});

async function failCall(
  deps: CommandDeps,
  call: OutboundCallRecord,
  code: OcppErrorCode,
  description: string,
) {
  await deps.calls.complete(refOf(call), {
    status: 'failed',
    completedAt: isoFromMillis(deps.clock.now()),
    error: { code, description, source: 'platform' },
  });
}

export const isOpen = (call: OutboundCallRecord) => call.status === 'queued' || call.status === 'sent';

/** Ends a call that never left the platform, saying why. */
async function giveUpUnsent(
  deps: CommandDeps,
  call: Pick<OutboundCallRecord, 'chargerId' | 'createdAt' | 'messageId'>,
  code: 'ChargerOffline' | 'ChargerBusy' | 'SendIncomplete',
  description: string,
) {
  await deps.calls.complete(refOf(call), {
    status: 'not-sent',
    completedAt: isoFromMillis(deps.clock.now()),
    error: { code, description, source: 'platform' },
  });
}

/**
 * Ends an open call past its deadline and frees the slot if it held it: a sent call times out; a
 * call still queued (or whose send never completed) ends not sent, since the charger never saw it.
 */
export async function expireCall(
  deps: CommandDeps,
  ref: Pick<OutboundCallRecord, 'chargerId' | 'createdAt' | 'messageId'>,
  unsent: { code: 'ChargerBusy' | 'SendIncomplete'; description: string } = {
    code: 'ChargerBusy',
    description: 'not sent: earlier calls to the charger were still outstanding at its queue deadline',
  },
) {
  const call = await deps.calls.get(refOf(ref));
  if (call?.status === 'sent') {
    if (
      await deps.calls.complete(refOf(call), {
        status: 'timeout',
        completedAt: isoFromMillis(deps.clock.now()),
      })
    )
      deps.log.info('platform call timed out', { chargerId: call.chargerId, messageId: call.messageId });
  } else if (call?.status === 'queued') {
    await giveUpUnsent(deps, call, unsent.code, unsent.description);
    deps.log.info('platform call given up unsent', { chargerId: call.chargerId, messageId: call.messageId });
  }
  await deps.calls.release(ref.chargerId, ref.messageId);
}

/**
 * A connection closed or was replaced by a newer one. OCPP-J answers travel on the connection the
 * call went out on, so a call outstanding on that connection can never be answered: it fails at once
 * instead of holding the charger's slot, and every call queued behind it, until its deadline.
 * True when it failed a call.
 */
export async function failCallOfConnection(
  deps: CommandDeps,
  chargerId: string,
  connectionId: string,
  description: string,
): Promise<boolean> {
  const held = await deps.calls.outstanding(chargerId);
  if (!held) return false;
  const ref: CallRef = { chargerId, createdAt: held.createdAt, messageId: held.messageId };
  const call = await deps.calls.get(ref);
  if (call?.status !== 'sent' || call.connectionId !== connectionId) return false;
  await failCall(deps, call, 'ChargerOffline', description);
  await deps.calls.release(chargerId, held.messageId);
  deps.log.info('platform call failed with its connection', { chargerId, messageId: held.messageId });
  return true;
}

/** Upper bound on calls one pump ends or sends, so a long dead queue cannot hold an invocation. */
const PUMP_STEPS = 50;

/**
 * Sends the charger's oldest queued call if its outstanding slot is free. Safe to run anywhere at
 * any time, concurrently: the slot is a conditional write, so at most one call is ever outstanding.
 */
export async function pumpCalls(deps: CommandDeps, chargerId: string): Promise<void> {
  for (let step = 0; step < PUMP_STEPS; step++) {
    const now = deps.clock.now();
    const held = await deps.calls.outstanding(chargerId);
    if (held) {
      if (Date.parse(held.deadline) > now) return;
      // Overdue: a sent call times out; one still queued holds the slot only because the invocation
      // sending it stopped before it could.
      await expireCall(
        deps,
        { chargerId, createdAt: held.createdAt, messageId: held.messageId },
        { code: 'SendIncomplete', description: 'not sent: the attempt to send it did not complete' },
      );
      continue;
    }
    const [next] = await deps.calls.queued(chargerId);
    if (!next) return;
    if (Date.parse(next.deadline) <= now) {
      await expireCall(deps, next); // its queue deadline passed: not sent
      continue;
    }
    // The answer's deadline counts from now, when the call leaves, not from when it was queued.
    const timeoutSeconds = next.timeoutSeconds ?? deps.settings.callTimeoutSeconds;
    const deadline = isoFromMillis(now + timeoutSeconds * 1000);
    if (
      !(await deps.calls.acquire(chargerId, {
        messageId: next.messageId,
        createdAt: next.createdAt,
        deadline,
      }))
    ) {
      return; // another invocation took the slot and sends its own call
    }
    const conn = await deps.connections.current(chargerId);
    if (!conn) {
      await giveUpUnsent(deps, next, 'ChargerOffline', 'not sent: the charger disconnected before its turn');
      await deps.calls.release(chargerId, next.messageId);
      continue;
    }
    const sentAt = isoFromMillis(now);
    if (!(await deps.calls.markSent(refOf(next), { sentAt, connectionId: conn.connectionId, deadline }))) {
      await deps.calls.release(chargerId, next.messageId);
      continue;
    }
    let sent: 'sent' | 'gone';
    try {
      sent = await deps.gateway.send(conn, encodeCall(next.messageId, next.action, next.payload));
    } catch (err) {
      deps.log.error('could not post a call to the charger', {
        chargerId,
        messageId: next.messageId,
        error: String(err),
      });
      sent = 'gone';
    }
    if (sent === 'sent') return;
    // Marked sent a moment ago, but the frame never reached the charger: report it as such.
    await deps.calls.complete(refOf(next), {
      status: 'not-sent',
      completedAt: isoFromMillis(deps.clock.now()),
      error: {
        code: 'ChargerOffline',
        description: 'not sent: the charger connection is gone',
        source: 'platform',
      },
    });
    await deps.calls.release(chargerId, next.messageId);
  }
}

/** The scheduled sweep: ends every open call past its deadline and restarts stalled queues. */
export async function sweepCalls(deps: CommandDeps): Promise<{ timedOut: number; chargers: number }> {
  const open = await deps.calls.open();
  const now = deps.clock.now();
  const chargers = new Set<string>();
  let timedOut = 0;
  for (const call of open) {
    chargers.add(call.chargerId);
    if (Date.parse(call.deadline) <= now) {
      await expireCall(deps, call);
      timedOut++;
    }
  }
  for (const chargerId of chargers) {
    try {
      await pumpCalls(deps, chargerId);
    } catch (err) {
      deps.log.error('could not restart a charger call queue', { chargerId, error: String(err) });
    }
  }
  return { timedOut, chargers: chargers.size };
}

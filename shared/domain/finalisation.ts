/**
 * When a charge is final, i.e. safe to capture. A charger that lost its link queues MeterValues
 * and StopTransaction and may deliver them late and out of order, so "stopped" is not "final":
 * the charge settles once the stop reading (meterStop) is in and no sample has arrived for a
 * settle window. A card hold must never lapse, so when it is about to, the charge is final anyway
 * (capture what is known; a running session must then be stopped by the caller).
 *
 * All instants are epoch seconds on the platform's clock (receive times), since `now` is too:
 * the charger's own timestamps may be skewed.
 */
import { InvalidArgumentError } from './errors.js';

export const DEFAULT_SETTLE_WINDOW_SECONDS = 120;
/**
 * A session still open this long before its card hold lapses is stopped, finalised on the data in
 * hand and captured: a day, so a capture that fails has a day of retries before Stripe releases the
 * hold (card-not-present holds last about 7 days).
 */
export const DEFAULT_HOLD_SAFETY_SECONDS = 24 * 3600;

/** Final, and why; or not yet, why, and when to look again (null: only a new event can tell). */
export type Finality =
  | { final: true; reason: 'settled' | 'hold-expiring' }
  | { final: false; reason: 'running' | 'awaiting-meter-stop' | 'settling'; checkAgainAt: number | null };

/**
 * - 'settled': stopped, meterStop known, and `settleWindowSeconds` passed since the later of the
 *   stop and the last sample received (each late sample restarts the window);
 * - 'hold-expiring': `now` is within `holdSafetySeconds` of the hold's expiry, whatever the state.
 */
export function isChargeFinal(input: {
  stoppedAt: number | null;
  meterStopKnown: boolean;
  lastSampleReceivedAt: number | null;
  now: number;
  settleWindowSeconds?: number;
  holdExpiresAt?: number | null;
  holdSafetySeconds?: number;
}): Finality {
  const settleWindow = input.settleWindowSeconds ?? DEFAULT_SETTLE_WINDOW_SECONDS;
  const safety = input.holdSafetySeconds ?? DEFAULT_HOLD_SAFETY_SECONDS;
  for (const [name, value] of Object.entries({
    now: input.now,
    settleWindowSeconds: settleWindow,
    holdSafetySeconds: safety,
  })) {
    if (!Number.isSafeInteger(value) || (name !== 'now' && value < 0)) {
      throw new InvalidArgumentError(`${name} must be a non-negative integer number of seconds`);
    }
  }
  const holdDeadline =
    input.holdExpiresAt === undefined || input.holdExpiresAt === null ? null : input.holdExpiresAt - safety;

  let settleAt: number | null = null;
  if (input.stoppedAt !== null && input.meterStopKnown) {
    settleAt = Math.max(input.stoppedAt, input.lastSampleReceivedAt ?? input.stoppedAt) + settleWindow;
    if (input.now >= settleAt) return { final: true, reason: 'settled' };
  }
  if (holdDeadline !== null && input.now >= holdDeadline) return { final: true, reason: 'hold-expiring' };

  const earliest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
  if (settleAt !== null)
    return { final: false, reason: 'settling', checkAgainAt: earliest(settleAt, holdDeadline) };
  return {
    final: false,
    reason: input.stoppedAt === null ? 'running' : 'awaiting-meter-stop',
    checkAgainAt: holdDeadline,
  };
}

/**
 * Every minute, so that no hold is left dangling: a session still waiting for its car past the start
 * timeout is cancelled as `abandoned`; a cancelled session whose hold release failed is released
 * again (the cancel carries the same idempotency key, so Stripe does it once); a charging session's
 * transaction is checked for what the capture never sees (review-unpriceable.ts).
 */
import { cancelHeldSession, releaseHold } from './cancel-session.js';
import type { PaymentsDeps } from './deps.js';
import { checkSettlement } from './review-unpriceable.js';

export interface SweepReport {
  abandoned: number;
  released: number;
  /** Charging sessions whose transaction could not be priced: hold released, set for review. */
  reviewed: number;
  cleared: number;
  failed: number;
}

export async function sweepSessions(deps: PaymentsDeps, limit = 100): Promise<SweepReport> {
  const now = Math.floor(deps.clock.now() / 1000);
  const due = await deps.sessions.dueForSweep(now, limit);
  const report: SweepReport = { abandoned: 0, released: 0, reviewed: 0, cleared: 0, failed: 0 };
  for (const session of due) {
    try {
      if (session.status === 'starting') {
        const after = await cancelHeldSession(deps, session, 'abandoned');
        if (after.status === 'cancelled') report.abandoned++;
      } else if (session.status === 'cancelled' && !session.settlement) {
        await releaseHold(deps, session);
        report.released++;
      } else if (session.status === 'charging' || session.status === 'finishing') {
        if ((await checkSettlement(deps, session)) === 'released-for-review') report.reviewed++;
      } else {
        await deps.sessions.patch(session.sessionId, { sweepAt: null });
        report.cleared++;
      }
    } catch (err) {
      report.failed++;
      deps.log.error('session sweep failed for one session; the next run retries', {
        sessionId: session.sessionId,
        error: String(err),
      });
    }
  }
  if (due.length > 0) deps.log.info('session sweep', { ...report });
  return report;
}

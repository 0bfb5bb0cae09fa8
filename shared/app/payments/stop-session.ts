/**
 * The driver's Stop on the Transaction URL page: RemoteStopTransaction, then `finishing` until the
 * charger's StopTransaction and the final readings arrive. Before charging started, Stop means
 * Cancel.
 */
import type { PaymentSession } from '../../ports/payments.js';
import { cancelByDriver } from './cancel-session.js';
import { isoFromMillis, type PaymentsDeps } from './deps.js';
import { PaymentFlowError } from './errors.js';

export async function stopByDriver(deps: PaymentsDeps, session: PaymentSession): Promise<PaymentSession> {
  if (session.status === 'awaiting-payment' || session.status === 'starting')
    return cancelByDriver(deps, session);
  if (session.status === 'finishing') return session;
  if (session.status !== 'charging' || session.transactionId === undefined) {
    throw new PaymentFlowError('PAY_SESSION_ENDED', 'This session has already ended.');
  }
  await deps.charger.remoteStop(session.chargerId, session.transactionId);
  const now = isoFromMillis(deps.clock.now());
  await deps.sessions.advance(session.sessionId, ['charging'], 'finishing', {
    stopRequestedAt: now,
    updatedAt: now,
  });
  deps.log.info('driver stopped the session', { sessionId: session.sessionId });
  return { ...session, status: 'finishing', stopRequestedAt: now, updatedAt: now };
}

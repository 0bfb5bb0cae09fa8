/**
 * In-memory adapters of the payments ports, with the DynamoDB adapters' semantics (conditional
 * status moves, one binding each way, outbox dedup by session+kind+copy) and a card processor that
 * behaves like Stripe's manual-capture PaymentIntents (capture once, at most what is capturable;
 * idempotency keys replay). For unit tests and the money-invariant property test.
 */
import type { IdTag } from '../../domain/entities.js';
import { sameIdTag } from '../../domain/id-tag.js';
import { canAdvance, type PaymentSessionStatus } from '../../domain/payment-session.js';
import type {
  CreateHoldInput,
  Hold,
  IdTagWriter,
  PaymentGateway,
  PaymentSession,
  PaymentSessionRepository,
  ReceiptOutbox,
  ReceiptRecord,
  ReceiptRequest,
  SessionCharge,
  SessionCharger,
  SessionPatch,
  SessionTransactions,
} from '../../ports/payments.js';

const clone = <T>(v: T): T => structuredClone(v);

/** Code-unit order, as DynamoDB sorts string keys (ASCII ids sort the same either way). */
const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function applyPatch(session: PaymentSession, patch: SessionPatch): PaymentSession {
  const next: Record<string, unknown> = { ...session };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else if (v !== undefined) next[k] = v;
  }
  return next as unknown as PaymentSession;
}

export class MemoryPaymentSessions implements PaymentSessionRepository {
  readonly sessions = new Map<string, PaymentSession>();
  private readonly byTx = new Map<string, string>();

  async create(session: PaymentSession): Promise<void> {
    // Like the adapter's transaction of three conditional puts: the id, the token hash and the
    // idTag (case-insensitive) are each one session's, or nothing is written.
    for (const s of this.sessions.values()) {
      if (
        s.sessionId === session.sessionId ||
        s.tokenHash === session.tokenHash ||
        sameIdTag(s.idTag, session.idTag)
      ) {
        throw new Error(`session ${session.sessionId}: id, token or idTag already taken`);
      }
    }
    this.sessions.set(session.sessionId, clone(session));
  }
  async get(sessionId: string) {
    const s = this.sessions.get(sessionId);
    return s ? clone(s) : undefined;
  }
  async byTokenHash(tokenHash: string) {
    const s = [...this.sessions.values()].find((x) => x.tokenHash === tokenHash);
    return s ? clone(s) : undefined;
  }
  async byIdTag(idTag: string) {
    const s = [...this.sessions.values()].find((x) => sameIdTag(x.idTag, idTag));
    return s ? clone(s) : undefined;
  }
  async advance(
    sessionId: string,
    from: readonly PaymentSessionStatus[],
    to: PaymentSessionStatus,
    patch: SessionPatch,
  ): Promise<'saved' | 'conflict'> {
    const s = this.sessions.get(sessionId);
    if (!s || !from.includes(s.status) || !canAdvance(s.status, to)) return 'conflict';
    this.sessions.set(sessionId, { ...applyPatch(s, patch), status: to });
    return 'saved';
  }
  async patch(sessionId: string, patch: SessionPatch): Promise<void> {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`no session ${sessionId}`);
    this.sessions.set(sessionId, applyPatch(s, patch));
  }
  async bindTransaction(sessionId: string, chargerId: string, transactionId: number) {
    const key = `${chargerId}#${transactionId}`;
    const s = this.sessions.get(sessionId);
    // A session's idTag was sent to its own charger only: another charger's transaction is not its.
    if (!s || s.chargerId !== chargerId) return 'taken' as const;
    const boundTx = this.byTx.get(key);
    if (boundTx !== undefined && boundTx !== sessionId) return 'taken' as const;
    if (s.transactionId !== undefined && s.transactionId !== transactionId) return 'taken' as const;
    this.byTx.set(key, sessionId);
    this.sessions.set(sessionId, { ...s, transactionId });
    return 'bound' as const;
  }
  async sessionOfTransaction(chargerId: string, transactionId: number) {
    return this.byTx.get(`${chargerId}#${transactionId}`);
  }
  async dueForSweep(now: number, limit: number) {
    return (
      [...this.sessions.values()]
        .filter((s) => s.sweepAt !== undefined && s.sweepAt <= now)
        // The adapter's index sorts by `<sweepAt>#<sessionId>`.
        .sort((a, b) => (a.sweepAt ?? 0) - (b.sweepAt ?? 0) || compareStrings(a.sessionId, b.sessionId))
        .slice(0, limit)
        .map(clone)
    );
  }
}

/** The test cards the fake understands by their last digits, like the emulator's. */
export type FakeCardOutcome = 'held' | 'declined' | 'requires-action';

interface FakeIntent extends Hold {
  captures: number;
}

/** A manual-capture card processor with Stripe's rules; `confirm` plays the browser's part. */
export class FakePaymentGateway implements PaymentGateway {
  readonly publishableKey = 'pk_test_fake';
  readonly intents = new Map<string, FakeIntent>();
  private readonly replies = new Map<string, { params: string; result: Hold }>();
  private n = 0;
  /** Calls that changed something, in order (for assertions). */
  readonly calls: { op: 'create' | 'capture' | 'cancel'; paymentIntentId: string; amountMinor?: number }[] =
    [];
  /** Make the next call of this kind throw (a network error) after it took effect at Stripe. */
  failAfter: 'capture' | 'cancel' | undefined;

  constructor(private readonly clock: { now(): number }) {}

  private idempotent(key: string, params: unknown, run: () => Hold): Hold {
    const stored = this.replies.get(key);
    const p = JSON.stringify(params);
    if (stored) {
      if (stored.params !== p) throw new Error(`idempotency key ${key} reused with other parameters`);
      return clone(stored.result);
    }
    const result = run();
    this.replies.set(key, { params: p, result: clone(result) });
    return result;
  }

  private view(i: FakeIntent): Hold {
    const { captures: _c, ...hold } = i;
    return clone(hold);
  }

  async createHold(input: CreateHoldInput): Promise<Hold> {
    return this.idempotent(input.idempotencyKey, { ...input, idempotencyKey: undefined }, () => {
      const id = `pi_fake_${++this.n}`;
      const intent: FakeIntent = {
        paymentIntentId: id,
        status: 'requires_payment_method',
        amountMinor: input.amountMinor,
        amountCapturableMinor: 0,
        amountReceivedMinor: 0,
        currency: input.currency,
        clientSecret: `${id}_secret_fake`,
        metadata: { ...input.metadata },
        captures: 0,
      };
      this.intents.set(id, intent);
      this.calls.push({ op: 'create', paymentIntentId: id, amountMinor: input.amountMinor });
      return this.view(intent);
    });
  }

  /** The driver's card entry (what Stripe.js does in the browser). */
  confirm(paymentIntentId: string, outcome: FakeCardOutcome = 'held'): Hold {
    const i = this.must(paymentIntentId);
    if (outcome === 'declined') {
      i.status = 'requires_payment_method';
      i.lastError = { code: 'card_declined', message: 'Your card was declined.' };
    } else if (outcome === 'requires-action') {
      i.status = 'requires_action';
    } else {
      i.status = 'requires_capture';
      i.amountCapturableMinor = i.amountMinor;
      i.captureBefore = Math.floor(this.clock.now() / 1000) + 7 * 24 * 3600;
      delete i.lastError;
    }
    return this.view(i);
  }

  /** Stripe letting the hold lapse. */
  expire(paymentIntentId: string): void {
    const i = this.must(paymentIntentId);
    i.status = 'canceled';
    i.cancellationReason = 'automatic';
    i.amountCapturableMinor = 0;
  }

  async getHold(paymentIntentId: string): Promise<Hold> {
    return this.view(this.must(paymentIntentId));
  }

  async capture(paymentIntentId: string, amountMinor: number, idempotencyKey: string): Promise<Hold> {
    const result = this.idempotent(idempotencyKey, { paymentIntentId, amountMinor }, () => {
      const i = this.must(paymentIntentId);
      if (i.status !== 'requires_capture') throw new Error(`cannot capture a ${i.status} PaymentIntent`);
      if (amountMinor > i.amountCapturableMinor)
        throw new Error('amount_to_capture exceeds amount_capturable');
      i.captures++;
      i.status = 'succeeded';
      i.amountReceivedMinor = amountMinor;
      i.amountCapturableMinor = 0;
      this.calls.push({ op: 'capture', paymentIntentId, amountMinor });
      return this.view(i);
    });
    if (this.failAfter === 'capture') {
      this.failAfter = undefined;
      throw new Error('network error after capture');
    }
    return result;
  }

  async cancel(paymentIntentId: string, reason: string, idempotencyKey: string): Promise<Hold> {
    const result = this.idempotent(idempotencyKey, { paymentIntentId }, () => {
      const i = this.must(paymentIntentId);
      if (i.status === 'succeeded' || i.status === 'canceled')
        throw new Error(`cannot cancel a ${i.status} PaymentIntent`);
      i.status = 'canceled';
      i.cancellationReason = reason;
      i.amountCapturableMinor = 0;
      this.calls.push({ op: 'cancel', paymentIntentId });
      return this.view(i);
    });
    if (this.failAfter === 'cancel') {
      this.failAfter = undefined;
      throw new Error('network error after cancel');
    }
    return result;
  }

  private must(id: string): FakeIntent {
    const i = this.intents.get(id);
    if (!i) throw new Error(`no PaymentIntent ${id}`);
    return i;
  }
}

/** A charger that answers RemoteStart as told and records what it was sent. */
export class FakeSessionCharger implements SessionCharger {
  online = true;
  answer: 'accepted' | 'rejected' | 'no-answer' = 'accepted';
  readonly starts: { chargerId: string; connectorId: number; idTag: string }[] = [];
  readonly stops: { chargerId: string; transactionId: number }[] = [];

  async isOnline(): Promise<boolean> {
    return this.online;
  }
  async remoteStart(chargerId: string, connectorId: number, idTag: string) {
    this.starts.push({ chargerId, connectorId, idTag });
    return this.answer;
  }
  async remoteStop(chargerId: string, transactionId: number) {
    this.stops.push({ chargerId, transactionId });
  }
}

export class MemorySessionTransactions implements SessionTransactions {
  /** The transactions OCPP stored, as payments reads them; a key here is a transaction that exists. */
  readonly charges = new Map<string, SessionCharge>();
  readonly holds = new Map<
    string,
    { preAuthAmountMinor: number; holdExpiresAt?: number; paymentSessionId: string }
  >();

  /** OCPP stored the StartTransaction: the transaction exists, unpriced and not final. */
  started(chargerId: string, transactionId: number, idTag: string): void {
    this.charges.set(`${chargerId}#${transactionId}`, { idTag, final: false });
  }

  async chargeOf(chargerId: string, transactionId: number) {
    const c = this.charges.get(`${chargerId}#${transactionId}`);
    return c ? clone(c) : undefined;
  }
  async attachHold(
    chargerId: string,
    transactionId: number,
    hold: { preAuthAmountMinor: number; holdExpiresAt?: number; paymentSessionId: string },
  ) {
    const key = `${chargerId}#${transactionId}`;
    // The seam is written on OCPP's transaction item, never in place of it (see `started`).
    if (!this.charges.has(key)) throw new Error(`no transaction ${key}`);
    this.holds.set(key, { ...hold });
  }
}

/** Oldest first; the adapter's order for receipts requested at the same instant (copy, then kind). */
const receiptOrder = (a: ReceiptRecord, b: ReceiptRecord): number =>
  compareStrings(a.requestedAt, b.requestedAt) || a.copy - b.copy || compareStrings(a.kind, b.kind);

export class MemoryReceiptOutbox implements ReceiptOutbox {
  readonly items: ReceiptRecord[] = [];

  async enqueue(request: ReceiptRequest) {
    if (
      this.items.some(
        (r) => r.sessionId === request.sessionId && r.kind === request.kind && r.copy === request.copy,
      )
    ) {
      return 'duplicate' as const;
    }
    this.items.push({ ...request });
    return 'queued' as const;
  }
  private find(request: ReceiptRequest) {
    return this.items.find(
      (r) => r.sessionId === request.sessionId && r.kind === request.kind && r.copy === request.copy,
    );
  }
  /** Like the adapter's conditional update: marking a receipt never queued is an error. */
  private mark(request: ReceiptRequest, fields: Partial<ReceiptRecord>) {
    const item = this.find(request);
    if (!item) throw new Error(`no receipt ${request.sessionId} ${request.kind}#${request.copy}`);
    Object.assign(item, fields);
  }
  async markSent(request: ReceiptRequest, messageId: string, sentAt: string) {
    this.mark(request, { messageId, sentAt });
  }
  async markFailed(request: ReceiptRequest, failure: string, failedAt: string) {
    this.mark(request, { failure, failedAt });
  }
  async ofSession(sessionId: string) {
    return this.items
      .filter((r) => r.sessionId === sessionId)
      .sort(receiptOrder)
      .map((r) => ({ ...r }));
  }
}

export class MemoryIdTagWriter implements IdTagWriter {
  readonly tags = new Map<string, IdTag>();
  async putIdTag(tag: IdTag) {
    this.tags.set(`${tag.operatorId}#${tag.idTag.toUpperCase()}`, { ...tag });
  }
}

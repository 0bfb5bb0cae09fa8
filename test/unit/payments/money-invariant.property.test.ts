/**
 * Property: however Stripe, the charger, the driver and the streams misbehave, the money adds up.
 *
 * Each run plays one to four paid sessions, interleaved, through the payments use cases over the
 * in-memory fakes (500 runs: at least 500 sessions). Faults injected: webhooks duplicated, reordered
 * and of every PaymentIntent type; the page's confirm racing the webhook (run concurrently, so the
 * use cases interleave at their awaits); `charge-finalised` delivered one to three times, late and
 * interleaved with other sessions; a network error after Stripe captured or cancelled, followed by
 * the redelivery; drivers cancelling before the start; starts that never come and a sweeper that
 * runs mid-run; chargers refusing RemoteStart; StartTransaction after a cancel (and racing the
 * sweeper); zero charges, charges above the hold, declined cards and 3-D Secure.
 *
 * The oracle is what the harness itself saw: whether Stripe holds money (the card step), and
 * whether the platform accepted the StartTransaction as the session's (`bindTransaction` said
 * `bound`). From those alone it predicts what must be captured and which receipts are owed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FakeCardOutcome } from '../../../shared/adapters/memory/payments.js';
import { AppError } from '../../../shared/app/errors.js';
import { type BegunPayment, beginPayment } from '../../../shared/app/payments/begin-payment.js';
import { type BindOutcome, bindTransaction } from '../../../shared/app/payments/bind-transaction.js';
import { cancelByDriver } from '../../../shared/app/payments/cancel-session.js';
import { captureFinalCharge } from '../../../shared/app/payments/capture-charge.js';
import { confirmHold } from '../../../shared/app/payments/confirm-hold.js';
import type { PaymentsDeps } from '../../../shared/app/payments/deps.js';
import { handlePaymentIntentEvent } from '../../../shared/app/payments/payment-events.js';
import { stopByDriver } from '../../../shared/app/payments/stop-session.js';
import { sweepSessions } from '../../../shared/app/payments/sweep-sessions.js';
import type { SessionCharger } from '../../../shared/ports/payments.js';
import { paymentsWorld } from '../../fixtures/payments/world.js';

const PRE_AUTH_MINOR = 3000;
const START_TIMEOUT_SECONDS = 300;

const WEBHOOK_TYPES = [
  'payment_intent.amount_capturable_updated',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'payment_intent.requires_action',
] as const;
type WebhookType = (typeof WEBHOOK_TYPES)[number];

interface SessionPlan {
  card: 'held' | 'declined' | '3ds-pass' | '3ds-fail';
  /** False: the page died after Stripe.js confirmed; only the webhook reports the hold. */
  pageConfirms: boolean;
  /** Times Stripe delivers `amount_capturable_updated` (at least once: it retries until it lands). */
  capturableWebhooks: number;
  /** Further webhooks of any type, in any order. */
  strayWebhooks: WebhookType[];
  chargerAnswer: 'accepted' | 'no-answer' | 'rejected';
  driverCancels: 'no' | 'before-card' | 'after-card';
  startComes: boolean;
  driverStops: boolean;
  chargeMinor: number;
  finalDeliveries: number;
  /** The charge was finalised because the hold is about to lapse (the car still plugged in). */
  stillRunning: boolean;
  fault: 'none' | 'capture' | 'cancel';
  /** Spacing of this session's steps in the shared timeline, and where its webhooks land. */
  gaps: number[];
  webhookDelays: number[];
}

const planArb: fc.Arbitrary<SessionPlan> = fc.record({
  card: fc.constantFrom('held', 'held', 'held', 'declined', '3ds-pass', '3ds-fail'),
  pageConfirms: fc.boolean(),
  capturableWebhooks: fc.integer({ min: 1, max: 2 }),
  strayWebhooks: fc.array(fc.constantFrom(...WEBHOOK_TYPES), { maxLength: 3 }),
  chargerAnswer: fc.constantFrom('accepted', 'accepted', 'no-answer', 'rejected'),
  driverCancels: fc.constantFrom('no', 'no', 'no', 'before-card', 'after-card'),
  startComes: fc.constantFrom(true, true, true, false),
  driverStops: fc.boolean(),
  chargeMinor: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: PRE_AUTH_MINOR }),
    fc.integer({ min: PRE_AUTH_MINOR + 1, max: 3 * PRE_AUTH_MINOR }),
  ),
  finalDeliveries: fc.integer({ min: 1, max: 3 }),
  stillRunning: fc.constantFrom(false, false, false, true),
  fault: fc.constantFrom('none', 'none', 'capture', 'cancel'),
  gaps: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 16, maxLength: 16 }),
  webhookDelays: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 8, maxLength: 8 }),
});

type Step =
  | { kind: 'begin'; s: number }
  | { kind: 'card'; s: number; outcome: FakeCardOutcome }
  | { kind: 'page-confirm'; s: number }
  | { kind: 'webhook'; s: number; type: WebhookType }
  | { kind: 'cancel'; s: number }
  | { kind: 'start'; s: number }
  | { kind: 'stop'; s: number }
  | { kind: 'finalise'; s: number }
  | { kind: 'fault'; s: number; op: 'capture' | 'cancel' }
  | { kind: 'sweep' };

/** Kinds that may race another step of the same session (everything else follows its predecessor). */
const RACY: ReadonlySet<Step['kind']> = new Set(['webhook', 'page-confirm', 'cancel', 'sweep', 'fault']);

interface Run {
  plans: SessionPlan[];
  sweepsAt: number[];
  /** Per position in the merged timeline: run together with the previous step; seconds that pass first. */
  concurrent: boolean[];
  tickSeconds: number[];
}

const runArb: fc.Arbitrary<Run> = fc.record({
  plans: fc.array(planArb, { minLength: 1, maxLength: 4 }),
  sweepsAt: fc.array(fc.integer({ min: 0, max: 1500 }), { maxLength: 8 }),
  concurrent: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
  tickSeconds: fc.array(fc.integer({ min: 0, max: 240 }), { minLength: 64, maxLength: 64 }),
});

/** One session's steps in its own order, each with its place in the shared timeline. */
function stepsOf(plan: SessionPlan, s: number): { step: Step; at: number }[] {
  const out: { step: Step; at: number }[] = [];
  let at = 0;
  let g = 0;
  const next = (step: Step) => {
    at += plan.gaps[g++ % plan.gaps.length] ?? 1;
    out.push({ step, at });
    return at;
  };
  let w = 0;
  const webhook = (after: number, type: WebhookType) =>
    out.push({ step: { kind: 'webhook', s, type }, at: after + (plan.webhookDelays[w++ % 8] ?? 0) + 0.5 });
  const fault = (op: 'capture' | 'cancel') => out.push({ step: { kind: 'fault', s, op }, at: at + 0.25 });

  next({ kind: 'begin', s });
  if (plan.driverCancels === 'before-card') {
    if (plan.fault === 'cancel') fault('cancel');
    next({ kind: 'cancel', s });
  }
  let cardAt: number;
  if (plan.card === '3ds-pass' || plan.card === '3ds-fail') {
    webhook(next({ kind: 'card', s, outcome: 'requires-action' }), 'payment_intent.requires_action');
    cardAt = next({ kind: 'card', s, outcome: plan.card === '3ds-pass' ? 'held' : 'declined' });
  } else {
    cardAt = next({ kind: 'card', s, outcome: plan.card });
  }
  const held = plan.card === 'held' || plan.card === '3ds-pass';
  if (held) {
    for (let i = 0; i < plan.capturableWebhooks; i++)
      webhook(cardAt, 'payment_intent.amount_capturable_updated');
  } else {
    webhook(cardAt, 'payment_intent.payment_failed');
  }
  for (const type of plan.strayWebhooks) webhook(cardAt, type);
  if (plan.pageConfirms) next({ kind: 'page-confirm', s });
  if (plan.driverCancels === 'after-card') {
    if (plan.fault === 'cancel') fault('cancel');
    next({ kind: 'cancel', s });
    webhook(at, 'payment_intent.canceled');
  }
  if (plan.startComes) {
    next({ kind: 'start', s });
    if (plan.driverStops) next({ kind: 'stop', s });
    for (let i = 0; i < plan.finalDeliveries; i++) {
      if (i === 0 && plan.fault !== 'none') fault(plan.chargeMinor === 0 ? 'cancel' : plan.fault);
      next({ kind: 'finalise', s });
    }
  }
  return out;
}

const sessionOf = (step: Step) => (step.kind === 'sweep' ? undefined : step.s);

/** The merged timeline, cut into rounds whose steps run concurrently. */
function timeline(run: Run): Step[][] {
  const all = run.plans.flatMap((plan, s) => stepsOf(plan, s));
  for (const at of run.sweepsAt) all.push({ step: { kind: 'sweep' }, at: at + 0.75 });
  const ordered = all
    .map((x, i) => ({ ...x, i }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((x) => x.step);
  const rounds: Step[][] = [];
  ordered.forEach((step, i) => {
    const round = rounds.at(-1);
    const s = sessionOf(step);
    const sameSession = round?.some((other) => s !== undefined && sessionOf(other) === s) ?? false;
    const beginsHere = round?.some((other) => other.kind === 'begin' && sessionOf(other) === s) ?? false;
    if (round && run.concurrent[i % 64] && !beginsHere && (!sameSession || RACY.has(step.kind)))
      round.push(step);
    else rounds.push([step]);
  });
  return rounds;
}

/** What the harness saw happen, per session: the oracle's inputs. */
interface Observed {
  begun?: BegunPayment;
  /** Stripe holds (or held) money for this session: the card step put the intent in requires_capture. */
  heldAtStripe: boolean;
  remoteStartSent: boolean;
  startDone: boolean;
  bindOutcomes: BindOutcome[];
  finalised: boolean;
}

const isNetworkError = (err: unknown) => err instanceof Error && /^network error/.test(err.message);
/** Refusals the driver's page shows as they are (Cancel after charging started, Stop after the end). */
const isDriverRefusal = (err: unknown) =>
  err instanceof AppError && (err.code === 'PAY_CHARGING_STARTED' || err.code === 'PAY_SESSION_ENDED');

async function play(run: Run) {
  const world = paymentsWorld(); // its operator holds PRE_AUTH_MINOR
  const seen: Observed[] = run.plans.map(() => ({
    heldAtStripe: false,
    remoteStartSent: false,
    startDone: false,
    bindOutcomes: [],
    finalised: false,
  }));
  const txOf = (s: number) => 100 + s;
  const sessionByIdTag = (idTag: string) =>
    seen.findIndex((o) => {
      const stored = o.begun && world.sessions.sessions.get(o.begun.sessionId);
      return stored?.idTag === idTag;
    });
  // Each session's charger answers as its plan says.
  const charger: SessionCharger = {
    isOnline: () => world.chargerPort.isOnline(),
    remoteStop: (id, tx) => world.chargerPort.remoteStop(id, tx),
    async remoteStart(chargerId, connectorId, idTag) {
      await world.chargerPort.remoteStart(chargerId, connectorId, idTag);
      const s = sessionByIdTag(idTag);
      const o = seen[s];
      if (!o) throw new Error(`RemoteStart for an unknown idTag ${idTag}`);
      o.remoteStartSent = true;
      return run.plans[s]?.chargerAnswer ?? 'accepted';
    },
  };
  const deps: PaymentsDeps = {
    ...world.deps,
    charger,
    settings: { ...world.deps.settings, startTimeoutSeconds: START_TIMEOUT_SECONDS },
  };
  const stored = async (s: number) => {
    const id = seen[s]?.begun?.sessionId;
    const session = id ? await world.sessions.get(id) : undefined;
    if (!session) throw new Error(`session ${s} not begun`);
    return session;
  };

  const unexpected: unknown[] = [];
  const late: Step[] = [];

  /** Runs one step; `defer` when its precondition in the world has not happened yet. */
  async function exec(step: Step): Promise<'done' | 'defer'> {
    if (step.kind === 'sweep') {
      await sweepSessions(deps, 1000);
      return 'done';
    }
    const o = seen[step.s] as Observed;
    const plan = run.plans[step.s] as SessionPlan;
    if (step.kind === 'begin') {
      o.begun = await beginPayment(deps, {
        chargerId: 'CP-1',
        connectorId: (step.s % 2) + 1,
        email: `driver${step.s}@example.com`,
      });
      return 'done';
    }
    const begun = o.begun;
    if (!begun) throw new Error('a step ran before its session began');
    switch (step.kind) {
      case 'card': {
        // Stripe refuses to confirm a cancelled intent: the card entry fails on the page.
        if ((await world.payments.getHold(begun.paymentIntentId)).status === 'canceled') return 'done';
        const hold = world.payments.confirm(begun.paymentIntentId, step.outcome);
        if (hold.status === 'requires_capture') o.heldAtStripe = true;
        return 'done';
      }
      case 'page-confirm':
        await confirmHold(deps, await stored(step.s));
        return 'done';
      case 'webhook':
        await handlePaymentIntentEvent(deps, {
          type: step.type,
          paymentIntentId: begun.paymentIntentId,
          sessionId: begun.sessionId,
        });
        return 'done';
      case 'cancel':
        await cancelByDriver(deps, await stored(step.s));
        return 'done';
      case 'fault':
        world.payments.failAfter = step.op;
        return 'done';
      case 'start': {
        // A charger starts only after it was asked to; until then the start is still to come.
        if (!o.remoteStartSent) return 'defer';
        const session = await stored(step.s);
        o.startDone = true;
        world.transactions.started('CP-1', txOf(step.s), session.idTag);
        o.bindOutcomes.push(
          await bindTransaction(deps, {
            chargerId: 'CP-1',
            transactionId: txOf(step.s),
            idTag: session.idTag,
          }),
        );
        return 'done';
      }
      case 'stop':
        if (!o.startDone) return 'defer';
        await stopByDriver(deps, await stored(step.s));
        return 'done';
      case 'finalise':
        if (!o.startDone) return 'defer';
        o.finalised = true;
        await captureFinalCharge(deps, {
          eventId: `charge-finalised#CP-1#${txOf(step.s)}`,
          chargerId: 'CP-1',
          transactionId: txOf(step.s),
          chargeGrossMinor: plan.chargeMinor,
          stillRunning: plan.stillRunning,
        });
        return 'done';
    }
  }

  /** A failed delivery is redelivered later (stream, Stripe) or retried by the driver. */
  async function deliver(step: Step) {
    try {
      if ((await exec(step)) === 'defer') late.push(step);
    } catch (err) {
      if (isNetworkError(err)) late.push(step);
      else if (!isDriverRefusal(err)) unexpected.push(err);
    }
  }

  const rounds = timeline(run);
  let position = 0;
  for (const round of rounds) {
    world.clock.advance((run.tickSeconds[position % 64] ?? 0) * 1000);
    position += round.length;
    await Promise.all(round.map(deliver));
  }
  // Everything still owed is delivered; then one sweep past every deadline.
  world.payments.failAfter = undefined;
  for (let i = 0; i < late.length; i++) {
    const step = late[i] as Step;
    try {
      if ((await exec(step)) === 'defer') {
        // Still not possible (RemoteStart never sent, so the car never starts): it never happens.
      }
    } catch (err) {
      if (!isDriverRefusal(err)) unexpected.push(err);
    }
  }
  world.clock.advance(3600_000);
  await sweepSessions(deps, 1000);
  return { world, seen, unexpected };
}

async function checkInvariants(run: Run) {
  const { world, seen, unexpected } = await play(run);
  expect(unexpected).toEqual([]);

  const calls = world.payments.calls;
  for (const [id, intent] of world.payments.intents) {
    const captures = calls.filter((c) => c.op === 'capture' && c.paymentIntentId === id).length;
    const cancels = calls.filter((c) => c.op === 'cancel' && c.paymentIntentId === id).length;
    expect(captures, `${id} captured twice`).toBeLessThanOrEqual(1);
    expect(captures + cancels, `${id} captured and cancelled`).toBeLessThanOrEqual(1);
    expect(intent.status, `${id} left holding money`).not.toBe('requires_capture');
  }

  let capturedTotal = 0;
  let expectedTotal = 0;
  for (const [s, o] of seen.entries()) {
    const plan = run.plans[s] as SessionPlan;
    const begun = o.begun as BegunPayment;
    const session = await world.sessions.get(begun.sessionId);
    const intent = await world.payments.getHold(begun.paymentIntentId);
    if (!session) throw new Error(`session ${s} missing`);
    const label = `session ${s} (${session.status})`;

    const charged = o.bindOutcomes.includes('bound') && o.finalised;
    const expectedCapture = charged ? Math.min(plan.chargeMinor, PRE_AUTH_MINOR) : 0;
    expect(intent.amountReceivedMinor, `${label}: captured`).toBe(expectedCapture);
    capturedTotal += intent.amountReceivedMinor;
    expectedTotal += expectedCapture;

    // The session records a hold exactly when Stripe held money for it.
    expect(session.heldAt !== undefined, `${label}: hold recorded`).toBe(o.heldAtStripe);
    // A StartTransaction the platform did not charge for was stopped: no free charging.
    if (o.startDone && !o.bindOutcomes.includes('bound'))
      expect(world.chargerPort.stops).toContainEqual({ chargerId: 'CP-1', transactionId: 100 + s });

    if (intent.status === 'succeeded' || intent.status === 'canceled') {
      const released = (o.heldAtStripe ? PRE_AUTH_MINOR : 0) - intent.amountReceivedMinor;
      expect(session.settlement, `${label}: settlement`).toMatchObject({
        outcome: intent.status === 'succeeded' ? 'captured' : 'cancelled',
        capturedMinor: intent.amountReceivedMinor,
        releasedMinor: released,
      });
    } else {
      expect(session.settlement, `${label}: settled without Stripe`).toBeUndefined();
    }

    // The pre-auth receipt is owed once the platform confirmed the hold (it then sends RemoteStart);
    // a hold the driver cancelled before that gets the cancellation receipt alone.
    const expectedReceipts = [
      ...(o.remoteStartSent ? ['pre-auth'] : []),
      ...(o.heldAtStripe && !charged ? ['cancellation'] : []),
      ...(charged ? ['transaction'] : []),
    ];
    const receipts = (await world.outbox.ofSession(begun.sessionId)).map((r) => `${r.kind}#${r.copy}`);
    expect(receipts.sort(), `${label}: receipts`).toEqual(expectedReceipts.map((k) => `${k}#0`).sort());
  }
  expect(capturedTotal).toBe(expectedTotal);
}

// 500 whole sessions: a few seconds on a quiet machine, more when the cores are shared.
describe('the money invariant over randomised paid sessions', { timeout: 30_000 }, () => {
  it('captures min(charge, hold) once per charged session, leaves no hold and owes exactly its receipts', async () => {
    await fc.assert(fc.asyncProperty(runArb, checkInvariants), { numRuns: 500 });
  });
});

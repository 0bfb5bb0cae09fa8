/**
 * Platform → charger calls and the connection they went out on (issue 10, defect 3 and "Also"):
 * over the in-memory fakes, at the use-case level. The same through a strict simulated charger
 * against the embedded platform: test/integration/ocpp-calls.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/adapters/memory/ocpp-store.js';
import {
  awaitCommandResult,
  type CommandHandle,
  closeConnection,
  openConnection,
  reset,
} from '../../../shared/app/ocpp/index.js';
import { aCharger, anOperator, aSession, CHARGER_ID, TestCharger } from '../../fixtures/ocpp/builders.js';
import { createMemoryOcppDeps, type MemoryOcpp } from '../../fixtures/ocpp/memory-ocpp-deps.js';
import { thisMinuteMs } from '../../fixtures/time.js';

const T0 = thisMinuteMs();
let m: MemoryOcpp;

beforeEach(() => {
  m = createMemoryOcppDeps({ settings: { callTimeoutSeconds: 30 }, clock: new ManualClock(T0) });
  m.store.putOperator(anOperator());
  m.store.putCharger(aCharger());
});

/** Opens a connection as $connect does, `connectedAt` ms after T0. */
async function connect(connectionId: string, connectedAt: number): Promise<TestCharger> {
  const s = aSession({ connectionId });
  const decision = await openConnection(m.deps, {
    connectionId,
    chargerId: s.chargerId,
    operatorId: s.operatorId,
    connectedAt: T0 + connectedAt,
    domainName: s.domainName,
    stage: s.stage,
    subprotocols: 'ocpp1.6',
  });
  expect(decision.kind).toBe('accepted');
  return new TestCharger(m, s);
}

const ids = (connectionId: string) =>
  (m.gateway.framesTo(connectionId) as [number, string][]).map((frame) => frame[1]);
const outcome = (handle: CommandHandle) => awaitCommandResult(m.deps, handle.callId, { timeoutMs: 0 });

describe('defect 3: a call outstanding on a connection that ends', () => {
  it('fails at once when a newer connection supersedes it; the next command goes to the new one', async () => {
    await connect('old', 1);
    const first = await reset(m.deps, CHARGER_ID, { type: 'Soft' });
    expect(ids('old')).toEqual([first.messageId]);

    await connect('new', 2);
    expect(await outcome(first)).toMatchObject({
      status: 'failed',
      error: { code: 'ChargerOffline', source: 'platform' },
    });
    const second = await reset(m.deps, CHARGER_ID, { type: 'Hard' });
    expect(ids('new')).toEqual([second.messageId]);
  });

  it('fails at once when its connection closes, and the calls queued behind it end unsent', async () => {
    await connect('c1', 1);
    const first = await reset(m.deps, CHARGER_ID, { type: 'Soft' });
    const queued = await reset(m.deps, CHARGER_ID, { type: 'Hard' });

    expect(await closeConnection(m.deps, { chargerId: CHARGER_ID, connectionId: 'c1' })).toBe('closed');
    expect((await outcome(first)).status).toBe('failed');
    expect(await outcome(queued)).toMatchObject({ status: 'not-sent', error: { code: 'ChargerOffline' } });
    expect((await outcome(queued)).call.sentAt).toBeUndefined();
    expect(await m.deps.calls.outstanding(CHARGER_ID)).toBeUndefined();
  });

  it('a late $disconnect of an old connection leaves the call outstanding on the new one alone', async () => {
    await connect('old', 1);
    await connect('new', 2);
    const call = await reset(m.deps, CHARGER_ID, { type: 'Soft' });
    expect(ids('new')).toEqual([call.messageId]);

    expect(await closeConnection(m.deps, { chargerId: CHARGER_ID, connectionId: 'old' })).toBe('not-current');
    expect((await outcome(call)).status).toBe('pending');
    expect((await m.deps.calls.outstanding(CHARGER_ID))?.messageId).toBe(call.messageId);
  });
});

describe('a reply on another connection than its call went out on', () => {
  it('is ignored: the call stays outstanding for the answer on its own connection', async () => {
    const onCall = await connect('c1', 1);
    const call = await reset(m.deps, CHARGER_ID, { type: 'Soft' });
    // Another socket of the same charger (not yet superseding c1 in the records) echoes the id.
    const elsewhere = new TestCharger(m, aSession({ connectionId: 'c2' }));
    expect(await elsewhere.raw(JSON.stringify([3, call.messageId, { status: 'Rejected' }]))).toBeUndefined();
    expect((await outcome(call)).status).toBe('pending');
    expect((await m.deps.calls.outstanding(CHARGER_ID))?.messageId).toBe(call.messageId);

    await onCall.raw(JSON.stringify([3, call.messageId, { status: 'Accepted' }]));
    expect(await outcome(call)).toMatchObject({ status: 'succeeded', result: { status: 'Accepted' } });
  });
});

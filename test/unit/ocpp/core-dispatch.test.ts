import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/adapters/memory/ocpp-store.js';
import { triggerMessage } from '../../../shared/app/ocpp/commands.js';
import { TRIGGERED_MESSAGE_WINDOW_SECONDS } from '../../../shared/app/ocpp/triggered-messages.js';
import { MAX_CONNECTOR_ID, STATUS_CLOCK_TOLERANCE_SECONDS } from '../../../shared/app/ocpp/v16/core.js';
import type { CommandMap } from '../../../shared/ocpp/v16/types.js';
import {
  aCharger,
  anIdTag,
  anOperator,
  aSession,
  CHARGER_ID,
  energySample,
  OPERATOR_ID,
  TestCharger,
} from '../../fixtures/ocpp/builders.js';
import { createMemoryOcppDeps, type MemoryOcpp } from '../../fixtures/ocpp/memory-ocpp-deps.js';
import { chargerIsoAt, isoAt, thisMinuteMs } from '../../fixtures/time.js';

/** The platform's clock stands at T0; chargers report times around it. */
const T0 = thisMinuteMs();
const iso = (offset: string) => isoAt(T0, offset);
const at = (offset: string) => chargerIsoAt(T0, offset);

let m: MemoryOcpp;
let cp: TestCharger;

beforeEach(() => {
  m = createMemoryOcppDeps({ settings: { heartbeatIntervalSeconds: 240 }, clock: new ManualClock(T0) });
  m.store.putOperator(anOperator());
  m.store.putCharger(aCharger({ tariffId: 'tariff-1' }));
  m.store.putTariff(OPERATOR_ID, 'tariff-1', { tariffId: 'tariff-1', energyPerKwh: 35 });
  cp = new TestCharger(m);
});

describe('BootNotification', () => {
  it('accepts an active charger with the configured interval and stores what it says', async () => {
    const conf = await cp.ok('BootNotification', {
      chargePointVendor: 'Acme',
      chargePointModel: 'Wall-1',
      chargePointSerialNumber: 'SN1',
      firmwareVersion: '1.2.3',
    });
    expect(conf).toEqual({ status: 'Accepted', currentTime: iso('0'), interval: 240 });
    expect(m.store.chargers.get(CHARGER_ID)).toMatchObject({
      vendor: 'Acme',
      model: 'Wall-1',
      chargePointSerialNumber: 'SN1',
      firmwareVersion: '1.2.3',
      lastBootAt: iso('0'),
    });
  });

  it.each([
    ['pending', 'Pending'],
    ['rejected', 'Rejected'],
  ] as const)('answers %s registration with %s', async (registration, status) => {
    m.store.putCharger(aCharger({ registration }));
    const pending = new TestCharger(m, aSession({ registration }));
    expect(
      await pending.ok('BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' }),
    ).toMatchObject({
      status,
      interval: 240,
    });
  });

  it('rejects a charger the platform does not know', async () => {
    const stranger = new TestCharger(m, aSession({ chargerId: 'CP-X' }));
    expect(
      await stranger.ok('BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' }),
    ).toMatchObject({
      status: 'Rejected',
    });
  });

  it('writes nothing for a repeat of the same message', async () => {
    await cp.ok('BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' }, 'boot-1');
    const before = m.store.snapshot();
    m.clock.advance(5000);
    await cp.ok('BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' }, 'boot-1');
    expect(m.store.snapshot()).toBe(before);
  });

  it('records the boot after a reboot that numbers its messages from 1 again', async () => {
    const boot = { chargePointVendor: 'A', chargePointModel: 'B', firmwareVersion: '1.0' };
    await cp.ok('BootNotification', boot, '1');
    await cp.ok('FirmwareStatusNotification', { status: 'Installing' }, '2');
    m.clock.advance(60_000);
    const rebooted = new TestCharger(m, aSession({ connectionId: 'conn-2' }));
    await rebooted.ok('BootNotification', { ...boot, firmwareVersion: '1.1' }, '1');
    await rebooted.ok('FirmwareStatusNotification', { status: 'Installed' }, '2');
    expect(m.store.chargers.get(CHARGER_ID)).toMatchObject({
      firmwareVersion: '1.1',
      lastBootAt: iso('+1m'),
      firmwareStatus: 'Installed',
    });
  });
});

describe('registration gate', () => {
  it('refuses every other CALL from a pending charger with SecurityError', async () => {
    m.store.putCharger(aCharger({ registration: 'pending' }));
    const pending = new TestCharger(m, aSession({ registration: 'pending' }));
    const reply = await pending.call('Heartbeat', {});
    expect(reply.slice(0, 3)).toEqual([4, expect.any(String), 'SecurityError']);
  });

  it('lets a charger through once the operator approved it, without reconnecting', async () => {
    const approved = new TestCharger(m, aSession({ registration: 'pending' }));
    expect((await approved.call('Heartbeat', {}))[0]).toBe(3);
  });
});

describe('registration gate: what TriggerMessage asked a pending charger for (OCPP 1.6 §4.2)', () => {
  let pending: TestCharger;

  beforeEach(async () => {
    m.store.putCharger(aCharger({ registration: 'pending' }));
    const session = aSession({ registration: 'pending' });
    await m.deps.connections.open({
      connectionId: session.connectionId,
      chargerId: session.chargerId,
      operatorId: session.operatorId,
      protocol: 'ocpp1.6',
      connectedAt: 1,
      domainName: session.domainName,
      stage: session.stage,
    });
    pending = new TestCharger(m, session);
  });

  /** Sends the trigger and lets the charger answer it; the platform's frame is the last one sent. */
  async function trigger(
    payload: CommandMap['TriggerMessage']['req'],
    answer: 'Accepted' | 'Rejected' | null = 'Accepted',
  ) {
    await triggerMessage(m.deps, CHARGER_ID, payload);
    const frame = m.gateway.framesTo('conn-1').at(-1) as [number, string, string, unknown];
    if (answer) expect(await pending.raw(JSON.stringify([3, frame[1], { status: answer }]))).toBeUndefined();
  }
  const status = (connectorId: number) => ({ connectorId, errorCode: 'NoError', status: 'Available' });
  const refusal = (reply: unknown[]) => reply.slice(0, 3);

  it('accepts the triggered message, answered or not yet, and stores it', async () => {
    await trigger({ requestedMessage: 'StatusNotification' });
    expect(await pending.ok('StatusNotification', status(1))).toEqual({});
    expect((await m.deps.statuses.current(CHARGER_ID, 1))?.status).toBe('Available');

    await trigger({ requestedMessage: 'Heartbeat' }, null);
    expect(await pending.ok('Heartbeat', {})).toEqual({ currentTime: iso('0') });
  });

  it('still refuses every message it was not asked for, and one on another connector', async () => {
    await trigger({ requestedMessage: 'StatusNotification', connectorId: 2 });
    expect(refusal(await pending.call('Heartbeat', {}))).toEqual([4, expect.any(String), 'SecurityError']);
    expect(refusal(await pending.call('StatusNotification', status(1)))).toEqual([
      4,
      expect.any(String),
      'SecurityError',
    ]);
    expect(await pending.ok('StatusNotification', status(2))).toEqual({});
  });

  it('refuses it once the charger rejected the trigger, or the window has passed', async () => {
    await trigger({ requestedMessage: 'Heartbeat' }, 'Rejected');
    expect(refusal(await pending.call('Heartbeat', {}))).toEqual([4, expect.any(String), 'SecurityError']);

    await trigger({ requestedMessage: 'StatusNotification' });
    m.clock.advance((TRIGGERED_MESSAGE_WINDOW_SECONDS + 1) * 1000);
    expect(refusal(await pending.call('StatusNotification', status(1)))).toEqual([
      4,
      expect.any(String),
      'SecurityError',
    ]);
  });

  it('counts the window from when the trigger was sent, however long it queued', async () => {
    await m.deps.calls.create({
      chargerId: CHARGER_ID,
      operatorId: OPERATOR_ID,
      messageId: 'queued-trigger',
      action: 'TriggerMessage',
      payload: { requestedMessage: 'Heartbeat' },
      createdAt: iso('-10m'),
      deadline: iso('+30s'),
      status: 'sent',
      sentAt: iso('-10s'),
      connectionId: 'conn-1',
    });
    expect(await pending.ok('Heartbeat', {})).toEqual({ currentTime: iso('0') });
  });

  it('refuses it from a rejected charger, whatever it was asked', async () => {
    await trigger({ requestedMessage: 'Heartbeat' });
    m.store.putCharger(aCharger({ registration: 'rejected' }));
    expect(refusal(await pending.call('Heartbeat', {}))).toEqual([4, expect.any(String), 'SecurityError']);
  });
});

describe('Heartbeat', () => {
  it('answers the current time and records it', async () => {
    expect(await cp.ok('Heartbeat', {})).toEqual({ currentTime: iso('0') });
    expect(m.store.chargers.get(CHARGER_ID)?.lastHeartbeatAt).toBe(iso('0'));
  });
});

describe('StatusNotification', () => {
  const status = (connectorId: number, s: string, timestamp?: string) => ({
    connectorId,
    errorCode: 'NoError',
    status: s,
    ...(timestamp ? { timestamp } : {}),
  });

  it('keeps history per connector and the latest status by the charger time', async () => {
    await cp.ok('StatusNotification', status(1, 'Preparing', at('-1h')));
    await cp.ok('StatusNotification', status(1, 'Charging', at('-55m')));
    // queued while offline, arrives late: history yes, current no
    await cp.ok('StatusNotification', status(1, 'Available', at('-2h')));
    await cp.ok('StatusNotification', status(0, 'Available', at('-1h')));
    const history = await m.deps.statuses.history(CHARGER_ID, 1);
    expect(history.map((h) => h.status)).toEqual(['Available', 'Preparing', 'Charging']);
    expect((await m.deps.statuses.current(CHARGER_ID, 1))?.status).toBe('Charging');
    expect((await m.deps.statuses.current(CHARGER_ID, 0))?.status).toBe('Available');
  });

  it('stores a status without timestamp at its arrival time, once', async () => {
    await cp.ok('StatusNotification', status(2, 'Faulted'), 's1');
    const before = m.store.snapshot();
    m.clock.advance(1000);
    await cp.ok('StatusNotification', status(2, 'Faulted'), 's1');
    expect(m.store.snapshot()).toBe(before);
    expect(await m.deps.statuses.history(CHARGER_ID, 2)).toHaveLength(1);
  });

  it('orders a status whose charger clock runs ahead of the platform by when it arrived', async () => {
    // The charger's clock is an hour fast; after a Heartbeat it has the platform's time again.
    await cp.ok('StatusNotification', status(1, 'Charging', at('+1h')));
    m.clock.advance(5 * 60_000);
    await cp.ok('StatusNotification', status(1, 'Available', at('+5m')));
    expect(await m.deps.statuses.current(CHARGER_ID, 1)).toMatchObject({
      status: 'Available',
      timestamp: iso('+5m'),
    });
    // History keeps what the charger said, in its own order.
    expect((await m.deps.statuses.history(CHARGER_ID, 1)).map((h) => [h.status, h.timestamp])).toEqual([
      ['Available', iso('+5m')],
      ['Charging', iso('+1h')],
    ]);
  });

  it(`trusts a charger clock up to ${STATUS_CLOCK_TOLERANCE_SECONDS} s ahead`, async () => {
    const ahead = `+${STATUS_CLOCK_TOLERANCE_SECONDS}s`;
    await cp.ok('StatusNotification', status(1, 'Charging', at(ahead)));
    await cp.ok('StatusNotification', status(1, 'Available', at('+1s')));
    expect((await m.deps.statuses.current(CHARGER_ID, 1))?.status).toBe('Charging');
  });

  it('refuses a negative connector id', async () => {
    expect((await cp.call('StatusNotification', status(-1, 'Available'))).slice(0, 3)).toEqual([
      4,
      expect.any(String),
      'PropertyConstraintViolation',
    ]);
  });
});

describe('Authorize', () => {
  const auth = async (idTag: string) =>
    ((await cp.ok('Authorize', { idTag })) as { idTagInfo: { status: string } }).idTagInfo.status;

  it('private: owner tags only', async () => {
    m.store.putCharger(aCharger({ accessMode: 'private', ownerIdTags: ['OWNER'] }));
    m.store.putIdTag(anIdTag({ idTag: 'HOUSE', kind: 'owner' }));
    m.store.putIdTag(anIdTag({ idTag: 'FLEET', kind: 'fleet' }));
    expect(await auth('OWNER')).toBe('Accepted');
    expect(await auth('HOUSE')).toBe('Accepted');
    expect(await auth('FLEET')).toBe('Invalid');
    expect(await auth('NOBODY')).toBe('Invalid');
  });

  it('matches tags without regard to case (OCPP CiString20)', async () => {
    m.store.putCharger(aCharger({ accessMode: 'private', ownerIdTags: ['Owner-Card'] }));
    m.store.putIdTag(anIdTag({ idTag: 'HOUSE-2', kind: 'owner' }));
    expect(await auth('OWNER-CARD')).toBe('Accepted');
    expect(await auth('house-2')).toBe('Accepted');
    expect(await auth('house-3')).toBe('Invalid');
  });

  it('group: members of the charger groups', async () => {
    m.store.putCharger(aCharger({ accessMode: 'group', groupIds: ['g1'] }));
    m.store.putIdTag(anIdTag({ idTag: 'M1', kind: 'member', groupId: 'g1' }));
    m.store.putIdTag(anIdTag({ idTag: 'M2', kind: 'member', groupId: 'g2' }));
    expect(await auth('M1')).toBe('Accepted');
    expect(await auth('M2')).toBe('Invalid');
  });

  it('fleet: the operator fleet cards', async () => {
    m.store.putCharger(aCharger({ accessMode: 'fleet' }));
    m.store.putIdTag(anIdTag({ idTag: 'F1', kind: 'fleet' }));
    m.store.putIdTag({ operatorId: 'other-op', idTag: 'F2', kind: 'fleet' });
    expect(await auth('F1')).toBe('Accepted');
    expect(await auth('F2')).toBe('Invalid');
  });

  it('public paid: refuses unknown tags unless the operator allows free use; payment tags pass', async () => {
    m.store.putCharger(aCharger({ accessMode: 'public', paid: true }));
    m.store.putIdTag(anIdTag({ idTag: 'PAY-1', kind: 'driver' }));
    expect(await auth('PAY-1')).toBe('Accepted');
    expect(await auth('STRANGER')).toBe('Invalid');
    m.store.putOperator(anOperator({ allowFreeUse: true }));
    expect(await auth('STRANGER')).toBe('Accepted');
  });

  it('private: household tags too; a payment-session tag is nobody there', async () => {
    m.store.putCharger(aCharger({ accessMode: 'private', paid: true }));
    m.store.putIdTag(anIdTag({ idTag: 'KID', kind: 'household' }));
    m.store.putIdTag(anIdTag({ idTag: 'PAY-2', kind: 'driver' }));
    expect(await auth('KID')).toBe('Accepted');
    expect(await auth('PAY-2')).toBe('Invalid');
  });

  it('group paid: members only when the operator bills members; a household tag is a stranger', async () => {
    m.store.putCharger(aCharger({ accessMode: 'group', groupIds: ['g1'], paid: true }));
    m.store.putIdTag(anIdTag({ idTag: 'M1', kind: 'member', groupId: 'g1' }));
    m.store.putIdTag(anIdTag({ idTag: 'KID', kind: 'household' }));
    expect(await auth('M1')).toBe('Invalid');
    m.store.putOperator(anOperator({ billMembers: true }));
    expect(await auth('M1')).toBe('Accepted');
    expect(await auth('KID')).toBe('Invalid');
  });

  it('public free: anyone', async () => {
    expect(await auth('ANYONE')).toBe('Accepted');
  });

  it('blocked and expired tags', async () => {
    m.store.putIdTag(anIdTag({ idTag: 'B', blocked: true }));
    m.store.putIdTag(anIdTag({ idTag: 'E', expiresAt: at('-31d') }));
    m.store.putIdTag(anIdTag({ idTag: 'V', expiresAt: at('+60d') }));
    expect(await auth('B')).toBe('Blocked');
    expect(await auth('E')).toBe('Expired');
    expect(await cp.ok('Authorize', { idTag: 'V' })).toEqual({
      idTagInfo: { status: 'Accepted', expiryDate: iso('+60d') },
    });
  });

  it('writes nothing', async () => {
    const before = m.store.snapshot();
    await auth('X');
    expect(m.store.snapshot()).toBe(before);
  });
});

describe('StartTransaction / StopTransaction / MeterValues', () => {
  const start = { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: at('-1h') };

  it('starts a transaction with a per-charger id, the charger time and a tariff snapshot', async () => {
    const conf = await cp.ok('StartTransaction', start);
    expect(conf).toEqual({ idTagInfo: { status: 'Accepted' }, transactionId: 1 });
    expect(await m.deps.transactions.get(CHARGER_ID, 1)).toMatchObject({
      operatorId: OPERATOR_ID,
      connectorId: 1,
      idTag: 'TAG-1',
      meterStart: 1000,
      startedAt: iso('-1h'),
      status: 'active',
      flags: [],
      tariffSnapshot: { tariffId: 'tariff-1', energyPerKwh: 35 },
    });
    expect(await cp.ok('StartTransaction', { ...start, connectorId: 2 })).toMatchObject({ transactionId: 2 });
  });

  it('refuses connector 0', async () => {
    expect((await cp.call('StartTransaction', { ...start, connectorId: 0 })).slice(0, 3)).toEqual([
      4,
      expect.any(String),
      'PropertyConstraintViolation',
    ]);
  });

  it('records a fleet card session as billed to the fleet, and a member session to the member', async () => {
    m.store.putCharger(aCharger({ accessMode: 'public', paid: true, connectorCount: 2 }));
    m.store.putOperator(anOperator({ billMembers: true }));
    m.store.putIdTag(anIdTag({ idTag: 'FLEET-7', kind: 'fleet', groupId: 'vans' }));
    m.store.putIdTag(anIdTag({ idTag: 'FLAT-4', kind: 'member', groupId: 'residents' }));
    await cp.ok('StartTransaction', { ...start, idTag: 'FLEET-7' });
    await cp.ok('StartTransaction', { ...start, connectorId: 2, idTag: 'FLAT-4' });
    expect((await m.deps.transactions.get(CHARGER_ID, 1))?.billedTo).toEqual({
      party: 'fleet',
      idTag: 'FLEET-7',
      groupId: 'vans',
    });
    expect((await m.deps.transactions.get(CHARGER_ID, 2))?.billedTo).toEqual({
      party: 'member',
      idTag: 'FLAT-4',
      groupId: 'residents',
    });
  });

  it('prices with the group tariff only when the access rules admit the tag as a member', async () => {
    m.store.putCharger(aCharger({ accessMode: 'group', groupIds: ['g1'], paid: true, tariffId: 'tariff-1' }));
    m.store.putGroup({ operatorId: OPERATOR_ID, groupId: 'g1', name: 'Flats', tariffId: 'residents' });
    m.store.putTariff(OPERATOR_ID, 'residents', { tariffId: 'residents', energyPerKwh: 20 });
    m.store.putIdTag(anIdTag({ idTag: 'M1', kind: 'member', groupId: 'g1' }));
    // Refused (the operator does not bill members): the start is stored, at the charger's price.
    await cp.ok('StartTransaction', { ...start, idTag: 'M1' });
    expect(await m.deps.transactions.get(CHARGER_ID, 1)).toMatchObject({
      flags: ['id-tag-not-accepted'],
      tariffSnapshot: { tariffId: 'tariff-1' },
    });
    m.store.putOperator(anOperator({ billMembers: true }));
    await cp.ok('StartTransaction', { ...start, connectorId: 2, idTag: 'M1' });
    expect(await m.deps.transactions.get(CHARGER_ID, 2)).toMatchObject({
      flags: [],
      tariffSnapshot: { tariffId: 'residents' },
      billedTo: { party: 'member', idTag: 'M1', groupId: 'g1' },
    });
  });

  it('bills nobody for a free session or a refused tag', async () => {
    await cp.ok('StartTransaction', start);
    expect((await m.deps.transactions.get(CHARGER_ID, 1))?.billedTo).toBeUndefined();
    m.store.putCharger(aCharger({ accessMode: 'group' }));
    await cp.ok('StartTransaction', { ...start, connectorId: 2 });
    expect(await m.deps.transactions.get(CHARGER_ID, 2)).toMatchObject({ flags: ['id-tag-not-accepted'] });
    expect((await m.deps.transactions.get(CHARGER_ID, 2))?.billedTo).toBeUndefined();
  });

  it('stores a transaction started with a refused tag, flagged', async () => {
    m.store.putCharger(aCharger({ accessMode: 'private' }));
    const conf = await cp.ok('StartTransaction', start);
    expect(conf).toEqual({ idTagInfo: { status: 'Invalid' }, transactionId: 1 });
    expect((await m.deps.transactions.get(CHARGER_ID, 1))?.flags).toEqual(['id-tag-not-accepted']);
  });

  it('stores MeterValues with every sample field, one write per message, and a stop with its data', async () => {
    await cp.ok('StartTransaction', start);
    const writes = m.store.writes;
    const sample = {
      timestamp: iso('-59m').replace('.000Z', '+00:00'),
      sampledValue: [
        {
          value: '1200',
          context: 'Sample.Periodic',
          measurand: 'Energy.Active.Import.Register',
          phase: 'L1',
          location: 'Outlet',
          unit: 'Wh',
          format: 'Raw',
        },
        { value: '7.2', measurand: 'Power.Active.Import', unit: 'kW' },
      ],
    };
    await cp.ok('MeterValues', { connectorId: 1, transactionId: 1, meterValue: [sample] });
    expect(m.store.writes - writes).toBe(1);
    await cp.ok('StopTransaction', {
      transactionId: 1,
      meterStop: 5000,
      timestamp: at('0'),
      reason: 'EVDisconnected',
      transactionData: [energySample(at('0'), 5000)],
    });
    // Stored messages come back in key order, and their keys are content hashes: order by source.
    const mvs = (await m.deps.transactions.meterValuesOf(CHARGER_ID, 1)).sort((a, b) =>
      a.source.localeCompare(b.source),
    );
    expect(mvs.map((r) => r.source)).toEqual(['MeterValues', 'StopTransaction']);
    expect(mvs[0]?.meterValue[0]).toEqual({ ...sample, timestamp: iso('-59m') });
    expect(await m.deps.transactions.get(CHARGER_ID, 1)).toMatchObject({
      status: 'stopped',
      meterStop: 5000,
      stoppedAt: iso('0'),
      stopReason: 'EVDisconnected',
    });
  });

  it('stops without an idTag (no idTagInfo) and with one (idTagInfo)', async () => {
    await cp.ok('StartTransaction', start);
    await cp.ok('StartTransaction', { ...start, connectorId: 2 });
    expect(await cp.ok('StopTransaction', { transactionId: 1, meterStop: 1, timestamp: at('0') })).toEqual(
      {},
    );
    expect(
      await cp.ok('StopTransaction', {
        transactionId: 2,
        meterStop: 1,
        timestamp: at('0'),
        idTag: 'TAG-1',
      }),
    ).toEqual({ idTagInfo: { status: 'Accepted' } });
  });

  it('ends the open transaction of a connector a new StartTransaction begins on, flagged for the operator', async () => {
    await cp.ok('StartTransaction', start);
    await cp.ok('MeterValues', {
      connectorId: 1,
      transactionId: 1,
      meterValue: [energySample(at('-50m'), 4000)],
    });
    // The charger lost the stop (a reboot) and starts the connector again, its register moved on.
    m.clock.advance(60_000);
    expect(
      await cp.ok('StartTransaction', { ...start, meterStart: 4500, timestamp: at('-30m') }, 'start-2'),
    ).toEqual({
      idTagInfo: { status: 'Accepted' },
      transactionId: 2,
    });
    expect(await m.deps.transactions.get(CHARGER_ID, 1)).toMatchObject({
      status: 'stopped',
      stoppedAt: iso('-30m'),
      meterStop: 4500,
      stopReason: 'Other',
      stopMessageId: 'start-2',
      flags: ['superseded-by-new-start'],
    });
    expect(await m.deps.transactions.get(CHARGER_ID, 2)).toMatchObject({ status: 'active', flags: [] });

    // A replay of the new start changes nothing.
    const before = m.store.snapshot();
    await cp.ok('StartTransaction', { ...start, meterStart: 4500, timestamp: at('-30m') }, 'start-2-again');
    expect(m.store.snapshot()).toBe(before);
  });

  it("ends a superseded transaction on its last reading when the new start's register restarted from 0", async () => {
    await cp.ok('StartTransaction', start);
    await cp.ok('MeterValues', {
      connectorId: 1,
      transactionId: 1,
      meterValue: [energySample(at('-50m'), 4000)],
    });
    await cp.ok('StartTransaction', { ...start, meterStart: 0, timestamp: at('-30m') });
    expect(await m.deps.transactions.get(CHARGER_ID, 1)).toMatchObject({
      status: 'stopped',
      meterStop: 4000,
    });
  });

  describe("the charger's own stop after the platform ended its transaction at a new start", () => {
    /** Transaction 1 with a reading at -50m, ended by the platform at a new start at -30m (register from 0). */
    async function superseded() {
      await cp.ok('StartTransaction', start);
      await cp.ok('MeterValues', {
        connectorId: 1,
        transactionId: 1,
        meterValue: [energySample(at('-50m'), 4000)],
      });
      await cp.ok('StartTransaction', { ...start, meterStart: 0, timestamp: at('-30m') }, 'start-2');
      expect(await m.deps.transactions.get(CHARGER_ID, 1)).toMatchObject({
        status: 'stopped',
        stoppedAt: iso('-30m'),
        meterStop: 4000,
        stopReason: 'Other',
        stopMessageId: 'start-2',
      });
    }
    const ownStop = {
      transactionId: 1,
      meterStop: 4200,
      timestamp: at('-45m'),
      reason: 'Local',
      idTag: 'TAG-1',
    };

    it('replaces the platform stop before the charge is final, flagged stop-replaced-by-charger', async () => {
      await superseded();
      expect(await cp.ok('StopTransaction', ownStop, 'own-stop')).toEqual({
        idTagInfo: { status: 'Accepted' },
      });
      expect(await m.deps.transactions.get(CHARGER_ID, 1)).toMatchObject({
        status: 'stopped',
        stoppedAt: iso('-45m'),
        meterStop: 4200,
        stopReason: 'Local',
        stopIdTag: 'TAG-1',
        stopMessageId: 'own-stop',
        flags: ['stop-replaced-by-charger', 'superseded-by-new-start'],
      });
      expect((await m.deps.transactions.get(CHARGER_ID, 2))?.status).toBe('active');

      // Resent under a new id: a retransmission, nothing changes.
      const before = m.store.snapshot();
      await cp.ok('StopTransaction', ownStop, 'own-stop-again');
      expect(m.store.snapshot()).toBe(before);
      // Another stop after that is a conflict, and the charger's first stop is kept.
      await cp.ok('StopTransaction', { ...ownStop, meterStop: 4300 }, 'third-stop');
      expect(await m.deps.transactions.get(CHARGER_ID, 1)).toMatchObject({
        meterStop: 4200,
        stopMessageId: 'own-stop',
        flags: ['stop-conflict', 'stop-replaced-by-charger', 'superseded-by-new-start'],
      });
    });

    it('leaves out what the charger leaves out: no idTag or reason kept from the platform stop', async () => {
      await superseded();
      await cp.ok(
        'StopTransaction',
        { transactionId: 1, meterStop: 4200, timestamp: at('-45m') },
        'own-stop',
      );
      const tx = await m.deps.transactions.get(CHARGER_ID, 1);
      expect(tx).toMatchObject({ stoppedAt: iso('-45m'), meterStop: 4200, stopMessageId: 'own-stop' });
      expect(tx?.stopReason).toBeUndefined();
    });

    it('keeps the platform stop once the charge is final, and flags the conflict', async () => {
      await superseded();
      const stored = m.store.transactions.get(`${CHARGER_ID}|1`);
      if (!stored) throw new Error('transaction 1 not stored');
      stored.status = 'final'; // as pricing's finalisation leaves it
      await cp.ok('StopTransaction', ownStop, 'own-stop');
      expect(await m.deps.transactions.get(CHARGER_ID, 1)).toMatchObject({
        status: 'final',
        stoppedAt: iso('-30m'),
        meterStop: 4000,
        stopMessageId: 'start-2',
        flags: ['stop-conflict', 'superseded-by-new-start'],
      });
    });
  });

  it('leaves stopped transactions, other connectors and later starts alone', async () => {
    await cp.ok('StartTransaction', start);
    await cp.ok('StopTransaction', { transactionId: 1, meterStop: 2000, timestamp: at('-40m') });
    await cp.ok('StartTransaction', { ...start, connectorId: 2, timestamp: at('-35m') });
    await cp.ok('StartTransaction', { ...start, timestamp: at('-30m') });
    // Queued offline and delivered late: an earlier start than the open one does not end it.
    await cp.ok('StartTransaction', { ...start, timestamp: at('-2h') });
    const flags = await Promise.all(
      [1, 2, 3, 4].map(async (id) => (await m.deps.transactions.get(CHARGER_ID, id))?.flags),
    );
    expect(flags).toEqual([[], [], [], []]);
    expect((await m.deps.transactions.get(CHARGER_ID, 1))?.stopMessageId).not.toBeUndefined();
    expect((await m.deps.transactions.get(CHARGER_ID, 2))?.status).toBe('active');
    expect((await m.deps.transactions.get(CHARGER_ID, 3))?.status).toBe('active');
  });

  it('acknowledges an empty MeterValues without writing', async () => {
    const before = m.store.snapshot();
    expect(await cp.ok('MeterValues', { connectorId: 1, transactionId: 1, meterValue: [] })).toEqual({});
    expect(m.store.snapshot()).toBe(before);
  });

  it('stores MeterValues outside a transaction', async () => {
    await cp.ok('MeterValues', { connectorId: 0, meterValue: [energySample(at('-1h'), 1)] });
    expect([...m.store.meterValues.values()]).toMatchObject([{ connectorId: 0, flags: [] }]);
  });
});

describe('connector ids against the charger (connectorCount, or at most MAX_CONNECTOR_ID when unset)', () => {
  const start = { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: at('-1h') };
  const status = (connectorId: number) => ({ connectorId, errorCode: 'NoError', status: 'Available' });
  const refusal = (reply: unknown[]) => reply.slice(0, 3);
  const PROPERTY = [4, expect.any(String), 'PropertyConstraintViolation'];

  it('refuses a StartTransaction or StatusNotification on a connector the charger does not have, storing nothing', async () => {
    m.store.putCharger(aCharger({ tariffId: 'tariff-1', connectorCount: 2 }));
    const before = m.store.snapshot();
    expect(refusal(await cp.call('StartTransaction', { ...start, connectorId: 3 }))).toEqual(PROPERTY);
    expect(refusal(await cp.call('StatusNotification', status(3)))).toEqual(PROPERTY);
    expect(m.store.snapshot()).toBe(before);

    expect(await cp.ok('StartTransaction', { ...start, connectorId: 2 })).toMatchObject({ transactionId: 1 });
    expect(await cp.ok('StatusNotification', status(2))).toEqual({});
    expect(await cp.ok('StatusNotification', status(0))).toEqual({});
  });

  it('refuses MeterValues on a connector the charger does not have, storing nothing', async () => {
    m.store.putCharger(aCharger({ tariffId: 'tariff-1', connectorCount: 2 }));
    const before = m.store.snapshot();
    const reading = { connectorId: 3, meterValue: [energySample(at('-1h'), 1)] };
    expect(refusal(await cp.call('MeterValues', reading))).toEqual(PROPERTY);
    expect(m.store.snapshot()).toBe(before);
    expect(await cp.ok('MeterValues', { ...reading, connectorId: 2 })).toEqual({});
  });

  it('bounds the ids of a charger whose connector count the operator has not set', async () => {
    const before = m.store.snapshot();
    expect(refusal(await cp.call('StatusNotification', status(MAX_CONNECTOR_ID + 1)))).toEqual(PROPERTY);
    expect(
      refusal(await cp.call('StartTransaction', { ...start, connectorId: MAX_CONNECTOR_ID + 1 })),
    ).toEqual(PROPERTY);
    expect(m.store.snapshot()).toBe(before);
    expect(await cp.ok('StatusNotification', status(MAX_CONNECTOR_ID))).toEqual({});
  });

  it("checks MeterValues and StatusNotification against the session's count, without reading the charger", async () => {
    // The record says 4: the session's 2 (the count at connect) is what counts, and nothing reads the record.
    m.store.putCharger(aCharger({ tariffId: 'tariff-1', connectorCount: 4 }));
    const counted = new TestCharger(m, aSession({ connectorCount: 2 }));
    const unset = new TestCharger(m, aSession({ connectorCount: null }));
    const reads: string[] = [];
    const get = m.deps.chargers.get.bind(m.deps.chargers);
    m.deps.chargers.get = async (id) => {
      reads.push(id);
      return get(id);
    };
    const reading = (connectorId: number) => ({ connectorId, meterValue: [energySample(at('-1h'), 1)] });
    const before = m.store.snapshot();
    expect(refusal(await counted.call('MeterValues', reading(3)))).toEqual(PROPERTY);
    expect(refusal(await counted.call('StatusNotification', status(3)))).toEqual(PROPERTY);
    expect(refusal(await unset.call('StatusNotification', status(MAX_CONNECTOR_ID + 1)))).toEqual(PROPERTY);
    expect(m.store.snapshot()).toBe(before);
    expect(await counted.ok('MeterValues', reading(2))).toEqual({});
    expect(await counted.ok('StatusNotification', status(2))).toEqual({});
    expect(await unset.ok('StatusNotification', status(MAX_CONNECTOR_ID))).toEqual({});
    expect(reads).toEqual([]);
  });
});

describe('DataTransfer', () => {
  it('answers UnknownVendorId without a handler', async () => {
    expect(await cp.ok('DataTransfer', { vendorId: 'com.acme', messageId: 'x', data: 'y' })).toEqual({
      status: 'UnknownVendorId',
    });
  });

  it('calls the vendor handler', async () => {
    const m2 = createMemoryOcppDeps({
      dataTransfer: new Map([
        ['com.acme', async (_ctx, req) => ({ status: 'Accepted' as const, data: `echo:${req.data}` })],
      ]),
    });
    m2.store.putCharger(aCharger());
    const cp2 = new TestCharger(m2);
    expect(await cp2.ok('DataTransfer', { vendorId: 'com.acme', data: 'hi' })).toEqual({
      status: 'Accepted',
      data: 'echo:hi',
    });
  });
});

describe('Diagnostics and firmware status', () => {
  it('stores both', async () => {
    await cp.ok('DiagnosticsStatusNotification', { status: 'Uploaded' });
    await cp.ok('FirmwareStatusNotification', { status: 'Installed' });
    expect(m.store.chargers.get(CHARGER_ID)).toMatchObject({
      diagnosticsStatus: 'Uploaded',
      firmwareStatus: 'Installed',
      firmwareStatusAt: iso('0'),
    });
  });
});

describe('errors at the edge', () => {
  it.each([
    ['an action 1.6 does not define', 'TransactionEvent', {}, 'NotImplemented'],
    ['a 1.6 action the platform does not handle', 'SignCertificate', { csr: 'x' }, 'NotSupported'],
    ['a central-system action sent by the charger', 'Reset', { type: 'Hard' }, 'NotSupported'],
    ['a payload with a wrong type', 'Authorize', { idTag: 5 }, 'TypeConstraintViolation'],
    ['a missing field', 'StartTransaction', { connectorId: 1 }, 'OccurenceConstraintViolation'],
    ['an unknown field', 'Heartbeat', { x: 1 }, 'FormationViolation'],
    [
      'an enum violation',
      'StatusNotification',
      { connectorId: 1, errorCode: 'Nope', status: 'Available' },
      'PropertyConstraintViolation',
    ],
  ])('answers %s with %s', async (_, action, payload, code) => {
    expect(await cp.call(action, payload, 'e1')).toEqual([
      4,
      'e1',
      code,
      expect.any(String),
      expect.any(Object),
    ]);
  });

  it('answers InternalError, without internals, when storage fails', async () => {
    m.deps.chargers.recordHeartbeat = async () => {
      throw new Error('ProvisionedThroughputExceeded: secret table name');
    };
    expect(await cp.call('Heartbeat', {}, 'h1')).toEqual([
      4,
      'h1',
      'InternalError',
      'internal error; retry later',
      {},
    ]);
  });

  it('answers a malformed CALL with FormationViolation and ignores an unparseable frame', async () => {
    expect(await cp.raw('[2,"x1","Heartbeat"]')).toEqual([
      4,
      'x1',
      'FormationViolation',
      expect.any(String),
      {},
    ]);
    expect(await cp.raw('[9,"x2"]')).toEqual([4, 'x2', 'FormationViolation', expect.any(String), {}]);
    expect(await cp.raw('garbage')).toBeUndefined();
    expect(await cp.raw('[3,"x3"]')).toBeUndefined();
  });
});

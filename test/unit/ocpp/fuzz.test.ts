/**
 * Fuzz: thousands of random and malformed frames through the real $default handler over the
 * in-memory platform. Properties: the handler never throws; whatever it sends back is an OCPP
 * frame; every well-framed CALL among them (all invalid by construction) gets a CALLERROR with a
 * 1.6 error code; nothing is ever posted to the charger; no stored record changes.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WebSocketEvent } from '../../../shared/adapters/apigw/websocket-events.js';
import { ManualClock } from '../../../shared/adapters/memory/ocpp-store.js';
import { createMessageHandler } from '../../../shared/lambda/ocpp-handlers.js';
import { WIRE_ERROR_CODES } from '../../../shared/ocpp/errors.js';
import { validatorFor } from '../../../shared/ocpp/validation.js';
import {
  aCharger,
  anIdTag,
  anOperator,
  CHARGER_ID,
  energySample,
  OPERATOR_ID,
} from '../../fixtures/ocpp/builders.js';
import { createMemoryOcppDeps, type MemoryOcpp } from '../../fixtures/ocpp/memory-ocpp-deps.js';
import { chargerIsoAt, thisMinuteMs } from '../../fixtures/time.js';

const SEED = 20261101;
/** Chargers report times around the platform's clock, which starts at the current minute. */
const T0 = thisMinuteMs();
const at = (offset: string) => chargerIsoAt(T0, offset);
let m: MemoryOcpp;
let handler: ReturnType<typeof createMessageHandler>;
let snapshot: string;
let frames = 0;

beforeAll(async () => {
  m = createMemoryOcppDeps({ clock: new ManualClock(T0) });
  m.store.putOperator(anOperator());
  m.store.putCharger(aCharger());
  m.store.putIdTag(anIdTag());
  handler = createMessageHandler(() => m.deps);
  // some state worth protecting: a running transaction with samples
  const send = (body: string) => handler(event(body));
  await send(
    JSON.stringify([
      2,
      's1',
      'StartTransaction',
      { connectorId: 1, idTag: 'TAG-1', meterStart: 0, timestamp: at('-1h') },
    ]),
  );
  await send(
    JSON.stringify([
      2,
      's2',
      'MeterValues',
      { connectorId: 1, transactionId: 1, meterValue: [energySample(at('-59m'), 10)] },
    ]),
  );
  snapshot = m.store.snapshot();
  expect(m.store.transactions.size).toBe(1);
});

function event(body: string): WebSocketEvent {
  return {
    requestContext: {
      routeKey: '$default',
      eventType: 'MESSAGE',
      connectionId: 'conn-1',
      domainName: 'abc.execute-api.eu-west-2.amazonaws.com',
      stage: 'prod',
      authorizer: {
        chargerId: CHARGER_ID,
        operatorId: OPERATOR_ID,
        registration: 'active',
        protocol: 'ocpp1.6',
      },
    },
    body,
    isBase64Encoded: false,
  };
}

const CODES_16: readonly string[] = WIRE_ERROR_CODES['ocpp1.6'];

/** Sends one frame; checks the reply is nothing or an OCPP CALLERROR; returns the reply. */
async function send(body: string): Promise<unknown[] | undefined> {
  frames++;
  const result = await handler(event(body));
  expect(result.statusCode).toBe(200);
  if (result.body === undefined) return undefined;
  const reply = JSON.parse(result.body) as unknown[];
  expect(Array.isArray(reply)).toBe(true);
  expect(reply).toHaveLength(5);
  expect(reply[0]).toBe(4);
  expect(typeof reply[1]).toBe('string');
  expect(CODES_16).toContain(reply[2]);
  expect(typeof reply[3]).toBe('string');
  expect(typeof reply[4] === 'object' && reply[4] !== null && !Array.isArray(reply[4])).toBe(true);
  return reply;
}

function isWellFramedCall(body: string): string | undefined {
  try {
    const v: unknown = JSON.parse(body);
    if (
      Array.isArray(v) &&
      v.length === 4 &&
      v[0] === 2 &&
      typeof v[1] === 'string' &&
      v[1].length > 0 &&
      v[1].length <= 36 &&
      typeof v[2] === 'string' &&
      typeof v[3] === 'object' &&
      v[3] !== null &&
      !Array.isArray(v[3])
    ) {
      return v[1];
    }
  } catch {
    // not JSON
  }
  return undefined;
}

async function check(body: string): Promise<void> {
  const id = isWellFramedCall(body);
  const reply = await send(body);
  if (id !== undefined) {
    expect(reply?.[1]).toBe(id);
  }
}

/* ---- generators ---- */

const messageId = fc.string({ minLength: 1, maxLength: 36 });

/** Valid templates for every Core action a charger sends. */
const TEMPLATES: Record<string, Record<string, unknown>> = {
  BootNotification: { chargePointVendor: 'Acme', chargePointModel: 'M1', firmwareVersion: '1.0' },
  Heartbeat: {},
  StatusNotification: {
    connectorId: 1,
    errorCode: 'NoError',
    status: 'Available',
    timestamp: at('-1h'),
  },
  Authorize: { idTag: 'TAG-1' },
  StartTransaction: { connectorId: 1, idTag: 'TAG-1', meterStart: 5, timestamp: at('-30m') },
  StopTransaction: { transactionId: 1, meterStop: 100, timestamp: at('0'), reason: 'Local' },
  MeterValues: { connectorId: 1, transactionId: 1, meterValue: [energySample(at('-58m'), 20)] },
  DataTransfer: { vendorId: 'com.acme', messageId: 'm', data: 'd' },
  DiagnosticsStatusNotification: { status: 'Uploaded' },
  FirmwareStatusNotification: { status: 'Installed' },
};
const ACTIONS = Object.keys(TEMPLATES);

const wrongTypeFor = (value: unknown) =>
  fc
    .oneof(
      fc.integer(),
      fc.double({ noNaN: false }),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.object({ maxDepth: 1 }),
    )
    .filter((v) => typeof v !== typeof value || Array.isArray(v) !== Array.isArray(value) || v === null)
    .filter((v) => !(typeof value === 'number' && typeof v === 'number' && Number.isInteger(v)));

type Broken = readonly [action: string, payload: Record<string, unknown>, code: string];

/** A Core payload broken in exactly one way the schema must catch, with the 1.6 code that names it. */
const invalidCorePayload = fc.constantFrom(...ACTIONS).chain((action) => {
  const template = TEMPLATES[action]!;
  const keys = Object.keys(template);
  const broken = (code: string) => (payload: Record<string, unknown>) => [action, payload, code] as const;
  const mutations: fc.Arbitrary<Broken>[] = [
    // an unknown property
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))
      .filter(([k]) => !keys.includes(k) && k !== '__proto__')
      .map(([k, v]) => ({ ...template, [`x_${k}`]: v }))
      .map(broken('FormationViolation')),
  ];
  if (keys.length > 0) {
    mutations.push(
      // a wrong type in one field
      fc
        .constantFrom(...keys)
        .chain((k) => wrongTypeFor(template[k]).map((v) => ({ ...template, [k]: v })))
        .map(broken('TypeConstraintViolation')),
    );
    const required = keys.filter(
      (k) => validatorFor('ocpp1.6').checkRequest(action, omit(template, k)) !== undefined,
    );
    if (required.length > 0)
      mutations.push(
        fc
          .constantFrom(...required)
          .map((k) => omit(template, k))
          .map(broken('OccurenceConstraintViolation')),
      );
  }
  return fc.oneof(...mutations);
});

function omit(o: Record<string, unknown>, k: string): Record<string, unknown> {
  const { [k]: _, ...rest } = o;
  return rest;
}

const unknownAction = fc
  .string({ minLength: 1, maxLength: 30 })
  .filter((a) => !validatorFor('ocpp1.6').knowsAction(a));

// Thousands of frames per property: a few seconds on a quiet machine, more when the cores are shared.
describe('fuzzing $default', { timeout: 30_000 }, () => {
  it('random text and random JSON', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.json({ maxDepth: 4 }),
          fc.string({ unit: 'binary', maxLength: 100 }),
        ),
        check,
      ),
      { numRuns: 3000, seed: SEED },
    );
  });

  it('random arrays: wrong message type ids, wrong id types, wrong lengths', async () => {
    const element = fc.oneof(fc.anything({ maxDepth: 2 }), fc.constantFrom(2, 3, 4, '2', 5, 0, -1, 2.5));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(element, { maxLength: 6 }),
          fc.tuple(
            fc.constantFrom(2, 3, 4, 7),
            fc.oneof(messageId, fc.integer(), fc.constant(null)),
            element,
            element,
          ),
          fc.tuple(
            fc.constant(2),
            messageId,
            fc.constantFrom(...ACTIONS),
            fc.oneof(fc.array(fc.anything()), fc.string(), fc.constant(null)),
          ),
          fc.tuple(
            fc.constant(2),
            fc.string({ minLength: 37, maxLength: 80 }),
            fc.constantFrom(...ACTIONS),
            fc.constant({}),
          ),
        ),
        (frame) => check(JSON.stringify(frame)),
      ),
      { numRuns: 3000, seed: SEED },
    );
  });

  it('Core actions with invalid payloads get the schema CALLERROR', async () => {
    await fc.assert(
      fc.asyncProperty(messageId, invalidCorePayload, async (id, [action, payload, code]) => {
        const reply = await send(JSON.stringify([2, id, action, payload]));
        expect(reply?.slice(0, 3)).toEqual([4, id, code]);
      }),
      { numRuns: 3500, seed: SEED },
    );
  });

  it('unknown actions get NotImplemented', async () => {
    await fc.assert(
      fc.asyncProperty(messageId, unknownAction, fc.object({ maxDepth: 2 }), async (id, action, payload) => {
        const reply = await send(JSON.stringify([2, id, action, payload]));
        expect(reply?.slice(0, 3)).toEqual([4, id, 'NotImplemented']);
      }),
      { numRuns: 500, seed: SEED },
    );
  });

  it('oversize frames', async () => {
    await fc.assert(
      fc.asyncProperty(
        messageId.filter((s) => !/["\\]/.test(s)),
        fc.integer({ min: 128 * 1024, max: 140 * 1024 }),
        async (id, size) => {
          const reply = await send(
            JSON.stringify([2, id, 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(size) }]),
          );
          expect(reply?.slice(0, 3)).toEqual([4, id, 'FormationViolation']);
        },
      ),
      { numRuns: 30, seed: SEED },
    );
  });

  it('CALLRESULTs and CALLERRORs that answer nothing get no answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constant(3), messageId, fc.object({ maxDepth: 2 })),
          fc.tuple(fc.constant(4), messageId, fc.string(), fc.string(), fc.object({ maxDepth: 1 })),
        ),
        async (frame) => {
          expect(await send(JSON.stringify(frame))).toBeUndefined();
        },
      ),
      { numRuns: 500, seed: SEED },
    );
  });

  it('after all of it: at least 10,000 frames, nothing posted, no stored record changed', () => {
    expect(frames).toBeGreaterThanOrEqual(10_000);
    expect(m.gateway.sent).toEqual([]);
    expect(m.store.snapshot()).toBe(snapshot);
  });
});

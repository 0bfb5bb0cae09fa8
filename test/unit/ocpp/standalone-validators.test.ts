/**
 * The validators the Lambda bundles use (Ajv standalone code generated at build time,
 * lib/ocpp-validators.ts, evaluated per schema by shared/ocpp/standalone-validators.ts) answer every
 * payload as ocpp-rpc's own validator does (its Ajv, its float-tolerant `multipleOf` closure), and as
 * the source-mode validators the other tests use: same verdict, same first error. Payloads: valid
 * ones, their random mutations, and random JSON, for every 1.6 schema.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import ocpp16Schemas from 'ocpp-rpc/lib/schemas/ocpp1_6.json' with { type: 'json' };
import { createValidator } from 'ocpp-rpc/lib/validator.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ocppStandaloneSources } from '../../../lib/ocpp-validators.js';
import { schemaValidator as sourceValidator } from '../../../shared/ocpp/schema-validators.js';
import { standaloneValidators } from '../../../shared/ocpp/standalone-validators.js';

const VERSION = 'ocpp1.6';
const IDS = (ocpp16Schemas as { $id: string }[]).map((s) => s.$id);
const reference = createValidator(VERSION, ocpp16Schemas);
let standalone: ReturnType<typeof standaloneValidators>;

beforeAll(() => {
  const sources = ocppStandaloneSources();
  standalone = standaloneValidators(() => sources, createRequire(import.meta.url));
});

interface Outcome {
  valid: boolean;
  first?: { keyword: string; instancePath: string; message?: string; params?: unknown };
}

const firstOf = (errors: Outcome['first'][] | null | undefined): Outcome['first'] => {
  const e = errors?.[0];
  return e && { keyword: e.keyword, instancePath: e.instancePath, message: e.message, params: e.params };
};

function referenceOutcome(id: string, payload: unknown): Outcome {
  try {
    return { valid: reference.validate(id, payload) === true };
  } catch (err) {
    return {
      valid: false,
      first: firstOf((err as { details: { errors: Outcome['first'][] } }).details.errors),
    };
  }
}

function outcomeOf(validate: ReturnType<typeof standalone>, payload: unknown): Outcome {
  if (!validate) throw new Error('no validator');
  return validate(payload) ? { valid: true } : { valid: false, first: firstOf(validate.errors) };
}

function expectSameAnswers(id: string, payload: unknown): void {
  const expected = referenceOutcome(id, payload);
  expect(outcomeOf(standalone(VERSION, id), payload), `${id} ${JSON.stringify(payload)}`).toEqual(expected);
  expect(outcomeOf(sourceValidator(VERSION, id), payload), `${id} ${JSON.stringify(payload)}`).toEqual(
    expected,
  );
}

const T = '2026-11-01T10:00:00Z';
const PROFILE = {
  chargingProfileId: 1,
  stackLevel: 0,
  chargingProfilePurpose: 'TxProfile',
  chargingProfileKind: 'Absolute',
  chargingSchedule: {
    chargingRateUnit: 'A',
    minChargingRate: 6.1,
    chargingSchedulePeriod: [
      { startPeriod: 0, limit: 16.3 },
      { startPeriod: 600, limit: 0.3, numberPhases: 3 },
    ],
  },
};
const VALID: [string, unknown][] = [
  ['urn:BootNotification.req', { chargePointVendor: 'V', chargePointModel: 'M', firmwareVersion: '1.0' }],
  ['urn:Authorize.req', { idTag: 'TAG-1' }],
  ['urn:Heartbeat.req', {}],
  ['urn:StartTransaction.req', { connectorId: 1, idTag: 'TAG-1', meterStart: 0, timestamp: T }],
  [
    'urn:StopTransaction.req',
    {
      transactionId: 1,
      meterStop: 1200,
      timestamp: T,
      reason: 'Local',
      transactionData: [{ timestamp: T, sampledValue: [{ value: '1200', unit: 'Wh' }] }],
    },
  ],
  [
    'urn:MeterValues.req',
    {
      connectorId: 1,
      transactionId: 1,
      meterValue: [
        { timestamp: T, sampledValue: [{ value: '10', measurand: 'Energy.Active.Import.Register' }] },
      ],
    },
  ],
  ['urn:StatusNotification.req', { connectorId: 1, errorCode: 'NoError', status: 'Available' }],
  ['urn:DataTransfer.req', { vendorId: 'V', messageId: 'm', data: '{}' }],
  ['urn:SetChargingProfile.req', { connectorId: 1, csChargingProfiles: PROFILE }],
  ['urn:RemoteStartTransaction.req', { idTag: 'TAG-1', connectorId: 1, chargingProfile: PROFILE }],
  [
    'urn:GetCompositeSchedule.conf',
    {
      status: 'Accepted',
      connectorId: 1,
      scheduleStart: T,
      chargingSchedule: { ...PROFILE.chargingSchedule, duration: 3600, startSchedule: T },
    },
  ],
  ['urn:GetConfiguration.conf', { configurationKey: [{ key: 'K', readonly: true, value: 'v' }] }],
  ['urn:Reset.conf', { status: 'Accepted' }],
];

/** A payload with one value somewhere in it replaced, removed or added. */
function mutated(payload: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value))
        walk(child, [...path, Array.isArray(value) ? Number(key) : key]);
    }
  };
  walk(payload, []);
  const replacement = fc.oneof(
    fc.jsonValue(),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
    fc.integer({ min: -1000, max: 1000 }).map((n) => n / 10),
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      T,
      '2026-13-01T00:00:00Z',
      'x'.repeat(21),
      '',
      'Accepted',
      0.1,
      0.30000000000000004,
      1e-7,
    ),
  );
  return fc
    .tuple(fc.constantFrom(...paths), fc.constantFrom('replace', 'remove', 'add'), replacement)
    .map(([path, how, value]) => {
      const copy = structuredClone(payload) as Record<string | number, unknown>;
      if (path.length === 0) return how === 'replace' ? value : copy;
      let parent = copy;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      const last = path.at(-1) as string | number;
      if (how === 'replace') parent[last] = value;
      else if (how === 'remove') delete parent[last];
      else parent[`extra${String(last)}`] = value;
      return copy;
    });
}

describe('OCPP 1.6 validators compiled at build time', () => {
  it('know exactly the schemas ocpp-rpc ships', () => {
    for (const id of IDS) expect(standalone(VERSION, id), id).toBeTypeOf('function');
    expect(standalone(VERSION, 'urn:TransactionEvent.req')).toBeUndefined();
    expect(standalone(VERSION, '__proto__')).toBeUndefined();
    expect(standalone(VERSION, 'constructor')).toBeUndefined();
  });

  it.each(VALID)('accept a valid %s as ocpp-rpc does', (id, payload) => {
    expect(referenceOutcome(id, payload).valid).toBe(true);
    expectSameAnswers(id, payload);
  });

  it.each([0.3, 16.3, 7.35, 0.05, 1e-7, 0.30000000000000004, -0.1, 12, 1e21, 5e-324])(
    'apply the float-tolerant multipleOf 0.1 to a limit of %s as ocpp-rpc does',
    (limit) => {
      const payload = {
        connectorId: 1,
        csChargingProfiles: {
          ...PROFILE,
          chargingSchedule: {
            ...PROFILE.chargingSchedule,
            chargingSchedulePeriod: [{ startPeriod: 0, limit }],
          },
        },
      };
      expectSameAnswers('urn:SetChargingProfile.req', payload);
    },
  );

  it('refuse a limit off the 0.1 grid with the multipleOf keyword, as ocpp-rpc does', () => {
    const payload = {
      connectorId: 1,
      csChargingProfiles: {
        ...PROFILE,
        chargingSchedule: { ...PROFILE.chargingSchedule, minChargingRate: 0.35 },
      },
    };
    expect(referenceOutcome('urn:SetChargingProfile.req', payload).first?.keyword).toBe('multipleOf');
    expectSameAnswers('urn:SetChargingProfile.req', payload);
  });

  it.each(VALID)('answer mutations of a valid %s as ocpp-rpc does', (id, payload) => {
    fc.assert(
      fc.property(mutated(payload), (candidate) => expectSameAnswers(id, candidate)),
      { seed: 20261201, numRuns: 300 },
    );
  });

  it('answer random JSON for every schema as ocpp-rpc does', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...IDS),
        fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue())),
        (id, payload) => expectSameAnswers(id, payload),
      ),
      { seed: 20261201, numRuns: 2000 },
    );
  });
});

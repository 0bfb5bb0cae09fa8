import { describe, expect, it } from 'vitest';
import { codeForSchemaError, validatorFor } from '../../../shared/ocpp/validation.js';

const v = validatorFor('ocpp1.6');

describe('OCPP 1.6 schema validation', () => {
  it('accepts a valid payload', () => {
    expect(
      v.checkRequest('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }),
    ).toBeUndefined();
  });

  it.each([
    [
      'a number as a string (no coercion)',
      'StartTransaction',
      { connectorId: '1', idTag: 'T', meterStart: 0, timestamp: '2026-01-01T00:00:00Z' },
      'TypeConstraintViolation',
    ],
    ['a string as a number', 'Authorize', { idTag: 12 }, 'TypeConstraintViolation'],
    [
      'a bad date-time',
      'StartTransaction',
      { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: 'yesterday' },
      'TypeConstraintViolation',
    ],
    ['a CiString20 over 20 characters', 'Authorize', { idTag: 'x'.repeat(21) }, 'TypeConstraintViolation'],
    [
      'a value outside the enum',
      'StatusNotification',
      { connectorId: 1, errorCode: 'NoError', status: 'Sleeping' },
      'PropertyConstraintViolation',
    ],
    [
      'a missing required field',
      'BootNotification',
      { chargePointVendor: 'V' },
      'OccurrenceConstraintViolation',
    ],
    ['an unknown property', 'Heartbeat', { extra: true }, 'FormatViolation'],
    [
      'a float for an integer',
      'MeterValues',
      { connectorId: 1.5, meterValue: [] },
      'TypeConstraintViolation',
    ],
    [
      'a boolean for a string in a nested sample',
      'MeterValues',
      {
        connectorId: 1,
        meterValue: [{ timestamp: '2026-01-01T00:00:00Z', sampledValue: [{ value: true }] }],
      },
      'TypeConstraintViolation',
    ],
  ])('refuses %s', (_, action, payload, code) => {
    expect(v.checkRequest(action, payload)?.code).toBe(code);
  });

  it('knows 1.6 actions and nothing else', () => {
    expect(v.knowsAction('MeterValues')).toBe(true);
    expect(v.knowsAction('TransactionEvent')).toBe(false);
    expect(v.knowsAction('__proto__')).toBe(false);
    expect(v.checkRequest('Nope', {})?.code).toBe('NotImplemented');
  });

  it('validates .conf payloads', () => {
    expect(v.checkResponse('Reset', { status: 'Accepted' })).toBeUndefined();
    expect(v.checkResponse('Reset', { status: 'Maybe' })?.code).toBe('PropertyConstraintViolation');
  });

  it('maps a non-object root to FormatViolation', () => {
    expect(codeForSchemaError({ keyword: 'type', instancePath: '' })).toBe('FormatViolation');
    expect(codeForSchemaError(undefined)).toBe('FormatViolation');
    expect(codeForSchemaError({ keyword: 'somethingNew', instancePath: '/a' })).toBe('FormatViolation');
  });
});

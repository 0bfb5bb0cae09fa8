import { describe, expect, it } from 'vitest';
import { neutralErrorCode, OcppError, WIRE_ERROR_CODES, wireErrorCode } from '../../../shared/ocpp/errors.js';
import {
  encodeCall,
  encodeCallError,
  encodeCallResult,
  MAX_FRAME_BYTES,
  parseFrame,
} from '../../../shared/ocpp/frames.js';
import { chooseSubprotocol } from '../../../shared/ocpp/versions.js';

describe('parseFrame', () => {
  it('parses the three message types', () => {
    expect(parseFrame('[2,"a1","Heartbeat",{}]')).toEqual({
      kind: 'frame',
      frame: { type: 2, messageId: 'a1', action: 'Heartbeat', payload: {} },
    });
    expect(parseFrame('[3,"a1",{"currentTime":"x"}]')).toEqual({
      kind: 'frame',
      frame: { type: 3, messageId: 'a1', payload: { currentTime: 'x' } },
    });
    expect(parseFrame('[4,"a1","NotImplemented","nope",{}]')).toEqual({
      kind: 'frame',
      frame: {
        type: 4,
        messageId: 'a1',
        errorCode: 'NotImplemented',
        errorDescription: 'nope',
        errorDetails: {},
      },
    });
  });

  it.each([
    ['not JSON', '{oops'],
    ['not an array', '{"a":1}'],
    ['empty array', '[]'],
    ['numeric id', '[2,17,"Heartbeat",{}]'],
    ['empty id', '[2,"","Heartbeat",{}]'],
    ['null', 'null'],
    ['empty body', ''],
  ])('cannot correlate %s: no answer', (_, text) => {
    expect(parseFrame(text).kind).toBe('unparseable');
  });

  it.each([
    ['CALL with 3 elements', '[2,"x","Heartbeat"]', true],
    ['CALL with array payload', '[2,"x","Heartbeat",[]]', true],
    ['CALL with null payload', '[2,"x","Heartbeat",null]', true],
    ['CALL with numeric action', '[2,"x",5,{}]', true],
    ['CALL with extra element', '[2,"x","Heartbeat",{},1]', true],
    ['unknown message type', '[7,"x","Heartbeat",{}]', true],
    ['string message type', '["2","x","Heartbeat",{}]', true],
    ['id over 36 chars', `[2,"${'x'.repeat(37)}","Heartbeat",{}]`, true],
    ['bad CALLRESULT', '[3,"x"]', false],
    ['bad CALLERROR', '[4,"x","GenericError"]', false],
  ])('%s is malformed (answer=%s)', (_, text, answer) => {
    const parsed = parseFrame(text);
    expect(parsed.kind).toBe('malformed');
    if (parsed.kind === 'malformed') {
      expect(parsed.messageId).toBe(JSON.parse(text)[1]);
      expect(parsed.answer).toBe(answer);
    }
  });

  it('answers an oversize CALL by its id without parsing it', () => {
    const text = `[2,"big","DataTransfer",{"vendorId":"v","data":"${'x'.repeat(MAX_FRAME_BYTES)}"}]`;
    const parsed = parseFrame(text);
    expect(parsed).toMatchObject({ kind: 'malformed', messageId: 'big', answer: true });
    expect(parseFrame(`{"x":"${'y'.repeat(MAX_FRAME_BYTES)}"}`).kind).toBe('unparseable');
  });

  it('rejects payloads that are not plain objects', () => {
    expect(parseFrame('[2,"x","Heartbeat","{}"]').kind).toBe('malformed');
  });
});

describe('encoding', () => {
  it('round-trips', () => {
    expect(parseFrame(encodeCall('i', 'Reset', { type: 'Soft' }))).toMatchObject({ kind: 'frame' });
    expect(JSON.parse(encodeCallResult('i', { a: 1 }))).toEqual([3, 'i', { a: 1 }]);
    expect(JSON.parse(encodeCallError('i', 'GenericError', 'd'))).toEqual([4, 'i', 'GenericError', 'd', {}]);
  });
});

describe('error codes', () => {
  it('maps neutral codes to 1.6 wire codes, including the 1.6 spellings', () => {
    expect(wireErrorCode('ocpp1.6', 'FormatViolation')).toBe('FormationViolation');
    expect(wireErrorCode('ocpp1.6', 'OccurrenceConstraintViolation')).toBe('OccurenceConstraintViolation');
    expect(wireErrorCode('ocpp1.6', 'MessageTypeNotSupported')).toBe('FormationViolation');
    expect(wireErrorCode('ocpp1.6', 'ChargerOffline')).toBe('GenericError');
  });

  it('only ever produces codes 1.6 defines', () => {
    const all = [
      'FormatViolation',
      'ProtocolError',
      'TypeConstraintViolation',
      'PropertyConstraintViolation',
      'OccurrenceConstraintViolation',
      'NotImplemented',
      'NotSupported',
      'SecurityError',
      'InternalError',
      'GenericError',
      'MessageTypeNotSupported',
      'RpcFrameworkError',
      'ChargerOffline',
      'UnknownCall',
    ] as const;
    for (const code of all) expect(WIRE_ERROR_CODES['ocpp1.6']).toContain(wireErrorCode('ocpp1.6', code));
  });

  it('reads wire codes back', () => {
    expect(neutralErrorCode('ocpp1.6', 'FormationViolation')).toBe('FormatViolation');
    expect(neutralErrorCode('ocpp1.6', 'Whatever')).toBe('GenericError');
  });

  it('keeps code, details and cause on the error', () => {
    const cause = new Error('x');
    const err = new OcppError('SecurityError', 'no', { details: { a: 1 }, cause });
    expect(err).toMatchObject({ name: 'OcppError', code: 'SecurityError', details: { a: 1 }, cause });
  });
});

describe('chooseSubprotocol', () => {
  it.each([
    ['ocpp1.6', 'ocpp1.6'],
    ['ocpp2.0.1, ocpp1.6', 'ocpp1.6'],
    ['OCPP1.6', 'ocpp1.6'],
    ['ocpp2.0.1', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, expected) => {
    expect(chooseSubprotocol(header)).toBe(expected);
  });
});

/**
 * The one table from errors to HTTP, and the middleware that applies it: what the caller is told
 * for each app, domain and OCPP command error, and that anything else stays a 500 without details.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ChargerConflictError, ChargerNotFoundError } from '../../../shared/app/chargers/manage-chargers.js';
import { AppError } from '../../../shared/app/errors.js';
import { DomainError, InvalidArgumentError } from '../../../shared/domain/errors.js';
import { InvalidTariffError } from '../../../shared/domain/tariff.js';
import { HttpError, httpFailureOf } from '../../../shared/lambda/http-errors.js';
import { jsonErrors } from '../../../shared/lambda/middlewares.js';
import { OcppError } from '../../../shared/ocpp/errors.js';

describe('httpFailureOf', () => {
  it.each([
    [
      'HttpError',
      new HttpError(422, 'as thrown', 'custom'),
      { statusCode: 422, code: 'custom', message: 'as thrown' },
    ],
    [
      'ChargerConflictError',
      new ChargerConflictError('taken'),
      { statusCode: 409, code: 'conflict', message: 'taken' },
    ],
    [
      'ChargerNotFoundError',
      new ChargerNotFoundError('gone'),
      { statusCode: 404, code: 'not_found', message: 'gone' },
    ],
    [
      'InvalidTariffError',
      new InvalidTariffError([{ path: 'currency', message: 'must be ISO 4217' }]),
      { statusCode: 400, code: 'invalid_tariff', message: 'Invalid tariff: currency: must be ISO 4217' },
    ],
    [
      'OcppError ChargerOffline',
      new OcppError('ChargerOffline', 'charger CP-1 is not connected'),
      { statusCode: 409, code: 'charger_offline', message: 'charger CP-1 is not connected' },
    ],
    [
      'OcppError SecurityError (another operator’s charger)',
      new OcppError('SecurityError', 'charger CP-1 belongs to another operator'),
      { statusCode: 404, code: 'not_found', message: 'no such charger or call' },
    ],
    [
      'OcppError UnknownCall',
      new OcppError('UnknownCall', 'not a call id'),
      { statusCode: 404, code: 'not_found', message: 'no such charger or call' },
    ],
    [
      'OcppError PropertyConstraintViolation',
      new OcppError('PropertyConstraintViolation', 'type must be Soft or Hard'),
      {
        statusCode: 400,
        code: 'invalid_payload',
        message: 'payload rejected by the OCPP schema: type must be Soft or Hard',
      },
    ],
  ])('%s', (_name, err, failure) => {
    expect(httpFailureOf(err)).toEqual(failure);
  });

  it.each([
    ['a plain Error', new Error('boom')],
    ['a domain error for a bug in the caller', new InvalidArgumentError('negative energy')],
    ['a domain error with a code the table lacks', new DomainError('SOMETHING_ELSE', 'internal detail')],
    ['an OCPP error that is the platform’s fault', new OcppError('InternalError', 'internal detail')],
    ['a thrown string', 'boom'],
  ])('leaves %s to the 500 path', (_name, err) => {
    expect(httpFailureOf(err)).toBeUndefined();
  });

  it('app errors are domain-shaped errors with their code, name and cause', () => {
    const cause = new Error('underlying');
    const err = new AppError('CHARGER_CONFLICT', 'taken', { cause });
    expect(err).toBeInstanceOf(DomainError);
    expect([err.code, err.name, err.cause]).toEqual(['CHARGER_CONFLICT', 'AppError', cause]);
    const conflict = new ChargerConflictError('taken');
    expect(conflict).toBeInstanceOf(AppError);
    expect([conflict.code, conflict.name]).toEqual(['CHARGER_CONFLICT', 'ChargerConflictError']);
  });
});

describe('jsonErrors', () => {
  const CONTEXT = {} as Context;
  const EVENT = { rawPath: '/api/v1/x' } as APIGatewayProxyEventV2;
  const throwing = (err: unknown) =>
    middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
      .use(jsonErrors())
      .handler(async () => {
        throw err;
      });

  it('answers a known error with its status and a JSON body', async () => {
    const res = await throwing(new ChargerNotFoundError('charger CP-9 not found'))(EVENT, CONTEXT);
    expect(res).toEqual({
      statusCode: 404,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: { code: 'not_found', message: 'charger CP-9 not found' } }),
    });
  });

  it('answers anything else with a 500 that names no internals', async () => {
    const res = await throwing(new DomainError('SOMETHING_ELSE', 'secret internal detail'))(EVENT, CONTEXT);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(String(res.body))).toEqual({
      error: { code: 'internal_error', message: 'internal error; the request id is in the logs' },
    });
  });
});

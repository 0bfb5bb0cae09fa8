import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AuthDeps } from '../../../shared/app/ocpp/connection.js';
import { createAuthorizerHandler } from '../../../shared/lambda/ocpp-handlers.js';
import { ORIGIN_VERIFY_HEADER, originSecretMatches } from '../../../shared/lambda/origin-verify.js';
import { aCharger, anOperator, CHARGER_ID, PASSWORD, PASSWORD_HASH } from '../../fixtures/ocpp/builders.js';
import { createMemoryOcppDeps, type MemoryOcpp } from '../../fixtures/ocpp/memory-ocpp-deps.js';

const CURRENT = 'c'.repeat(40);
const PREVIOUS = 'p'.repeat(40);
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

function handshake(headers: Record<string, string>): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:eu-west-2:123456789012:api/ocpp/$connect',
    resource: '$connect',
    path: '/',
    httpMethod: 'GET',
    headers: { Authorization: basic(CHARGER_ID, PASSWORD), 'Sec-WebSocket-Protocol': 'ocpp1.6', ...headers },
    multiValueHeaders: null,
    pathParameters: null,
    queryStringParameters: { chargerId: CHARGER_ID },
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

let m: MemoryOcpp;
/** Every dependency the authorizer reached for, but its logger: what a refused flood would cost. */
let touched: string[];
const watchedDeps = (): AuthDeps =>
  new Proxy(m.deps, {
    get(target, property, receiver) {
      if (property !== 'log') touched.push(String(property));
      return Reflect.get(target, property, receiver);
    },
  });

beforeEach(() => {
  m = createMemoryOcppDeps();
  m.store.putOperator(anOperator());
  m.store.putCharger(aCharger({ passwordHash: PASSWORD_HASH }));
  touched = [];
});

describe('the authorizer behind CloudFront', () => {
  const authorize = createAuthorizerHandler(watchedDeps, async () => [CURRENT, PREVIOUS]);

  it.each([
    ['the current value', CURRENT],
    ['the previous value (a rotation CloudFront has not caught up with)', PREVIOUS],
  ])('allows a charger whose request carries %s', async (_, value) => {
    const result = await authorize(handshake({ [ORIGIN_VERIFY_HEADER]: value }));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    expect(result.context).toMatchObject({ chargerId: CHARGER_ID });
  });

  it('reads the header whatever its case (API Gateway passes it as CloudFront sent it)', async () => {
    const result = await authorize(handshake({ [ORIGIN_VERIFY_HEADER.toLowerCase()]: CURRENT }));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
  });

  it.each([
    ['a wrong value', 'x'.repeat(40)],
    ['a prefix of the right one', CURRENT.slice(0, 39)],
    ['the right one and more', `${CURRENT}c`],
  ])('denies %s before reading the charger or hashing its password', async (_, value) => {
    const result = await authorize(handshake({ [ORIGIN_VERIFY_HEADER]: value }));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect(result.context).toBeUndefined();
    expect(touched).toEqual([]);
  });

  it('answers 401 (Unauthorized) without the header, before reading anything', async () => {
    await expect(authorize(handshake({}))).rejects.toThrow('Unauthorized');
    expect(touched).toEqual([]);
  });

  it('still checks the password once the header is right', async () => {
    const result = await authorize(
      handshake({ [ORIGIN_VERIFY_HEADER]: CURRENT, Authorization: basic(CHARGER_ID, 'wrong') }),
    );
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect(touched).not.toEqual([]);
  });

  it('checks nothing when no secret is configured (the local runtime has no CloudFront)', async () => {
    const local = createAuthorizerHandler(watchedDeps, async () => undefined);
    const result = await local(handshake({}));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
  });
});

describe('originSecretMatches', () => {
  it.each([
    ['the only value', CURRENT, [CURRENT], true],
    ['the second value', PREVIOUS, [CURRENT, PREVIOUS], true],
    ['nothing presented', undefined, [CURRENT], false],
    ['an empty header', '', [CURRENT], false],
    ['an empty accepted value (never matches, even an empty header)', '', [''], false],
    ['a value of another length', 'short', [CURRENT], false],
    ['no accepted values', CURRENT, [], false],
  ] as const)('%s', (_, presented, accepted, expected) => {
    expect(originSecretMatches(presented, accepted)).toBe(expected);
  });
});

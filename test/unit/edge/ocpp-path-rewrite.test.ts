/**
 * The CloudFront Function, evaluated as CloudFront would run it: the file's source as is, its
 * top-level `handler` called with a viewer-request event.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OCPP_PATH_REWRITE_FILE } from '../../../lib/constructs/ocpp-edge.js';
import { OCPP_STAGE_NAME } from '../../../lib/handlers.js';

interface Field {
  value: string;
  multiValue?: { value: string }[];
}
interface CfRequest {
  method: string;
  uri: string;
  querystring: Record<string, Field>;
  headers: Record<string, Field>;
  cookies: Record<string, Field>;
}
interface CfResponse {
  statusCode: number;
  statusDescription: string;
  headers: Record<string, Field>;
}
type Handler = (event: unknown) => CfRequest | CfResponse;

const source = readFileSync(OCPP_PATH_REWRITE_FILE, 'utf8');
// The runtime has no module system: the file declares `handler` at top level and nothing else exports it.
const handler = new Function(`${source}\nreturn handler;`)() as Handler;

function viewerRequest(uri: string, querystring: Record<string, Field> = {}) {
  return {
    version: '1.0',
    context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', eventType: 'viewer-request' },
    viewer: { ip: '198.51.100.11' },
    request: {
      method: 'GET',
      uri,
      querystring,
      headers: {
        host: { value: 'd111111abcdef8.cloudfront.net' },
        authorization: { value: 'Basic Q1AxOnNlY3JldA==' },
        'sec-websocket-protocol': { value: 'ocpp1.6' },
      },
      cookies: {},
    },
  };
}

function rewritten(uri: string, querystring: Record<string, Field> = {}): CfRequest {
  const result = handler(viewerRequest(uri, querystring));
  if ('statusCode' in result) throw new Error(`expected a rewrite of ${uri}, got ${result.statusCode}`);
  return result;
}

function refused(uri: string): CfResponse {
  const result = handler(viewerRequest(uri));
  if (!('statusCode' in result)) throw new Error(`expected ${uri} to be refused, got ${result.uri}`);
  return result;
}

describe('ocpp-path-rewrite (CloudFront Function, viewer request)', () => {
  it('rewrites /ocpp/CP1 to the stage path with the charger id as a query parameter', () => {
    const request = rewritten('/ocpp/CP1');
    expect(request.uri).toBe(`/${OCPP_STAGE_NAME}`);
    expect(request.querystring).toEqual({ chargerId: { value: 'CP1' } });
  });

  it('leaves the method and headers (Authorization, subprotocol, Host) alone', () => {
    const request = rewritten('/ocpp/CP1');
    expect(request.method).toBe('GET');
    expect(request.headers).toEqual(viewerRequest('/ocpp/CP1').request.headers);
  });

  it.each([
    ['CP-001_a.b~c', 'CP-001_a.b~c'],
    ['CP%201', 'CP%201'],
    ['CP%3A01', 'CP%3A01'],
    ['CP:01', 'CP%3A01'],
    ['CP%2d01', 'CP-01'],
    ['Station%40Site%2BA', 'Station%40Site%2BA'],
  ])(
    'carries /ocpp/%s as chargerId=%s: decoded once to check it, encoded once for the origin',
    (raw, encoded) => {
      const request = rewritten(`/ocpp/${raw}`);
      expect(request.querystring.chargerId).toEqual({ value: encoded });
      expect(new URLSearchParams(`chargerId=${encoded}`).get('chargerId')).toBe(decodeURIComponent(raw));
    },
  );

  it('accepts a trailing slash', () => {
    expect(rewritten('/ocpp/CP1/').querystring.chargerId).toEqual({ value: 'CP1' });
  });

  it('keeps other query parameters as they came', () => {
    const request = rewritten('/ocpp/CP1', { foo: { value: 'bar%20baz' }, x: { value: '' } });
    expect(request.querystring).toEqual({
      foo: { value: 'bar%20baz' },
      x: { value: '' },
      chargerId: { value: 'CP1' },
    });
  });

  it('never lets a client-supplied chargerId stand next to the path id, in any case or repeated', () => {
    const request = rewritten('/ocpp/CP1', {
      chargerId: { value: 'CP2', multiValue: [{ value: 'CP2' }, { value: 'CP3' }] },
      ChargerID: { value: 'CP4' },
      chargerid: { value: 'CP5' },
    });
    expect(request.querystring).toEqual({ chargerId: { value: 'CP1' } });
  });

  it.each([
    '/ocpp',
    '/ocpp/',
    '/ocpp//',
    '/ocpp/CP1/extra',
    '/ocpp/CP1//',
    '/ocpp/%2F',
    '/ocpp/CP%2F1',
    '/ocpp/CP%231',
    '/ocpp/CP%3F1',
    '/ocpp/CP%251',
    '/ocpp/CP%0A1',
    '/ocpp/%E2%82%AC',
    '/ocpp/CP%E0%A4%A',
    '/ocpp/CP%',
    `/ocpp/${'C'.repeat(65)}`,
  ])('refuses %s with 400: no usable charger id', (uri) => {
    const response = refused(uri);
    expect(response.statusCode).toBe(400);
    expect(response.statusDescription).toBe('Bad Request');
    expect(response.headers['cache-control']).toEqual({ value: 'no-store' });
  });

  it('takes ids of up to 64 characters', () => {
    const id = 'C'.repeat(64);
    expect(rewritten(`/ocpp/${id}`).querystring.chargerId).toEqual({ value: id });
  });

  it.each(['/', '/index.html', '/ocppx/CP1', '/OCPP/CP1', '/api/ocpp/CP1', '/ocpp2/CP1', '/stripe/webhook'])(
    'refuses %s with 403: not the charger endpoint',
    (uri) => {
      const response = refused(uri);
      expect(response.statusCode).toBe(403);
      expect(response.statusDescription).toBe('Forbidden');
    },
  );

  it('is plain script for the CloudFront runtime: no module syntax, no Node globals', () => {
    expect(source).not.toMatch(/^\s*(import|export)\s/m);
    expect(source).not.toMatch(/\brequire\(|\bmodule\.exports\b|\bprocess\./);
    expect(source).toMatch(/^function handler\(event\)/m);
    expect(source).toContain(`var STAGE_PATH = '/${OCPP_STAGE_NAME}';`);
  });
});

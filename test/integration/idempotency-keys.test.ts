/**
 * The Idempotency-Key store's decisions, the same for the DynamoDB adapter on DynamoDB Local (its
 * conditional writes) and the memory one the unit tests use: who runs, who is answered again, who
 * is refused, and when a crashed request's key may be taken over.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoIdempotencyKeys } from '../../shared/adapters/dynamodb/idempotency-keys.js';
import { MemoryIdempotencyKeys } from '../../shared/adapters/memory/idempotency-keys.js';
import type { IdempotencyKeys } from '../../shared/ports/idempotency.js';

const platform = inject('platform');

const stores: [string, () => IdempotencyKeys][] = [
  ['memory', () => new MemoryIdempotencyKeys()],
  [
    'DynamoDB Local',
    () =>
      new DynamoIdempotencyKeys({
        doc: createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint }),
        tableName: platform.tableName,
      }),
  ],
];

const T0 = 1_800_000_000_000;
const LEASE = 90_000;
const KEEP = 24 * 3600_000;
const at = (nowMs: number) => ({ nowMs, leaseUntilMs: nowMs + LEASE, keepUntilMs: nowMs + KEEP });

describe.each(stores)('idempotency keys (%s)', (_name, storeOf) => {
  const fresh = () => {
    const operatorId = `op-idem-${randomUUID().slice(0, 8)}`;
    const request = (fingerprint: string) => ({ operatorId, key: 'key-1', fingerprint });
    return { store: storeOf(), request };
  };

  it('one request runs; the same one while it runs is told so; once answered, it is answered again', async () => {
    const { store, request } = fresh();
    expect(await store.begin(request('A'), at(T0))).toEqual({ kind: 'started' });
    expect(await store.begin(request('A'), at(T0 + 1000))).toEqual({ kind: 'running' });
    await store.finish(request('A'), { statusCode: 201, body: '{"refundId":"re_1"}' }, T0 + KEEP);
    expect(await store.begin(request('A'), at(T0 + 2000))).toEqual({
      kind: 'replay',
      answer: { statusCode: 201, body: '{"refundId":"re_1"}' },
    });
    // Past its lease an answered key still answers: only a crashed run is taken over.
    expect(await store.begin(request('A'), at(T0 + LEASE + 1))).toMatchObject({ kind: 'replay' });
  });

  it('the key on another request is refused, running or answered, until it is no longer kept', async () => {
    const { store, request } = fresh();
    await store.begin(request('A'), at(T0));
    expect(await store.begin(request('B'), at(T0 + 1))).toEqual({ kind: 'mismatch' });
    // A crashed run's key is not taken over by a different request either.
    expect(await store.begin(request('B'), at(T0 + LEASE + 1))).toEqual({ kind: 'mismatch' });
    await store.finish(request('A'), { statusCode: 201, body: '{}' }, T0 + KEEP);
    expect(await store.begin(request('B'), at(T0 + KEEP - 1))).toEqual({ kind: 'mismatch' });
    expect(await store.begin(request('B'), at(T0 + KEEP + 1))).toEqual({ kind: 'started' });
  });

  it("a crashed run's key is taken over by the same request once its lease is over", async () => {
    const { store, request } = fresh();
    await store.begin(request('A'), at(T0));
    expect(await store.begin(request('A'), at(T0 + LEASE - 1))).toEqual({ kind: 'running' });
    expect(await store.begin(request('A'), at(T0 + LEASE + 1))).toEqual({ kind: 'started' });
  });

  it('a released key is free again; an answered one is not released', async () => {
    const { store, request } = fresh();
    await store.begin(request('A'), at(T0));
    await store.release(request('A'));
    expect(await store.begin(request('B'), at(T0 + 1))).toEqual({ kind: 'started' });
    await store.finish(request('B'), { statusCode: 201, body: '{}' }, T0 + KEEP);
    await store.release(request('B'));
    expect(await store.begin(request('B'), at(T0 + 2))).toMatchObject({ kind: 'replay' });
  });

  it("keys are each operator's own", async () => {
    const { store, request } = fresh();
    await store.begin(request('A'), at(T0));
    const other = { ...request('B'), operatorId: `${request('B').operatorId}-other` };
    expect(await store.begin(other, at(T0))).toEqual({ kind: 'started' });
  });
});

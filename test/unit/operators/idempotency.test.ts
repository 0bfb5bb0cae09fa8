import { describe, expect, it } from 'vitest';
import { MemoryIdempotencyKeys } from '../../../shared/adapters/memory/idempotency-keys.js';
import { IDEMPOTENCY_LEASE_MS, idempotencyKeyOf, runIdempotently } from '../../../shared/http/idempotency.js';
import { json } from '../../../shared/http/responses.js';
import { HttpError } from '../../../shared/lambda/http-errors.js';

const request = (fingerprint = 'fp-1') => ({ operatorId: 'op-1', key: 'k-1', fingerprint });
const T0 = 1_800_000_000_000;

describe('runIdempotently', () => {
  it('runs once; the same request again gets the same status and body, marked as replayed', async () => {
    const store = new MemoryIdempotencyKeys();
    let runs = 0;
    const run = async () => json({ refundId: `re_${++runs}` }, 201);
    const first = await runIdempotently(store, request(), T0, run);
    const again = await runIdempotently(store, request(), T0 + 5000, run);
    expect(runs).toBe(1);
    expect(first).toMatchObject({ statusCode: 201, body: '{"refundId":"re_1"}' });
    expect(again).toMatchObject({ statusCode: 201, body: '{"refundId":"re_1"}' });
    expect(again).toHaveProperty(['headers', 'idempotent-replayed'], 'true');
  });

  it('refuses the same key while its request runs, and on another request', async () => {
    const store = new MemoryIdempotencyKeys();
    let release: () => void = () => {};
    const running = runIdempotently(store, request(), T0, async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      return json({}, 201);
    });
    await expect(runIdempotently(store, request(), T0 + 1, async () => json({}, 201))).rejects.toMatchObject({
      statusCode: 409,
      code: 'idempotency_key_in_use',
    });
    await expect(
      runIdempotently(store, request('fp-2'), T0 + 1, async () => json({}, 201)),
    ).rejects.toMatchObject({ statusCode: 409, code: 'idempotency_key_reused' });
    release();
    await running;
  });

  it('frees the key when the request is refused or fails, so the same key may try again', async () => {
    const store = new MemoryIdempotencyKeys();
    await expect(
      runIdempotently(store, request(), T0, async () => {
        throw new HttpError(409, 'too large', 'refund_too_large');
      }),
    ).rejects.toMatchObject({ code: 'refund_too_large' });
    const refusedAnswer = await runIdempotently(store, request('fp-2'), T0 + 1, async () => json({}, 400));
    expect(refusedAnswer).toMatchObject({ statusCode: 400 });
    const made = await runIdempotently(store, request('fp-3'), T0 + 2, async () => json({ ok: 1 }, 201));
    expect(made).toMatchObject({ statusCode: 201, body: '{"ok":1}' });
  });

  it('answers what was done even when keeping the answer fails, and keeps the refusal when freeing the key fails', async () => {
    const store = new MemoryIdempotencyKeys();
    store.finish = async () => {
      throw new Error('DynamoDB unavailable');
    };
    store.release = async () => {
      throw new Error('DynamoDB unavailable');
    };
    expect(
      await runIdempotently(store, request(), T0, async () => json({ refundId: 're_1' }, 201)),
    ).toMatchObject({
      statusCode: 201,
    });
    await expect(
      runIdempotently(store, request('fp-2'), T0, async () => {
        throw new HttpError(409, 'too large', 'refund_too_large');
      }),
    ).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    const other = { ...request('fp-3'), key: 'k-2' };
    await expect(
      runIdempotently(store, other, T0, async () => {
        throw new HttpError(409, 'too large', 'refund_too_large');
      }),
    ).rejects.toMatchObject({ code: 'refund_too_large' });
  });

  it("takes over a crashed run's key once its lease is over", async () => {
    const store = new MemoryIdempotencyKeys();
    await store.begin(request(), {
      nowMs: T0,
      leaseUntilMs: T0 + IDEMPOTENCY_LEASE_MS,
      keepUntilMs: T0 + 86_400_000,
    });
    await expect(
      runIdempotently(store, request(), T0 + 1000, async () => json({}, 201)),
    ).rejects.toMatchObject({
      code: 'idempotency_key_in_use',
    });
    const after = await runIdempotently(store, request(), T0 + IDEMPOTENCY_LEASE_MS + 1, async () =>
      json({ finished: true }, 201),
    );
    expect(after).toMatchObject({ statusCode: 201, body: '{"finished":true}' });
  });
});

describe('the Idempotency-Key header', () => {
  const event = (headers: Record<string, string>) =>
    ({ headers }) as unknown as Parameters<typeof idempotencyKeyOf>[0];
  it('is read in any case, absent is no key, and only 1–255 visible ASCII characters pass', () => {
    expect(idempotencyKeyOf(event({ 'Idempotency-Key': 'abc-123' }))).toBe('abc-123');
    expect(idempotencyKeyOf(event({}))).toBeUndefined();
    for (const bad of ['', 'has space', 'é', 'x'.repeat(256)]) {
      expect(() => idempotencyKeyOf(event({ 'idempotency-key': bad }))).toThrow(/Idempotency-Key/);
    }
    expect(idempotencyKeyOf(event({ 'idempotency-key': 'x'.repeat(255) }))).toHaveLength(255);
  });
});

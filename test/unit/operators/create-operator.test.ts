/** Platform admin's create-operator use case, over the in-memory registry. */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../local/seed.js';
import { MemoryMailer } from '../../../shared/adapters/memory/mailer.js';
import { ManualClock } from '../../../shared/adapters/memory/ocpp-store.js';
import { MemoryOperatorRegistry } from '../../../shared/adapters/memory/operators.js';
import { MemoryUserStore } from '../../../shared/adapters/memory/users.js';
import { createOperator } from '../../../shared/app/operators/create-operator.js';

function world() {
  const clock = new ManualClock();
  const operators = new MemoryOperatorRegistry();
  const users = new MemoryUserStore();
  const mailer = new MemoryMailer();
  return {
    deps: { operators, clock, users, mailer, publicBaseUrl: 'https://charge.example' },
    operators,
    clock,
    users,
    mailer,
  };
}

describe('createOperator', () => {
  it('stores the operator with its kind and settings and a working key, and invites the owner', async () => {
    const { deps, operators, clock, users, mailer } = world();
    const created = await createOperator(deps, {
      name: 'The Crown',
      email: 'landlord@crown.example',
      kind: 'group',
      currency: 'EUR',
      timeZone: 'Europe/Dublin',
      preAuthAmountMinor: 4500,
    });
    expect(await operators.operator(created.operatorId)).toEqual({
      operatorId: created.operatorId,
      name: 'The Crown',
      kind: 'group',
      currency: 'EUR',
      timeZone: 'Europe/Dublin',
      contactEmail: 'landlord@crown.example',
      allowPendingChargers: false,
      allowFreeUse: false,
      preAuthAmountMinor: 4500,
      createdAt: new Date(clock.now()).toISOString(),
    });
    expect(await operators.operatorForApiKey(sha256(created.apiKey.key), clock.now())).toBe(
      created.operatorId,
    );
    expect(created.firstUser).toEqual({
      userId: expect.stringMatching(/^usr-/),
      email: 'landlord@crown.example',
      invitation: 'sent',
      expiresAt: new Date(clock.now() + 7 * 24 * 3600_000).toISOString(),
    });
    expect(await users.user(created.operatorId, created.firstUser.userId)).toMatchObject({
      role: 'owner',
      status: 'invited',
    });
    const [invitation] = mailer.sentTo('landlord@crown.example');
    expect(invitation?.subject).toContain('The Crown');
    expect(invitation?.text).toMatch(/https:\/\/charge\.example\/console\/accept\?token=[A-Za-z0-9_-]{43}/);
  });

  it("refuses an email that is already a user's, and stores nothing", async () => {
    const { deps, operators } = world();
    await createOperator(deps, { name: 'First', email: 'same@example.com', kind: 'home' });
    await expect(
      createOperator(deps, { name: 'Second', email: 'SAME@example.com', kind: 'home' }),
    ).rejects.toThrow('already a user');
    expect(operators.operators.size).toBe(1);
  });

  it('defaults to GBP, Europe/London and a 3000 minor-unit pre-authorisation', async () => {
    const { deps } = world();
    const { operator } = await createOperator(deps, { name: 'Home', email: 'me@home.example', kind: 'home' });
    expect(operator).toMatchObject({ currency: 'GBP', timeZone: 'Europe/London', preAuthAmountMinor: 3000 });
  });

  it.each([
    [{ kind: 'hotel' }, 'kind must be one of home, group, public, fleet'],
    [{ email: 'not-an-email' }, 'email must be an email address'],
    [{ timeZone: 'Mars/Olympus' }, 'time zone must be an IANA time zone'],
    [{ currency: 'gbp' }, 'currency must be an ISO 4217 code'],
    [{ preAuthAmountMinor: 12.5 }, 'whole number of minor units'],
  ])('refuses %o and stores nothing', async (over, message) => {
    const { deps, operators } = world();
    await expect(
      createOperator(deps, { name: 'X', email: 'x@example.com', kind: 'public', ...over } as never),
    ).rejects.toThrow(message);
    expect(operators.operators.size).toBe(0);
  });
});

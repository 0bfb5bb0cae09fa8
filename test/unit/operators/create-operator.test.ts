/** Platform admin's create-operator use case, over the in-memory registry. */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../local/seed.js';
import { ManualClock } from '../../../shared/adapters/memory/ocpp-store.js';
import { MemoryOperatorRegistry } from '../../../shared/adapters/memory/operators.js';
import { createOperator, INVITATION_NOT_SENT } from '../../../shared/app/operators/create-operator.js';

function world() {
  const clock = new ManualClock();
  const operators = new MemoryOperatorRegistry();
  return { deps: { operators, clock }, operators, clock };
}

describe('createOperator', () => {
  it('stores the operator with its kind and settings and a working key, and says no invitation went out', async () => {
    const { deps, operators, clock } = world();
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
      email: 'landlord@crown.example',
      invitation: 'not-sent',
      reason: INVITATION_NOT_SENT,
    });
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

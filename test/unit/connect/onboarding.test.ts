import { describe, expect, it } from 'vitest';
import { handleAccountUpdated } from '../../../shared/app/connect/account-updated.js';
import {
  dashboardLink,
  openOnboardingLink,
  refreshAccountLink,
  returnFromOnboarding,
  startOnboarding,
} from '../../../shared/app/connect/onboarding.js';
import { sha256 } from '../../../shared/app/users/tokens.js';
import { connectWorld, DAY_MS } from '../../fixtures/connect/world.js';

describe('onboarding invitation link', () => {
  it('creates one Express account and emails the owner a platform link, storing only its hash', async () => {
    const w = connectWorld();
    const { owner } = await w.addOperator('op1');
    const started = await startOnboarding(w.deps, owner);
    const token = w.lastLinkToken();
    expect(w.mailer.sent.at(-1)?.to).toBe('owner@op1.example');
    expect(w.mailer.sent.at(-1)?.text).toContain(`https://ev.example/connect/onboard/${token}`);
    expect(w.mailer.sent.at(-1)?.text).not.toContain('stripe');
    const record = await w.store.account('op1');
    expect(record?.linkHash).toBe(sha256(token));
    expect(JSON.stringify(record)).not.toContain(token);
    expect(record?.state.accountId).toBe(started.accountId);
    await startOnboarding(w.deps, owner);
    expect(w.stripe.accounts.size).toBe(1);
  });

  it('works on day 6, refuses on day 8, and a renewed link works while the old one is dead', async () => {
    const w = connectWorld();
    const { owner } = await w.addOperator('op1');
    await startOnboarding(w.deps, owner);
    const first = w.lastLinkToken();
    w.advance(6 * DAY_MS);
    const day6 = await openOnboardingLink(w.deps, owner, first);
    expect(day6).toEqual({
      outcome: 'redirect',
      url: expect.stringContaining('https://connect.stripe.test/'),
    });
    expect(w.stripe.accountLinks.at(-1)).toMatchObject({
      refreshUrl: 'https://ev.example/connect/refresh',
      returnUrl: 'https://ev.example/connect/return',
    });
    w.advance(2 * DAY_MS);
    expect(await openOnboardingLink(w.deps, owner, first)).toMatchObject({ outcome: 'expired' });

    await startOnboarding(w.deps, owner);
    const renewed = w.lastLinkToken();
    expect(renewed).not.toBe(first);
    expect(await openOnboardingLink(w.deps, owner, renewed)).toMatchObject({ outcome: 'redirect' });
    expect(await openOnboardingLink(w.deps, owner, first)).toEqual({ outcome: 'invalid' });
  });

  it('opens only for an owner of the same operator', async () => {
    const w = connectWorld();
    const one = await w.addOperator('op1');
    const two = await w.addOperator('op2');
    await startOnboarding(w.deps, one.owner);
    const token = w.lastLinkToken();
    expect(await openOnboardingLink(w.deps, two.owner, token)).toEqual({ outcome: 'invalid' });
    await expect(openOnboardingLink(w.deps, one.staff, token)).rejects.toMatchObject({
      code: 'CONNECT_OWNER_ONLY',
    });
    await expect(startOnboarding(w.deps, undefined)).rejects.toMatchObject({ code: 'CONNECT_OWNER_ONLY' });
  });

  it('a stale Account Link leads through refresh_url to a fresh one; return re-reads the account', async () => {
    const w = connectWorld();
    const { owner } = await w.addOperator('op1');
    const { accountId } = await startOnboarding(w.deps, owner);
    await openOnboardingLink(w.deps, owner, w.lastLinkToken());
    const stale = w.stripe.accountLinks.at(-1)?.url;
    const fresh = await refreshAccountLink(w.deps, owner);
    expect(fresh).not.toBe(stale);
    expect(w.stripe.accountLinks).toHaveLength(2);

    const unfinished = await returnFromOnboarding(w.deps, owner);
    expect(unfinished.requirementsDue.length).toBeGreaterThan(0);
    w.stripe.setAccount(accountId, { detailsSubmitted: true, requirementsDue: [] });
    expect((await returnFromOnboarding(w.deps, owner)).requirementsDue).toEqual([]);
    expect((await w.store.account('op1'))?.state.detailsSubmitted).toBe(true);
    expect(await dashboardLink(w.deps, owner)).toContain(accountId);
  });

  it('account.updated keeps the state current and ignores an older event arriving late', async () => {
    const w = connectWorld();
    const { owner } = await w.addOperator('op1');
    const { accountId } = await startOnboarding(w.deps, owner);
    const asOf = Math.floor(w.nowMs() / 1000);
    const ready = w.stripe.setAccount(accountId, {
      chargesEnabled: true,
      payoutsEnabled: true,
      detailsSubmitted: true,
      capabilities: { card_payments: 'active', transfers: 'active' },
      requirementsDue: [],
    });
    expect(await handleAccountUpdated(w.deps, { created: asOf + 10, state: ready })).toBe('saved');
    const older = { ...ready, payoutsEnabled: false, capabilities: { transfers: 'inactive' } };
    expect(await handleAccountUpdated(w.deps, { created: asOf + 5, state: older })).toBe('stale');
    expect((await w.store.account('op1'))?.state).toEqual(ready);
    expect(
      await handleAccountUpdated(w.deps, { created: asOf, state: { ...ready, accountId: 'acct_other' } }),
    ).toBe('unknown-account');
  });
});

/**
 * Connect accounts, Account Links and Login Links, and the hosted onboarding flow. A new Express account
 * cannot take charges, receive transfers or pay out until onboarding completes: through the page an
 * Account Link points at (`GET/POST /connect/onboarding/:token`) or the test helper
 * `POST /_emulator/accounts/:id/complete_onboarding`. Completion emits `account.updated`.
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { invalidParam, stateError } from '../errors.js';
import { html, page } from '../html.js';
import { newId, randomToken } from '../ids.js';
import { balanceOf } from '../ledger.js';
import { defaultCurrencyFor, formatAmount } from '../money.js';
import {
  bool,
  currency,
  expand,
  listParams,
  mergeMetadata,
  metadata,
  oneOf,
  parseParams,
  str,
} from '../params.js';
import { expandObject, paginate } from '../render.js';
import { htmlResponse, type Router, redirectResponse } from '../router.js';
import type { AccountLinkRecord } from '../store.js';
import { applyPayoutSettings, DEFAULT_PAYOUT_SCHEDULE, payoutSettingsParam } from './payouts-schedule.js';

/** Account Links are short-lived and single-use on Stripe. */
const ACCOUNT_LINK_TTL_SECONDS = 300;
/** Merchant category code for "Electric Vehicle Charging", used when onboarding fills the profile. */
const DEFAULT_MCC = '5552';

const ONBOARDING_REQUIREMENTS = [
  'business_profile.mcc',
  'business_profile.url',
  'business_type',
  'external_account',
  'individual.address.city',
  'individual.address.line1',
  'individual.address.postal_code',
  'individual.dob.day',
  'individual.dob.month',
  'individual.dob.year',
  'individual.email',
  'individual.first_name',
  'individual.last_name',
  'individual.phone',
  'tos_acceptance.date',
  'tos_acceptance.ip',
];

const url = () =>
  str().refine((v) => /^https?:\/\/\S+$/.test(v), {
    error: (iss) => `Not a valid URL: ${String(iss.input)}`,
  });

const businessProfile = z
  .strictObject({
    mcc: str().optional(),
    name: str().optional(),
    url: str().optional(),
    support_email: str().optional(),
    support_phone: str().optional(),
    support_url: str().optional(),
    product_description: str().optional(),
  })
  .optional();

const capabilities = z
  .record(
    str().regex(/^[a-z_]+$/, { error: 'Invalid capability name.' }),
    z.strictObject({ requested: bool() }),
  )
  .optional();

const createSchema = z.strictObject({
  type: oneOf(['express', 'standard', 'custom']).optional(),
  country: str()
    .regex(/^[A-Za-z]{2}$/, { error: 'Country must be a two-letter ISO code.' })
    .transform((v) => v.toUpperCase())
    .optional(),
  email: str().optional(),
  business_type: oneOf(['individual', 'company', 'non_profit', 'government_entity']).optional(),
  business_profile: businessProfile,
  capabilities,
  controller: z
    .strictObject({
      fees: z.strictObject({ payer: oneOf(['account', 'application']) }).optional(),
      losses: z.strictObject({ payments: oneOf(['application', 'stripe']) }).optional(),
      requirement_collection: oneOf(['application', 'stripe']).optional(),
      stripe_dashboard: z.strictObject({ type: oneOf(['express', 'full', 'none']) }).optional(),
    })
    .optional(),
  default_currency: currency().optional(),
  metadata: metadata().optional(),
  tos_acceptance: z.strictObject({ service_agreement: oneOf(['full', 'recipient']).optional() }).optional(),
  expand: expand(),
});

const updateSchema = z.strictObject({
  email: str().optional(),
  business_type: oneOf(['individual', 'company', 'non_profit', 'government_entity']).optional(),
  business_profile: businessProfile,
  capabilities,
  default_currency: currency().optional(),
  metadata: metadata().optional(),
  settings: payoutSettingsParam,
  expand: expand(),
});

const accountLinkSchema = z.strictObject({
  account: str(),
  refresh_url: url().optional(),
  return_url: url().optional(),
  type: oneOf(['account_onboarding', 'account_update']),
  collect: oneOf(['currently_due', 'eventually_due']).optional(),
  collection_options: z
    .strictObject({
      fields: oneOf(['currently_due', 'eventually_due']).optional(),
      future_requirements: oneOf(['include', 'omit']).optional(),
    })
    .optional(),
  expand: expand(),
});

/** The platform's own account (`GET /v1/account` without Stripe-Account). */
export function platformAccount(ctx: RequestContext): Stripe.Account {
  return {
    id: ctx.store.platformAccountId,
    object: 'account',
    business_profile: null,
    business_type: 'company',
    capabilities: { card_payments: 'active', transfers: 'active' },
    charges_enabled: true,
    country: 'GB',
    created: 1_700_000_000,
    default_currency: 'gbp',
    details_submitted: true,
    email: 'platform@stripe-emulator.invalid',
    payouts_enabled: true,
    settings: null,
    type: 'standard',
  };
}

function requirements(dueNow: string[]): Stripe.Account.Requirements {
  return {
    alternatives: [],
    current_deadline: null,
    currently_due: dueNow,
    disabled_reason: dueNow.length > 0 ? 'requirements.past_due' : null,
    errors: [],
    eventually_due: dueNow,
    past_due: dueNow,
    pending_verification: [],
  };
}

function accountType(p: z.output<typeof createSchema>): Stripe.Account.Type {
  if (p.type) return p.type;
  const dashboard = p.controller?.stripe_dashboard?.type;
  if (dashboard === 'express') return 'express';
  if (dashboard === 'none') return 'custom';
  return 'standard';
}

function create(ctx: RequestContext, p: z.output<typeof createSchema>): Stripe.Account {
  const type = accountType(p);
  const requested = Object.entries(p.capabilities ?? {}).filter(([, v]) => v.requested);
  if (type !== 'standard' && requested.length === 0) {
    throw invalidParam(
      'capabilities',
      'Express and Custom accounts must request at least one capability, e.g. capabilities[transfers][requested]=true.',
    );
  }
  const country = p.country ?? 'GB';
  const id = newId('acct');
  const due = ONBOARDING_REQUIREMENTS.filter(
    (r) =>
      !(r === 'business_type' && p.business_type) &&
      !(r === 'business_profile.url' && p.business_profile?.url) &&
      !(r === 'business_profile.mcc' && p.business_profile?.mcc),
  );
  const account: Stripe.Account = {
    id,
    object: 'account',
    business_profile: {
      mcc: p.business_profile?.mcc ?? null,
      minority_owned_business_designation: null,
      name: p.business_profile?.name ?? null,
      product_description: p.business_profile?.product_description ?? null,
      specified_commercial_transactions_act_url: null,
      support_address: null,
      support_email: p.business_profile?.support_email ?? null,
      support_phone: p.business_profile?.support_phone ?? null,
      support_url: p.business_profile?.support_url ?? null,
      url: p.business_profile?.url ?? null,
    },
    business_type: p.business_type ?? null,
    capabilities: Object.fromEntries(requested.map(([name]) => [name, 'inactive'])),
    charges_enabled: false,
    controller: {
      type: 'application',
      is_controller: true,
      ...(type === 'express' ? { stripe_dashboard: { type: 'express' as const } } : {}),
      ...(type === 'custom' ? { stripe_dashboard: { type: 'none' as const } } : {}),
    },
    country,
    created: ctx.now(),
    default_currency: p.default_currency ?? defaultCurrencyFor(country),
    details_submitted: false,
    email: p.email ?? null,
    external_accounts: {
      object: 'list',
      data: [],
      has_more: false,
      url: `/v1/accounts/${id}/external_accounts`,
    },
    future_requirements: requirements([]),
    metadata: mergeMetadata({}, p.metadata),
    payouts_enabled: false,
    requirements: requirements(due),
    settings: {
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      card_payments: {
        statement_descriptor_prefix: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      dashboard: { display_name: p.business_profile?.name ?? null, timezone: 'Etc/UTC' },
      payments: {
        statement_descriptor: null,
        statement_descriptor_kana: null,
        statement_descriptor_kanji: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      payouts: {
        debit_negative_balances: true,
        schedule: { ...DEFAULT_PAYOUT_SCHEDULE },
        statement_descriptor: null,
      },
    },
    tos_acceptance: {
      date: null,
      ip: null,
      user_agent: null,
      ...(p.tos_acceptance?.service_agreement
        ? { service_agreement: p.tos_acceptance.service_agreement }
        : {}),
    },
    type,
  };
  return ctx.store.accounts.insert(null, account);
}

function snapshotForDiff(account: Stripe.Account): Record<string, unknown> {
  return structuredClone({
    business_profile: account.business_profile,
    business_type: account.business_type,
    capabilities: account.capabilities,
    charges_enabled: account.charges_enabled,
    default_currency: account.default_currency,
    details_submitted: account.details_submitted,
    email: account.email,
    external_accounts: account.external_accounts,
    future_requirements: account.future_requirements,
    metadata: account.metadata,
    payouts_enabled: account.payouts_enabled,
    requirements: account.requirements,
    tos_acceptance: account.tos_acceptance,
  });
}

/** Top-level attributes whose value changed, with their previous value (Event `previous_attributes`). */
function changedAttributes(
  before: Record<string, unknown>,
  account: Stripe.Account,
): Record<string, unknown> {
  const after = snapshotForDiff(account);
  const previous: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(before)) {
    if (JSON.stringify(value) !== JSON.stringify(after[key])) previous[key] = value ?? null;
  }
  return previous;
}

/** Marks the account as fully onboarded, as completing Stripe's hosted onboarding does. */
export function completeOnboarding(ctx: RequestContext, account: Stripe.Account): void {
  if (account.details_submitted && account.requirements?.currently_due?.length === 0) return;
  const before = snapshotForDiff(account);
  const now = ctx.now();
  const capabilities: Record<string, string> = {};
  for (const name of Object.keys(account.capabilities ?? {})) capabilities[name] = 'active';
  account.capabilities = capabilities as Stripe.Account.Capabilities;
  account.charges_enabled = capabilities.card_payments === 'active';
  account.payouts_enabled = true;
  account.details_submitted = true;
  account.business_type = account.business_type ?? 'individual';
  if (account.business_profile) {
    account.business_profile.mcc = account.business_profile.mcc ?? DEFAULT_MCC;
    account.business_profile.url = account.business_profile.url ?? 'https://example.com';
  }
  account.requirements = requirements([]);
  account.future_requirements = requirements([]);
  account.tos_acceptance = {
    ...account.tos_acceptance,
    date: now,
    ip: '127.0.0.1',
    user_agent: 'stripe-emulator',
  };
  const currency = account.default_currency ?? 'gbp';
  const bank: Stripe.BankAccount = {
    id: newId('ba'),
    object: 'bank_account',
    account: account.id,
    account_holder_name: account.business_profile?.name ?? null,
    account_holder_type: 'individual',
    account_type: null,
    bank_name: 'STRIPE TEST BANK',
    country: account.country ?? 'GB',
    currency,
    default_for_currency: true,
    fingerprint: `fp${account.id.slice(5, 19)}`,
    last4: '2345',
    metadata: {},
    routing_number: account.country === 'GB' ? '10-88-00' : '110000000',
    status: 'new',
  };
  account.external_accounts = {
    object: 'list',
    data: [bank],
    has_more: false,
    url: `/v1/accounts/${account.id}/external_accounts`,
  };
  ctx.emit('account.updated', account, {
    account: account.id,
    previousAttributes: changedAttributes(before, account),
  });
}

function findLink(ctx: RequestContext, token: string | undefined): AccountLinkRecord | undefined {
  return token ? ctx.store.accountLinks.get(token) : undefined;
}

function linkUsable(ctx: RequestContext, link: AccountLinkRecord): boolean {
  return (
    !link.used && link.expires_at > ctx.now() && ctx.store.accounts.get(link.account, null) !== undefined
  );
}

function notFoundPage() {
  return htmlResponse(page('Link not found', html`<h1>This link is not valid</h1>`), 404);
}

export function accountRoutes(router: Router): void {
  const find = (ctx: RequestContext, id: string | undefined) =>
    ctx.store.accounts.require(id ?? '', null, 'account');

  router.post('/v1/accounts', (ctx, req) => {
    const p = parseParams(createSchema, req.params);
    return expandObject(ctx, create(ctx, p), p.expand);
  });

  router.get('/v1/accounts', (ctx, req) => {
    const p = parseParams(z.strictObject({ ...listParams, created: z.unknown().optional() }), req.params);
    return paginate(ctx, ctx.store.accounts.list(null), p, '/v1/accounts', 'account');
  });

  router.get('/v1/account', (ctx, req) => {
    const p = parseParams(z.strictObject({ expand: expand() }), req.params);
    const current = ctx.scope ? find(ctx, ctx.scope) : platformAccount(ctx);
    return expandObject(ctx, current, p.expand);
  });

  router.get('/v1/accounts/:id', (ctx, req) => {
    const p = parseParams(z.strictObject({ expand: expand() }), req.params);
    const id = req.path.id;
    const account = id === ctx.store.platformAccountId ? platformAccount(ctx) : find(ctx, id);
    return expandObject(ctx, account, p.expand);
  });

  router.post('/v1/accounts/:id', (ctx, req) => {
    const p = parseParams(updateSchema, req.params);
    const account = find(ctx, req.path.id);
    const before = snapshotForDiff(account);
    if (p.email !== undefined) account.email = p.email || null;
    if (p.business_type) account.business_type = p.business_type;
    if (p.default_currency) account.default_currency = p.default_currency;
    if (p.business_profile && account.business_profile) {
      for (const [key, value] of Object.entries(p.business_profile)) {
        (account.business_profile as unknown as Record<string, unknown>)[key] = value || null;
      }
    }
    if (p.capabilities) {
      const caps = { ...(account.capabilities ?? {}) } as Record<string, string>;
      for (const [name, { requested }] of Object.entries(p.capabilities)) {
        if (requested) caps[name] = account.details_submitted ? 'active' : (caps[name] ?? 'inactive');
        else delete caps[name];
      }
      account.capabilities = caps as Stripe.Account.Capabilities;
      account.charges_enabled = account.details_submitted && caps.card_payments === 'active';
    }
    account.metadata = mergeMetadata(account.metadata ?? {}, p.metadata);
    applyPayoutSettings(account, p.settings);
    const previous = changedAttributes(before, account);
    if (Object.keys(previous).length > 0) {
      ctx.emit('account.updated', account, { account: account.id, previousAttributes: previous });
    }
    return expandObject(ctx, account, p.expand);
  });

  router.delete('/v1/accounts/:id', (ctx, req) => {
    parseParams(z.strictObject({}), req.params);
    const account = find(ctx, req.path.id);
    ctx.store.accounts.delete(account.id);
    return { id: account.id, object: 'account', deleted: true };
  });

  router.post('/v1/accounts/:id/login_links', (ctx, req) => {
    parseParams(z.strictObject({ expand: expand() }), req.params);
    const account = find(ctx, req.path.id);
    if (account.type !== 'express') {
      throw stateError('Login links can only be created for Express accounts.', undefined, 'account');
    }
    if (!account.details_submitted) {
      throw stateError(
        'Cannot create a login link for an account that has not completed onboarding.',
        undefined,
        'account',
      );
    }
    const token = randomToken(24);
    const created = ctx.now();
    ctx.store.loginLinks.set(token, { token, account: account.id, created });
    const link: Stripe.LoginLink = {
      object: 'login_link',
      created,
      url: `${ctx.info.baseUrl}/connect/express/${token}`,
    };
    return link;
  });

  router.post('/v1/account_links', (ctx, req) => {
    const p = parseParams(accountLinkSchema, req.params);
    const account = ctx.store.accounts.requireParam(p.account, null, 'account');
    if (!p.return_url)
      throw invalidParam('return_url', 'Missing required param: return_url.', 'parameter_missing');
    if (!p.refresh_url)
      throw invalidParam('refresh_url', 'Missing required param: refresh_url.', 'parameter_missing');
    if (p.type === 'account_update' && account.type !== 'custom') {
      throw invalidParam(
        'type',
        `You cannot create \`account_update\` type Account Links for ${account.type} accounts.`,
      );
    }
    const token = randomToken(32);
    const created = ctx.now();
    const link: AccountLinkRecord = {
      token,
      account: account.id,
      refresh_url: p.refresh_url,
      return_url: p.return_url,
      created,
      expires_at: created + ACCOUNT_LINK_TTL_SECONDS,
      used: false,
    };
    ctx.store.accountLinks.set(token, link);
    const response: Stripe.AccountLink = {
      object: 'account_link',
      created,
      expires_at: link.expires_at,
      url: `${ctx.info.baseUrl}/connect/onboarding/${token}`,
    };
    return response;
  });

  // Hosted pages: what the operator's browser sees when following an Account Link or Login Link.
  router.get(
    '/connect/onboarding/:token',
    (ctx, req) => {
      const link = findLink(ctx, req.path.token);
      if (!link) return notFoundPage();
      if (!linkUsable(ctx, link)) return redirectResponse(link.refresh_url, 302);
      const account = ctx.store.accounts.find(link.account);
      return htmlResponse(
        page(
          'Connect onboarding',
          html`<h1>Set up payouts</h1>
<p>Onboarding for account <code>${link.account}</code>${account?.email ? html` (${account.email})` : ''}.</p>
<p>This emulated form skips identity and bank details: completing it activates the requested capabilities,
enables charges and payouts, and adds a test bank account.</p>
<form method="post"><button type="submit">Complete onboarding</button></form>
<p><a href="${link.return_url}">Return without completing</a></p>`,
        ),
      );
    },
    { api: false },
  );

  router.post(
    '/connect/onboarding/:token',
    (ctx, req) => {
      const link = findLink(ctx, req.path.token);
      if (!link) return notFoundPage();
      if (!linkUsable(ctx, link)) return redirectResponse(link.refresh_url, 303);
      const account = ctx.store.accounts.find(link.account);
      if (account) completeOnboarding(ctx, account);
      link.used = true;
      return redirectResponse(link.return_url, 303);
    },
    { api: false },
  );

  router.get(
    '/connect/express/:token',
    (ctx, req) => {
      const login = req.path.token ? ctx.store.loginLinks.get(req.path.token) : undefined;
      const account = login ? ctx.store.accounts.find(login.account) : undefined;
      if (!login || !account) return notFoundPage();
      const balance = balanceOf(ctx, account.id);
      const payouts = ctx.store.payouts.list(account.id).slice(0, 20);
      const money = (rows: { amount: number; currency: string }[]) =>
        rows.map((r) => formatAmount(r.amount, r.currency)).join(', ');
      return htmlResponse(
        page(
          'Express dashboard',
          html`<h1>${account.business_profile?.name ?? account.id}</h1>
<table>
<tr><td>Available</td><td>${money(balance.available)}</td></tr>
<tr><td>Pending</td><td>${money(balance.pending)}</td></tr>
</table>
<h2>Payouts</h2>
<table>${payouts.map(
            (po) =>
              html`<tr><td>${po.id}</td><td>${formatAmount(po.amount, po.currency)}</td><td>${po.status}</td></tr>`,
          )}</table>`,
        ),
      );
    },
    { api: false },
  );
}

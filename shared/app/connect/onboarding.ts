/**
 * Onboarding an operator to Stripe Connect.
 *
 * Stripe's Account Links live about 300 s and work once, so they cannot be emailed. The platform
 * emails its own invitation link instead: 256 random bits, stored only as SHA-256, good for 7 days,
 * and one live link per operator (asking again replaces it, so the old link dies). Opening it needs
 * the operator's owner signed in with the second factor (the route checks the session; this module
 * is told who is signed in), and only then is an Account Link minted and the browser sent on to it.
 * Stripe sends the operator back to `refresh_url` when that Account Link is stale (mint another,
 * after the same check) and to `return_url` whether or not onboarding is finished, so the return
 * page re-reads the account rather than trusting the visit.
 */
import { randomBytes } from 'node:crypto';
import { type Operator, operatorKindOf } from '../../domain/entities.js';
import type { ConnectAccountRecord, ConnectAccountState } from '../../ports/connect.js';
import { escapeHtml } from '../../web/html.js';
import { sha256 } from '../users/tokens.js';
import { type ConnectDeps, isoFromMillis, ONBOARDING_LINK_LIFETIME_MS } from './deps.js';
import { ConnectError } from './errors.js';

/** Who is signed in (the console session), as the routes hand it over. */
export interface SignedInUser {
  operatorId: string;
  userId: string;
}

/** The country Stripe needs, when the operator has none: the one its currency belongs to. */
const COUNTRY_OF_CURRENCY: Record<string, string> = { GBP: 'GB', USD: 'US', CAD: 'CA', AUD: 'AU', NZD: 'NZ' };

function countryOf(operator: Operator): string {
  const country = operator.country ?? COUNTRY_OF_CURRENCY[operator.currency];
  // EUR and others span several countries: the operator has to say which.
  if (!country)
    throw new ConnectError(
      'CONNECT_NOT_ONBOARDED',
      `set the operator's country: ${operator.currency} does not name one`,
    );
  return country;
}

const businessTypeOf = (operator: Operator): 'individual' | 'company' =>
  operator.businessType ?? (operatorKindOf(operator) === 'home' ? 'individual' : 'company');

/** The signed-in user must be an owner of the operator: onboarding decides where its money goes. */
async function requireOwner(deps: ConnectDeps, user: SignedInUser | undefined): Promise<{ email: string }> {
  if (!user) throw new ConnectError('CONNECT_OWNER_ONLY', 'sign in to the console as the operator’s owner');
  const record = await deps.users.user(user.operatorId, user.userId);
  if (record?.role !== 'owner' || record.status !== 'active')
    throw new ConnectError('CONNECT_OWNER_ONLY', 'only an owner of the operator can set up its payouts');
  return { email: record.email };
}

export interface OnboardingStarted {
  accountId: string;
  /** Where the invitation went. */
  email: string;
  expiresAt: string;
}

/**
 * Creates the operator's Express connected account if it has none, then issues a new invitation link
 * (killing any earlier one) and emails it to the owner asking. The account is created under the
 * operator's own idempotency key, and stored only if the operator has no account yet, so two owners
 * clicking at once end with one account.
 */
export async function startOnboarding(
  deps: ConnectDeps,
  user: SignedInUser | undefined,
): Promise<OnboardingStarted> {
  const owner = await requireOwner(deps, user);
  const operatorId = (user as SignedInUser).operatorId;
  const operator = await deps.operators.operator(operatorId);
  if (!operator) throw new ConnectError('CONNECT_NOT_ONBOARDED', `operator ${operatorId} not found`);
  const nowMs = deps.clock.now();
  const account = await ensureAccount(deps, operator, owner.email, nowMs);

  const token = randomBytes(32).toString('base64url');
  const expiresAtMs = nowMs + ONBOARDING_LINK_LIFETIME_MS;
  await deps.store.setLink(operatorId, sha256(token), expiresAtMs, isoFromMillis(nowMs));
  const link = `${baseUrl(deps)}/connect/onboard/${token}`;
  const expiresAt = isoFromMillis(expiresAtMs);
  const name = operator.name.replace(/[\r\n]+/g, ' ');
  await deps.mailer.send({
    to: owner.email,
    subject: `Set up payouts for ${name}`,
    text: `To receive the money drivers pay at ${name}'s chargers, finish setting up its Stripe account here (sign in first; the link works until ${expiresAt}):\n${link}\n`,
    html: `<p>To receive the money drivers pay at ${escapeHtml(name)}'s chargers, <a href="${escapeHtml(link)}">finish setting up its Stripe account</a>.</p><p>You will be asked to sign in first. The link works until ${expiresAt}; you can ask for a new one in the console at any time.</p>`,
    tags: { purpose: 'connect-onboarding' },
  });
  return { accountId: account.state.accountId, email: owner.email, expiresAt };
}

async function ensureAccount(
  deps: ConnectDeps,
  operator: Operator,
  email: string,
  nowMs: number,
): Promise<ConnectAccountRecord> {
  const existing = await deps.store.account(operator.operatorId);
  if (existing) return existing;
  const state = await deps.stripe.createAccount({
    operatorId: operator.operatorId,
    country: countryOf(operator),
    currency: operator.currency,
    businessType: businessTypeOf(operator),
    email,
    idempotencyKey: `connect-account:${operator.operatorId}`,
  });
  const now = isoFromMillis(nowMs);
  const record: ConnectAccountRecord = {
    operatorId: operator.operatorId,
    state,
    stateAsOf: Math.floor(nowMs / 1000),
    createdAt: now,
    updatedAt: now,
  };
  if ((await deps.store.createAccount(record)) === 'exists') {
    const stored = await deps.store.account(operator.operatorId);
    if (stored) return stored;
  }
  return record;
}

export type OpenLinkOutcome =
  | { outcome: 'redirect'; url: string }
  | { outcome: 'expired'; expiredAt: string }
  /** Unknown, replaced by a newer link, or of another operator than the one signed in. */
  | { outcome: 'invalid' };

/** The invitation link opened by a signed-in user: a fresh Account Link, or why not. */
export async function openOnboardingLink(
  deps: ConnectDeps,
  user: SignedInUser,
  token: string,
): Promise<OpenLinkOutcome> {
  await requireOwner(deps, user);
  const record = await deps.store.account(user.operatorId);
  if (!record?.linkHash || record.linkHash !== sha256(token) || record.linkExpiresAtMs === undefined)
    return { outcome: 'invalid' };
  if (deps.clock.now() >= record.linkExpiresAtMs)
    return { outcome: 'expired', expiredAt: isoFromMillis(record.linkExpiresAtMs) };
  return { outcome: 'redirect', url: await mintAccountLink(deps, record.state.accountId) };
}

/** Stripe's `refresh_url`: the Account Link went stale; mint another for the signed-in owner. */
export async function refreshAccountLink(deps: ConnectDeps, user: SignedInUser): Promise<string> {
  await requireOwner(deps, user);
  const record = await deps.store.account(user.operatorId);
  if (!record) throw new ConnectError('CONNECT_NOT_ONBOARDED', 'this operator has no Stripe account yet');
  return mintAccountLink(deps, record.state.accountId);
}

/**
 * Stripe's `return_url`: fired whether or not onboarding is done, so the account is read again
 * from Stripe and kept, and the page shows what is still due.
 */
export async function returnFromOnboarding(
  deps: ConnectDeps,
  user: SignedInUser,
): Promise<ConnectAccountState> {
  await requireOwner(deps, user);
  return refreshAccountState(deps, user.operatorId);
}

/** Reads the account from Stripe and stores it (as of now: a later event still wins over it). */
export async function refreshAccountState(
  deps: ConnectDeps,
  operatorId: string,
): Promise<ConnectAccountState> {
  const record = await deps.store.account(operatorId);
  if (!record) throw new ConnectError('CONNECT_NOT_ONBOARDED', 'this operator has no Stripe account yet');
  const state = await deps.stripe.retrieveAccount(record.state.accountId);
  const nowMs = deps.clock.now();
  await deps.store.saveState(operatorId, state, Math.floor(nowMs / 1000), isoFromMillis(nowMs));
  return state;
}

/** A login link to the operator's Express dashboard (Stripe asks for its own second factor there). */
export async function dashboardLink(deps: ConnectDeps, user: SignedInUser | undefined): Promise<string> {
  await requireOwner(deps, user);
  const record = await deps.store.account((user as SignedInUser).operatorId);
  if (!record?.state.detailsSubmitted)
    throw new ConnectError(
      'CONNECT_NOT_ONBOARDED',
      'finish onboarding first: the dashboard opens once details are submitted',
    );
  return (await deps.stripe.createLoginLink(record.state.accountId)).url;
}

const mintAccountLink = async (deps: ConnectDeps, accountId: string): Promise<string> =>
  (
    await deps.stripe.createAccountLink(
      accountId,
      `${baseUrl(deps)}/connect/refresh`,
      `${baseUrl(deps)}/connect/return`,
    )
  ).url;

const baseUrl = (deps: ConnectDeps): string => deps.settings.publicBaseUrl.replace(/\/$/, '');

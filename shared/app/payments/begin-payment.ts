/**
 * Step 1 of a paid session: the driver chose a connector and gave an email. Checks the charger can
 * take a paid session now, creates the card hold (a manual-capture PaymentIntent for the operator's
 * pre-auth amount) and the session, and returns what the page needs to collect the card.
 *
 * The PaymentIntent is created before the session so that a failed write leaves at most an
 * unconfirmed intent, which holds nothing. Its idempotency key is per session: a retried request
 * after a timeout gets the same intent, never a second one.
 */
import {
  type AccessSettings,
  accessSettingsOf,
  driverRoleOf,
  memberPageAccess,
  startPageAccess,
} from '../../domain/access-rules.js';
import type { Charger } from '../../domain/entities.js';
import { hasStartedOnboarding } from '../../ports/connect.js';
import { isoFromMillis, type PaymentsDeps } from './deps.js';
import { PaymentFlowError } from './errors.js';
import { hashToken, newSessionIdTag } from './tokens.js';

export interface BeginPaymentInput {
  chargerId: string;
  connectorId: number;
  email: string;
  /**
   * A group member paying on their member page (http/member-routes.ts) rather than an anonymous
   * driver: the access rules' member cells decide, the hold's tag is issued in their group (so the
   * group price applies), and `groupPriced` says their group has a price of its own.
   */
  member?: { groupId: string; memberId: string; groupPriced: boolean };
}

export interface BegunPayment {
  sessionId: string;
  /** The Transaction URL's token: shown once, never stored. */
  token: string;
  /** The OCPP idTag the session starts with, once the hold is in place. */
  idTag: string;
  transactionUrl: string;
  paymentIntentId: string;
  clientSecret: string;
  publishableKey: string;
  amountMinor: number;
  currency: string;
}

export async function beginPayment(deps: PaymentsDeps, input: BeginPaymentInput): Promise<BegunPayment> {
  const charger = await deps.catalog.charger(input.chargerId);
  if (charger?.registration !== 'active') {
    throw new PaymentFlowError('PAY_CHARGER_NOT_FOUND', `There is no charger ${input.chargerId} here.`);
  }
  const operator = await deps.catalog.operator(charger.operatorId);
  if (
    !operator ||
    !takesCard(charger, accessSettingsOf(charger, operator), input.member) ||
    !(operator.preAuthAmountMinor > 0)
  ) {
    throw new PaymentFlowError('PAY_CHARGER_NOT_PAYABLE', 'This charger does not take card payments.');
  }
  // Refused before any PaymentIntent exists: the money captured would owe a transfer to nobody.
  if (!hasStartedOnboarding(await deps.connect.account(operator.operatorId))) {
    throw new PaymentFlowError('PAY_CHARGER_NOT_PAYABLE', NOT_ONBOARDED_MESSAGE);
  }
  if (!input.member?.groupPriced && !(await deps.catalog.publicTariff(charger))) {
    // Without a price the charge would be nothing and the driver could not be told what they pay.
    throw new PaymentFlowError(
      'PAY_CHARGER_NOT_PAYABLE',
      'This charger has no price set, so it cannot take payments yet.',
    );
  }
  const connectors = charger.connectorCount ?? 1;
  if (!Number.isInteger(input.connectorId) || input.connectorId < 1 || input.connectorId > connectors) {
    throw new PaymentFlowError(
      'PAY_CONNECTOR_INVALID',
      `Connector ${input.connectorId} does not exist on this charger (it has ${connectors}).`,
    );
  }
  if (!(await deps.charger.isOnline(charger.chargerId))) {
    throw new PaymentFlowError(
      'PAY_CHARGER_OFFLINE',
      'This charger is offline right now, so it cannot start. Nothing has been taken from your card.',
    );
  }

  const sessionId = deps.ids.next('ps');
  const idTag = newSessionIdTag();
  const token = await deps.tokens.tokenFor(sessionId);
  const site = charger.siteId ? await deps.catalog.site(operator.operatorId, charger.siteId) : undefined;
  const currency = operator.currency.toUpperCase();
  const hold = await deps.payments.createHold({
    amountMinor: operator.preAuthAmountMinor,
    currency,
    metadata: {
      operatorId: operator.operatorId,
      chargerId: charger.chargerId,
      connectorId: String(input.connectorId),
      sessionId,
    },
    description: `EV charging at ${site?.name ?? operator.name} (${charger.chargerId}, connector ${input.connectorId})`,
    idempotencyKey: `hold-${sessionId}`,
  });
  if (!hold.clientSecret)
    throw new Error(`PaymentIntent ${hold.paymentIntentId} came back without a client secret`);

  const now = isoFromMillis(deps.clock.now());
  await deps.sessions.create({
    sessionId,
    operatorId: operator.operatorId,
    chargerId: charger.chargerId,
    connectorId: input.connectorId,
    ...(charger.siteId ? { siteId: charger.siteId } : {}),
    email: input.email,
    tokenHash: hashToken(token),
    idTag,
    ...(input.member ? { member: { groupId: input.member.groupId, memberId: input.member.memberId } } : {}),
    status: 'awaiting-payment',
    currency,
    preAuthAmountMinor: operator.preAuthAmountMinor,
    paymentIntentId: hold.paymentIntentId,
    createdAt: now,
    updatedAt: now,
  });
  deps.log.info('paid session begun', {
    sessionId,
    chargerId: charger.chargerId,
    paymentIntentId: hold.paymentIntentId,
  });
  return {
    sessionId,
    token,
    idTag,
    transactionUrl: transactionUrl(deps.settings.publicBaseUrl, token),
    paymentIntentId: hold.paymentIntentId,
    clientSecret: hold.clientSecret,
    publishableKey: deps.payments.publishableKey,
    amountMinor: operator.preAuthAmountMinor,
    currency,
  };
}

/** Shown by the start page and the begin API alike, for a paid charger whose operator has not onboarded. */
export const NOT_ONBOARDED_MESSAGE =
  'This charger cannot take card payments yet: its operator has not set up card payments. Nothing has been taken from your card.';
/**
 * Whether the access rules take this card here: the `payer` cell for the start page's driver (home
 * chargers and closed groups take none); for a member, the cells of the tag their hold will carry.
 */
function takesCard(charger: Charger, settings: AccessSettings, member: BeginPaymentInput['member']): boolean {
  if (!member) return startPageAccess(charger.accessMode, settings) === 'card';
  const role = driverRoleOf({ charger, tag: { kind: 'driver', groupId: member.groupId }, idTag: '' });
  if (role !== 'member-payer') return false;
  const offer = memberPageAccess(charger.accessMode, settings);
  return offer.allowed && offer.payment === 'pre-auth';
}

export const transactionUrl = (baseUrl: string, token: string): string =>
  `${baseUrl.replace(/\/+$/, '')}/t/${token}`;

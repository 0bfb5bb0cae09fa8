/**
 * The operator API's operations for getting paid (`/api/v1/payments/*`, session refunds). Starting
 * onboarding and the dashboard link decide where an operator's money goes, so they take a signed-in
 * owner (the console session with its second factor), never an API key alone; reading the account's
 * state and refunding a session work with either.
 */
import * as z from 'zod';
import type { ConnectDeps } from '../../app/connect/deps.js';
import { ConnectError } from '../../app/connect/errors.js';
import { dashboardLink, type SignedInUser, startOnboarding } from '../../app/connect/onboarding.js';
import { refundSession } from '../../app/connect/refunds.js';
import { heldTransfersOf } from '../../app/connect/transfers.js';
import type { PaymentsDeps } from '../../app/payments/deps.js';
import type { IdempotencyKeys } from '../../ports/idempotency.js';
import type { OperatorViews } from '../../ports/operator-views.js';
import { defineOperation, type Operation } from '../openapi/registry.js';
import {
  accountOut,
  DashboardLinkShape,
  OnboardingStartedShape,
  PaymentsAccountAnswer,
  RefundBody,
  RefundShape,
  refundOut,
} from '../openapi/resources-payments.js';
import type { OperatorRequest } from '../operator-auth.js';
import { json } from '../responses.js';

export interface PaymentOperationsDeps {
  /** Absent when this deployment takes no card payments. */
  connect?: ConnectDeps | undefined;
  /** The paid session of a charging session (by its idTag), for refunds named by the transaction. */
  payments?: PaymentsDeps | undefined;
  views: Pick<OperatorViews, 'transaction'>;
  /** The refunds' `Idempotency-Key`s (../idempotency.ts). */
  idempotency: IdempotencyKeys;
}

const TAG = 'Getting paid';

/** A refund body's amount as the use case takes it: minor units, and the currency it must be in. */
const refundAmount = (amount: { amountMinor: number; currency: string } | undefined) =>
  amount === undefined ? {} : { amountMinor: amount.amountMinor, currency: amount.currency };

function connectOf(deps: PaymentOperationsDeps): ConnectDeps {
  if (!deps.connect)
    throw new ConnectError('CONNECT_NOT_ONBOARDED', 'this deployment takes no card payments');
  return deps.connect;
}

const userOf = (request: OperatorRequest): SignedInUser | undefined =>
  request.userId ? { operatorId: request.operatorId, userId: request.userId } : undefined;

export function paymentOperations(getDeps: () => PaymentOperationsDeps): Operation[] {
  return [
    defineOperation({
      operationId: 'startPaymentsOnboarding',
      method: 'POST',
      path: '/api/v1/payments/onboarding',
      summary: "Creates the operator's Stripe account if needed and emails the owner a 7-day onboarding link",
      description:
        'Owner only, signed in to the console. The email carries the platform’s own link (never a Stripe URL); asking again sends a new link and ends the old one.',
      tag: TAG,
      responses: { 202: { description: 'The invitation was sent.', schema: OnboardingStartedShape } },
      errors: { 403: ['owner_only'], 409: ['not_onboarded'] },
      handler: async (request) => {
        const started = await startOnboarding(connectOf(getDeps()), userOf(request));
        return json({ ...started, invitation: 'sent' }, 202);
      },
    }),
    defineOperation({
      operationId: 'getPaymentsAccount',
      method: 'GET',
      path: '/api/v1/payments/account',
      summary: "The operator's Stripe account: what works, what Stripe still needs, and the transfers held",
      tag: TAG,
      responses: {
        200: { description: 'The account, or null before onboarding.', schema: PaymentsAccountAnswer },
      },
      handler: async ({ operatorId }) => {
        const connect = getDeps().connect;
        const record = connect ? await connect.store.account(operatorId) : undefined;
        if (!connect || !record) return json({ account: null });
        return json({ account: accountOut(record, await heldTransfersOf(connect, operatorId)) });
      },
    }),
    defineOperation({
      operationId: 'createPaymentsDashboardLink',
      method: 'POST',
      path: '/api/v1/payments/dashboard-link',
      summary: "A one-time link to the account's Stripe Express dashboard (Stripe asks for its own sign-in)",
      tag: TAG,
      responses: { 200: { description: 'The link.', schema: DashboardLinkShape } },
      errors: { 403: ['owner_only'], 409: ['not_onboarded'] },
      handler: async (request) => json({ url: await dashboardLink(connectOf(getDeps()), userOf(request)) }),
    }),
    defineOperation({
      operationId: 'refundSession',
      method: 'POST',
      path: '/api/v1/sessions/{sessionId}/refunds',
      summary: 'Refunds a paid session in full or in part; the transfer and the fee give back their shares',
      tag: TAG,
      params: z.strictObject({ sessionId: z.string().min(1).max(128) }),
      body: RefundBody,
      bodyOptional: true,
      responses: { 201: { description: 'The refund.', schema: RefundShape } },
      errors: {
        400: ['invalid_parameter', 'invalid_body', 'body_not_json', 'currency_mismatch'],
        404: ['not_found'],
        409: ['refund_too_large', 'not_onboarded'],
        503: ['refund_pending'],
      },
      tenancy: 'not-found',
      idempotency: () => getDeps().idempotency,
      handler: async ({ operatorId, params: { sessionId }, body }) => {
        const result = await refundSession(connectOf(getDeps()), {
          operatorId,
          sessionId,
          ...refundAmount(body.amount),
        });
        return json(refundOut(result), 201);
      },
    }),
    defineOperation({
      operationId: 'refundTransaction',
      method: 'POST',
      path: '/api/v1/chargers/{chargerId}/transactions/{transactionId}/refunds',
      summary: 'Refunds the card payment of a charging session, named as the console lists it',
      description:
        'The same refund as `POST /api/v1/sessions/{sessionId}/refunds`, for the charging session (charger and transaction) a card paid for.',
      tag: TAG,
      params: z.strictObject({
        chargerId: z.string().min(1).max(64),
        transactionId: z.coerce.number().int().nonnegative(),
      }),
      body: RefundBody,
      bodyOptional: true,
      responses: { 201: { description: 'The refund.', schema: RefundShape } },
      errors: {
        400: ['invalid_parameter', 'invalid_body', 'body_not_json', 'currency_mismatch'],
        404: ['not_found'],
        409: ['refund_too_large', 'not_onboarded'],
        503: ['refund_pending'],
      },
      tenancy: 'not-found',
      idempotency: () => getDeps().idempotency,
      handler: async ({ operatorId, params: { chargerId, transactionId }, body }) => {
        const deps = getDeps();
        const connect = connectOf(deps);
        const tx = await deps.views.transaction(chargerId, transactionId);
        const idTag = tx?.operatorId === operatorId && typeof tx.idTag === 'string' ? tx.idTag : undefined;
        const session = idTag ? await deps.payments?.sessions.byIdTag(idTag) : undefined;
        // Another operator's session, and one no card paid for, read as missing alike.
        if (!session || session.operatorId !== operatorId)
          throw new ConnectError(
            'CONNECT_SESSION_NOT_FOUND',
            `no card payment for transaction ${transactionId} of ${chargerId}`,
          );
        const result = await refundSession(connect, {
          operatorId,
          sessionId: session.sessionId,
          ...refundAmount(body.amount),
        });
        return json(refundOut(result), 201);
      },
    }),
  ];
}

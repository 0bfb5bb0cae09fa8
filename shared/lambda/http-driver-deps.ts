/**
 * Composition root for the driver's side of the HTTP API function (the start and transaction pages,
 * the home page, the assets): the only deps its cold start loads. The operator API and the member
 * pages take the whole of http-deps.ts, loaded with their routes on their first request
 * (shared/lambda/http-api.ts), so a driver's first page does not compile the operator adapters.
 */
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoOperatorViews } from '../adapters/dynamodb/operator-views.js';
import type { PaymentsDeps } from '../app/payments/deps.js';
import type { DriverRouteDeps } from '../http/driver-routes.js';
import type { PageDeps } from '../http/page-routes.js';
import type { OperatorViews } from '../ports/operator-views.js';
import { perConfig } from './config.js';
import { paymentsDeps } from './payments-deps.js';

export interface HttpDriverDeps extends DriverRouteDeps, PageDeps {
  /** Absent when this deployment takes no card payments (no publishable key). */
  payments: PaymentsDeps | undefined;
  stripeJsUrl: string;
  views: OperatorViews;
}

/** The container's driver-side deps (see perConfig); http-deps.ts builds the rest over them. */
export const httpDriverDeps: () => HttpDriverDeps = perConfig((c) => ({
  views: new DynamoOperatorViews(
    createDocumentClient({ region: c.AWS_REGION, endpoint: c.DYNAMODB_ENDPOINT }),
    c.TABLE_NAME,
  ),
  payments: paymentsDeps(),
  stripeJsUrl: c.STRIPE_JS_URL,
}));

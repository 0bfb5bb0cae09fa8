/**
 * Where `npm start` keeps its data: the admin CLI's default target. Written out here rather than
 * imported from local/platform.ts, which would load the whole local runtime (seconds on every run);
 * test/unit/operators/admin-local.test.ts pins both to the platform's own defaults.
 */
export const LOCAL_DYNAMODB_PORT = 8000;
export const LOCAL_DYNAMODB_ENDPOINT = `http://127.0.0.1:${LOCAL_DYNAMODB_PORT}`;
export const LOCAL_TABLE = 'ev-platform';
/** The local platform's SES (aws-ses-v2-local), sender and HTTP server: where invitations go from and link to. */
export const LOCAL_SES_ENDPOINT = 'http://127.0.0.1:8005';
export const LOCAL_SENDER_EMAIL = 'receipts@ev-platform.local';
export const LOCAL_CONSOLE_URL = 'http://127.0.0.1:8080';
/** The local platform's Stripe emulator (local/platform.ts DEFAULT_PORTS.stripe): where fleet invoices go. */
export const LOCAL_STRIPE_PORT = 12111;
export const LOCAL_STRIPE_URL = `http://127.0.0.1:${LOCAL_STRIPE_PORT}`;

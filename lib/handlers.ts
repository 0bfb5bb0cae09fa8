/**
 * Every Lambda function of the platform, in one place: its entry file, size and what it may touch.
 * The stateless stack builds one function per entry and grants exactly the access listed here; the
 * local runtime runs the same entries and refuses, per invocation, what the list does not grant
 * (local/access.ts), so a missing grant fails the local tests instead of the first real charger.
 * The infra tests iterate the same list, so a handler cannot be added to one and not the other.
 *
 * Entry files are relative to the repository root and export `handler`.
 */
import { keys, prefixes } from '../shared/adapters/dynamodb/keys.js';
import type { GsiName } from '../shared/adapters/dynamodb/table.js';

/** The WebSocket API stage; the CloudFront Function rewrites `/ocpp/{id}` to `/${OCPP_STAGE_NAME}`. */
export const OCPP_STAGE_NAME = 'ocpp';

export interface HandlerSpec {
  /** Entry file relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  /** Table items: reads only, or reads and writes. */
  readonly table: 'read' | 'readWrite';
  /** The global secondary indexes it queries (`dynamodb:Query` on `<table>/index/<name>`, nothing else). */
  readonly indexes: readonly GsiName[];
  /** `dynamodb:Scan` on the table (no index lists what it looks for). */
  readonly scansTable: boolean;
  /** Reads the table stream: it is the target of an event source mapping on it. */
  readonly readsStream: boolean;
  /**
   * Writes beyond `table`, each allowed only on partitions whose key starts with one of the prefixes
   * (IAM `dynamodb:LeadingKeys`): a function that otherwise only reads, writing a few items of its own.
   */
  readonly scopedWrites: readonly ScopedWrite[];
  /** `execute-api:ManageConnections` on the OCPP stage: sends frames to connected chargers. */
  readonly postsToChargers: boolean;
  /** `secretsmanager:GetSecretValue` on the Stripe secret. */
  readonly readsStripeSecret: boolean;
  /** `ses:SendEmail` from the sender identity (receipts, Transaction URL emails). */
  readonly sendsEmail: boolean;
  /**
   * `secretsmanager:GetSecretValue` on the session token secret, and `SESSION_TOKEN_SECRET_ARN` in
   * the environment: the key Transaction URL tokens are derived from.
   */
  readonly readsTokenSecret: boolean;
  /**
   * `secretsmanager:GetSecretValue` on the OCPP origin secret, and `OCPP_ORIGIN_SECRET_ARN` in the
   * environment: the value CloudFront adds to every request to the WebSocket API (the authorizer's).
   */
  readonly readsOriginSecret: boolean;
}

export interface ScopedWrite {
  readonly actions: readonly ('PutItem' | 'UpdateItem' | 'DeleteItem')[];
  /** Partition key prefixes from keys.ts; the grant matches `<prefix>*`. */
  readonly partitionKeyPrefixes: readonly string[];
}

/** Nothing beyond `table`: the default of every function but the authorizer. */
const NO_SCOPED_WRITES: readonly ScopedWrite[] = [];

export const HANDLERS = {
  ocppAuthorizer: {
    entry: 'functions/ocpp/authorizer.ts',
    description: 'OCPP $connect authorizer: HTTP Basic auth against the charger record',
    // scrypt verification is CPU-bound and Lambda CPU scales with memory: more memory, faster connects.
    memorySize: 1024,
    timeoutSeconds: 10,
    table: 'read',
    indexes: [],
    scansTable: false,
    readsStream: false,
    // The authorizer is the one function a charger reaches before it is authenticated, so it only
    // reads, but for two kinds of item that must be written before (or instead of) $connect:
    scopedWrites: [
      // A self-registering charger's pending record (trust on first use: a conditional put of the
      // password it presented). IAM cannot require the put's attribute_not_exists condition, so this
      // could overwrite a charger's record; that gives a compromised authorizer nothing it lacks, as
      // its Allow alone already admits any charger id.
      { actions: ['PutItem'], partitionKeyPrefixes: [prefixes.chargerPartition] },
      // Failed-login counts: a refused attempt never reaches $connect (login-failures.ts adds with
      // UpdateItem, restarts a window with PutItem, clears with DeleteItem).
      {
        actions: ['PutItem', 'UpdateItem', 'DeleteItem'],
        partitionKeyPrefixes: [
          keys.loginFailures({ chargerId: '' }).pk,
          keys.loginFailures({ sourceIp: '' }).pk,
        ],
      },
    ],
    postsToChargers: false,
    readsStripeSecret: false,
    sendsEmail: false,
    readsTokenSecret: false,
    // The CloudFront origin header it checks before anything else (shared/lambda/origin-verify.ts).
    readsOriginSecret: true,
  },
  ocppConnect: {
    entry: 'functions/ocpp/connect.ts',
    description: 'OCPP $connect: records the connection, answers the subprotocol',
    memorySize: 512,
    timeoutSeconds: 10,
    table: 'readWrite',
    indexes: [],
    scansTable: false,
    readsStream: false,
    scopedWrites: NO_SCOPED_WRITES,
    // The newest connection of a charger wins: $connect closes the one it supersedes (@connections DELETE).
    postsToChargers: true,
    readsStripeSecret: false,
    sendsEmail: false,
    readsTokenSecret: false,
    readsOriginSecret: false,
  },
  ocppDisconnect: {
    entry: 'functions/ocpp/disconnect.ts',
    description: 'OCPP $disconnect: clears the connection (best effort)',
    memorySize: 512,
    timeoutSeconds: 10,
    table: 'readWrite',
    indexes: [],
    scansTable: false,
    readsStream: false,
    scopedWrites: NO_SCOPED_WRITES,
    postsToChargers: false,
    readsStripeSecret: false,
    sendsEmail: false,
    readsTokenSecret: false,
    readsOriginSecret: false,
  },
  ocppMessage: {
    entry: 'functions/ocpp/message.ts',
    description: 'OCPP $default: every frame from a charger; returns the reply frame',
    memorySize: 512,
    // Under API Gateway's 29 s integration timeout so a slow call fails here, visibly, first.
    timeoutSeconds: 25,
    table: 'readWrite',
    indexes: [],
    scansTable: false,
    readsStream: false,
    scopedWrites: NO_SCOPED_WRITES,
    // A CALLRESULT for a platform call can release the next queued call to the same charger.
    postsToChargers: true,
    readsStripeSecret: false,
    sendsEmail: false,
    readsTokenSecret: false,
    readsOriginSecret: false,
  },
  ocppCallSweeper: {
    entry: 'functions/ocpp/call-sweeper.ts',
    description: 'Every minute: fails platform calls left unanswered, sends the next queued call',
    memorySize: 512,
    // Under the 1 minute schedule so runs do not overlap.
    timeoutSeconds: 50,
    table: 'readWrite',
    // The open calls (sparse gsi1 partition).
    indexes: ['gsi1'],
    scansTable: false,
    readsStream: false,
    scopedWrites: NO_SCOPED_WRITES,
    postsToChargers: true,
    readsStripeSecret: false,
    sendsEmail: false,
    readsTokenSecret: false,
    readsOriginSecret: false,
  },
  httpApi: {
    entry: 'functions/http/api.ts',
    description: 'HTTP API: driver pages, operator API, console',
    memorySize: 1024,
    // HTTP API integrations time out at 30 s.
    timeoutSeconds: 28,
    table: 'readWrite',
    // The operator API's listings: chargers on gsi1, transactions on gsi3 (keys only).
    indexes: ['gsi1', 'gsi3'],
    // Once per table, two migrations: the one that gives registration-prefix claims stored before
    // the overlap markers their markers runs before the first claim
    // (DynamoChargerAdmin.markLegacyPrefixClaims); the one that moves transactions stored before
    // gsi3 off gsi1 runs before the first transaction listing (DynamoTransactionListing).
    scansTable: true,
    readsStream: false,
    scopedWrites: NO_SCOPED_WRITES,
    // Start/stop from the Transaction URL page and the operator API send RemoteStart/RemoteStop.
    postsToChargers: true,
    // Creates and cancels Stripe PaymentIntents (pre-authorisation holds).
    readsStripeSecret: true,
    // Receipts are owed through the table (receipt outbox items) and sent by streamPayments; operator
    // sign-in sends its email codes and invitations itself (the user waits for them), and so do
    // group member invitations (http/operations/members.ts).
    sendsEmail: true,
    // Issues the Transaction URL token when a session begins and checks it on /t/{token}.
    readsTokenSecret: true,
    readsOriginSecret: false,
  },
  stripeWebhook: {
    entry: 'functions/payments/stripe-webhook.ts',
    description:
      'Stripe webhooks (platform and Connect): verified against the raw body, deduplicated by event id',
    memorySize: 512,
    timeoutSeconds: 28,
    table: 'readWrite',
    // account.updated releases the operator's held transfers, listed from the sparse gsi1 entries.
    indexes: ['gsi1'],
    scansTable: false,
    readsStream: false,
    scopedWrites: NO_SCOPED_WRITES,
    // A hold that reaches requires_capture sends RemoteStartTransaction to the charger.
    postsToChargers: true,
    // The webhook signing secret lives in the same secret as the API key.
    readsStripeSecret: true,
    // Receipts are owed through the table (receipt outbox items) and sent by streamPayments; the
    // payout invoices (payout.paid on the Connect endpoint) are emailed from here.
    sendsEmail: true,
    readsTokenSecret: false,
    readsOriginSecret: false,
  },
  streamRecompute: {
    entry: 'functions/streams/recompute.ts',
    description: 'Table stream: recomputes the running charge of a transaction from its meter values',
    memorySize: 512,
    timeoutSeconds: 60,
    table: 'readWrite',
    indexes: [],
    scansTable: false,
    readsStream: true,
    scopedWrites: NO_SCOPED_WRITES,
    // Stops a session whose charge nears the pre-authorised amount (RemoteStopTransaction).
    postsToChargers: true,
    readsStripeSecret: false,
    sendsEmail: false,
    readsTokenSecret: false,
    readsOriginSecret: false,
  },
  scheduleFinaliser: {
    entry: 'functions/schedules/finaliser.ts',
    description:
      'Every minute: finalises settled charges and those whose payment hold is about to expire (stopping the session)',
    memorySize: 512,
    timeoutSeconds: 50,
    table: 'readWrite',
    // The reconciliation sweep pages through gsi4 (the sparse open-transaction index), and through
    // gsi2 or the table until the older tables' moves are done (charge-repository.ts
    // `unfinalisedTransactions`).
    indexes: ['gsi2', 'gsi4'],
    // Once per table: the sweep's first pass adds transactions stored before gsi2 existed.
    scansTable: true,
    readsStream: false,
    scopedWrites: NO_SCOPED_WRITES,
    // A hold about to expire stops the running session with RemoteStopTransaction. Capture and
    // receipts belong to the payments consumer of the charge-finalised outbox, not to this function.
    postsToChargers: true,
    readsStripeSecret: false,
    sendsEmail: false,
    readsTokenSecret: false,
    readsOriginSecret: false,
  },
  streamPayments: {
    entry: 'functions/streams/payments.ts',
    description:
      'Table stream: binds a paid session to its StartTransaction, captures or releases the hold on charge-finalised, sends receipts owed',
    memorySize: 512,
    timeoutSeconds: 60,
    table: 'readWrite',
    indexes: [],
    scansTable: false,
    readsStream: true,
    scopedWrites: NO_SCOPED_WRITES,
    // RemoteStopTransaction: a StartTransaction that arrives after its hold ended, and a session
    // whose hold is about to lapse (captured on the data in hand).
    postsToChargers: true,
    // Captures and cancels PaymentIntents.
    readsStripeSecret: true,
    // The one sender of receipts: pre-auth (with the Transaction URL), cancellation, transaction.
    sendsEmail: true,
    // The pre-auth receipt carries the Transaction URL, whose token is derived from this secret.
    readsTokenSecret: true,
    readsOriginSecret: false,
  },
  schedulePaymentsSweeper: {
    entry: 'functions/schedules/payments-sweeper.ts',
    description:
      'Every minute: cancels holds whose charger never started (start timeout), settles sessions whose hold nears expiry, flags transfers held too long, finishes refunds left unfinished',
    memorySize: 512,
    // Under the 1 minute schedule so runs do not overlap.
    timeoutSeconds: 50,
    table: 'readWrite',
    // The sessions due for a sweep (sparse gsi1 partition); the transfers held too long (sparse gsi2
    // partition XFERSTALE), flagged for the operator and the platform; the transfers with a refund
    // reserved (sparse gsi4 partition XFERCLAIM), whose left-over claims it finishes.
    indexes: ['gsi1', 'gsi2', 'gsi4'],
    scansTable: false,
    readsStream: false,
    scopedWrites: NO_SCOPED_WRITES,
    // Stopping a session is the finaliser's; this function only moves payments and owes receipts.
    postsToChargers: false,
    // Cancels abandoned PaymentIntents.
    readsStripeSecret: true,
    // Receipts are owed through the table and sent by streamPayments.
    sendsEmail: false,
    readsTokenSecret: false,
    readsOriginSecret: false,
  },
  scheduleFleetStatements: {
    entry: 'functions/schedules/fleet-statements.ts',
    description:
      "On the 1st: each fleet's statement of the month before (PDF + CSV by email) and, for fleets with payment, its Stripe invoice",
    memorySize: 1024,
    // Builds every fleet's PDF in one run; a run that stops early is finished by the retry (idempotent).
    timeoutSeconds: 900,
    // Stores statements, their marks and a fleet's Stripe customer.
    table: 'readWrite',
    // Every fleet (sparse gsi1 FLEETS), a fleet's sessions not billed yet (sparse gsi2 FLEETTX#).
    indexes: ['gsi1', 'gsi2'],
    // The one-time backfill of fleets and sessions stored before those indexes (a single Scan).
    scansTable: true,
    readsStream: false,
    scopedWrites: NO_SCOPED_WRITES,
    postsToChargers: false,
    // Invoices fleets with payment.
    readsStripeSecret: true,
    // The statement to the fleet's billing contact.
    sendsEmail: true,
    readsTokenSecret: false,
    readsOriginSecret: false,
  },
} as const satisfies Record<string, HandlerSpec>;

export type HandlerName = keyof typeof HANDLERS;

export const HANDLER_NAMES = Object.keys(HANDLERS) as HandlerName[];

/**
 * `npm run admin -- <command>`: platform administration straight against the table, locally (the
 * DynamoDB Local that `npm start` runs) or, with `--table` and `--region` and the usual AWS
 * credentials, against a deployment. A deploy-time tool, so it lives in bin/ beside the CDK app, not
 * in local/.
 *
 * Every command prints exactly one JSON line on stdout (the result, for scripts: `| jq -r .key`);
 * progress and errors go to stderr. Exit status: 0 done, 1 failed, 2 wrong usage.
 */
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { EMULATOR_SECRET_KEY } from '../local/stripe/keys.js';
import { DynamoOperatorReader } from '../shared/adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../shared/adapters/dynamodb/client.js';
import { DynamoFleetStatements } from '../shared/adapters/dynamodb/fleet-statements.js';
import { DynamoOperatorRegistry } from '../shared/adapters/dynamodb/operator-registry.js';
import { DynamoOperatorViews } from '../shared/adapters/dynamodb/operator-views.js';
import { DynamoUserStore } from '../shared/adapters/dynamodb/users.js';
import { createSesClient } from '../shared/adapters/ses/client.js';
import { createSesMailer } from '../shared/adapters/ses/mailer.js';
import { createStripeClient } from '../shared/adapters/stripe/client.js';
import { StripeFleetInvoicing } from '../shared/adapters/stripe/fleet-invoices.js';
import { INVOICE_DAYS_UNTIL_DUE } from '../shared/app/fleets/deps.js';
import { runMonthlyStatements } from '../shared/app/fleets/monthly-statements.js';
import {
  type ApiKeyDeps,
  CreateApiKeyBody,
  issueApiKey,
  keyIdParam,
  listApiKeys,
  RotateApiKeyBody,
  revokeApiKey,
  rotateApiKey,
} from '../shared/app/operators/api-keys.js';
import { createOperator } from '../shared/app/operators/create-operator.js';
import { STATEMENT_MONTH } from '../shared/domain/fleet-statement.js';
import { systemClock } from '../shared/ports/clock.js';
import type { Log } from '../shared/ports/log.js';
import {
  LOCAL_CONSOLE_URL,
  LOCAL_DYNAMODB_ENDPOINT as LOCAL_ENDPOINT,
  LOCAL_SENDER_EMAIL,
  LOCAL_SES_ENDPOINT,
  LOCAL_STRIPE_URL,
  LOCAL_TABLE as LOCAL_TABLE_NAME,
} from './admin-local.js';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  create-operator --name NAME --email EMAIL --kind home|group|public|fleet
                  [--currency GBP] [--time-zone Europe/London] [--pre-auth-minor 3000]
      Creates an operator and an API key for machine access, and invites its first user (the
      owner) at EMAIL: a link, good for 7 days, to set a password and an authenticator app.
                  [--console-url URL] [--sender EMAIL] [--ses-endpoint URL]
      Where the invitation links to and is sent from (defaults: the local platform's
      ${LOCAL_CONSOLE_URL}, ${LOCAL_SENDER_EMAIL}, ses-local at ${LOCAL_SES_ENDPOINT}; for
      a deployment give --console-url and --sender, and SES in --region is used).
  list-keys   --operator ID                       the operator's API keys (never the keys themselves)
  create-key  --operator ID --label LABEL         a new API key (shown once)
  rotate-key  --operator ID --key-id KEY_ID [--label LABEL] [--grace-seconds 86400]
      A new key; the old one keeps working for the grace period (default 24 h, at most 7 days,
      0 revokes it at once).
  revoke-key  --operator ID --key-id KEY_ID       refuses the key from now on
  run-fleet-statements [--month YYYY-MM] [--operator ID] [--sender EMAIL] [--ses-endpoint URL]
                  [--stripe-url URL]
      The monthly fleet run, now: each fleet's statement of the month before (or --month), of
      every operator (or --operator's fleets), stored, emailed and, for fleets with payment,
      invoiced; a rerun does nothing twice. Prints one line per fleet on stderr and the report.
      Locally the statements go to ses-local and invoices to the Stripe emulator at
      ${LOCAL_STRIPE_URL}; for a deployment give --sender, and the Stripe secret key in the
      environment as STRIPE_SECRET_KEY (without it nothing is invoiced).

Where (default: the local platform of \`npm start\`, ${LOCAL_ENDPOINT}, table ${LOCAL_TABLE_NAME}):
  --table NAME      the platform table (a deployment's: the stateful stack's table name)
  --region REGION   with --table and no --endpoint: the deployment in AWS, with the usual AWS
                    credentials (AWS_PROFILE, environment, SSO...)
  --endpoint URL    a DynamoDB endpoint (DynamoDB Local on another port)
  -h, --help

Prints one JSON line on stdout; progress on stderr. API keys are sent as "Authorization: Bearer <key>".`;

class UsageError extends Error {
  override name = 'UsageError';
}

const COMMANDS = [
  'create-operator',
  'list-keys',
  'create-key',
  'rotate-key',
  'revoke-key',
  'run-fleet-statements',
] as const;
type Command = (typeof COMMANDS)[number];

function parse(argv: string[]) {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (err) {
    // node:util's messages name the option ("Unknown option '--nmae'"): pass them on as usage errors.
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true as const };
  if (positionals.length !== 1) throw new UsageError('give exactly one command');
  const command = positionals[0] as Command;
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command "${positionals[0]}"`);
  return { help: false as const, command, values };
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      email: { type: 'string' },
      kind: { type: 'string' },
      currency: { type: 'string' },
      'time-zone': { type: 'string' },
      'pre-auth-minor': { type: 'string' },
      operator: { type: 'string' },
      label: { type: 'string' },
      'key-id': { type: 'string' },
      'grace-seconds': { type: 'string' },
      table: { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      'console-url': { type: 'string' },
      sender: { type: 'string' },
      'ses-endpoint': { type: 'string' },
      month: { type: 'string' },
      'stripe-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

type Values = Exclude<ReturnType<typeof parse>, { help: true }>['values'];

function required(values: Values, name: keyof Values): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** A whole number given on the command line; anything else is a usage error naming the option. */
function wholeNumber(values: Values, name: 'pre-auth-minor' | 'grace-seconds'): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

/** Where the table is: the local platform unless told otherwise (see USAGE). */
function target(values: Values): { region: string; endpoint?: string; tableName: string; where: string } {
  if (values.region && !values.endpoint) {
    if (!values.table) throw new UsageError('--region targets a deployment: give its --table too');
    return { region: values.region, tableName: values.table, where: `AWS ${values.region}` };
  }
  const endpoint = values.endpoint ?? LOCAL_ENDPOINT;
  if (!/^https?:\/\/\S+$/.test(endpoint))
    throw new UsageError(`--endpoint must be an http(s) URL, got "${endpoint}"`);
  return {
    region: values.region ?? 'local',
    endpoint,
    tableName: values.table ?? LOCAL_TABLE_NAME,
    where: endpoint,
  };
}

/**
 * SES as the admin commands send with it: ses-local by default, the region's SES for a deployment,
 * from the sender, which a deployment must name (an unverified sender would fail only later).
 */
function sesOf(values: Values, where: ReturnType<typeof target>, deploymentNeeds: string) {
  const deployment = where.endpoint === undefined;
  if (deployment && !values.sender)
    throw new UsageError(`a deployment needs --sender for ${deploymentNeeds}`);
  const sesEndpoint = values['ses-endpoint'] ?? (deployment ? undefined : LOCAL_SES_ENDPOINT);
  const client = createSesClient({ region: where.region, ...(sesEndpoint ? { endpoint: sesEndpoint } : {}) });
  return {
    mailer: createSesMailer({ client, defaultFrom: values.sender ?? LOCAL_SENDER_EMAIL }),
    /** Lets the process end (the client keeps its connections open otherwise). */
    close: () => client.destroy(),
  };
}

/**
 * How the first user's invitation is sent: SES (see sesOf), linking to the console. A deployment
 * must name the console: a link to 127.0.0.1 would fail only later, in the owner's inbox.
 */
function invitationDeps(
  values: Values,
  where: ReturnType<typeof target>,
  table: { doc: ReturnType<typeof createDocumentClient>; tableName: string },
) {
  if (where.endpoint === undefined && (!values['console-url'] || !values.sender))
    throw new UsageError('a deployment needs --console-url and --sender for the invitation');
  const consoleUrl = values['console-url'] ?? LOCAL_CONSOLE_URL;
  if (!/^https?:\/\/\S+$/.test(consoleUrl))
    throw new UsageError(`--console-url must be an http(s) URL, got "${consoleUrl}"`);
  return {
    users: new DynamoUserStore(table),
    publicBaseUrl: consoleUrl,
    ...sesOf(values, where, 'the invitation'),
  };
}

/**
 * Stripe for fleet invoices: the local emulator (or --stripe-url) with its key, or for a deployment
 * Stripe itself with STRIPE_SECRET_KEY from the environment (a secret stays off the command line).
 * None for a deployment without the key: the run then states and emails, and invoices nothing.
 */
function fleetInvoicing(values: Values, where: ReturnType<typeof target>) {
  const stripeUrl = values['stripe-url'] ?? (where.endpoint === undefined ? undefined : LOCAL_STRIPE_URL);
  const secretKey = process.env.STRIPE_SECRET_KEY ?? (stripeUrl ? EMULATOR_SECRET_KEY : undefined);
  if (!secretKey) return undefined;
  const stripe = createStripeClient({ secretKey, apiUrl: stripeUrl });
  return new StripeFleetInvoicing(async () => stripe);
}

/** The run's log lines, on stderr (stdout keeps its one JSON line). */
const stderrLog: Log = {
  debug: () => {},
  info: (message, fields) => progress(`${message} ${JSON.stringify(fields ?? {})}`),
  warn: (message, fields) => progress(`warning: ${message} ${JSON.stringify(fields ?? {})}`),
  error: (message, fields) => progress(`error: ${message} ${JSON.stringify(fields ?? {})}`),
};

function progress(line: string): void {
  process.stderr.write(`[admin] ${line}\n`);
}

async function run(command: Command, values: Values): Promise<unknown> {
  const where = target(values);
  const doc = createDocumentClient(where);
  const table = { doc, tableName: where.tableName };
  const deps: ApiKeyDeps = { operators: new DynamoOperatorRegistry(table), clock: systemClock };
  const views = new DynamoOperatorViews(doc, where.tableName);
  progress(`table ${where.tableName} at ${where.where}`);

  /** The operator a key command names, which must exist (a key of no operator would open nothing). */
  const operatorOf = async (): Promise<string> => {
    const operatorId = required(values, 'operator');
    if (!(await views.operator(operatorId))) throw new Error(`operator ${operatorId} not found`);
    return operatorId;
  };
  const keyIdOf = (): string => {
    const parsed = keyIdParam.safeParse(required(values, 'key-id'));
    if (!parsed.success) throw new UsageError(`--key-id: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  };

  try {
    switch (command) {
      case 'create-operator': {
        const preAuthAmountMinor = wholeNumber(values, 'pre-auth-minor');
        const invitations = invitationDeps(values, where, table);
        const created = await createOperator(
          { ...deps, ...invitations },
          {
            name: required(values, 'name'),
            email: required(values, 'email'),
            kind: required(values, 'kind') as never,
            ...(values.currency ? { currency: values.currency } : {}),
            ...(values['time-zone'] ? { timeZone: values['time-zone'] } : {}),
            ...(preAuthAmountMinor !== undefined ? { preAuthAmountMinor } : {}),
          },
        ).finally(invitations.close);
        progress(
          `created operator ${created.operatorId} (${created.operator.kind}) with API key ${created.apiKey.apiKey.keyId}`,
        );
        progress(`invited ${created.firstUser.email}: the link works until ${created.firstUser.expiresAt}`);
        return {
          operatorId: created.operatorId,
          kind: created.operator.kind,
          apiKey: created.apiKey.apiKey,
          key: created.apiKey.key,
          firstUser: created.firstUser,
        };
      }
      case 'list-keys': {
        const operatorId = await operatorOf();
        return { operatorId, apiKeys: await listApiKeys(deps, operatorId) };
      }
      case 'create-key': {
        const operatorId = await operatorOf();
        const input = CreateApiKeyBody.parse({ label: required(values, 'label') });
        const issued = await issueApiKey(deps, operatorId, input);
        progress(`created API key ${issued.apiKey.keyId}; the key is shown only now`);
        return { operatorId, ...issued };
      }
      case 'rotate-key': {
        const operatorId = await operatorOf();
        const keyId = keyIdOf();
        const graceSeconds = wholeNumber(values, 'grace-seconds');
        const input = RotateApiKeyBody.parse({
          ...(values.label ? { label: values.label } : {}),
          ...(graceSeconds !== undefined ? { graceSeconds } : {}),
        });
        const result = await rotateApiKey(deps, operatorId, keyId, input);
        if (result.outcome === 'not-found') throw new Error(`operator ${operatorId} has no API key ${keyId}`);
        if (result.outcome === 'revoked')
          throw new Error(`API key ${keyId} is revoked: create a new key instead`);
        const { outcome: _rotated, ...rotated } = result;
        progress(
          `API key ${keyId} → ${rotated.apiKey.keyId}; the old key works until ${rotated.previous.revokedAt}`,
        );
        return { operatorId, ...rotated };
      }
      case 'revoke-key': {
        const operatorId = await operatorOf();
        const keyId = keyIdOf();
        const result = await revokeApiKey(deps, operatorId, keyId);
        if (result.outcome === 'not-found') throw new Error(`operator ${operatorId} has no API key ${keyId}`);
        progress(`API key ${keyId} revoked at ${result.apiKey.revokedAt}`);
        return { operatorId, apiKey: result.apiKey };
      }
      case 'run-fleet-statements': {
        if (values.month !== undefined && !STATEMENT_MONTH.test(values.month))
          throw new UsageError(`--month must be YYYY-MM, got "${values.month}"`);
        const ses = sesOf(values, where, 'the statements');
        const operators = new DynamoOperatorReader(table);
        const invoicing = fleetInvoicing(values, where);
        try {
          const report = await runMonthlyStatements(
            {
              clock: systemClock,
              log: stderrLog,
              fleets: new DynamoFleetStatements(table),
              ...(invoicing ? { invoicing } : {}),
              operators: { operator: (id) => operators.get(id) },
              siteName: async (operatorId, siteId) => (await views.site(operatorId, siteId))?.name,
              mailer: ses.mailer,
              invoiceDaysUntilDue: INVOICE_DAYS_UNTIL_DUE,
            },
            {
              ...(values.month ? { month: values.month } : {}),
              ...(values.operator ? { operatorId: values.operator } : {}),
              onFleet: (p) => progress(`fleet ${p.operatorId}/${p.fleetId} ${p.month}: ${p.outcome}`),
            },
          );
          return { ...(values.month ? { month: values.month } : {}), ...report };
        } finally {
          ses.close();
        }
      }
    }
  } finally {
    doc.destroy();
  }
}

/** What went wrong, in a sentence a person can act on. */
function explain(err: unknown, values: Values | undefined): string {
  if (err instanceof ZodError) {
    return err.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
  }
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  if (e?.name === 'ResourceNotFoundException') {
    return `table ${values?.table ?? LOCAL_TABLE_NAME} not found (${e.message}); pass the deployment's --table`;
  }
  if ([e?.code, e?.cause?.code].includes('ECONNREFUSED')) {
    return `cannot reach DynamoDB at ${values?.endpoint ?? LOCAL_ENDPOINT}: is \`npm start\` running? (or pass --endpoint, or --table and --region for AWS)`;
  }
  if (e?.name === 'CredentialsProviderError') return `no AWS credentials: ${e.message}`;
  return e?.message ?? String(err);
}

async function main(argv: string[]): Promise<number> {
  let values: Values | undefined;
  try {
    const parsed = parse(argv);
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    values = parsed.values;
    const result = await run(parsed.command, parsed.values);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`[admin] ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ZodError) {
      // An option's value was refused (a kind, an email, a time zone): wrong usage, said briefly.
      process.stderr.write(`[admin] ${explain(err, values)}\n(npm run admin -- --help lists the options)\n`);
      return 2;
    }
    process.stderr.write(`[admin] failed: ${explain(err, values)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));

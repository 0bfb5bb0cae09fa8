/**
 * Platform admin: a new operator with an API key for machine access (bin/admin.ts create-operator).
 *
 * The email is the operator's contact and the address its first user, the owner, is invited at
 * (shared/app/users/invitations.ts): an email with a link, good for 7 days, where the owner sets a
 * password and an authenticator app. The email must not belong to a user already (an email signs
 * in to one operator); that is checked before anything is stored.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { OPERATOR_KINDS, type Operator } from '../../domain/entities.js';
import { isValidTimeZone } from '../../domain/local-time.js';
import { normaliseEmail } from '../../domain/sign-in.js';
import { type InvitationDeps, type Invited, inviteUser } from '../users/invitations.js';
import { type ApiKeyDeps, type IssuedApiKey, issueApiKey } from './api-keys.js';

export const CreateOperatorInput = z.strictObject({
  name: z.string().trim().min(1, 'name must not be empty').max(120, 'name has at most 120 characters'),
  email: z.email('email must be an email address'),
  kind: z.enum(OPERATOR_KINDS, { error: `kind must be one of ${OPERATOR_KINDS.join(', ')}` }),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code in capitals, e.g. GBP')
    .default('GBP'),
  timeZone: z
    .string()
    .refine(isValidTimeZone, 'time zone must be an IANA time zone, e.g. Europe/London')
    .default('Europe/London'),
  /** Held on a driver's card for a paid session, minor units of `currency`. */
  preAuthAmountMinor: z
    .number()
    .int('the pre-authorisation is a whole number of minor units')
    .min(0)
    .max(100_000_00, 'the pre-authorisation is at most 10000000 minor units')
    .default(3000),
});
export type CreateOperatorCommand = z.input<typeof CreateOperatorInput>;

export interface CreatedOperator {
  operatorId: string;
  operator: Operator;
  apiKey: IssuedApiKey;
  /** The owner, invited: the link went to `email`. */
  firstUser: Invited;
}

export type CreateOperatorDeps = ApiKeyDeps & InvitationDeps;

export async function createOperator(
  deps: CreateOperatorDeps,
  command: CreateOperatorCommand,
): Promise<CreatedOperator> {
  const input = CreateOperatorInput.parse(command);
  if (await deps.users.userByEmail(normaliseEmail(input.email)))
    throw new Error(`${input.email} is already a user's email: an email signs in to one operator`);
  const operator: Operator = {
    operatorId: `op-${randomBytes(6).toString('hex')}`,
    name: input.name,
    kind: input.kind,
    currency: input.currency,
    timeZone: input.timeZone,
    contactEmail: input.email,
    allowPendingChargers: false,
    allowFreeUse: false,
    preAuthAmountMinor: input.preAuthAmountMinor,
    createdAt: new Date(deps.clock.now()).toISOString(),
  };
  // 48 random bits: a clash is not a case to handle, only to refuse loudly.
  if ((await deps.operators.create(operator)) !== 'created')
    throw new Error(`operator id ${operator.operatorId} is taken`);
  const apiKey = await issueApiKey(deps, operator.operatorId, {
    label: 'machine access (created with the operator)',
  });
  const firstUser = await inviteUser(deps, {
    operatorId: operator.operatorId,
    operatorName: operator.name,
    email: input.email,
    role: 'owner',
  });
  // Checked above; only a concurrent invitation of the same email lands here.
  if ('outcome' in firstUser) throw new Error(`${input.email} became another user's email meanwhile`);
  return { operatorId: operator.operatorId, operator, apiKey, firstUser };
}

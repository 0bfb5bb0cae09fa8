/**
 * Operator use cases for chargers: register one with its own password, approve one that
 * registered itself as pending, and claim an id prefix under which unknown chargers may do so.
 */
import * as z from 'zod';
import type { Charger } from '../../domain/entities.js';
import type { ChargerAdmin } from '../../ports/charger-admin.js';
import type { Clock } from '../../ports/clock.js';
import { hashPassword } from '../auth/password.js';
import { AppError } from '../errors.js';
import { isRegistrableChargerId, REGISTRABLE_CHARGER_ID_RULE } from '../ocpp/connection.js';

export interface ManageChargersDeps {
  chargerAdmin: ChargerAdmin;
  clock: Clock;
}

/** The charger id, prefix or approval clashes with what is stored. */
export class ChargerConflictError extends AppError {
  override readonly name = 'ChargerConflictError';

  constructor(message: string) {
    super('CHARGER_CONFLICT', message);
  }
}

/** No such charger in the caller operator's account. */
export class ChargerNotFoundError extends AppError {
  override readonly name = 'ChargerNotFoundError';

  constructor(message: string) {
    super('CHARGER_NOT_FOUND', message);
  }
}

/** OCPP Security Profile 1/2 passwords are 16–40 characters (OCPP 1.6 security whitepaper). */
export const RegisterChargerSchema = z.strictObject({
  chargerId: z.string().refine(isRegistrableChargerId, `chargerId must be ${REGISTRABLE_CHARGER_ID_RULE}`),
  password: z
    .string()
    .min(16, 'password must be at least 16 characters')
    .max(40, 'password must be at most 40 characters'),
  siteId: z.string().min(1).max(64).optional(),
  accessMode: z.enum(['private', 'group', 'public', 'fleet']),
  paid: z.boolean(),
  tariffId: z.string().min(1).max(64).optional(),
  groupIds: z.array(z.string().min(1).max(64)).max(50).optional(),
  ownerIdTags: z.array(z.string().min(1).max(20)).max(50).optional(),
  connectorCount: z.number().int().min(1).max(32).optional(),
});

export type RegisterChargerInput = z.infer<typeof RegisterChargerSchema>;

/** The stored charger, without its password hash. */
export async function registerCharger(
  deps: ManageChargersDeps,
  operatorId: string,
  input: RegisterChargerInput,
): Promise<Omit<Charger, 'passwordHash'>> {
  const { password, ...rest } = input;
  const charger: Charger = {
    ...rest,
    operatorId,
    registration: 'active',
    passwordHash: await hashPassword(password),
    createdAt: new Date(deps.clock.now()).toISOString(),
  };
  if ((await deps.chargerAdmin.register(charger)) === 'exists') {
    throw new ChargerConflictError(`charger id ${input.chargerId} is already registered`);
  }
  const { passwordHash: _hidden, ...visible } = charger;
  return visible;
}

export async function approveCharger(
  deps: ManageChargersDeps,
  operatorId: string,
  chargerId: string,
): Promise<void> {
  const outcome = await deps.chargerAdmin.approve(operatorId, chargerId);
  if (outcome === 'not-found') throw new ChargerNotFoundError(`charger ${chargerId} not found`);
  if (outcome === 'not-pending')
    throw new ChargerConflictError(`charger ${chargerId} is not pending approval`);
}

export async function claimRegistrationPrefix(
  deps: ManageChargersDeps,
  operatorId: string,
  prefix: string,
): Promise<void> {
  if ((await deps.chargerAdmin.claimPrefix({ prefix, operatorId })) === 'taken') {
    throw new ChargerConflictError(`prefix ${prefix} is claimed by another operator`);
  }
}

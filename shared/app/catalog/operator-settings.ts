/**
 * The operator's own settings: name, branding, the pre-auth amount, currency, time zone and the
 * switches the access rules read (allowPendingChargers, allowFreeUse, billMembers) and whether every
 * payout's detailed invoice is emailed with it (sendDetailedInvoices). Only what a change names
 * changes: `flagsOn`/`flagsOff` switch single flags (the console's `flags` sends the full set, as
 * read, so a flag it does not show goes back as it was). The currency can
 * change only while the operator has no session at all: amounts already recorded (charges,
 * holds, receipts) are in the old one and would read wrongly beside the new.
 */
import * as z from 'zod';
import type { Operator } from '../../domain/entities.js';
import { isValidTimeZone } from '../../domain/local-time.js';
import { isCurrencyCode } from '../../domain/money.js';
import type { OperatorChanges, OperatorSettingsStore } from '../../ports/catalog.js';
import type { OperatorViews } from '../../ports/operator-views.js';

export interface OperatorSettingsDeps {
  operatorSettings: OperatorSettingsStore;
  views: OperatorViews;
}

export const SETTINGS_FLAGS = [
  'allow-pending-chargers',
  'allow-free-use',
  'bill-members',
  'send-detailed-invoices',
] as const;

type SettingsFlag = (typeof SETTINGS_FLAGS)[number];

/** The operator field each public flag stands for. */
const FLAG_FIELDS = {
  'allow-pending-chargers': 'allowPendingChargers',
  'allow-free-use': 'allowFreeUse',
  'bill-members': 'billMembers',
  'send-detailed-invoices': 'sendDetailedInvoices',
} as const satisfies Record<SettingsFlag, keyof OperatorChanges>;

/** The changes that switch each flag named to `on`, leaving every other flag as stored. */
const switched = (flags: readonly SettingsFlag[], on: boolean): OperatorChanges =>
  Object.fromEntries(flags.map((flag) => [FLAG_FIELDS[flag], on]));

const currency = z
  .string()
  .refine(isCurrencyCode, 'currency must be an ISO 4217 code in upper case, e.g. "GBP"');

export const UpdateOperatorSchema = z
  .strictObject({
    name: z.string().min(1, 'name must not be empty').max(120).optional(),
    currency: currency.optional(),
    timeZone: z
      .string()
      .refine(isValidTimeZone, 'timeZone must be an IANA time zone, e.g. "Europe/London"')
      .nullable()
      .optional(),
    preAuthAmount: z
      .strictObject({
        // The bounds the admin CLI creates operators with (app/operators/create-operator.ts).
        amountMinor: z.number().int().min(0).max(100_000_00),
        currency,
      })
      .optional()
      .describe('In the operator currency (the new one, when this change sets it).'),
    flags: z
      .array(z.enum(SETTINGS_FLAGS))
      .optional()
      .describe('The full set: a flag left out is switched off. Not with `flagsOn` or `flagsOff`.'),
    flagsOn: z
      .array(z.enum(SETTINGS_FLAGS))
      .optional()
      .describe('Switched on; every flag not named here or in `flagsOff` stays as it is.'),
    flagsOff: z
      .array(z.enum(SETTINGS_FLAGS))
      .optional()
      .describe('Switched off; every flag not named here or in `flagsOn` stays as it is.'),
    branding: z
      .strictObject({
        logoUrl: z.url({ protocol: /^https$/, error: 'logoUrl must be an https URL' }).optional(),
        primaryColour: z
          .string()
          .regex(/^#[0-9a-fA-F]{6}$/, 'primaryColour must be #rrggbb')
          .optional(),
        supportEmail: z.email('supportEmail must be an email address').optional(),
        supportPhone: z.string().min(3).max(40).optional(),
      })
      .optional()
      .describe('Replaces the branding as a whole.'),
  })
  .refine((b) => !(b.flags && (b.flagsOn || b.flagsOff)), {
    message: '`flags` (the full set) cannot be sent with `flagsOn` or `flagsOff`',
    path: ['flags'],
  })
  .refine((b) => !b.flagsOn?.some((flag) => b.flagsOff?.includes(flag)), {
    message: 'a flag cannot be in both `flagsOn` and `flagsOff`',
    path: ['flagsOff'],
  });

export type UpdateOperatorOutcome =
  | { outcome: 'ok'; operator: Operator }
  | { outcome: 'not-found' }
  | { outcome: 'currency-locked'; message: string }
  | { outcome: 'invalid'; message: string };

export async function updateOperatorSettings(
  deps: OperatorSettingsDeps,
  operatorId: string,
  input: z.infer<typeof UpdateOperatorSchema>,
): Promise<UpdateOperatorOutcome> {
  const current = await deps.views.operator(operatorId);
  if (!current) return { outcome: 'not-found' };
  const newCurrency = input.currency ?? current.currency.toUpperCase();
  if (input.preAuthAmount && input.preAuthAmount.currency !== newCurrency) {
    return {
      outcome: 'invalid',
      message: `preAuthAmount.currency must be the operator currency ${newCurrency}`,
    };
  }
  if (input.currency && input.currency !== current.currency.toUpperCase()) {
    const sessions = await deps.views.transactions(operatorId, { limit: 1 });
    if (sessions.items.length > 0) {
      return {
        outcome: 'currency-locked',
        message: 'the currency cannot change once the operator has sessions: their amounts are in it',
      };
    }
  }
  const changes: OperatorChanges = {
    name: input.name,
    currency: input.currency,
    timeZone: input.timeZone,
    preAuthAmountMinor: input.preAuthAmount?.amountMinor,
    branding: input.branding,
    ...(input.flags
      ? {
          ...switched(SETTINGS_FLAGS, false),
          ...switched(input.flags, true),
        }
      : {}),
    ...switched(input.flagsOn ?? [], true),
    ...switched(input.flagsOff ?? [], false),
  };
  const operator = await deps.operatorSettings.update(operatorId, changes);
  return operator ? { outcome: 'ok', operator } : { outcome: 'not-found' };
}

/**
 * A fleet's billing settings, as the fleet routes take them (http/operations/catalog.ts): who gets
 * the monthly statement and whether the month's total is invoiced through Stripe. A fleet with
 * payment needs a billing contact: the invoice is addressed to it.
 */
import * as z from 'zod';
import type { Group } from '../../domain/entities.js';

export const BillingContactSchema = z
  .strictObject({
    email: z.email().max(254),
    name: z.string().min(1).max(120).optional(),
  })
  .meta({ id: 'FleetBillingContact' })
  .describe("Who gets the fleet's monthly statement and, with payment, its invoice.");

export const fleetBillingFields = {
  billingContact: BillingContactSchema.optional(),
  withPayment: z
    .boolean()
    .optional()
    .describe("The month's total is invoiced through Stripe to the billing contact (default false)."),
};

export const fleetBillingChanges = {
  billingContact: BillingContactSchema.nullable().optional(),
  withPayment: z.boolean().optional(),
};

export type FleetBilling = Pick<Group, 'billingContact' | 'withPayment'>;
export interface FleetBillingChanges {
  billingContact?: Group['billingContact'] | null;
  withPayment?: boolean | undefined;
}

/** Why these settings cannot stand, or undefined when they can. */
export function billingProblem(fleet: FleetBilling): string | undefined {
  return fleet.withPayment && !fleet.billingContact
    ? 'a fleet with payment needs a billingContact to address its invoices to'
    : undefined;
}

/** The settings after a PATCH (`null` removes the contact). */
export function billingAfter(current: FleetBilling, changes: FleetBillingChanges): FleetBilling {
  const billingContact =
    changes.billingContact === null ? undefined : (changes.billingContact ?? current.billingContact);
  const withPayment = changes.withPayment ?? current.withPayment;
  return {
    ...(billingContact ? { billingContact } : {}),
    ...(withPayment !== undefined ? { withPayment } : {}),
  };
}

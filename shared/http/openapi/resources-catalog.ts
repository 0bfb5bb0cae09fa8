/**
 * Public shapes of the catalog part of the operator API (sites, chargers' settings and credentials,
 * connectors, tariffs and their preview, groups, fleets and cards, id tags). Shapes shared with
 * other parts (Site, Group, IdTag, Charger, Connector, Tariff, ChargeLine, Amounts) live in
 * resources.ts; this file adds only what the catalog's own operations answer.
 */
import * as z from 'zod';
import { BillingContactSchema } from '../../app/fleets/fleet-settings.js';
import type { Group } from '../../domain/entities.js';
import type { Charge } from '../../domain/pricing.js';
import { AmountsShape, ChargeLineShape } from './resources.js';

/** Drops absent fields, so an optional field is left out rather than sent as null. */
function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export const FleetShape = z
  .strictObject({
    fleetId: z.string(),
    name: z.string(),
    tariffId: z.string().optional().describe("The fleet's price: its cards pay it over the site's."),
    billingContact: BillingContactSchema.optional(),
    withPayment: z.boolean().describe("The month's total is invoiced through Stripe to the billing contact."),
  })
  .meta({ id: 'Fleet' });
export const fleetOut = (group: Group): z.infer<typeof FleetShape> =>
  defined({
    fleetId: group.groupId,
    name: group.name,
    tariffId: group.tariffId,
    billingContact: group.billingContact,
    withPayment: group.withPayment ?? false,
  });

/** A group as the group routes answer it: never the kind (a fleet is not listed among groups). */
export const plainGroupOut = (group: Group) =>
  defined({ groupId: group.groupId, name: group.name, tariffId: group.tariffId });

export const ChargerCredentialsShape = z
  .strictObject({
    ocppUrl: z
      .string()
      .describe('The central system URL to configure on the charger; the charger id is its last segment.'),
    username: z.string().describe('The basic-auth user: the charger id.'),
    password: z.string().describe('The basic-auth password. Shown in this answer only, never again.'),
  })
  .meta({ id: 'ChargerCredentials' });

export const ConnectorEntryShape = z
  .strictObject({
    connectorId: z.number().int().min(1),
    status: z.string().describe('The last OCPP StatusNotification status, `Unknown` before any.'),
    errorCode: z.string().optional(),
    updatedAt: z.iso.datetime({ offset: true }).optional(),
    qr: z
      .strictObject({ svg: z.string(), png: z.string() })
      .describe("Paths of the connector's QR codes (start page links) in this API."),
  })
  .meta({ id: 'ConnectorEntry' });

export const TariffPreviewShape = z
  .strictObject({
    tariffId: z.string(),
    currency: z.string().length(3),
    energyMilliWh: z.number().int(),
    durationSeconds: z.number().int(),
    lines: z.array(ChargeLineShape),
    totals: AmountsShape,
  })
  .meta({
    id: 'TariffPreview',
    description: 'The receipt a sample session would get, priced as a real one.',
  });

export function tariffPreviewOut(charge: Charge): z.infer<typeof TariffPreviewShape> {
  return {
    tariffId: charge.tariffId,
    currency: charge.currency,
    energyMilliWh: charge.energyMilliWh,
    durationSeconds: charge.durationSeconds,
    lines: charge.lines.map((line) =>
      defined({
        component: line.component,
        label: line.label,
        quantity: line.quantity,
        unit: line.unit,
        priceMilliMinor: line.priceMilliMinor,
        taxRateBp: line.taxRateBp,
        netMinor: line.netMinor,
        taxMinor: line.taxMinor,
        grossMinor: line.grossMinor,
      }),
    ),
    totals: { currency: charge.currency, ...charge.totals },
  };
}

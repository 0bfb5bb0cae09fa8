/** A tariff in words for the driver page: each price with its unit and tax, exactly as stored. */
import { safeParseTariff, type Tariff } from '../domain/tariff.js';
import { formatUnitPrice } from './format.js';

const UNIT: Record<string, string> = {
  ENERGY: 'per kWh',
  TIME: 'per hour of charging, billed per minute',
  PARKING: 'per hour left plugged in after charging',
  FLAT: 'per session',
};
const NAME: Record<string, string> = {
  ENERGY: 'Energy',
  TIME: 'Time',
  PARKING: 'Idle fee',
  FLAT: 'Session fee',
};
/**
 * Thousandths of a minor unit to a price with no rounding, in the currency's own minor digits
 * (45500 GBP → "£0.455", 30000 JPY → "¥30"): the receipts' formatter, so page and email agree.
 */
const formatMilliMinor = (milli: number, currency: string): string =>
  formatUnitPrice(milli, currency, 'en-GB');

const percent = (bp: number) => {
  const whole = Math.floor(bp / 100);
  const rest = bp % 100;
  return rest === 0 ? `${whole}%` : `${whole}.${String(rest).padStart(2, '0').replace(/0$/, '')}%`;
};

export function describeTariff(stored: Record<string, unknown>): string[] {
  const parsed = safeParseTariff(stored);
  if (!parsed.ok) return [];
  const tariff: Tariff = parsed.tariff;
  const lines: string[] = [];
  for (const element of tariff.elements) {
    const when = element.restrictions
      ? ` (${element.label ?? 'band'}: ${[
          element.restrictions.startTime
            ? `${element.restrictions.startTime}–${element.restrictions.endTime}`
            : '',
          element.restrictions.daysOfWeek?.map((d) => d.slice(0, 3).toLowerCase()).join(', ') ?? '',
        ]
          .filter(Boolean)
          .join(' ')})`
      : '';
    for (const c of element.components) {
      const tax = c.taxRateBp === 0 ? 'no VAT' : `+ ${percent(c.taxRateBp)} VAT`;
      lines.push(
        `${NAME[c.type]}${when}: ${formatMilliMinor(c.priceMilliMinor, tariff.currency)} ${UNIT[c.type]}, ${tax}`,
      );
    }
  }
  if (tariff.parkingGraceSeconds)
    lines.push(`Idle fee starts ${Math.round(tariff.parkingGraceSeconds / 60)} minutes after charging ends`);
  if (tariff.parkingWithoutEnergy)
    lines.push(
      `If the car takes no energy, the idle fee starts ${Math.round((tariff.parkingGraceSeconds ?? 0) / 60)} minutes after plugging in`,
    );
  if (tariff.minimumCharge)
    lines.push(
      `Minimum charge per session: ${formatMilliMinor(tariff.minimumCharge.grossMinor * 1000, tariff.currency)} incl. tax`,
    );
  return lines;
}

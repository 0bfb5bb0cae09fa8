/** A tariff in words for the driver page: each price with its unit and tax, exactly as stored. */
import { safeParseTariff, type Tariff } from '../domain/tariff.js';

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
const SYMBOL: Record<string, string> = { GBP: '£', EUR: '€', USD: '$' };

/** Thousandths of a minor unit to a price string with no rounding: 45500 GBP → "£0.455". */
export function formatMilliMinor(milli: number, currency: string): string {
  const digits = String(milli).padStart(6, '0');
  const units = digits.slice(0, -5).replace(/^0+(?=\d)/, '');
  const fraction = digits.slice(-5).replace(/0+$/, '').padEnd(2, '0');
  const symbol = SYMBOL[currency];
  return symbol ? `${symbol}${units}.${fraction}` : `${units}.${fraction} ${currency}`;
}

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
  if (tariff.minimumCharge)
    lines.push(
      `Minimum charge per session: ${formatMilliMinor(tariff.minimumCharge.grossMinor * 1000, tariff.currency)} incl. tax`,
    );
  return lines;
}

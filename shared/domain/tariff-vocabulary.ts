/**
 * The words a tariff is written in: its component types and the days its restrictions name. Apart
 * from the schema and the bands so that both can use them without importing each other.
 */
export const COMPONENT_TYPES = ['ENERGY', 'TIME', 'PARKING', 'FLAT'] as const;
/** ENERGY per kWh, TIME per hour of session, PARKING per hour after charging ended, FLAT per session. */
export type ComponentType = (typeof COMPONENT_TYPES)[number];

/** In local week order: Monday 00:00 is minute 0 of the week (see local-time.ts). */
export const DAYS_OF_WEEK = [
  'MONDAY',
  'TUESDAY',
  'WEDNESDAY',
  'THURSDAY',
  'FRIDAY',
  'SATURDAY',
  'SUNDAY',
] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];

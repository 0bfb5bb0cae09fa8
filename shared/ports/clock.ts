/** Time and identifiers come through ports so domain code and tests stay deterministic. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface IdGenerator {
  /** A new unique id, URL-safe. */
  next(prefix?: string): string;
}

/**
 * Cost cap: a paid session may not cost more than its card pre-authorisation (capture is at most the
 * held amount, and incremental authorisation is not available online in SCA countries). The charge
 * is only recomputed when a meter sample arrives, so the decision looks one meter interval ahead:
 * stop now if the charge would pass the cap before the next sample could tell us.
 */
import { InvalidArgumentError } from './errors.js';
import { BASIS_POINTS_PER_UNIT, divCeil, type MinorUnits, toSafeNumber } from './money.js';
import type { Charge } from './pricing.js';
import { compileTariff, type Tariff } from './tariff.js';

/** How fast the charge grows: what the last interval added, or a rate. Gross, minor units. */
export type CostGrowth =
  | { kind: 'last-interval'; grossMinor: MinorUnits; seconds: number }
  | { kind: 'rate'; grossMinorPerHour: MinorUnits };

/** The growth between two successive charges of one session. */
export function growthBetween(
  previous: Pick<Charge, 'endedAt' | 'totals'>,
  current: Pick<Charge, 'endedAt' | 'totals'>,
): CostGrowth {
  return {
    kind: 'last-interval',
    grossMinor: current.totals.grossMinor - previous.totals.grossMinor,
    seconds: current.endedAt - previous.endedAt,
  };
}

function requireSeconds(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new InvalidArgumentError(`${name} must be a positive integer`);
}

/**
 * The gross the charge will have reached one interval from now, rounded up (a cap errs on the
 * side of stopping). A negative growth (a minimum charge being overtaken) counts as none.
 */
export function projectNextInterval(input: {
  charge: Pick<Charge, 'totals'>;
  growth: CostGrowth;
  intervalSeconds: number;
}): MinorUnits {
  requireSeconds('intervalSeconds', input.intervalSeconds);
  const interval = BigInt(input.intervalSeconds);
  let added: bigint;
  if (input.growth.kind === 'rate') {
    added = divCeil(BigInt(Math.max(input.growth.grossMinorPerHour, 0)) * interval, 3600n);
  } else {
    requireSeconds('growth.seconds', input.growth.seconds);
    added = divCeil(BigInt(Math.max(input.growth.grossMinor, 0)) * interval, BigInt(input.growth.seconds));
  }
  return toSafeNumber(BigInt(input.charge.totals.grossMinor) + added);
}

/** Why the session should (or need not) be stopped. */
export interface CostCapDecision {
  stop: boolean;
  reason: 'limit-reached' | 'projected-over-limit' | 'within-limit';
  projectedGrossMinor: MinorUnits;
  /** preAuthAmountMinor - marginMinor: what the charge must not pass. */
  limitMinor: MinorUnits;
}

/**
 * Stop when the charge has reached the pre-auth amount less the margin, or would pass it by the
 * next meter interval. The margin covers what accrues while the stop command travels and the
 * final reading arrives.
 */
export function shouldStopForCostCap(input: {
  charge: Pick<Charge, 'totals'>;
  growth: CostGrowth;
  intervalSeconds: number;
  preAuthAmountMinor: MinorUnits;
  marginMinor: MinorUnits;
}): CostCapDecision {
  if (!Number.isSafeInteger(input.preAuthAmountMinor) || !Number.isSafeInteger(input.marginMinor)) {
    throw new InvalidArgumentError('preAuthAmountMinor and marginMinor must be integers (minor units)');
  }
  const limitMinor = input.preAuthAmountMinor - input.marginMinor;
  const projectedGrossMinor = projectNextInterval(input);
  if (input.charge.totals.grossMinor >= limitMinor) {
    return { stop: true, reason: 'limit-reached', projectedGrossMinor, limitMinor };
  }
  if (projectedGrossMinor > limitMinor) {
    return { stop: true, reason: 'projected-over-limit', projectedGrossMinor, limitMinor };
  }
  return { stop: false, reason: 'within-limit', projectedGrossMinor, limitMinor };
}

/**
 * An upper bound of how fast a tariff can cost, gross per hour, for the first interval of a session
 * when there is no last interval yet: the dearest energy band at `maxPowerW`, plus the dearest time
 * and parking bands, each with its tax, rounded up.
 */
export function worstCaseGrossPerHour(tariff: Tariff, maxPowerW: number): MinorUnits {
  requireSeconds('maxPowerW', maxPowerW);
  const compiled = compileTariff(tariff);
  const dearest = (type: 'ENERGY' | 'TIME' | 'PARKING') => {
    let max = 0n;
    for (const element of compiled.tariff.elements) {
      for (const c of element.components) {
        if (c.type !== type) continue;
        const gross = BigInt(c.priceMilliMinor) * (BASIS_POINTS_PER_UNIT + BigInt(c.taxRateBp));
        if (gross > max) max = gross;
      }
    }
    return max; // milli-minor x basis-point units, per kWh or per hour
  };
  // Energy per hour at maxPowerW is maxPowerW / 1000 kWh.
  const scaled = dearest('ENERGY') * BigInt(maxPowerW) + (dearest('TIME') + dearest('PARKING')) * 1000n;
  return toSafeNumber(divCeil(scaled, 1000n * 1000n * BASIS_POINTS_PER_UNIT));
}

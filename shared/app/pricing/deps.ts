/**
 * Everything the pricing use cases need, as one object of ports. Built once per container by
 * shared/lambda/pricing-deps.ts (DynamoDB, the OCPP command path) or over in-memory fakes in tests.
 */
import type { ChargeRepository, ChargerCommands } from '../../ports/charges.js';
import type { Clock } from '../../ports/clock.js';
import type { Log } from '../../ports/log.js';

/**
 * Cost cap margin: the charge must stay below pre-auth - max(5 %, 50 minor units). It covers what
 * accrues while RemoteStopTransaction travels and the final reading comes in (typically one meter
 * interval), so capture never needs more than the hold.
 */
export const DEFAULT_COST_CAP_MARGIN = { basisPoints: 500, minimumMinor: 50 } as const;

export interface PricingSettings {
  /** Quiet period after the stop (and after each later sample) before a charge is final. */
  settleWindowSeconds: number;
  /** How long before the card hold lapses the charge is finalised anyway. */
  holdSafetySeconds: number;
  costCapMargin: { basisPoints: number; minimumMinor: number };
}

export interface PricingDeps {
  clock: Clock;
  log: Log;
  charges: ChargeRepository;
  commands: ChargerCommands;
  settings: PricingSettings;
}

/** The margin in minor units for a pre-auth amount (rounded up: the cap errs on the side of stopping). */
export function costCapMarginMinor(
  preAuthAmountMinor: number,
  margin: PricingSettings['costCapMargin'],
): number {
  const share = Math.ceil((preAuthAmountMinor * margin.basisPoints) / 10_000);
  return Math.max(share, margin.minimumMinor);
}

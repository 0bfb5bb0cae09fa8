/**
 * Who may charge where, at the charger: the id tag against the access rule table
 * (domain/access-rules.ts), which the start page and begin-payment consult too. A blocked tag is
 * Blocked and an expired one Expired, whatever the mode; otherwise the table decides and a refusal
 * is Invalid. StartTransaction also keeps who is billed when no card pays (TransactionRecord.billedTo).
 */
import {
  type AccessDecision,
  accessSettingsOf,
  decideAccess,
  driverRoleOf,
} from '../../domain/access-rules.js';
import type { Charger, IdTag, Operator } from '../../domain/entities.js';
import type { IdTagInfo } from '../../ocpp/v16/types.js';
import type { TransactionBilledTo } from '../../ports/transactions.js';
import type { OcppDeps } from './deps.js';

export interface IdTagDecisionInput {
  charger: Charger;
  operator: Operator | undefined;
  tag: IdTag | undefined;
  idTag: string;
  nowMs: number;
}

/** The charger's answer and, for an admitted tag, the rule that admitted it. */
export interface IdTagDecision {
  idTagInfo: IdTagInfo;
  access?: Extract<AccessDecision, { allowed: true }>;
  billedTo?: TransactionBilledTo;
}

/** Pure decision; the use case loads the records. */
export function decideIdTagAccess({
  charger,
  operator,
  tag,
  idTag,
  nowMs,
}: IdTagDecisionInput): IdTagDecision {
  if (tag?.blocked) return { idTagInfo: { status: 'Blocked' } };
  if (tag?.expiresAt !== undefined) {
    const expiry = Date.parse(tag.expiresAt);
    if (!Number.isNaN(expiry) && expiry <= nowMs) return { idTagInfo: { status: 'Expired' } };
  }
  const decision = decideAccess(
    charger.accessMode,
    driverRoleOf({ charger, tag, idTag }),
    accessSettingsOf(charger, operator),
  );
  if (!decision.allowed) return { idTagInfo: { status: 'Invalid' } };
  const idTagInfo: IdTagInfo = tag?.expiresAt
    ? { status: 'Accepted', expiryDate: new Date(Date.parse(tag.expiresAt)).toISOString() }
    : { status: 'Accepted' };
  const party =
    decision.payment === 'billed-to-member'
      ? 'member'
      : decision.payment === 'billed-to-fleet'
        ? 'fleet'
        : undefined;
  return {
    idTagInfo,
    access: decision,
    ...(party
      ? { billedTo: { party, idTag, ...(tag?.groupId !== undefined ? { groupId: tag.groupId } : {}) } }
      : {}),
  };
}

/** The OCPP answer alone (Authorize). */
export function decideIdTag(input: IdTagDecisionInput): IdTagInfo {
  return decideIdTagAccess(input).idTagInfo;
}

/** Loads what the decision needs. A charger the platform does not know accepts nobody. */
export async function authorizeIdTagAccess(
  deps: Pick<OcppDeps, 'chargers' | 'operators' | 'idTags' | 'clock'>,
  input: { chargerId: string; operatorId: string; idTag: string; charger?: Charger | undefined },
): Promise<IdTagDecision> {
  const charger = input.charger ?? (await deps.chargers.get(input.chargerId));
  if (!charger || charger.operatorId !== input.operatorId || charger.registration !== 'active') {
    return { idTagInfo: { status: 'Invalid' } };
  }
  const [operator, tag] = await Promise.all([
    // Only paid chargers have cells that depend on operator settings (free use, member billing).
    charger.paid ? deps.operators.get(charger.operatorId) : Promise.resolve(undefined),
    deps.idTags.get(charger.operatorId, input.idTag),
  ]);
  return decideIdTagAccess({ charger, operator, tag, idTag: input.idTag, nowMs: deps.clock.now() });
}

/** The OCPP answer alone (Authorize). */
export async function authorizeIdTag(
  deps: Pick<OcppDeps, 'chargers' | 'operators' | 'idTags' | 'clock'>,
  input: { chargerId: string; operatorId: string; idTag: string; charger?: Charger | undefined },
): Promise<IdTagInfo> {
  return (await authorizeIdTagAccess(deps, input)).idTagInfo;
}

/**
 * Who may charge where: the id tag against the charger's access mode (ARCHITECTURE.md, operator kinds).
 * - every mode: the charger's owner tags (`ownerIdTags`) and the operator's payment-session tags
 *   (kind `driver`, issued by the payments flow once a card hold succeeded);
 * - private: owner tags (the charger's list, or the operator's tags of kind `owner`);
 * - group: tags of kind `member` whose group is one of the charger's groups;
 * - fleet: the operator's fleet cards (kind `fleet`);
 * - public: free chargers accept anyone; paid ones accept the operator's known tags and refuse
 *   unknown ones, unless the operator allows free use.
 * A blocked tag is Blocked and an expired one Expired, whatever the mode.
 */
import type { Charger, IdTag, Operator } from '../../domain/entities.js';
import { sameIdTag } from '../../domain/id-tag.js';
import type { IdTagInfo } from '../../ocpp/v16/types.js';
import type { OcppDeps } from './deps.js';

export interface IdTagDecisionInput {
  charger: Charger;
  operator: Operator | undefined;
  tag: IdTag | undefined;
  idTag: string;
  nowMs: number;
}

/** Pure decision; the use case loads the records. */
export function decideIdTag({ charger, operator, tag, idTag, nowMs }: IdTagDecisionInput): IdTagInfo {
  if (tag?.blocked) return { status: 'Blocked' };
  if (tag?.expiresAt !== undefined) {
    const expiry = Date.parse(tag.expiresAt);
    if (!Number.isNaN(expiry) && expiry <= nowMs) return { status: 'Expired' };
  }
  const accepted = (): IdTagInfo =>
    tag?.expiresAt
      ? { status: 'Accepted', expiryDate: new Date(Date.parse(tag.expiresAt)).toISOString() }
      : { status: 'Accepted' };

  if (charger.ownerIdTags?.some((owner) => sameIdTag(owner, idTag))) return accepted();
  if (tag?.kind === 'driver') return accepted();

  switch (charger.accessMode) {
    case 'private':
      return tag?.kind === 'owner' ? accepted() : { status: 'Invalid' };
    case 'group':
      return tag?.kind === 'member' &&
        tag.groupId !== undefined &&
        (charger.groupIds ?? []).includes(tag.groupId)
        ? accepted()
        : { status: 'Invalid' };
    case 'fleet':
      return tag?.kind === 'fleet' ? accepted() : { status: 'Invalid' };
    case 'public':
      if (!charger.paid || tag !== undefined || operator?.allowFreeUse === true) return accepted();
      return { status: 'Invalid' };
    default:
      return { status: 'Invalid' };
  }
}

/** Loads what the decision needs. A charger the platform does not know accepts nobody. */
export async function authorizeIdTag(
  deps: Pick<OcppDeps, 'chargers' | 'operators' | 'idTags' | 'clock'>,
  input: { chargerId: string; operatorId: string; idTag: string; charger?: Charger | undefined },
): Promise<IdTagInfo> {
  const charger = input.charger ?? (await deps.chargers.get(input.chargerId));
  if (!charger || charger.operatorId !== input.operatorId || charger.registration !== 'active') {
    return { status: 'Invalid' };
  }
  const [operator, tag] = await Promise.all([
    charger.accessMode === 'public' && charger.paid
      ? deps.operators.get(charger.operatorId)
      : Promise.resolve(undefined),
    deps.idTags.get(charger.operatorId, input.idTag),
  ]);
  return decideIdTag({ charger, operator, tag, idTag: input.idTag, nowMs: deps.clock.now() });
}

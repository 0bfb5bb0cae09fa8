/**
 * The member's side of a closed group (`/m`): following the emailed invitation, the member-page
 * session it opens, the member's sessions, and starting a session at a group charger.
 *
 * The emailed link is the credential (no password): it is 256 random bits stored as SHA-256, good
 * once for 7 days. Following it consumes it (a conditional delete, so of two clicks one wins),
 * makes the member active with an account tag (an id tag of kind `member` in the group) and opens
 * a session of its own kind: another cookie than the operators', scoped to `/m`, stored hashed,
 * honoured only while the member is still a member.
 *
 * Starting a session decides through the one access rule table (domain/access-rules.ts): the
 * member's account tag is a `member` tag, so `driverRoleOf` and `decideAccess` give the same answer
 * here as the charger's Authorize gives when the tag comes back in StartTransaction, where a paid
 * charger's session is recorded as billed to the member (`billedTo`) when the operator bills members.
 * Where it does not, the member pays by card (`memberPageAccess` says `pre-auth`): the start page's
 * own card flow (app/payments/begin-payment.ts) with the member's group on the hold, so its tag
 * gets the group price; the hold's tag is kept on the member so their page finds the session.
 */
import { randomBytes } from 'node:crypto';
import {
  type AccessRefusal,
  accessSettingsOf,
  decideAccess,
  driverRoleOf,
  memberPageAccess,
} from '../../domain/access-rules.js';
import type { Group, Operator } from '../../domain/entities.js';
import { sameIdTag } from '../../domain/id-tag.js';
import { OcppError } from '../../ocpp/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { MemberRecord, MemberSessionRecord, MemberStore } from '../../ports/members.js';
import type { OperatorViews, TransactionView } from '../../ports/operator-views.js';
import type { PaymentSession } from '../../ports/payments.js';
import { awaitCommandResult, type CommandDeps, sendCommand } from '../ocpp/commands.js';
import { type BegunPayment, beginPayment } from '../payments/begin-payment.js';
import type { PaymentsDeps } from '../payments/deps.js';
import { newToken, sha256 } from '../users/tokens.js';

export interface MemberPageDeps {
  members: MemberStore;
  views: Pick<OperatorViews, 'operator' | 'charger' | 'transactions'>;
  clock: Clock;
  commands: CommandDeps;
  /** The card flow; absent on a deployment that takes no card payments (no card offered then). */
  payments?: PaymentsDeps | undefined;
}

/** A member stays signed in on their device for 30 days; a new invitation signs them in again. */
export const MEMBER_SESSION_LIFETIME_MS = 30 * 24 * 3600 * 1000;

/** The account tag: 19 characters (OCPP allows 20), 64 random bits, never printed on a card. */
const newAccountIdTag = (): string => `MBR${randomBytes(8).toString('hex').toUpperCase()}`;

export interface InvitationView {
  email: string;
  group: Group;
  operator: Operator | undefined;
}

/** What the accept page shows for a live invitation; undefined for a used, expired or unknown one. */
export async function memberInvitation(
  deps: MemberPageDeps,
  token: string,
): Promise<InvitationView | undefined> {
  const invitation = await deps.members.invitation(sha256(token), deps.clock.now());
  if (!invitation) return undefined;
  const [group, operator] = await Promise.all([
    deps.members.group(invitation.operatorId, invitation.groupId),
    deps.views.operator(invitation.operatorId),
  ]);
  return group ? { email: invitation.email, group, operator } : undefined;
}

export type AcceptMemberOutcome =
  | { outcome: 'accepted'; sessionId: string; session: MemberSessionRecord }
  | { outcome: 'no-invitation' };

export async function acceptMemberInvitation(
  deps: MemberPageDeps,
  token: string,
): Promise<AcceptMemberOutcome> {
  const nowMs = deps.clock.now();
  const invitationHash = sha256(token);
  const invitation = await deps.members.invitation(invitationHash, nowMs);
  if (!invitation) return { outcome: 'no-invitation' };
  if ((await deps.members.consumeInvitation(invitationHash)) === 'gone') return { outcome: 'no-invitation' };
  const { operatorId, groupId, memberId } = invitation;
  const activated = await deps.members.activateMember(operatorId, groupId, memberId, {
    accountIdTag: newAccountIdTag(),
    joinedAt: new Date(nowMs).toISOString(),
  });
  // Removed by the operator since the email went out: the link opens nothing.
  if (activated === 'not-invited') return { outcome: 'no-invitation' };
  const sessionId = newToken();
  const session: MemberSessionRecord = {
    sessionHash: sha256(sessionId),
    operatorId,
    groupId,
    memberId,
    csrfToken: newToken(),
    createdAtMs: nowMs,
    expiresAtMs: nowMs + MEMBER_SESSION_LIFETIME_MS,
  };
  await deps.members.putSession(session);
  return { outcome: 'accepted', sessionId, session };
}

/** The member a session id opens: undefined when it ended, or the member was removed. */
export async function liveMember(
  deps: MemberPageDeps,
  sessionId: string,
): Promise<{ session: MemberSessionRecord; member: MemberRecord } | undefined> {
  const session = await deps.members.session(sha256(sessionId), deps.clock.now());
  if (!session) return undefined;
  const member = await deps.members.member(session.operatorId, session.groupId, session.memberId);
  if (member?.status !== 'active') return undefined;
  return { session, member };
}

export const endMemberSession = (deps: MemberPageDeps, sessionId: string): Promise<void> =>
  deps.members.deleteSession(sha256(sessionId));

/** Every tag that is this member's: their RFID tags, their account tag, their card holds' tags. */
export const tagsOf = (member: MemberRecord): string[] => [
  ...member.idTags,
  ...(member.accountIdTag ? [member.accountIdTag] : []),
  ...(member.cardIdTags ?? []),
];

/** A session on the member page, with the card payment when the member paid by card. */
export interface MemberSessionView {
  tx: TransactionView;
  card?: PaymentSession | undefined;
}

/** How far back the member page looks: the operator's latest sessions, at most this many read. */
const SESSIONS_SCANNED = 500;
const SESSIONS_SHOWN = 50;

/**
 * The member's sessions, newest first: the operator's latest sessions whose tag is the member's.
 * There is no index by tag yet, so this reads at most SESSIONS_SCANNED of the operator's latest
 * sessions (a busy operator's older member sessions drop off the page; see the issue note).
 */
export async function memberSessions(
  deps: MemberPageDeps,
  member: MemberRecord,
): Promise<MemberSessionView[]> {
  const tags = tagsOf(member);
  const mine: TransactionView[] = [];
  let after: string | undefined;
  for (let read = 0; read < SESSIONS_SCANNED && mine.length < SESSIONS_SHOWN; read += 100) {
    const page = await deps.views.transactions(member.operatorId, {
      limit: 100,
      ...(after ? { after } : {}),
    });
    for (const tx of page.items) {
      const tag = typeof tx.idTag === 'string' ? tx.idTag : undefined;
      if (tag !== undefined && tags.some((t) => sameIdTag(t, tag))) mine.push(tx);
    }
    if (!page.next) break;
    after = page.next;
  }
  const shown = mine.slice(0, SESSIONS_SHOWN);
  const sessions = deps.payments?.sessions;
  return Promise.all(
    shown.map(async (tx) => {
      const paymentSessionId = typeof tx.paymentSessionId === 'string' ? tx.paymentSessionId : undefined;
      const card = paymentSessionId && sessions ? await sessions.get(paymentSessionId) : undefined;
      // The tag matched; the hold must also say it is this member's before its money is shown.
      return { tx, card: card?.member?.memberId === member.memberId ? card : undefined };
    }),
  );
}

export type MemberStartOutcome =
  | { outcome: 'started'; chargerId: string; connectorId: number }
  | { outcome: 'no-charger' }
  | { outcome: 'no-connector'; connectors: number }
  | { outcome: 'refused'; refusal: AccessRefusal }
  | { outcome: 'offline' }
  | { outcome: 'charger-refused'; detail: string };

/** What the member may do at the charger: the access rule table's `member` cell for their tag. */
export async function memberAccessAt(deps: MemberPageDeps, member: MemberRecord, chargerId: string) {
  const view = await deps.views.charger(chargerId);
  const charger = view?.charger;
  if (!charger || charger.operatorId !== member.operatorId || charger.registration !== 'active')
    return undefined;
  const operator = await deps.views.operator(member.operatorId);
  const idTag = member.accountIdTag ?? member.idTags[0] ?? '';
  const role = driverRoleOf({ charger, tag: { kind: 'member', groupId: member.groupId }, idTag });
  const settings = accessSettingsOf(charger, operator);
  const decision =
    role === 'member'
      ? memberPageAccess(charger.accessMode, settings)
      : decideAccess(charger.accessMode, role, settings);
  // A card is offered only where this deployment takes cards and the operator has a hold amount.
  const cardless =
    decision.allowed &&
    decision.payment === 'pre-auth' &&
    (!deps.payments || !operator || !(operator.preAuthAmountMinor > 0));
  return {
    charger,
    operator,
    decision: cardless ? ({ allowed: false, refusal: 'member-billing-off' } as const) : decision,
  };
}

export type MemberCardOutcome =
  | { outcome: 'begun'; payment: BegunPayment }
  | { outcome: 'no-charger' }
  | { outcome: 'refused'; refusal: AccessRefusal };

/**
 * Begins a card hold for the member at the charger: the start page's flow (begin-payment.ts, which
 * checks the access rules again for the hold's tag), receipts to the member's email, the hold's tag
 * kept on the member before the card is confirmed so the session shows on their page from its start.
 */
export async function beginMemberCardPayment(
  deps: MemberPageDeps,
  member: MemberRecord,
  chargerId: string,
  connectorId: number,
): Promise<MemberCardOutcome> {
  const access = await memberAccessAt(deps, member, chargerId);
  if (!access || !deps.payments || !member.email) return { outcome: 'no-charger' };
  if (!access.decision.allowed) return { outcome: 'refused', refusal: access.decision.refusal };
  if (access.decision.payment !== 'pre-auth') return { outcome: 'refused', refusal: 'no-payment-taken' };
  const group = await deps.members.group(member.operatorId, member.groupId);
  const payment = await beginPayment(deps.payments, {
    chargerId,
    connectorId,
    email: member.email,
    member: { groupId: member.groupId, memberId: member.memberId, groupPriced: Boolean(group?.tariffId) },
  });
  const kept = await deps.members.addCardIdTag(
    member.operatorId,
    member.groupId,
    member.memberId,
    payment.idTag,
  );
  // Removed between the page and this request: the hold is never confirmed, so nothing is taken.
  if (kept === 'not-member') return { outcome: 'no-charger' };
  return { outcome: 'begun', payment };
}

/** Starts a session at a group charger with the member's account tag (RemoteStartTransaction). */
export async function startAsMember(
  deps: MemberPageDeps,
  member: MemberRecord,
  chargerId: string,
  connectorId: number,
): Promise<MemberStartOutcome> {
  const access = await memberAccessAt(deps, member, chargerId);
  if (!access || !member.accountIdTag) return { outcome: 'no-charger' };
  if (!access.decision.allowed) return { outcome: 'refused', refusal: access.decision.refusal };
  // Their tag would be refused at the charger: here they pay by card (beginMemberCardPayment).
  if (access.decision.payment === 'pre-auth') return { outcome: 'refused', refusal: 'member-billing-off' };
  const connectors = access.charger.connectorCount ?? 1;
  if (connectorId < 1 || connectorId > connectors) return { outcome: 'no-connector', connectors };
  try {
    const handle = await sendCommand(deps.commands, {
      chargerId,
      operatorId: member.operatorId,
      action: 'RemoteStartTransaction',
      payload: { connectorId, idTag: member.accountIdTag },
    });
    const result = await awaitCommandResult<{ status?: string }>(deps.commands, handle.callId, {
      timeoutMs: 15_000,
    });
    if (result.status === 'succeeded' && result.result.status === 'Accepted')
      return { outcome: 'started', chargerId, connectorId };
    return {
      outcome: 'charger-refused',
      detail: result.status === 'succeeded' ? `the charger answered ${result.result.status}` : result.status,
    };
  } catch (err) {
    if (err instanceof OcppError && err.code === 'ChargerOffline') return { outcome: 'offline' };
    throw err;
  }
}

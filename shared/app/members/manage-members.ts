/**
 * Members of a closed user group, managed through the operator API
 * (`/api/v1/groups/{groupId}/members`). A member comes by RFID tag (the tag becomes an id tag of
 * kind `member` in the group, active at once), by email (an invitation: a signed, single-use link
 * valid 7 days to the member page, stored only as its SHA-256; the member is `invited` until they
 * follow it), or both. Removing a member removes its tags with it, so no charger admits them again
 * and their member page stops working.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { sameIdTag } from '../../domain/id-tag.js';
import { INVITATION_LIFETIME_MS, normaliseEmail } from '../../domain/sign-in.js';
import type { Clock } from '../../ports/clock.js';
import type { Mailer } from '../../ports/mailer.js';
import type { MemberRecord, MemberStore } from '../../ports/members.js';
import type { OperatorViews } from '../../ports/operator-views.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { escapeHtml } from '../../web/html.js';
import { newToken, sha256 } from '../users/tokens.js';

export interface ManageMembersDeps {
  members: MemberStore;
  views: Pick<OperatorViews, 'operator'>;
  mailer: Mailer;
  clock: Clock;
  /** The invitation link's base (config PUBLIC_BASE_URL). */
  publicBaseUrl: string;
}

/** OCPP 1.6 IdToken: at most 20 characters. */
const idTag = z.string().regex(/^[A-Za-z0-9._:-]{1,20}$/, 'an id tag: 1–20 letters, digits, . _ : -');

export const AddMemberBody = z
  .strictObject({
    email: z.email('email must be an email address').max(254).optional(),
    idTags: z.array(idTag).max(10, 'at most 10 tags per member').optional(),
    label: z.string().min(1).max(120).optional(),
  })
  .refine((b) => b.email !== undefined || (b.idTags?.length ?? 0) > 0, {
    error: 'give the member an email (to invite them) or an RFID tag, or both',
  });

export const memberIdParam = z.string().regex(/^mbr-[a-z0-9]{1,40}$/, 'a member id looks like mbr-0a1b2c…');

export type AddMemberOutcome =
  | { outcome: 'added'; member: MemberRecord; invitation?: { sentTo: string; expiresAt: string } }
  | { outcome: 'no-group' }
  | { outcome: 'email-member' }
  | { outcome: 'tag-taken'; idTag: string };

export async function addMember(
  deps: ManageMembersDeps,
  operatorId: string,
  groupId: string,
  input: z.infer<typeof AddMemberBody>,
): Promise<AddMemberOutcome> {
  const group = await deps.members.group(operatorId, groupId);
  if (!group) return { outcome: 'no-group' };
  const email = input.email !== undefined ? normaliseEmail(input.email) : undefined;
  const idTags = [...new Set(input.idTags ?? [])];
  const existing = await deps.members.allMembers(operatorId, groupId);
  if (email !== undefined && existing.some((m) => m.email === email)) return { outcome: 'email-member' };
  for (const tag of idTags) {
    if (existing.some((m) => [...m.idTags, m.accountIdTag ?? ''].some((t) => sameIdTag(t, tag))))
      return { outcome: 'tag-taken', idTag: tag };
  }
  const nowMs = deps.clock.now();
  const member: MemberRecord = {
    operatorId,
    groupId,
    memberId: `mbr-${randomBytes(6).toString('hex')}`,
    ...(email !== undefined ? { email } : {}),
    idTags,
    // A member by tag alone is a member at once; one invited by email once they follow the link.
    status: email !== undefined ? 'invited' : 'active',
    ...(input.label !== undefined ? { label: input.label } : {}),
    createdAt: new Date(nowMs).toISOString(),
  };
  if ((await deps.members.addMember(member)) === 'exists')
    throw new Error(`member id ${member.memberId} collided`);
  if (email === undefined) return { outcome: 'added', member };

  const token = newToken();
  const expiresAtMs = nowMs + INVITATION_LIFETIME_MS;
  await deps.members.putInvitation({
    invitationHash: sha256(token),
    operatorId,
    groupId,
    memberId: member.memberId,
    email,
    expiresAtMs,
  });
  const operator = await deps.views.operator(operatorId);
  const who = (operator?.name ?? 'Your charging group').replace(/[\r\n]+/g, ' ');
  const groupName = group.name.replace(/[\r\n]+/g, ' ');
  const link = `${deps.publicBaseUrl.replace(/\/$/, '')}/m/accept?token=${token}`;
  const expiresAt = new Date(expiresAtMs).toISOString();
  await deps.mailer.send({
    to: email,
    subject: `You are invited to charge at ${who} (${groupName})`,
    text: `${who} invites you to charge as a member of ${groupName}.\n\nOpen your member page here (the link works once, until ${expiresAt}; no password needed):\n${link}\n\nThere you see your charging sessions and start a session at the group's chargers.\n`,
    html: `<p>${escapeHtml(who)} invites you to charge as a member of <strong>${escapeHtml(groupName)}</strong>.</p><p><a href="${escapeHtml(link)}">Open your member page</a> (no password needed). The link works once, until ${expiresAt}.</p><p>There you see your charging sessions and start a session at the group's chargers.</p>`,
    tags: { purpose: 'member-invitation' },
  });
  return { outcome: 'added', member, invitation: { sentTo: email, expiresAt } };
}

export async function listMembers(
  deps: ManageMembersDeps,
  operatorId: string,
  groupId: string,
  page: PageRequest,
): Promise<Page<MemberRecord> | undefined> {
  if (!(await deps.members.group(operatorId, groupId))) return undefined;
  return deps.members.listMembers(operatorId, groupId, page);
}

export async function removeMember(
  deps: ManageMembersDeps,
  operatorId: string,
  groupId: string,
  memberId: string,
): Promise<MemberRecord | undefined> {
  return deps.members.removeMember(operatorId, groupId, memberId);
}

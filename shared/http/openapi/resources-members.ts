/**
 * Public shapes of the operator's users and of closed-group members (issue 11), beside the
 * mappings from what the stores hold. Like resources.ts: designed for readers, never storage items
 * (no hashes, secrets, TOTP state or key attributes); times ISO 8601 with offset; flags arrays.
 */
import * as z from 'zod';
import type { MemberRecord } from '../../ports/members.js';
import type { UserRecord } from '../../ports/users.js';

const instant = z.iso.datetime({ offset: true });

export const OperatorUserShape = z
  .strictObject({
    userId: z.string(),
    email: z.string(),
    role: z.enum(['owner', 'staff']),
    status: z
      .enum(['invited', 'active'])
      .describe('`invited` until the user follows the emailed link and sets a password and TOTP.'),
    createdAt: instant,
  })
  .meta({ id: 'OperatorUser' });
export type OperatorUserOut = z.infer<typeof OperatorUserShape>;

export const operatorUserOut = (user: UserRecord): OperatorUserOut => ({
  userId: user.userId,
  email: user.email,
  role: user.role,
  status: user.status,
  createdAt: new Date(user.createdAt).toISOString(),
});

export const InvitationShape = z
  .strictObject({
    sentTo: z.string(),
    expiresAt: instant.describe('The emailed link works once, until then.'),
  })
  .meta({ id: 'Invitation' });

export const GroupMemberShape = z
  .strictObject({
    memberId: z.string(),
    groupId: z.string(),
    email: z.string().optional().describe('Present for a member invited by email.'),
    idTags: z
      .array(z.string())
      .describe('The RFID tags that admit the member at the group’s chargers (kind `member`).'),
    status: z
      .enum(['invited', 'active'])
      .describe(
        '`invited` until the emailed link is followed; a member by RFID tag alone is active at once.',
      ),
    label: z.string().optional(),
    createdAt: instant,
    joinedAt: instant.optional(),
  })
  .meta({ id: 'GroupMember' });
export type GroupMemberOut = z.infer<typeof GroupMemberShape>;

export function groupMemberOut(member: MemberRecord): GroupMemberOut {
  return {
    memberId: member.memberId,
    groupId: member.groupId,
    ...(member.email !== undefined ? { email: member.email } : {}),
    idTags: [...member.idTags],
    status: member.status,
    ...(member.label !== undefined ? { label: member.label } : {}),
    createdAt: new Date(member.createdAt).toISOString(),
    ...(member.joinedAt !== undefined ? { joinedAt: new Date(member.joinedAt).toISOString() } : {}),
  };
}

/**
 * Members of an operator's closed user groups. A member is admitted at the group's chargers by an
 * RFID tag (an id tag of kind `member` in the group) and/or, once they followed an emailed
 * invitation, through the member page (`/m`), where the platform starts sessions for them with
 * their account tag: an id tag of kind `member` the platform made for them, never printed on a card.
 * Tokens (invitation link, member-page session) are stored only as their SHA-256.
 */
import type { Group } from '../domain/entities.js';
import type { Page, PageRequest } from './paging.js';

export interface MemberRecord {
  operatorId: string;
  groupId: string;
  memberId: string;
  /** Normalised; present for a member invited by email. */
  email?: string;
  /** RFID tags given by the operator; each is an id tag of kind `member` in the group. */
  idTags: string[];
  /** The tag the member page starts sessions with; made when the invitation is accepted. */
  accountIdTag?: string;
  /**
   * The tags of the card holds the member started on their member page (one per session, issued
   * by app/payments), oldest first: how the member page finds those sessions among the operator's.
   */
  cardIdTags?: string[];
  status: 'invited' | 'active';
  label?: string;
  createdAt: string;
  joinedAt?: string;
}

export interface MemberInvitationRecord {
  invitationHash: string;
  operatorId: string;
  groupId: string;
  memberId: string;
  email: string;
  expiresAtMs: number;
}

export interface MemberSessionRecord {
  sessionHash: string;
  operatorId: string;
  groupId: string;
  memberId: string;
  /** Sent back in the member page's forms (with an Origin check) on every state-changing request. */
  csrfToken: string;
  createdAtMs: number;
  expiresAtMs: number;
}

export interface MemberStore {
  group(operatorId: string, groupId: string): Promise<Group | undefined>;
  /** The member and its RFID tags (kind `member`, this group), all or nothing; `exists` if the id is taken. */
  addMember(member: MemberRecord): Promise<'added' | 'exists'>;
  member(operatorId: string, groupId: string, memberId: string): Promise<MemberRecord | undefined>;
  /** Every member of the group (for duplicate checks); the API pages with `listMembers`. */
  allMembers(operatorId: string, groupId: string): Promise<MemberRecord[]>;
  listMembers(operatorId: string, groupId: string, page: PageRequest): Promise<Page<MemberRecord>>;
  /** Removes the member and every tag of theirs (RFID and account), so no charger admits them again. */
  removeMember(operatorId: string, groupId: string, memberId: string): Promise<MemberRecord | undefined>;
  /**
   * Makes an invited member active with their account tag (an id tag of kind `member` in the
   * group, written in the same transaction): `not-invited` if they are not (or no longer) invited.
   */
  activateMember(
    operatorId: string,
    groupId: string,
    memberId: string,
    activation: { accountIdTag: string; joinedAt: string },
  ): Promise<'activated' | 'not-invited'>;

  /**
   * Remembers the tag of a card hold the member began on their member page (appended to
   * `cardIdTags`); `not-member` when they are no longer an active member.
   */
  addCardIdTag(
    operatorId: string,
    groupId: string,
    memberId: string,
    idTag: string,
  ): Promise<'added' | 'not-member'>;

  putInvitation(invitation: MemberInvitationRecord): Promise<void>;
  invitation(invitationHash: string, nowMs: number): Promise<MemberInvitationRecord | undefined>;
  /** Deletes the invitation if it is there: `consumed` once, `gone` to every later or concurrent caller. */
  consumeInvitation(invitationHash: string): Promise<'consumed' | 'gone'>;

  putSession(session: MemberSessionRecord): Promise<void>;
  session(sessionHash: string, nowMs: number): Promise<MemberSessionRecord | undefined>;
  deleteSession(sessionHash: string): Promise<void>;
}

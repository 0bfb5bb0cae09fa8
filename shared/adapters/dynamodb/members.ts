/**
 * Closed-group members (keys.ts memberKeys): a member item in its operator's partition under its
 * group, and each of its tags as an ordinary id tag of kind `member` in that group, which is what
 * the charger's Authorize reads (charger-repository.ts `idTagItem`). A member and its tags are
 * written in one transaction; accepting an invitation makes the member active and writes its
 * account tag in one transaction too, so no tag exists without its member.
 *
 * Invitations and member-page sessions are found by the SHA-256 of their token; both expire by
 * TTL, and their readers check the time as TTL deletes late. Consuming an invitation is a
 * conditional delete: of two concurrent accepts, one wins.
 */
import { DeleteCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Group } from '../../domain/entities.js';
import type {
  MemberInvitationRecord,
  MemberRecord,
  MemberSessionRecord,
  MemberStore,
} from '../../ports/members.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { idTagItem } from './charger-repository.js';
import { keys, memberKeys, memberQueries } from './keys.js';
import {
  deleteItem,
  failedConditions,
  getItem,
  getUnexpired,
  ITEM_ABSENT,
  isConditionalCheckFailed,
  putExpiring,
  queryAll,
  queryPage,
  stripKeys,
  type TableContext,
} from './support.js';

type Item = Record<string, unknown>;

const memberOf = (item: Item): MemberRecord => {
  const member = stripKeys<MemberRecord>(item);
  return { ...member, idTags: Array.isArray(member.idTags) ? member.idTags : [] };
};

const memberTag = (member: MemberRecord, idTag: string, label: string) =>
  idTagItem({ operatorId: member.operatorId, idTag, kind: 'member', groupId: member.groupId, label });

export class DynamoMemberStore implements MemberStore {
  constructor(private readonly t: TableContext) {}

  async group(operatorId: string, groupId: string): Promise<Group | undefined> {
    const item = await getItem(this.t, keys.group(operatorId, groupId));
    return item ? stripKeys<Group>(item) : undefined;
  }

  async addMember(member: MemberRecord): Promise<'added' | 'exists'> {
    const label = member.label ?? member.email ?? `member ${member.memberId}`;
    try {
      await this.t.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.t.tableName,
                Item: {
                  ...memberKeys.member(member.operatorId, member.groupId, member.memberId),
                  entity: 'member',
                  ...member,
                },
                ConditionExpression: ITEM_ABSENT,
              },
            },
            ...member.idTags.map((idTag) => ({
              Put: { TableName: this.t.tableName, Item: memberTag(member, idTag, label) },
            })),
          ],
        }),
      );
      return 'added';
    } catch (err) {
      if (failedConditions(err)?.[0]) return 'exists';
      throw err;
    }
  }

  async member(operatorId: string, groupId: string, memberId: string): Promise<MemberRecord | undefined> {
    const item = await getItem(this.t, memberKeys.member(operatorId, groupId, memberId));
    return item ? memberOf(item) : undefined;
  }

  async allMembers(operatorId: string, groupId: string): Promise<MemberRecord[]> {
    const q = memberQueries.membersOfGroup(operatorId, groupId);
    const { items } = await queryAll(this.t, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': q.pk, ':sk': q.skPrefix },
      ConsistentRead: true,
    });
    return items.map(memberOf);
  }

  async listMembers(operatorId: string, groupId: string, page: PageRequest): Promise<Page<MemberRecord>> {
    const out = await queryPage(this.t, memberQueries.membersOfGroup(operatorId, groupId), undefined, page, {
      ConsistentRead: true,
    });
    return { items: out.items.map(memberOf), ...(out.next ? { next: out.next } : {}) };
  }

  async removeMember(
    operatorId: string,
    groupId: string,
    memberId: string,
  ): Promise<MemberRecord | undefined> {
    const member = await this.member(operatorId, groupId, memberId);
    if (!member) return undefined;
    try {
      await this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.tableName,
          Key: memberKeys.member(operatorId, groupId, memberId),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
    const tags = [...member.idTags, ...(member.accountIdTag ? [member.accountIdTag] : [])];
    await Promise.all(
      tags.map(async (idTag) => {
        try {
          await this.t.doc.send(
            new DeleteCommand({
              TableName: this.t.tableName,
              Key: keys.idTag(operatorId, idTag),
              // Only while it is still this group's member tag: the operator may have given it another use.
              ConditionExpression: '#kind = :member AND groupId = :group',
              ExpressionAttributeNames: { '#kind': 'kind' },
              ExpressionAttributeValues: { ':member': 'member', ':group': groupId },
            }),
          );
        } catch (err) {
          if (!isConditionalCheckFailed(err)) throw err;
        }
      }),
    );
    return member;
  }

  async activateMember(
    operatorId: string,
    groupId: string,
    memberId: string,
    activation: { accountIdTag: string; joinedAt: string },
  ): Promise<'activated' | 'not-invited'> {
    const member = await this.member(operatorId, groupId, memberId);
    if (member?.status !== 'invited') return 'not-invited';
    try {
      await this.t.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.t.tableName,
                Key: memberKeys.member(operatorId, groupId, memberId),
                ConditionExpression: '#status = :invited',
                UpdateExpression: 'SET #status = :active, accountIdTag = :tag, joinedAt = :joined',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':invited': 'invited',
                  ':active': 'active',
                  ':tag': activation.accountIdTag,
                  ':joined': activation.joinedAt,
                },
              },
            },
            {
              Put: {
                TableName: this.t.tableName,
                Item: memberTag(member, activation.accountIdTag, `member page: ${member.email ?? memberId}`),
                ConditionExpression: ITEM_ABSENT,
              },
            },
          ],
        }),
      );
      return 'activated';
    } catch (err) {
      if (failedConditions(err)?.[0]) return 'not-invited';
      throw err;
    }
  }

  async addCardIdTag(
    operatorId: string,
    groupId: string,
    memberId: string,
    idTag: string,
  ): Promise<'added' | 'not-member'> {
    try {
      // One tag per card session, ~20 bytes: an item holds many thousands before its size matters.
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: memberKeys.member(operatorId, groupId, memberId),
          ConditionExpression: '#status = :active',
          UpdateExpression: 'SET cardIdTags = list_append(if_not_exists(cardIdTags, :none), :tag)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ':none': [], ':tag': [idTag] },
        }),
      );
      return 'added';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'not-member';
      throw err;
    }
  }

  async putInvitation(invitation: MemberInvitationRecord): Promise<void> {
    await putExpiring(
      this.t,
      memberKeys.invitation(invitation.invitationHash),
      'memberInvitation',
      invitation,
    );
  }

  invitation(invitationHash: string, nowMs: number): Promise<MemberInvitationRecord | undefined> {
    return getUnexpired(this.t, memberKeys.invitation(invitationHash), nowMs);
  }

  async consumeInvitation(invitationHash: string): Promise<'consumed' | 'gone'> {
    try {
      await this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.tableName,
          Key: memberKeys.invitation(invitationHash),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return 'consumed';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'gone';
      throw err;
    }
  }

  async putSession(session: MemberSessionRecord): Promise<void> {
    await putExpiring(this.t, memberKeys.session(session.sessionHash), 'memberSession', session);
  }

  session(sessionHash: string, nowMs: number): Promise<MemberSessionRecord | undefined> {
    return getUnexpired(this.t, memberKeys.session(sessionHash), nowMs);
  }

  async deleteSession(sessionHash: string): Promise<void> {
    await deleteItem(this.t, memberKeys.session(sessionHash));
  }
}

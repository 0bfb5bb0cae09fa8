/**
 * `/api/v1/groups/{groupId}/members`: a closed group's members, by RFID tag and/or invited by email
 * (app/members/manage-members.ts). The group itself is managed elsewhere (`/api/v1/groups`); a
 * group id names the caller's own group, and another operator's member id reads as not found.
 */
import * as z from 'zod';
import { refParam } from '../../app/catalog/manage-catalog.js';
import {
  AddMemberBody,
  addMember,
  listMembers,
  memberIdParam,
  removeMember,
} from '../../app/members/manage-members.js';
import { conflict, notFound } from '../../lambda/http-errors.js';
import { defineOperation, LIST_ERRORS, type Operation, PageQuery, pageOf } from '../openapi/registry.js';
import { GroupMemberShape, groupMemberOut, InvitationShape } from '../openapi/resources-members.js';
import type { OperatorApiDeps } from '../operator-api.js';
import { json } from '../responses.js';

const GroupPath = z.strictObject({ groupId: refParam });
const noGroup = (groupId: string) => notFound(`group ${groupId} not found`);

export function memberOperations(getDeps: () => OperatorApiDeps): Operation[] {
  return [
    defineOperation({
      operationId: 'listGroupMembers',
      method: 'GET',
      path: '/api/v1/groups/{groupId}/members',
      summary: "A closed group's members, invited or active, by member id",
      tag: 'Groups',
      params: GroupPath,
      query: PageQuery,
      responses: { 200: { description: 'One page of members.', schema: pageOf(GroupMemberShape) } },
      errors: { 400: [...LIST_ERRORS[400]], 404: ['not_found'] },
      // The group id names a group of the caller's own: another operator's group of that name is not it.
      tenancy: 'caller-scoped',
      handler: async ({ operatorId, params: { groupId }, query }) => {
        const page = await listMembers(getDeps(), operatorId, groupId, {
          limit: query.limit,
          ...(query.cursor ? { after: query.cursor } : {}),
        });
        if (!page) throw noGroup(groupId);
        return json({ items: page.items.map(groupMemberOut), nextCursor: page.next ?? null });
      },
    }),
    defineOperation({
      operationId: 'addGroupMember',
      method: 'POST',
      path: '/api/v1/groups/{groupId}/members',
      summary: 'Adds a member by RFID tag (admitted at once) and/or invites one by email (a 7-day link)',
      description:
        'With `email`, the platform emails a single-use link, valid 7 days, to the member page; the ' +
        'member is `invited` until they follow it. Each of `idTags` becomes an id tag of kind `member` ' +
        'in the group.',
      tag: 'Groups',
      params: GroupPath,
      body: AddMemberBody,
      responses: {
        201: {
          description: 'The member, and where the invitation went if one was sent.',
          schema: z.strictObject({ member: GroupMemberShape, invitation: InvitationShape.optional() }),
        },
      },
      errors: {
        400: ['invalid_parameter', 'invalid_body', 'body_missing', 'body_not_json'],
        404: ['not_found'],
        409: ['member_exists', 'id_tag_taken'],
      },
      tenancy: 'caller-scoped',
      handler: async ({ operatorId, params: { groupId }, body }) => {
        const result = await addMember(getDeps(), operatorId, groupId, body);
        switch (result.outcome) {
          case 'no-group':
            throw noGroup(groupId);
          case 'email-member':
            throw conflict('a member of this group has this email already', 'member_exists');
          case 'tag-taken':
            throw conflict(`id tag ${result.idTag} is another member's of this group`, 'id_tag_taken');
          case 'added':
            return json(
              {
                member: groupMemberOut(result.member),
                ...(result.invitation ? { invitation: result.invitation } : {}),
              },
              201,
            );
        }
      },
    }),
    defineOperation({
      operationId: 'removeGroupMember',
      method: 'DELETE',
      path: '/api/v1/groups/{groupId}/members/{memberId}',
      summary: 'Removes a member with their tags: no charger admits them again, their member page ends',
      tag: 'Groups',
      params: z.strictObject({ groupId: refParam, memberId: memberIdParam }),
      responses: {
        200: { description: 'The removed member.', schema: z.strictObject({ member: GroupMemberShape }) },
      },
      errors: { 400: ['invalid_parameter'], 404: ['not_found'] },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { groupId, memberId } }) => {
        const removed = await removeMember(getDeps(), operatorId, groupId, memberId);
        if (!removed) throw notFound(`member ${memberId} of group ${groupId} not found`);
        return json({ member: groupMemberOut(removed) });
      },
    }),
  ];
}

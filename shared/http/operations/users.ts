/**
 * `/api/v1/users`: an operator's users, managed by its owners (every operation here is
 * `ownersOnly`: a staff session gets 403 `forbidden`, decided once in the registry). Invitations
 * are the sign-in's own (app/users/invitations.ts): a signed, single-use link valid 7 days to
 * `/console/accept`. Another operator's user id reads as not found.
 */
import * as z from 'zod';
import {
  ChangeRoleBody,
  changeRole,
  InviteUserBody,
  inviteOperatorUser,
  listUsers,
  removeUser,
  userIdParam,
} from '../../app/users/manage-users.js';
import { conflict, notFound } from '../../lambda/http-errors.js';
import { defineOperation, LIST_ERRORS, type Operation, PageQuery, pageOf } from '../openapi/registry.js';
import { InvitationShape, OperatorUserShape, operatorUserOut } from '../openapi/resources-members.js';
import type { OperatorApiDeps } from '../operator-api.js';
import { json } from '../responses.js';

const UserPath = z.strictObject({ userId: userIdParam });
const FORBIDDEN = { 403: ['forbidden'] } as const;
const lastOwner = () =>
  conflict('the operator would have no owner left: make another user an owner first', 'last_owner');

export function userOperations(getDeps: () => OperatorApiDeps): Operation[] {
  return [
    defineOperation({
      operationId: 'listUsers',
      method: 'GET',
      path: '/api/v1/users',
      summary: "The operator's users (owners and staff), invited or active, by user id",
      tag: 'Users',
      ownersOnly: true,
      query: PageQuery,
      responses: { 200: { description: 'One page of users.', schema: pageOf(OperatorUserShape) } },
      errors: { ...LIST_ERRORS, ...FORBIDDEN },
      handler: async ({ operatorId, query }) => {
        const page = await listUsers(getDeps(), operatorId, {
          limit: query.limit,
          ...(query.cursor ? { after: query.cursor } : {}),
        });
        return json({ items: page.items.map(operatorUserOut), nextCursor: page.next ?? null });
      },
    }),
    defineOperation({
      operationId: 'inviteUser',
      method: 'POST',
      path: '/api/v1/users',
      summary: 'Invites a user by email: a single-use link, valid 7 days, to set a password and TOTP',
      tag: 'Users',
      ownersOnly: true,
      body: InviteUserBody,
      responses: {
        201: {
          description: 'The invited user, and where the link went.',
          schema: z.strictObject({ user: OperatorUserShape, invitation: InvitationShape }),
        },
      },
      errors: { 400: ['invalid_body', 'body_missing', 'body_not_json'], ...FORBIDDEN, 409: ['email_taken'] },
      handler: async ({ operatorId, body }) => {
        const result = await inviteOperatorUser(getDeps(), operatorId, body);
        if (result.outcome === 'email-taken')
          throw conflict(
            'a user with this email exists already (here or at another operator)',
            'email_taken',
          );
        return json(
          {
            user: operatorUserOut(result.user),
            invitation: { sentTo: result.invited.email, expiresAt: result.invited.expiresAt },
          },
          201,
        );
      },
    }),
    defineOperation({
      operationId: 'changeUserRole',
      method: 'PATCH',
      path: '/api/v1/users/{userId}',
      summary: "Changes a user's role; the last owner stays an owner",
      tag: 'Users',
      ownersOnly: true,
      params: UserPath,
      body: ChangeRoleBody,
      responses: { 200: { description: 'The user.', schema: z.strictObject({ user: OperatorUserShape }) } },
      errors: {
        400: ['invalid_parameter', 'invalid_body', 'body_missing', 'body_not_json'],
        ...FORBIDDEN,
        404: ['not_found'],
        409: ['last_owner'],
      },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { userId }, body }) => {
        const result = await changeRole(getDeps(), operatorId, userId, body.role);
        if (result.outcome === 'not-found') throw notFound(`user ${userId} not found`);
        if (result.outcome === 'last-owner') throw lastOwner();
        return json({ user: operatorUserOut(result.user) });
      },
    }),
    defineOperation({
      operationId: 'removeUser',
      method: 'DELETE',
      path: '/api/v1/users/{userId}',
      summary: 'Removes a user; their sessions end at once. The last owner cannot be removed',
      tag: 'Users',
      ownersOnly: true,
      params: UserPath,
      responses: {
        200: { description: 'The removed user.', schema: z.strictObject({ user: OperatorUserShape }) },
      },
      errors: { 400: ['invalid_parameter'], ...FORBIDDEN, 404: ['not_found'], 409: ['last_owner'] },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { userId } }) => {
        const result = await removeUser(getDeps(), operatorId, userId);
        if (result.outcome === 'not-found') throw notFound(`user ${userId} not found`);
        if (result.outcome === 'last-owner') throw lastOwner();
        return json({ user: operatorUserOut(result.user) });
      },
    }),
  ];
}

/**
 * Operator users and their sign-in state (keys.ts: user, userEmail, userSession, signInChallenge,
 * invitation, signInFailures). A user is two items written in one transaction: the user in its
 * operator's partition and the email lookup, whose create-only condition keeps an email to one user
 * across operators. Completing a sign-in is one transaction too: the challenge is deleted on the
 * condition that it is there, the TOTP step is raised on the condition that it is later, a recovery
 * code is removed on the condition that it is still in the set, and the session is put; so a code
 * or a challenge completes one sign-in only, and a lost race writes nothing.
 */
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SESSION_LIMITS, sessionEndsAtMs } from '../../domain/sign-in.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import type {
  CompleteSignIn,
  FailureRecord,
  InvitationRecord,
  SessionRecord,
  SignInChallenge,
  SignInFailureSubject,
  UserRecord,
  UserStore,
} from '../../ports/users.js';
import { keys, memberQueries } from './keys.js';
import {
  batchGetAll,
  countFailureInWindow,
  deleteItem,
  failedConditions,
  fromStringSet,
  getItem,
  getUnexpired,
  ITEM_ABSENT,
  isConditionalCheckFailed,
  putExpiring,
  queryAll,
  queryPage,
  stringSet,
  stripKeys,
  type TableContext,
  ttlSeconds,
} from './support.js';

type Item = Record<string, unknown>;

/** A session item outlives its absolute timeout by this much before TTL removes it (reads check time). */
const SESSION_TTL_SLACK_SECONDS = 3600;

function userOf(item: Item): UserRecord {
  const { recoveryCodeHashes, ...rest } = stripKeys<UserRecord & { recoveryCodeHashes: unknown }>(item);
  return { ...rest, recoveryCodeHashes: fromStringSet(recoveryCodeHashes) };
}

export class DynamoUserStore implements UserStore {
  constructor(private readonly t: TableContext) {}

  async createUser(user: UserRecord): Promise<'created' | 'email-taken'> {
    const { recoveryCodeHashes, ...rest } = user;
    const codes = stringSet(recoveryCodeHashes);
    try {
      await this.t.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.t.tableName,
                Item: {
                  ...keys.userEmail(user.email),
                  entity: 'userEmail',
                  operatorId: user.operatorId,
                  userId: user.userId,
                },
                ConditionExpression: ITEM_ABSENT,
              },
            },
            {
              Put: {
                TableName: this.t.tableName,
                Item: {
                  ...keys.user(user.operatorId, user.userId),
                  entity: 'user',
                  ...rest,
                  ...(codes ? { recoveryCodeHashes: codes } : {}),
                },
                ConditionExpression: ITEM_ABSENT,
              },
            },
          ],
        }),
      );
      return 'created';
    } catch (err) {
      const failed = failedConditions(err);
      if (failed?.[0]) return 'email-taken';
      if (failed?.[1]) throw new Error(`user ${user.userId} exists`, { cause: err });
      throw err;
    }
  }

  async userByEmail(email: string): Promise<UserRecord | undefined> {
    const lookup = await getItem(this.t, keys.userEmail(email));
    return lookup ? this.user(String(lookup.operatorId), String(lookup.userId)) : undefined;
  }

  async user(operatorId: string, userId: string): Promise<UserRecord | undefined> {
    const item = await getItem(this.t, keys.user(operatorId, userId));
    return item ? userOf(item) : undefined;
  }

  async activateUser(
    operatorId: string,
    userId: string,
    activation: {
      passwordHash: string;
      totpSecret: string;
      totpLastStep: number;
      recoveryCodeHashes: string[];
    },
  ): Promise<'activated' | 'not-invited'> {
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.user(operatorId, userId),
          ConditionExpression: '#status = :invited',
          UpdateExpression:
            'SET #status = :active, passwordHash = :pw, totpSecret = :secret, totpLastStep = :step, recoveryCodeHashes = :codes',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':invited': 'invited',
            ':active': 'active',
            ':pw': activation.passwordHash,
            ':secret': activation.totpSecret,
            ':step': activation.totpLastStep,
            ':codes': stringSet(activation.recoveryCodeHashes),
          },
        }),
      );
      return 'activated';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'not-invited';
      throw err;
    }
  }

  async listUsers(operatorId: string, page: PageRequest): Promise<Page<UserRecord>> {
    const out = await queryPage(this.t, memberQueries.usersOfOperator(operatorId), undefined, page, {
      ConsistentRead: true,
    });
    return { items: out.items.map(userOf), ...(out.next ? { next: out.next } : {}) };
  }

  async allUsers(operatorId: string): Promise<UserRecord[]> {
    const q = memberQueries.usersOfOperator(operatorId);
    const { items } = await queryAll(this.t, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': q.pk, ':sk': q.skPrefix },
      ConsistentRead: true,
    });
    return items.map(userOf);
  }

  async setRole(
    operatorId: string,
    userId: string,
    role: UserRecord['role'],
  ): Promise<'updated' | 'not-found'> {
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.user(operatorId, userId),
          ConditionExpression: 'attribute_exists(pk)',
          UpdateExpression: 'SET #role = :role',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':role': role },
        }),
      );
      return 'updated';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'not-found';
      throw err;
    }
  }

  async deleteUser(operatorId: string, userId: string): Promise<'deleted' | 'not-found'> {
    const user = await this.user(operatorId, userId);
    if (!user) return 'not-found';
    try {
      await this.t.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.t.tableName,
                Key: keys.user(operatorId, userId),
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            {
              // Only the lookup that still names this user: a later user of the email keeps theirs.
              Delete: {
                TableName: this.t.tableName,
                Key: keys.userEmail(user.email),
                ConditionExpression: 'operatorId = :op AND userId = :user',
                ExpressionAttributeValues: { ':op': operatorId, ':user': userId },
              },
            },
          ],
        }),
      );
      return 'deleted';
    } catch (err) {
      if (failedConditions(err)?.[0]) return 'not-found';
      throw err;
    }
  }

  async replaceSecondFactor(
    operatorId: string,
    userId: string,
    factor: { totpSecret: string; totpLastStep: number; recoveryCodeHashes: string[] },
  ): Promise<void> {
    await this.t.doc.send(
      new UpdateCommand({
        TableName: this.t.tableName,
        Key: keys.user(operatorId, userId),
        ConditionExpression: 'attribute_exists(pk)',
        UpdateExpression: 'SET totpSecret = :secret, totpLastStep = :step, recoveryCodeHashes = :codes',
        ExpressionAttributeValues: {
          ':secret': factor.totpSecret,
          ':step': factor.totpLastStep,
          ':codes': stringSet(factor.recoveryCodeHashes),
        },
      }),
    );
  }

  async putChallenge(challenge: SignInChallenge): Promise<void> {
    await putExpiring(this.t, keys.signInChallenge(challenge.challengeHash), 'signInChallenge', challenge);
  }

  challenge(challengeHash: string, nowMs: number): Promise<SignInChallenge | undefined> {
    return getUnexpired(this.t, keys.signInChallenge(challengeHash), nowMs);
  }

  async setEmailCode(challengeHash: string, codeHash: string, expiresAtMs: number): Promise<void> {
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.signInChallenge(challengeHash),
          ConditionExpression: 'attribute_exists(pk)',
          UpdateExpression: 'SET emailCodeHash = :code, emailCodeExpiresAtMs = :until',
          ExpressionAttributeValues: { ':code': codeHash, ':until': expiresAtMs },
        }),
      );
    } catch (err) {
      // The challenge was completed or expired meanwhile: the code has nothing to open.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async completeSignIn(completion: CompleteSignIn): Promise<'signed-in' | 'stale'> {
    const { session } = completion;
    const userKey = keys.user(session.operatorId, session.userId);
    const userUpdate =
      completion.totpStep !== undefined
        ? {
            ConditionExpression: 'attribute_not_exists(totpLastStep) OR totpLastStep < :step',
            UpdateExpression: 'SET totpLastStep = :step',
            ExpressionAttributeValues: { ':step': completion.totpStep },
          }
        : completion.recoveryCodeHash !== undefined
          ? {
              ConditionExpression: 'contains(recoveryCodeHashes, :code)',
              UpdateExpression: 'DELETE recoveryCodeHashes :codes',
              ExpressionAttributeValues: {
                ':code': completion.recoveryCodeHash,
                ':codes': new Set([completion.recoveryCodeHash]),
              },
            }
          : undefined;
    try {
      await this.t.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.t.tableName,
                Key: keys.signInChallenge(completion.challengeHash),
                ConditionExpression: 'attribute_exists(pk) AND operatorId = :op AND userId = :user',
                ExpressionAttributeValues: { ':op': session.operatorId, ':user': session.userId },
              },
            },
            ...(userUpdate ? [{ Update: { TableName: this.t.tableName, Key: userKey, ...userUpdate } }] : []),
            {
              Put: {
                TableName: this.t.tableName,
                Item: {
                  ...keys.userSession(session.sessionHash),
                  entity: 'userSession',
                  ...session,
                  expiresAt:
                    ttlSeconds(session.createdAtMs) +
                    SESSION_LIMITS.absoluteSeconds +
                    SESSION_TTL_SLACK_SECONDS,
                },
                ConditionExpression: ITEM_ABSENT,
              },
            },
          ],
        }),
      );
      return 'signed-in';
    } catch (err) {
      if (failedConditions(err)?.some(Boolean)) return 'stale';
      throw err;
    }
  }

  async session(sessionHash: string, nowMs: number): Promise<SessionRecord | undefined> {
    const item = await getItem(this.t, keys.userSession(sessionHash));
    if (!item) return undefined;
    const { expiresAt: _ttl, ...session } = stripKeys<SessionRecord & { expiresAt: number }>(item);
    return nowMs < sessionEndsAtMs(session) ? session : undefined;
  }

  async touchSession(sessionHash: string, lastSeenAtMs: number): Promise<void> {
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.userSession(sessionHash),
          ConditionExpression: 'attribute_exists(pk) AND lastSeenAtMs < :seen',
          UpdateExpression: 'SET lastSeenAtMs = :seen',
          ExpressionAttributeValues: { ':seen': lastSeenAtMs },
        }),
      );
    } catch (err) {
      // Signed out meanwhile, or a later request touched it first: nothing to do either way.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async deleteSession(sessionHash: string): Promise<void> {
    await deleteItem(this.t, keys.userSession(sessionHash));
  }

  async putInvitation(invitation: InvitationRecord): Promise<void> {
    await putExpiring(this.t, keys.invitation(invitation.invitationHash), 'invitation', invitation);
  }

  invitation(invitationHash: string, nowMs: number): Promise<InvitationRecord | undefined> {
    return getUnexpired(this.t, keys.invitation(invitationHash), nowMs);
  }

  async deleteInvitation(invitationHash: string): Promise<void> {
    await deleteItem(this.t, keys.invitation(invitationHash));
  }

  async failures(subjects: SignInFailureSubject[], nowMs: number): Promise<(FailureRecord | undefined)[]> {
    const subjectKeys = subjects.map((s) => keys.signInFailures(s));
    // Eventually consistent: a failure a moment old being missed lets one more attempt through.
    const items = await batchGetAll(this.t, subjectKeys);
    return subjectKeys.map((key) => {
      const item = items.find((i) => i.pk === key.pk);
      if (!item || Number(item.windowEndsAtMs) <= nowMs) return undefined;
      return { failures: Number(item.failures), lastFailureAtMs: Number(item.lastFailureAtMs) };
    });
  }

  recordFailure(subject: SignInFailureSubject, atMs: number, windowMs: number): Promise<FailureRecord> {
    return countFailureInWindow(this.t, keys.signInFailures(subject), 'signInFailures', atMs, windowMs);
  }
}

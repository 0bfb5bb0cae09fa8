/**
 * Operator users in memory, with the DynamoDB adapter's semantics (dynamodb/users.ts): create-only
 * users with a unique email, all-or-nothing sign-in completion, expiry judged at read time. The same
 * contract suite runs over both.
 */
import { sessionEndsAtMs, totpStepFresh } from '../../domain/sign-in.js';
import { InvalidCursorError, type Page, type PageRequest } from '../../ports/paging.js';
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

const userKey = (operatorId: string, userId: string) => `${operatorId}/${userId}`;
const subjectKey = (s: SignInFailureSubject) =>
  'account' in s
    ? `account:${s.account}`
    : 'address' in s
      ? `address:${s.address}`
      : `2fa:${s.secondFactorOf.operatorId}/${s.secondFactorOf.userId}`;

/** Pages a sorted list after the id the cursor names, as the DynamoDB query pages by key. */
function pageInMemory<T>(all: T[], idOf: (item: T) => string, page: PageRequest): Page<T> {
  let from = 0;
  if (page.after !== undefined) {
    const after = Buffer.from(page.after, 'base64url').toString('utf8');
    if (!all.some((item) => idOf(item) === after))
      throw new InvalidCursorError('the cursor is not one this listing gave');
    from = all.findIndex((item) => idOf(item) > after);
    if (from < 0) from = all.length;
  }
  const items = all.slice(from, from + page.limit);
  const last = items.at(-1);
  return from + page.limit < all.length && last !== undefined
    ? { items, next: Buffer.from(idOf(last), 'utf8').toString('base64url') }
    : { items };
}

export class MemoryUserStore implements UserStore {
  readonly users = new Map<string, UserRecord>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly challenges = new Map<string, SignInChallenge>();
  readonly invitations = new Map<string, InvitationRecord>();
  private readonly counts = new Map<string, FailureRecord & { windowEndsAtMs: number }>();

  async createUser(user: UserRecord): Promise<'created' | 'email-taken'> {
    if (await this.userByEmail(user.email)) return 'email-taken';
    if (this.users.has(userKey(user.operatorId, user.userId))) throw new Error(`user ${user.userId} exists`);
    this.users.set(userKey(user.operatorId, user.userId), structuredClone(user));
    return 'created';
  }

  async userByEmail(email: string): Promise<UserRecord | undefined> {
    const user = [...this.users.values()].find((u) => u.email === email);
    return user ? structuredClone(user) : undefined;
  }

  async user(operatorId: string, userId: string): Promise<UserRecord | undefined> {
    const user = this.users.get(userKey(operatorId, userId));
    return user ? structuredClone(user) : undefined;
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
    const user = this.users.get(userKey(operatorId, userId));
    if (user?.status !== 'invited') return 'not-invited';
    Object.assign(user, { ...activation, status: 'active' });
    return 'activated';
  }

  async listUsers(operatorId: string, page: PageRequest): Promise<Page<UserRecord>> {
    return pageInMemory(await this.allUsers(operatorId), (u) => u.userId, page);
  }

  async allUsers(operatorId: string): Promise<UserRecord[]> {
    return [...this.users.values()]
      .filter((u) => u.operatorId === operatorId)
      .sort((a, b) => (a.userId < b.userId ? -1 : 1))
      .map((u) => structuredClone(u));
  }

  async setRole(
    operatorId: string,
    userId: string,
    role: UserRecord['role'],
  ): Promise<'updated' | 'not-found'> {
    const user = this.users.get(userKey(operatorId, userId));
    if (!user) return 'not-found';
    user.role = role;
    return 'updated';
  }

  async deleteUser(operatorId: string, userId: string): Promise<'deleted' | 'not-found'> {
    return this.users.delete(userKey(operatorId, userId)) ? 'deleted' : 'not-found';
  }

  async replaceSecondFactor(
    operatorId: string,
    userId: string,
    factor: { totpSecret: string; totpLastStep: number; recoveryCodeHashes: string[] },
  ): Promise<void> {
    const user = this.users.get(userKey(operatorId, userId));
    if (!user) throw new Error(`user ${userId} not found`);
    Object.assign(user, factor);
  }

  async putChallenge(challenge: SignInChallenge): Promise<void> {
    this.challenges.set(challenge.challengeHash, { ...challenge });
  }

  async challenge(challengeHash: string, nowMs: number): Promise<SignInChallenge | undefined> {
    const challenge = this.challenges.get(challengeHash);
    return challenge && nowMs < challenge.expiresAtMs ? { ...challenge } : undefined;
  }

  async setEmailCode(challengeHash: string, codeHash: string, expiresAtMs: number): Promise<void> {
    const challenge = this.challenges.get(challengeHash);
    if (challenge) Object.assign(challenge, { emailCodeHash: codeHash, emailCodeExpiresAtMs: expiresAtMs });
  }

  async completeSignIn(completion: CompleteSignIn): Promise<'signed-in' | 'stale'> {
    const challenge = this.challenges.get(completion.challengeHash);
    if (!challenge) return 'stale';
    const user = this.users.get(userKey(challenge.operatorId, challenge.userId));
    if (!user) return 'stale';
    if (completion.totpStep !== undefined && !totpStepFresh(completion.totpStep, user.totpLastStep))
      return 'stale';
    const { recoveryCodeHash } = completion;
    if (recoveryCodeHash !== undefined && !user.recoveryCodeHashes.includes(recoveryCodeHash)) return 'stale';
    this.challenges.delete(completion.challengeHash);
    if (completion.totpStep !== undefined) user.totpLastStep = completion.totpStep;
    if (recoveryCodeHash !== undefined)
      user.recoveryCodeHashes = user.recoveryCodeHashes.filter((h) => h !== recoveryCodeHash);
    this.sessions.set(completion.session.sessionHash, { ...completion.session });
    return 'signed-in';
  }

  async session(sessionHash: string, nowMs: number): Promise<SessionRecord | undefined> {
    const session = this.sessions.get(sessionHash);
    return session && nowMs < sessionEndsAtMs(session) ? { ...session } : undefined;
  }

  async touchSession(sessionHash: string, lastSeenAtMs: number): Promise<void> {
    const session = this.sessions.get(sessionHash);
    if (session) session.lastSeenAtMs = Math.max(session.lastSeenAtMs, lastSeenAtMs);
  }

  async deleteSession(sessionHash: string): Promise<void> {
    this.sessions.delete(sessionHash);
  }

  async putInvitation(invitation: InvitationRecord): Promise<void> {
    this.invitations.set(invitation.invitationHash, { ...invitation });
  }

  async invitation(invitationHash: string, nowMs: number): Promise<InvitationRecord | undefined> {
    const invitation = this.invitations.get(invitationHash);
    return invitation && nowMs < invitation.expiresAtMs ? { ...invitation } : undefined;
  }

  async deleteInvitation(invitationHash: string): Promise<void> {
    this.invitations.delete(invitationHash);
  }

  async failures(subjects: SignInFailureSubject[], nowMs: number): Promise<(FailureRecord | undefined)[]> {
    return subjects.map((s) => {
      const count = this.counts.get(subjectKey(s));
      return count && nowMs < count.windowEndsAtMs
        ? { failures: count.failures, lastFailureAtMs: count.lastFailureAtMs }
        : undefined;
    });
  }

  async recordFailure(subject: SignInFailureSubject, atMs: number, windowMs: number): Promise<FailureRecord> {
    const key = subjectKey(subject);
    const count = this.counts.get(key);
    const failures = count && atMs < count.windowEndsAtMs ? count.failures + 1 : 1;
    this.counts.set(key, { failures, lastFailureAtMs: atMs, windowEndsAtMs: atMs + windowMs });
    return { failures, lastFailureAtMs: atMs };
  }
}

/**
 * Failed-login counts (keys.loginFailures), one item per charger id and per source address. The
 * count is an atomic ADD so concurrent failures each count; an item whose window has passed is
 * restarted by a plain put (two racing restarts may lose a count, which only delays a back-off by
 * one failure). `expiresAt` lets TTL remove the item; readers also check `windowEndsAtMs`, since TTL
 * deletes late.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { LoginFailureRecord, LoginFailureRepository, LoginSubject } from '../../ports/login-failures.js';
import { keys } from './keys.js';
import { batchGetAll, countFailureInWindow, type TableContext } from './support.js';

interface StoredLoginFailures extends LoginFailureRecord {
  windowEndsAtMs: number;
}

const live = (item: Record<string, unknown> | undefined, nowMs: number): LoginFailureRecord | undefined => {
  if (!item) return undefined;
  const stored = item as unknown as StoredLoginFailures;
  if (stored.windowEndsAtMs <= nowMs) return undefined;
  return { failures: stored.failures, lastFailureAtMs: stored.lastFailureAtMs };
};

export class DynamoLoginFailureRepository implements LoginFailureRepository {
  constructor(private readonly t: TableContext) {}

  async read(
    attempt: { chargerId: string; sourceIp: string | undefined },
    nowMs: number,
  ): Promise<{ charger?: LoginFailureRecord; address?: LoginFailureRecord }> {
    const chargerKey = keys.loginFailures({ chargerId: attempt.chargerId });
    const addressKey =
      attempt.sourceIp !== undefined ? keys.loginFailures({ sourceIp: attempt.sourceIp }) : undefined;
    // Eventually consistent: a failure a moment old being missed lets one more attempt through.
    const items = await batchGetAll(this.t, addressKey ? [chargerKey, addressKey] : [chargerKey]);
    const find = (pk: string | undefined) => items.find((item) => item.pk === pk);
    const charger = live(find(chargerKey.pk), nowMs);
    const address = live(find(addressKey?.pk), nowMs);
    return { ...(charger ? { charger } : {}), ...(address ? { address } : {}) };
  }

  recordFailure(subject: LoginSubject, atMs: number, windowMs: number): Promise<LoginFailureRecord> {
    return countFailureInWindow(this.t, keys.loginFailures(subject), 'loginFailures', atMs, windowMs);
  }

  async clear(subject: LoginSubject): Promise<void> {
    await this.t.doc.send(
      new DeleteCommand({ TableName: this.t.tableName, Key: keys.loginFailures(subject) }),
    );
  }
}

import { and, desc, eq, isNull, lt, or, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../core/db/database.ts';
import { apiKeys } from '../../db/schema/api-keys.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insert(db: DbOrTx, values: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  return (await db.insert(apiKeys).values(values).returning())[0]!;
}

export async function findByPrefix(db: DbOrTx, prefix: string): Promise<ApiKeyRow | undefined> {
  return (await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).limit(1))[0];
}

export async function findById(db: DbOrTx, id: string): Promise<ApiKeyRow | undefined> {
  return (await db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1))[0];
}

/** Live keys (not revoked), newest first, after the cursor id; one account's, or everyone's for admins. */
export async function list(
  db: DbOrTx,
  filter: { accountId?: string; before?: string; limit: number },
): Promise<ApiKeyRow[]> {
  const conditions: (SQL | undefined)[] = [isNull(apiKeys.revokedAt)];
  if (filter.accountId) conditions.push(eq(apiKeys.accountId, filter.accountId));
  if (filter.before) conditions.push(lt(apiKeys.id, filter.before));
  return db
    .select()
    .from(apiKeys)
    .where(and(...conditions))
    .orderBy(desc(apiKeys.id))
    .limit(filter.limit);
}

export async function revoke(db: DbOrTx, id: string): Promise<ApiKeyRow | undefined> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  return rows[0];
}

/** Revokes every live key of the account; returns their ids and names, oldest first. */
export async function revokeAllOf(db: DbOrTx, accountId: string): Promise<{ id: string; name: string }[]> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id, name: apiKeys.name });
  return rows.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** How often `last_used_at` is written at most, per key. */
export const TOUCH_INTERVAL_MS = 60_000;

/**
 * Records use, at most once a minute per key, so hot keys don't write on every request. Returns the key's
 * `last_used_at` as it now stands (written here or not; undefined when the key is gone), so that a caller
 * can tell when the next touch could change anything.
 */
export async function touch(db: DbOrTx, id: string): Promise<Date | null | undefined> {
  const aMinuteAgo = new Date(Date.now() - TOUCH_INTERVAL_MS);
  const [written] = await db
    .update(apiKeys)
    .set({ lastUsedAt: new Date() })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, aMinuteAgo))))
    .returning({ lastUsedAt: apiKeys.lastUsedAt });
  if (written) return written.lastUsedAt;
  const [row] = await db.select({ lastUsedAt: apiKeys.lastUsedAt }).from(apiKeys).where(eq(apiKeys.id, id));
  return row?.lastUsedAt;
}

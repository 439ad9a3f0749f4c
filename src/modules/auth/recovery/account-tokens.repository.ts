import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../core/db/database.ts';
import { deleteBatch, type PurgeTask } from '../../../core/jobs/housekeeping.ts';
import { newId } from '../../../core/ids.ts';
import { accountTokens } from '../../../db/schema/account-tokens.ts';

export type TokenPurpose = (typeof accountTokens.purpose.enumValues)[number];
export type AccountTokenRow = typeof accountTokens.$inferSelect;

/** Why a presented token cannot be spent, as far as its row tells. */
export type TokenState = 'unknown' | 'used' | 'expired' | 'live';

// Every expiry is set and compared by the database clock, so instances with skewed clocks agree.
const live = and(isNull(accountTokens.usedAt), gt(accountTokens.expiresAt, sql`now()`));

/** Stores a token's hash, bound to its account, purpose and the address it is mailed to. */
export async function insert(
  db: DbOrTx,
  values: { accountId: string; purpose: TokenPurpose; tokenHash: string; email: string; ttlSeconds: number },
): Promise<void> {
  const { ttlSeconds, ...rest } = values;
  await db.insert(accountTokens).values({
    id: newId(),
    ...rest,
    expiresAt: sql`now() + ${ttlSeconds}::int * interval '1 second'`,
  });
}

/**
 * Spends a live token in one statement: of two concurrent uses, exactly one gets the row back.
 * Returns undefined when the token is unknown, of another purpose, used or expired.
 */
export async function claim(
  db: DbOrTx,
  tokenHash: string,
  purpose: TokenPurpose,
): Promise<AccountTokenRow | undefined> {
  const rows = await db
    .update(accountTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(accountTokens.tokenHash, tokenHash), eq(accountTokens.purpose, purpose), live))
    .returning();
  return rows[0];
}

/** What became of a token (for the error message); a token of another purpose is `unknown`. */
export async function stateOf(db: DbOrTx, tokenHash: string, purpose: TokenPurpose): Promise<TokenState> {
  const [row] = await db
    .select({
      usedAt: accountTokens.usedAt,
      expired: sql<boolean>`${accountTokens.expiresAt} <= now()`,
    })
    .from(accountTokens)
    .where(and(eq(accountTokens.tokenHash, tokenHash), eq(accountTokens.purpose, purpose)))
    .limit(1);
  if (!row) return 'unknown';
  if (row.usedAt) return 'used';
  return row.expired ? 'expired' : 'live';
}

export async function purposeOf(db: DbOrTx, tokenHash: string): Promise<TokenPurpose | undefined> {
  const [row] = await db
    .select({ purpose: accountTokens.purpose })
    .from(accountTokens)
    .where(eq(accountTokens.tokenHash, tokenHash))
    .limit(1);
  return row?.purpose;
}

/**
 * Ends the account's live tokens of this purpose (only the newest link works) by expiring them, and
 * deletes its rows of any purpose older than a week, which nothing reads any more.
 */
export async function supersede(db: DbOrTx, accountId: string, purpose: TokenPurpose): Promise<void> {
  await db
    .update(accountTokens)
    .set({ expiresAt: sql`now()` })
    .where(and(eq(accountTokens.accountId, accountId), eq(accountTokens.purpose, purpose), live));
  await db
    .delete(accountTokens)
    .where(
      and(
        eq(accountTokens.accountId, accountId),
        lt(accountTokens.createdAt, sql`now() - interval '7 days'`),
      ),
    );
}

/** Deletes every token of the account: a deleted account keeps a tombstone row, not the addresses. */
export async function deleteForAccount(db: DbOrTx, accountId: string): Promise<void> {
  await db.delete(accountTokens).where(eq(accountTokens.accountId, accountId));
}

/** How many tokens of this purpose the account got in the last hour, and how long ago the first and last. */
export async function recentIssues(
  db: DbOrTx,
  accountId: string,
  purpose: TokenPurpose,
): Promise<{ count: number; sinceFirstSeconds: number; sinceLastSeconds: number }> {
  const [row] = await db
    .select({
      count: sql<number>`count(*)::int`,
      sinceFirst: sql<number | null>`extract(epoch from now() - min(${accountTokens.createdAt}))::float8`,
      sinceLast: sql<number | null>`extract(epoch from now() - max(${accountTokens.createdAt}))::float8`,
    })
    .from(accountTokens)
    .where(
      and(
        eq(accountTokens.accountId, accountId),
        eq(accountTokens.purpose, purpose),
        gt(accountTokens.createdAt, sql`now() - interval '1 hour'`),
      ),
    );
  return {
    count: row?.count ?? 0,
    sinceFirstSeconds: row?.sinceFirst ?? Infinity,
    sinceLastSeconds: row?.sinceLast ?? Infinity,
  };
}

/** Housekeeping: verification and reset tokens used or expired more than RETENTION_TOKENS ago. */
export const purgeSpentTokens: PurgeTask = (database, retention, limit) =>
  deleteBatch(
    database,
    'account_tokens',
    'id',
    'used_at < now() - make_interval(secs => $1) or expires_at < now() - make_interval(secs => $1)',
    [retention.tokens],
    limit,
  );

import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import { preparedPerDb, type Db, type DbOrTx } from '../../core/db/database.ts';
import { deleteBatch, type PurgeTask } from '../../core/jobs/housekeeping.ts';
import { refreshTokens, sessions } from '../../db/schema/sessions.ts';

export type SessionRow = typeof sessions.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

export async function insertSession(db: DbOrTx, values: typeof sessions.$inferInsert): Promise<SessionRow> {
  return (await db.insert(sessions).values(values).returning())[0]!;
}

const p = sql.placeholder;

/**
 * A `token` session (refresh family) and its first refresh token in one statement — a data-modifying CTE,
 * so one round trip and atomic — prepared once: the password grant's only write.
 */
const startTokenSessionStatement = preparedPerDb((db: Db) => {
  const session = db.$with('new_session').as(
    db
      .insert(sessions)
      .values({
        id: p('sessionId'),
        accountId: p('accountId'),
        kind: 'token',
        scope: p('scope'),
        userAgent: p('userAgent'),
        ip: p('ip'),
        authenticatedAt: p('createdAt'),
        createdAt: p('createdAt'),
        lastUsedAt: p('createdAt'),
        expiresAt: p('sessionExpiresAt'),
      })
      .returning({ id: sessions.id }),
  );
  return db
    .with(session)
    .insert(refreshTokens)
    .values({
      id: p('refreshId'),
      sessionId: p('sessionId'),
      tokenHash: p('tokenHash'),
      expiresAt: p('expiresAt'),
    })
    .prepare('auth_start_token_session');
});

export async function insertTokenSession(
  db: Db,
  values: {
    sessionId: string;
    accountId: string;
    scope: string;
    userAgent: string | null;
    ip: string | null;
    /** The sign-in, which checked the password: also `authenticated_at` (see REAUTH_WINDOW). */
    createdAt: Date;
    /** The family's absolute end (SESSION_MAX_AGE after the sign-in). */
    sessionExpiresAt: Date;
    /** The first refresh token's end. */
    expiresAt: Date;
    refreshId: string;
    tokenHash: string;
  },
): Promise<void> {
  await startTokenSessionStatement(db).execute(values);
}

export async function insertRefreshToken(
  db: DbOrTx,
  values: typeof refreshTokens.$inferInsert,
): Promise<void> {
  await db.insert(refreshTokens).values(values);
}

/** The refresh token and its family, locked so that two concurrent uses are serialised. */
export async function lockRefreshToken(
  db: DbOrTx,
  tokenHash: string,
): Promise<{ token: RefreshTokenRow; session: SessionRow } | undefined> {
  const rows = await db
    .select({ token: refreshTokens, session: sessions })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .for('update')
    .limit(1);
  return rows[0];
}

export async function markRefreshTokenUsed(db: DbOrTx, id: string): Promise<void> {
  await db.update(refreshTokens).set({ usedAt: new Date() }).where(eq(refreshTokens.id, id));
}

export async function findSessionById(db: DbOrTx, id: string): Promise<SessionRow | undefined> {
  return (await db.select().from(sessions).where(eq(sessions.id, id)).limit(1))[0];
}

export async function findSessionByTokenHash(db: DbOrTx, tokenHash: string): Promise<SessionRow | undefined> {
  return (await db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash)).limit(1))[0];
}

/** Records a use; the session's end (`expires_at`) never moves. */
export async function touchSession(db: DbOrTx, id: string): Promise<void> {
  await db.update(sessions).set({ lastUsedAt: new Date() }).where(eq(sessions.id, id));
}

/** Revokes one session; returns false when it was not there or already revoked. */
export async function revokeSession(
  db: DbOrTx,
  id: string,
  reason: string,
  accountId?: string,
): Promise<boolean> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(
      and(
        eq(sessions.id, id),
        isNull(sessions.revokedAt),
        accountId ? eq(sessions.accountId, accountId) : undefined,
      ),
    )
    .returning({ id: sessions.id });
  return rows.length > 0;
}

/** Revokes every live session of an account (optionally but one); returns their ids. */
export async function revokeAccountSessions(
  db: DbOrTx,
  accountId: string,
  reason: string,
  exceptId?: string,
): Promise<string[]> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(
      and(
        eq(sessions.accountId, accountId),
        isNull(sessions.revokedAt),
        exceptId ? ne(sessions.id, exceptId) : undefined,
      ),
    )
    .returning({ id: sessions.id });
  return rows.map((r) => r.id);
}

export async function listLiveSessions(db: DbOrTx, accountId: string): Promise<SessionRow[]> {
  return db
    .select()
    .from(sessions)
    .where(
      and(eq(sessions.accountId, accountId), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)),
    )
    .orderBy(desc(sessions.lastUsedAt))
    .limit(100);
}

/**
 * Housekeeping: sessions that ended (revoked, past their absolute end, or cookie sessions idle past
 * SESSION_IDLE_TIMEOUT) more than RETENTION_SESSIONS ago; their refresh tokens go with them (cascade).
 */
export function purgeEndedSessions(idleSeconds: number): PurgeTask {
  return (database, retention, limit) =>
    deleteBatch(
      database,
      'sessions',
      'id',
      `revoked_at < now() - make_interval(secs => $1)
       or expires_at < now() - make_interval(secs => $1)
       or (kind = 'cookie' and last_used_at < now() - make_interval(secs => $1 + $2))`,
      [retention.sessions, idleSeconds],
      limit,
    );
}

/**
 * Housekeeping: refresh tokens expired more than RETENTION_TOKENS ago. A used one that has not expired
 * stays: presenting it again is how a stolen token is detected (and its family revoked).
 */
export const purgeExpiredRefreshTokens: PurgeTask = (database, retention, limit) =>
  deleteBatch(
    database,
    'refresh_tokens',
    'id',
    'expires_at < now() - make_interval(secs => $1)',
    [retention.tokens],
    limit,
  );

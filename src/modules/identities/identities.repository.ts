import { and, asc, eq, lt } from 'drizzle-orm';
import type { DbOrTx } from '../../core/db/database.ts';
import { deleteBatch, type PurgeTask } from '../../core/jobs/housekeeping.ts';
import { linkedIdentities, oauthStates } from '../../db/schema/identities.ts';

export type LinkRow = typeof linkedIdentities.$inferSelect;
export type NewLinkRow = typeof linkedIdentities.$inferInsert;
export type OAuthStateRow = typeof oauthStates.$inferSelect;
export type NewOAuthStateRow = typeof oauthStates.$inferInsert;

/** Stores a pending authorization request (keyed by the SHA-256 of its `state`, never the state itself). */
export async function insertState(db: DbOrTx, values: NewOAuthStateRow): Promise<void> {
  await db.insert(oauthStates).values(values);
}

/**
 * Deletes and returns a pending request in one statement, so a `state` is usable once even when two
 * callbacks race. Expiry is left to the caller: an expired row is consumed too.
 */
export async function consumeState(
  db: DbOrTx,
  stateHash: string,
  provider: string,
): Promise<OAuthStateRow | undefined> {
  const rows = await db
    .delete(oauthStates)
    .where(and(eq(oauthStates.stateHash, stateHash), eq(oauthStates.provider, provider)))
    .returning();
  return rows[0];
}

/** Forgets abandoned authorization requests (the user never came back from the provider). */
export async function purgeExpiredStates(db: DbOrTx, now = new Date()): Promise<void> {
  await db.delete(oauthStates).where(lt(oauthStates.expiresAt, now));
}

export async function findLink(db: DbOrTx, provider: string, subject: string): Promise<LinkRow | undefined> {
  const rows = await db
    .select()
    .from(linkedIdentities)
    .where(and(eq(linkedIdentities.provider, provider), eq(linkedIdentities.subject, subject)))
    .limit(1);
  return rows[0];
}

/** Inserts a link; a taken `(provider, subject)` surfaces as a unique violation. */
export async function insertLink(db: DbOrTx, values: NewLinkRow): Promise<LinkRow> {
  const rows = await db.insert(linkedIdentities).values(values).returning();
  return rows[0]!;
}

/** Refreshes what the provider last said about the identity's email. */
export async function updateLinkEmail(
  db: DbOrTx,
  id: string,
  email: string | null,
  emailVerified: boolean,
): Promise<void> {
  await db.update(linkedIdentities).set({ email, emailVerified }).where(eq(linkedIdentities.id, id));
}

/** The links of an account, oldest first (a handful at most: one per provider and identity). */
export async function listLinks(db: DbOrTx, accountId: string): Promise<LinkRow[]> {
  return db
    .select()
    .from(linkedIdentities)
    .where(eq(linkedIdentities.accountId, accountId))
    .orderBy(asc(linkedIdentities.createdAt), asc(linkedIdentities.id));
}

/** Deletes one link of one account; false when there was none (or it belongs to someone else). */
export async function deleteLink(db: DbOrTx, accountId: string, linkId: string): Promise<boolean> {
  const rows = await db
    .delete(linkedIdentities)
    .where(and(eq(linkedIdentities.id, linkId), eq(linkedIdentities.accountId, accountId)))
    .returning({ id: linkedIdentities.id });
  return rows.length > 0;
}

/** Erases everything this module holds about an account (its deletion keeps only a tombstone). */
export async function deleteAllOf(db: DbOrTx, accountId: string): Promise<void> {
  await db.delete(linkedIdentities).where(eq(linkedIdentities.accountId, accountId));
  await db.delete(oauthStates).where(eq(oauthStates.accountId, accountId));
}

/** Housekeeping: authorization requests expired more than RETENTION_TOKENS ago. */
export const purgeOldStates: PurgeTask = (database, retention, limit) =>
  deleteBatch(
    database,
    'oauth_states',
    'state_hash',
    'expires_at < now() - make_interval(secs => $1)',
    [retention.tokens],
    limit,
  );

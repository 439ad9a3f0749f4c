import { and, count, eq, sql } from 'drizzle-orm';
import { executeRows, type Db, type DbOrTx } from '../../core/db/database.ts';
import {
  badRecommendations,
  feedback,
  FEEDBACK_SLOTS,
  likedGenres,
  type BadRecommendationReasons,
  type FeedbackType,
} from '../../db/schema/feedback.ts';
import { applyRatingDeltas, replaceRatingTotals, type RatingDelta } from '../catalog/index.ts';

/** One feedback to record: views add `value` (a count), the rest replace the row when `at` is not older. */
export interface FeedbackWrite {
  readonly userKey: string;
  readonly itemId: string;
  readonly type: FeedbackType;
  readonly value: number | null;
  readonly at: Date;
}

const RATING_SLOT = FEEDBACK_SLOTS.rating;
const keyOf = (userKey: string, itemId: string) => `${userKey}\u0000${itemId}`;

/**
 * Merges writes that land on the same row (one statement cannot upsert a row twice): the latest rating
 * or like/dislike wins, views add up.
 */
export function mergeWrites(writes: readonly FeedbackWrite[]): FeedbackWrite[] {
  const merged = new Map<string, FeedbackWrite>();
  for (const w of writes) {
    const key = `${keyOf(w.userKey, w.itemId)}\u0000${FEEDBACK_SLOTS[w.type]}`;
    const before = merged.get(key);
    if (!before) merged.set(key, w);
    else if (w.type === 'view')
      merged.set(key, {
        ...w,
        value: (before.value ?? 0) + (w.value ?? 0),
        at: w.at > before.at ? w.at : before.at,
      });
    else if (w.at >= before.at) merged.set(key, w);
  }
  return [...merged.values()];
}

/**
 * Records feedback in one transaction and moves the items' rating counters by what changed: the ratings
 * these rows replace are read and locked first, so a changed rating moves the sum by the difference and
 * the count not at all. Writes must be merged (mergeWrites).
 */
export async function writeFeedback(
  db: Db,
  writes: readonly FeedbackWrite[],
  options: { bulk?: boolean } = {},
): Promise<void> {
  if (writes.length === 0) return;
  await db.transaction(async (tx) => {
    // An import batch: its counters are recounted once at the end (recountRatings), and a batch lost in a
    // crash is imported again (the client had no answer), so its commit need not wait for the WAL flush.
    if (options.bulk) {
      await tx.execute(sql`set local synchronous_commit = off`);
      await upsert(tx, writes, false);
      return;
    }
    const ratings = writes.filter((w) => w.type === 'rating');
    const old = new Map<string, number>();
    if (ratings.length > 0) {
      const rows = await executeRows<{ user_key: string; item_id: string; value: number }>(
        tx,
        sql`select f.user_key, f.item_id, f.value from feedback f
             join unnest(${sql.param(ratings.map((w) => w.userKey))}::text[], ${sql.param(ratings.map((w) => w.itemId))}::uuid[]) as k(user_key, item_id)
               on f.user_key = k.user_key and f.item_id = k.item_id
            where f.slot = ${RATING_SLOT}
            order by f.user_key, f.item_id
              for update of f`,
      );
      for (const r of rows) old.set(keyOf(r.user_key, r.item_id), Number(r.value));
    }
    const written = await upsert(tx, writes, true);
    const deltas: RatingDelta[] = [];
    for (const row of written) {
      if (row.slot !== RATING_SLOT) continue;
      const before = old.get(keyOf(row.user_key, row.item_id));
      const value = Number(row.value);
      deltas.push(
        before === undefined
          ? { itemId: row.item_id, count: 1, sum: value }
          : { itemId: row.item_id, count: 0, sum: value - before },
      );
    }
    await applyRatingDeltas(tx, deltas);
  });
}

/** Inserts or updates the rows; returns those written (a row whose `at` is older than the stored one is not). */
function upsert(tx: DbOrTx, writes: readonly FeedbackWrite[], returning: boolean) {
  return executeRows<{ user_key: string; item_id: string; slot: number; value: number }>(
    tx,
    sql`insert into feedback (user_key, item_id, slot, type, value, at)
          select * from unnest(
            ${sql.param(writes.map((w) => w.userKey))}::text[],
            ${sql.param(writes.map((w) => w.itemId))}::uuid[],
            ${sql.param(writes.map((w) => FEEDBACK_SLOTS[w.type]))}::int2[],
            ${sql.param(writes.map((w) => w.type))}::text[],
            ${sql.param(writes.map((w) => w.value))}::float4[],
            ${sql.param(writes.map((w) => w.at.toISOString()))}::timestamptz[])
          on conflict (user_key, item_id, slot) do update
            set type = excluded.type,
                value = case when excluded.slot = 0 then feedback.value + excluded.value else excluded.value end,
                at = greatest(feedback.at, excluded.at),
                updated_at = now()
            -- Views add up; otherwise the newer wins, and a line imported again changes nothing.
            where excluded.slot = 0 or excluded.at > feedback.at
               or (excluded.at = feedback.at and (excluded.type, excluded.value) is distinct from (feedback.type, feedback.value))
          ${returning ? sql`returning user_key, item_id, slot, value` : sql``}`,
  );
}

/** Recounts every item's ratings from the feedback (after a bulk import). */
export async function recountRatings(db: DbOrTx): Promise<void> {
  await replaceRatingTotals(
    db,
    sql`select item_id, count(*) as n, sum(value::float8) as s from feedback where slot = ${RATING_SLOT} group by item_id`,
  );
}

/** Deletes a user's feedback and takes its ratings out of the items' counters. */
export async function deleteAllOf(tx: DbOrTx, userKey: string): Promise<void> {
  const removed = await executeRows<{ item_id: string; slot: number; value: number }>(
    tx,
    sql`delete from feedback where user_key = ${userKey} returning item_id, slot, value`,
  );
  const deltas = removed
    .filter((r) => r.slot === RATING_SLOT)
    .map((r) => ({ itemId: r.item_id, count: -1, sum: -Number(r.value) }));
  await applyRatingDeltas(tx, deltas);
  await tx.delete(badRecommendations).where(eq(badRecommendations.userKey, userKey));
}

export async function existingItemIds(db: DbOrTx, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await executeRows<{ id: string }>(
    db,
    sql`select id from items where id = any(${sql.param([...ids])}::uuid[])`,
  );
  return new Set(rows.map((r) => r.id));
}

export async function itemIdsByExternalId(
  db: DbOrTx,
  externalIds: readonly string[],
): Promise<Map<string, string>> {
  if (externalIds.length === 0) return new Map();
  const rows = await executeRows<{ id: string; external_id: string }>(
    db,
    sql`select id, external_id from items where external_id = any(${sql.param([...externalIds])}::text[])`,
  );
  return new Map(rows.map((r) => [r.external_id, r.id]));
}

/** The live accounts among these ids. */
export async function existingAccountIds(db: DbOrTx, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await executeRows<{ id: string }>(
    db,
    sql`select id from accounts where id = any(${sql.param([...ids])}::uuid[]) and deleted_at is null`,
  );
  return new Set(rows.map((r) => r.id));
}

export async function markBad(
  db: DbOrTx,
  userKey: string,
  itemId: string,
  reasons: BadRecommendationReasons,
): Promise<typeof badRecommendations.$inferSelect> {
  const rows = await db
    .insert(badRecommendations)
    .values({ userKey, itemId, reasons })
    .onConflictDoUpdate({
      target: [badRecommendations.userKey, badRecommendations.itemId],
      set: { reasons, createdAt: sql`now()` },
    })
    .returning();
  return rows[0]!;
}

export async function likedGenresOf(db: DbOrTx, accountId: string): Promise<string[]> {
  const rows = await db
    .select({ genre: likedGenres.genre })
    .from(likedGenres)
    .where(eq(likedGenres.accountId, accountId))
    .orderBy(likedGenres.genre);
  return rows.map((r) => r.genre);
}

export async function countLikedGenres(db: DbOrTx, accountId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(likedGenres).where(eq(likedGenres.accountId, accountId));
  return row?.n ?? 0;
}

export async function likeGenre(db: DbOrTx, accountId: string, genre: string): Promise<void> {
  await db.insert(likedGenres).values({ accountId, genre }).onConflictDoNothing();
}

export async function unlikeGenre(db: DbOrTx, accountId: string, genre: string): Promise<void> {
  await db.delete(likedGenres).where(and(eq(likedGenres.accountId, accountId), eq(likedGenres.genre, genre)));
}

export async function deleteLikedGenres(db: DbOrTx, accountId: string): Promise<void> {
  await db.delete(likedGenres).where(eq(likedGenres.accountId, accountId));
}

/** One account's feedback for its data export. */
export async function exportOf(db: DbOrTx, userKey: string) {
  // In turn: the export runs in one transaction, one connection.
  const rows = await db.select().from(feedback).where(eq(feedback.userKey, userKey)).orderBy(feedback.at);
  const bad = await db.select().from(badRecommendations).where(eq(badRecommendations.userKey, userKey));
  return { rows, bad };
}

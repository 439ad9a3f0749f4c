import { desc, eq, lt } from 'drizzle-orm';
import type { Database, DbOrTx } from '../../core/db/database.ts';
import { recoModels } from '../../db/schema/reco-models.ts';

/** Rows kept: the served model and a few before it. */
const KEEP = 3;

export type StoredModel = typeof recoModels.$inferSelect;
export type NewModel = typeof recoModels.$inferInsert;

/** Stores a trained model and prunes all but the newest few, in one transaction. */
export async function insertModel(db: DbOrTx, row: NewModel): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(recoModels).values(row);
    const kept = await tx
      .select({ createdAt: recoModels.createdAt })
      .from(recoModels)
      .orderBy(desc(recoModels.createdAt))
      .limit(1)
      .offset(KEEP - 1);
    const oldest = kept[0]?.createdAt;
    if (oldest) await tx.delete(recoModels).where(lt(recoModels.createdAt, oldest));
  });
}

/** The newest model's id and dates, without its blob (polled by every instance). */
export async function latestHeader(db: DbOrTx): Promise<{ id: string; createdAt: Date } | undefined> {
  const [row] = await db
    .select({ id: recoModels.id, createdAt: recoModels.createdAt })
    .from(recoModels)
    .orderBy(desc(recoModels.createdAt))
    .limit(1);
  return row;
}

export async function findModel(db: DbOrTx, id: string): Promise<StoredModel | undefined> {
  const [row] = await db.select().from(recoModels).where(eq(recoModels.id, id));
  return row;
}

export interface FeedbackRow {
  readonly user_key: string;
  readonly item_id: string;
  readonly type: 'view' | 'like' | 'dislike' | 'rating';
  readonly value: number | null;
}

/**
 * Every feedback row for training, in primary-key order, `batch` rows per query. The row-value comparison
 * `(user_key, item_id, slot) > (…)` is one range scan of the primary key per batch; an OR of column
 * comparisons is not, and made each batch a scan and sort of the whole table (164 s for a million rows on
 * the loaded bench machine).
 */
export async function* streamFeedback(db: Database, batch: number): AsyncIterable<FeedbackRow[]> {
  let after: [string, string, number] | undefined;
  for (;;) {
    const rows = await db.query<FeedbackRow & { slot: number }>(
      after
        ? 'select user_key, item_id, slot, type, value from feedback where (user_key, item_id, slot) > ($1, $2, $3) order by user_key, item_id, slot limit $4'
        : 'select user_key, item_id, slot, type, value from feedback order by user_key, item_id, slot limit $1',
      after ? [...after, batch] : [batch],
    );
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < batch) return;
    const last = rows.at(-1)!;
    after = [last.user_key, last.item_id, last.slot];
  }
}

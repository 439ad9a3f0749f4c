import { desc, eq, lt } from 'drizzle-orm';
import type { DbOrTx } from '../../core/db/database.ts';
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

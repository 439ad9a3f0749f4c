import { and, desc, eq, lt, max, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../core/db/database.ts';
import { modelVersions, models } from '../../db/schema/models.ts';

export type ModelRow = typeof models.$inferSelect;
export type VersionRow = typeof modelVersions.$inferSelect;

export async function findModel(db: DbOrTx, name: string): Promise<ModelRow | undefined> {
  const [row] = await db.select().from(models).where(eq(models.name, name)).limit(1);
  return row;
}

/** The model row locked for a change (new version, alias, deletion) so versions are numbered in order. */
export async function lockModel(db: DbOrTx, name: string): Promise<ModelRow | undefined> {
  const [row] = await db.select().from(models).where(eq(models.name, name)).for('update').limit(1);
  return row;
}

export async function insertModel(db: DbOrTx, row: typeof models.$inferInsert): Promise<ModelRow> {
  const [created] = await db.insert(models).values(row).onConflictDoNothing().returning();
  return created ?? (await lockModel(db, row.name))!;
}

export async function listModels(
  db: DbOrTx,
  options: { before?: string; limit: number },
): Promise<ModelRow[]> {
  return db
    .select()
    .from(models)
    .where(options.before ? lt(models.id, options.before) : undefined)
    .orderBy(desc(models.id))
    .limit(options.limit);
}

export async function versionsOf(db: DbOrTx, modelIds: readonly string[]): Promise<VersionRow[]> {
  if (modelIds.length === 0) return [];
  return db
    .select()
    .from(modelVersions)
    .where(sql`${modelVersions.modelId} in ${modelIds}`)
    .orderBy(modelVersions.version);
}

export async function findVersion(
  db: DbOrTx,
  modelId: string,
  version: number,
): Promise<VersionRow | undefined> {
  const [row] = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.modelId, modelId), eq(modelVersions.version, version)))
    .limit(1);
  return row;
}

export async function latestVersion(db: DbOrTx, modelId: string): Promise<VersionRow | undefined> {
  const [row] = await db
    .select()
    .from(modelVersions)
    .where(eq(modelVersions.modelId, modelId))
    .orderBy(desc(modelVersions.version))
    .limit(1);
  return row;
}

export async function highestVersion(db: DbOrTx, modelId: string): Promise<number> {
  const [row] = await db
    .select({ top: max(modelVersions.version) })
    .from(modelVersions)
    .where(eq(modelVersions.modelId, modelId));
  return row?.top ?? 0;
}

export async function insertVersion(
  db: DbOrTx,
  row: typeof modelVersions.$inferInsert,
): Promise<VersionRow | undefined> {
  const [created] = await db.insert(modelVersions).values(row).onConflictDoNothing().returning();
  return created;
}

export async function updateVersion(
  db: DbOrTx,
  id: string,
  changes: Partial<Pick<VersionRow, 'maxBatchSize' | 'maxDelayMs' | 'maxQueue'>>,
): Promise<VersionRow | undefined> {
  const [row] = await db.update(modelVersions).set(changes).where(eq(modelVersions.id, id)).returning();
  return row;
}

export async function deleteVersion(db: DbOrTx, id: string): Promise<void> {
  await db.delete(modelVersions).where(eq(modelVersions.id, id));
}

export async function deleteModel(db: DbOrTx, id: string): Promise<void> {
  await db.delete(models).where(eq(models.id, id));
}

export async function setProduction(db: DbOrTx, id: string, version: number | null): Promise<void> {
  await db.update(models).set({ productionVersion: version }).where(eq(models.id, id));
}

/** Blob keys of every version of an account's models (to remove the files after the account goes). */
export async function blobKeysOfOwner(
  db: DbOrTx,
  ownerId: string,
): Promise<{ id: string; blobKey: string }[]> {
  return db
    .select({ id: modelVersions.id, blobKey: modelVersions.blobKey })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(eq(models.ownerId, ownerId));
}

export async function modelsOfOwner(db: DbOrTx, ownerId: string): Promise<ModelRow[]> {
  return db.select().from(models).where(eq(models.ownerId, ownerId)).orderBy(models.name);
}

export async function deleteModelsOfOwner(db: DbOrTx, ownerId: string): Promise<void> {
  await db.delete(models).where(eq(models.ownerId, ownerId));
}

import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { executeRows, preparedPerDb, type Db, type DbOrTx } from '../../core/db/database.ts';
import { images, type ImageRow } from '../../db/schema/images.ts';

export const findImage = async (db: DbOrTx, id: string): Promise<ImageRow | undefined> =>
  (await db.select().from(images).where(eq(images.id, id)))[0];

export const findByHash = async (db: DbOrTx, hash: string): Promise<ImageRow | undefined> =>
  (await db.select().from(images).where(eq(images.contentHash, hash)).limit(1))[0];

// Prepared once per database: the images of a page of animals are read on every list request.
const imagesOfAnimalsStatement = preparedPerDb((db: Db) =>
  db
    .select()
    .from(images)
    .where(sql`${images.animalId} = any(${sql.placeholder('ids')}::uuid[])`)
    .orderBy(asc(images.createdAt), asc(images.id))
    .prepare('images_of_animals'),
);

export const imagesOfAnimals = (db: Db, animalIds: readonly string[]): Promise<ImageRow[]> =>
  imagesOfAnimalsStatement(db).execute({ ids: [...animalIds] });

/** Each owner's current profile photo (the latest). */
export const profilePhotosOf = (db: DbOrTx, ownerIds: readonly string[]) =>
  db
    .selectDistinctOn([images.ownerId])
    .from(images)
    .where(and(inArray(images.ownerId, [...ownerIds]), eq(images.purpose, 'profile')))
    .orderBy(images.ownerId, sql`${images.createdAt} desc`, sql`${images.id} desc`);

export async function insertImage(db: DbOrTx, values: typeof images.$inferInsert): Promise<ImageRow> {
  const [row] = await db.insert(images).values(values).returning();
  return row!;
}

/** Deletes rows and returns the content hashes they named (to sweep their blobs afterwards). */
export async function deleteImages(db: DbOrTx, where: ReturnType<typeof eq>): Promise<string[]> {
  const rows = await db.delete(images).where(where).returning({ hash: images.contentHash });
  return rows.map((r) => r.hash);
}

export const hashesOfAnimal = async (db: DbOrTx, animalId: string): Promise<string[]> =>
  (await db.select({ hash: images.contentHash }).from(images).where(eq(images.animalId, animalId))).map(
    (r) => r.hash,
  );

export const isReferenced = async (db: DbOrTx, hash: string): Promise<boolean> =>
  (await db.select({ id: images.id }).from(images).where(eq(images.contentHash, hash)).limit(1)).length > 0;

/** Serialises the upload and the sweep of one content hash (the blob is shared by every row naming it). */
export async function lockHash(db: DbOrTx, hash: string): Promise<void> {
  await executeRows(db, sql`select pg_advisory_xact_lock(hashtext(${`image:${hash}`}))`);
}

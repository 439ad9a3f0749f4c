import { and, eq } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { AppContext } from '../../core/context.ts';
import type { DbOrTx, Tx } from '../../core/db/database.ts';
import { AppError, notFound } from '../../core/errors/app-error.ts';
import { newId } from '../../core/ids.ts';
import { enqueue } from '../../core/jobs/queue.ts';
import { images, type ImagePurpose, type ImageRow } from '../../db/schema/images.ts';
import { canActFor, type Principal } from '../auth/index.ts';
import { processImage, THUMBNAIL_TYPE } from './images.processing.ts';
import * as repo from './images.repository.ts';

export const SWEEP_QUEUE = 'images.sweep';
export type Variant = 'image' | 'thumbnail';
const blobKey = (hash: string, variant: Variant) =>
  variant === 'image' ? `images/${hash}` : `images/${hash}.thumb`;

export interface StoreInput {
  readonly ownerId: string;
  readonly purpose: ImagePurpose;
  readonly animalId?: string;
  readonly bytes: Buffer;
}

/**
 * Image storage shared by the GraphQL mutations and the REST upload: process, dedupe by content hash,
 * store the blobs, and remove them once no row names their hash.
 */
export class ImagesService {
  private readonly ctx: AppContext;
  constructor(ctx: AppContext) {
    this.ctx = ctx;
  }

  /**
   * Stores an upload (already bounded by MAX_UPLOAD_BYTES by its reader). `inTx` runs in the same
   * transaction first, for the caller's own checks and changes (the animal's ownership, the old photo).
   */
  async store(input: StoreInput, inTx?: (tx: Tx) => Promise<string[]>): Promise<ImageRow> {
    const { database, config, storage } = this.ctx;
    const hash = createHash('sha256').update(input.bytes).digest('hex');
    const known = await repo.findByHash(database.db, hash);
    // Identical bytes were processed before: reuse the result rather than decoding again.
    const processed = known ? undefined : await processImage(input.bytes, config.maxImagePixels);
    let swept: string[] = [];
    const row = await database.db.transaction(async (tx) => {
      swept = inTx ? await inTx(tx) : [];
      await repo.lockHash(tx, hash);
      const existing = known ?? (await repo.findByHash(tx, hash));
      let made = processed;
      if (!(await storage.stat(blobKey(hash, 'image')))) {
        // Rare: the blob was swept between the look-up and the lock; make it again.
        made ??= await processImage(input.bytes, config.maxImagePixels);
        await storage.put(blobKey(hash, 'thumbnail'), made.thumbnail);
        await storage.put(blobKey(hash, 'image'), made.image);
      }
      const meta = made ?? existing;
      if (!meta) throw new AppError('INTERNAL', 'Image metadata vanished during the upload.');
      return repo.insertImage(tx, {
        id: newId(),
        ownerId: input.ownerId,
        animalId: input.animalId ?? null,
        purpose: input.purpose,
        contentHash: hash,
        contentType: meta.contentType,
        width: meta.width,
        height: meta.height,
        byteSize: made ? made.image.length : (existing?.byteSize ?? 0),
      });
    });
    await this.sweep(swept.filter((h) => h !== hash));
    return row;
  }

  /** A new profile photo replaces the previous one. */
  async storeProfilePhoto(principal: Principal, bytes: Buffer): Promise<ImageRow> {
    const ownerId = principal.account.id;
    return this.store({ ownerId, purpose: 'profile', bytes }, (tx) =>
      repo.deleteImages(tx, and(eq(images.ownerId, ownerId), eq(images.purpose, 'profile'))!),
    );
  }

  /** Only the image's owner or an admin deletes it; someone else's is "not found". */
  async delete(principal: Principal, id: string): Promise<void> {
    const db = this.ctx.database.db;
    const row = await repo.findImage(db, id);
    if (!row || !canActFor(principal, row.ownerId)) throw notFound('image');
    const hashes = await repo.deleteImages(db, eq(images.id, id));
    await this.sweep(hashes);
  }

  /** Removes the blobs of hashes no row names any more (under the hash's lock, against a racing upload). */
  async sweep(hashes: readonly string[]): Promise<void> {
    for (const hash of new Set(hashes)) {
      await this.ctx.database.db.transaction(async (tx) => {
        await repo.lockHash(tx, hash);
        if (await repo.isReferenced(tx, hash)) return;
        await this.ctx.storage.delete(blobKey(hash, 'thumbnail'));
        await this.ctx.storage.delete(blobKey(hash, 'image'));
      });
    }
  }

  hashesOfAnimal(tx: DbOrTx, animalId: string): Promise<string[]> {
    return repo.hashesOfAnimal(tx, animalId);
  }

  /** Deletes every image of an account (its own and those on its animals); returns the hashes to sweep. */
  deleteAllOf(tx: DbOrTx, accountId: string): Promise<string[]> {
    return repo.deleteImages(tx, eq(images.ownerId, accountId));
  }

  /** For deletions inside another module's transaction: the blobs go once it has committed. */
  async sweepLater(tx: DbOrTx, hashes: readonly string[]): Promise<void> {
    if (hashes.length > 0) await enqueue(tx, SWEEP_QUEUE, { hashes: [...new Set(hashes)] });
  }

  async open(
    id: string,
    variant: Variant,
  ): Promise<{ row: ImageRow; contentType: string; etag: string; body: Readable }> {
    const row = await repo.findImage(this.ctx.database.db, id);
    const body = row && (await this.ctx.storage.stream(blobKey(row.contentHash, variant)));
    if (!row || !body) throw notFound('image');
    return {
      row,
      contentType: variant === 'image' ? row.contentType : THUMBNAIL_TYPE,
      etag: `"${row.contentHash}${variant === 'image' ? '' : '.thumb'}"`,
      body,
    };
  }

  /** The account's images for its data export: metadata and URLs (the bytes are served by those URLs). */
  async exportOf(db: DbOrTx, accountId: string) {
    const rows = await db.select().from(images).where(eq(images.ownerId, accountId));
    return rows.map((row) => ({ ...row, ...this.urls(row) }));
  }

  urls(row: ImageRow): { url: string; thumbnailUrl: string } {
    const base = `${this.ctx.config.publicUrl}/v1/images/${row.id}`;
    return { url: base, thumbnailUrl: `${base}/thumbnail` };
  }
}

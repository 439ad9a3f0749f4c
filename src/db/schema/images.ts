import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';
import { animals } from './animals.ts';

export const IMAGE_PURPOSES = ['animal', 'profile'] as const;
export type ImagePurpose = (typeof IMAGE_PURPOSES)[number];

/**
 * Uploaded images. The bytes live in blob storage under their content hash (`images/<sha256>`), so identical
 * uploads share one blob; a blob goes when the last row naming its hash does.
 */
export const images = pgTable(
  'images',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    animalId: uuid('animal_id').references(() => animals.id, { onDelete: 'cascade' }),
    purpose: text('purpose').$type<ImagePurpose>().notNull(),
    /** sha256 (hex) of the uploaded bytes: the dedupe key and the blob key. */
    contentHash: text('content_hash').notNull(),
    contentType: text('content_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    byteSize: integer('byte_size').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('images_animal_idx').on(t.animalId),
    index('images_owner_purpose_idx').on(t.ownerId, t.purpose),
    index('images_content_hash_idx').on(t.contentHash),
  ],
);

export type ImageRow = typeof images.$inferSelect;

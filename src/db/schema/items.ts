import { sql, type SQL } from 'drizzle-orm';
import {
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';

export const ITEM_KINDS = ['movie', 'series', 'book', 'game', 'track', 'application'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** Free per-item attributes (director, author, platform, …): JSON, shown as given, used by content similarity. */
export type ItemAttributes = Record<string, unknown>;

/**
 * The catalogue (contract §7). `rating_count`/`rating_sum` move by deltas as ratings arrive or change
 * (feedback module), and `popularity` is the IMDB weighted rating computed with the `m` and `C` of
 * `catalog_stats` at that moment (refreshed for every item when those drift; catalog.popularity.ts).
 */
export const items = pgTable(
  'items',
  {
    id: uuid('id').primaryKey(),
    externalId: text('external_id'),
    kind: text('kind', { enum: ITEM_KINDS }).notNull(),
    title: text('title').notNull(),
    description: text('description'),
    genres: text('genres')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    year: integer('year'),
    attributes: jsonb('attributes').$type<ItemAttributes>(),
    ratingCount: integer('rating_count').notNull().default(0),
    ratingSum: doublePrecision('rating_sum').notNull().default(0),
    popularity: doublePrecision('popularity').notNull().default(0),
    /** Title weighs more than description in the ranking of `?q=` (websearch_to_tsquery). */
    search: tsvector('search').generatedAlwaysAs((): SQL =>
      sql.raw(
        `setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')`,
      ),
    ),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    // NULLs stay distinct, so items without an external id never collide; imports upsert on it.
    uniqueIndex('items_external_id_idx').on(t.externalId),
    index('items_popularity_idx').on(t.popularity.desc(), t.id),
    index('items_genres_idx').using('gin', t.genres),
    index('items_search_idx').using('gin', t.search),
  ],
);

/**
 * The one row (id 1) holding the IMDB formula's global terms: `m`, the 90th percentile of the rated items'
 * rating counts, and `c`, the mean of all ratings. Recomputed from `items` in one statement
 * (catalog.popularity.ts), never on a request's path.
 */
export const catalogStats = pgTable('catalog_stats', {
  id: integer('id').primaryKey(),
  m: doublePrecision('m').notNull().default(0),
  c: doublePrecision('c').notNull().default(0),
  refreshedAt: timestamp('refreshed_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

export const SUGGESTION_STATUSES = ['pending', 'accepted', 'declined'] as const;
export type SuggestionStatus = (typeof SUGGESTION_STATUSES)[number];

/** Items users suggest; an admin accepts one (it becomes an item, `item_id`) or declines it. */
export const itemSuggestions = pgTable(
  'item_suggestions',
  {
    id: uuid('id').primaryKey(),
    accountId: uuid('account_id').references(() => accounts.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ITEM_KINDS }).notNull(),
    title: text('title').notNull(),
    description: text('description'),
    genres: text('genres')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    year: integer('year'),
    attributes: jsonb('attributes').$type<ItemAttributes>(),
    status: text('status', { enum: SUGGESTION_STATUSES }).notNull().default('pending'),
    itemId: uuid('item_id').references(() => items.id, { onDelete: 'set null' }),
    decidedBy: uuid('decided_by').references(() => accounts.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('item_suggestions_status_idx').on(t.status, t.id),
    index('item_suggestions_account_idx').on(t.accountId),
  ],
);

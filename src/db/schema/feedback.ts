import { sql } from 'drizzle-orm';
import {
  index,
  jsonb,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';
import { items } from './items.ts';

export const FEEDBACK_TYPES = ['view', 'like', 'dislike', 'rating'] as const;
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];

/**
 * Which row a feedback type lands in: one per (user, item, slot). Like and dislike share a slot, so the
 * latest of the two wins; a view row counts views in `value`; a rating row holds the latest rating.
 */
export const FEEDBACK_SLOTS: Readonly<Record<FeedbackType, number>> = {
  view: 0,
  like: 1,
  dislike: 1,
  rating: 2,
};

/**
 * Feedback of users on items. `user_key` is an account id, or `ext:<external_user>` for imported history
 * whose users are not accounts (so no foreign key: the feedback module deletes an account's rows on
 * `account.deleted`). `at` is when it happened (a client's import may date it); `updated_at` is when this
 * server last changed the row (what "new feedback since" counts).
 */
export const feedback = pgTable(
  'feedback',
  {
    userKey: text('user_key').notNull(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id, { onDelete: 'cascade' }),
    slot: smallint('slot').notNull(),
    type: text('type', { enum: FEEDBACK_TYPES }).notNull(),
    /** The rating (0..5), or the number of views; null for like/dislike. */
    value: real('value'),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userKey, t.itemId, t.slot] }),
    index('feedback_item_idx').on(t.itemId),
    index('feedback_updated_at_idx').on(t.updatedAt),
  ],
);

/**
 * "Bad recommendation" marks: the item is hidden from that user, and `reasons` (`{genres?, year?, text?}`)
 * tell the ranker what to lower. The latest mark on an item replaces the previous one.
 */
export const badRecommendations = pgTable(
  'bad_recommendations',
  {
    userKey: text('user_key').notNull(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id, { onDelete: 'cascade' }),
    reasons: jsonb('reasons').$type<BadRecommendationReasons>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userKey, t.itemId] })],
);

/** Why a recommendation was bad: genres and a year range (or one year) to lower, and free text. */
export interface BadRecommendationReasons {
  genres?: string[];
  year?: { from?: number; to?: number };
  text?: string;
}

/**
 * Genres an account says it likes (cold start for the recommendations). Accounts are tombstoned, not
 * deleted, so the cascade rarely fires: the feedback module deletes these on `account.deleted`.
 */
export const likedGenres = pgTable(
  'liked_genres',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    genre: text('genre').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.genre] })],
);

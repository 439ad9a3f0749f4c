import { and, asc, count, eq, gt, or, sql } from 'drizzle-orm';
import { runRaw, type Db, type RawStatement } from '../../core/db/database.ts';
import {
  badRecommendations,
  feedback,
  likedGenres as likedGenresTable,
  type BadRecommendationReasons,
  type FeedbackType,
} from '../../db/schema/feedback.ts';

/** An account uuid, or `ext:<external_user>` for imported users who are not accounts. */
export type UserKey = string;

/** One feedback row: for ratings `value` is the latest rating (0..5), for views the count, else null. */
export interface FeedbackEvent {
  readonly user: UserKey;
  readonly itemId: string;
  readonly type: FeedbackType;
  readonly value: number | null;
  readonly at: Date;
}

export interface UserFeedback {
  /** Every row of the user: rated, liked, disliked, viewed (one row per item and type; like/dislike exclusive). */
  readonly rows: Array<Omit<FeedbackEvent, 'user'>>;
  /** Items marked as bad recommendations (always excluded), with what to lower. */
  readonly bad: Array<{ itemId: string; reasons: BadRecommendationReasons; at: Date }>;
}

/** What the recommendations module reads from the feedback. */
export interface FeedbackReader {
  /** All feedback for training, in batches (ordered by user, then item), each one query. */
  stream(batchSize?: number): AsyncIterable<FeedbackEvent[]>;
  forUser(user: UserKey): Promise<UserFeedback>;
  likedGenres(accountId: string): Promise<string[]>;
  /** Feedback rows and bad-recommendation marks written since `at` (retrain when enough arrived). */
  changedSince(at: Date): Promise<number>;
  /** `ext:<external>` when that imported user has feedback, else null. */
  resolveExternalUser(external: string): Promise<UserKey | null>;
}

/** The user key of imported history that belongs to no account. */
export const externalUserKey = (external: string): UserKey => `ext:${external}`;

interface UserRow {
  item_id: string;
  type: FeedbackType | 'bad';
  value: number | null;
  /** Epoch milliseconds: a float is cheaper for the drivers to parse than a timestamp. */
  at_ms: number;
  reasons: BadRecommendationReasons | null;
}

const FOR_USER: RawStatement = {
  name: 'feedback_for_user_v1',
  text: `select item_id::text as item_id, type, value, (extract(epoch from at) * 1000)::float8 as at_ms,
            null::jsonb as reasons
       from feedback where user_key = $1::text
     union all
     select item_id::text, 'bad', null, (extract(epoch from created_at) * 1000)::float8, reasons
       from bad_recommendations where user_key = $1::text`,
};

export function createFeedbackReader(db: Db): FeedbackReader {
  return {
    async *stream(batchSize = 10_000) {
      let after: { userKey: string; itemId: string; slot: number } | undefined;
      for (;;) {
        const rows = await db
          .select()
          .from(feedback)
          .where(
            after &&
              or(
                gt(feedback.userKey, after.userKey),
                and(
                  eq(feedback.userKey, after.userKey),
                  sql`(${feedback.itemId}, ${feedback.slot}) > (${after.itemId}, ${after.slot})`,
                ),
              ),
          )
          .orderBy(asc(feedback.userKey), asc(feedback.itemId), asc(feedback.slot))
          .limit(batchSize);
        if (rows.length === 0) return;
        yield rows.map((r) => ({
          user: r.userKey,
          itemId: r.itemId,
          type: r.type,
          value: r.value,
          at: r.at,
        }));
        const last = rows.at(-1)!;
        if (rows.length < batchSize) return;
        after = { userKey: last.userKey, itemId: last.itemId, slot: last.slot };
      }
    },
    async forUser(user) {
      // One round trip for both tables, hand-written and prepared once per connection: this runs on every
      // recommendation request, where Drizzle's query building and a second query cost more than the rows.
      const rows = await runRaw<UserRow>(db, FOR_USER, [user]);
      const out: UserFeedback = { rows: [], bad: [] };
      for (const r of rows) {
        const at = new Date(r.at_ms);
        if (r.type === 'bad') out.bad.push({ itemId: r.item_id, reasons: r.reasons!, at });
        else out.rows.push({ itemId: r.item_id, type: r.type, value: r.value, at });
      }
      return out;
    },
    async likedGenres(accountId) {
      const rows = await db
        .select({ genre: likedGenresTable.genre })
        .from(likedGenresTable)
        .where(eq(likedGenresTable.accountId, accountId))
        .orderBy(likedGenresTable.genre);
      return rows.map((r) => r.genre);
    },
    async changedSince(at) {
      const [rows, marks] = await Promise.all([
        db.select({ n: count() }).from(feedback).where(gt(feedback.updatedAt, at)),
        db.select({ n: count() }).from(badRecommendations).where(gt(badRecommendations.createdAt, at)),
      ]);
      return (rows[0]?.n ?? 0) + (marks[0]?.n ?? 0);
    },
    async resolveExternalUser(external) {
      const key = externalUserKey(external);
      const rows = await db
        .select({ userKey: feedback.userKey })
        .from(feedback)
        .where(eq(feedback.userKey, key))
        .limit(1);
      return rows.length > 0 ? key : null;
    },
  };
}

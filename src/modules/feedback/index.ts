// The feedback module's public surface: other modules and the composition root import only from here.
//
// For the recommendations module (built in app.ts with `createFeedbackReader(ctx.database.db)`):
//
//   type UserKey = string;  // an account uuid, or `ext:<external_user>` (externalUserKey) for imported users
//   interface FeedbackEvent { user: UserKey; itemId: string; type: 'view'|'like'|'dislike'|'rating';
//     value: number | null /* rating 0..5, view count, null for like/dislike */; at: Date }
//   interface FeedbackReader {
//     stream(batchSize?: number /* 10 000 */): AsyncIterable<FeedbackEvent[]>;  // ordered by user, item
//     forUser(user: UserKey): Promise<{ rows: Array<{ itemId; type; value; at }>;
//       bad: Array<{ itemId: string; reasons: BadRecommendationReasons; at: Date }> }>;
//     likedGenres(accountId: string): Promise<string[]>;
//     changedSince(at: Date): Promise<number>;      // feedback rows + bad marks written after `at`
//     resolveExternalUser(external: string): Promise<UserKey | null>;  // null when it has no feedback
//   }
//   interface BadRecommendationReasons { genres?: string[]; year?: { from?: number; to?: number }; text?: string }
//   // A bare year in a request (`year: 1999`) is stored as { from: 1999, to: 1999 }.
//
// For the CLI: importFeedback(db, stream, 'csv' | 'ndjson', { batchRows, maxLineBytes, onProgress }).
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Guard } from '../auth/index.ts';
import * as repo from './feedback.repository.ts';
import { feedbackRoutes } from './feedback.routes.ts';

export { createFeedbackReader, externalUserKey } from './feedback.reader.ts';
export type { FeedbackEvent, FeedbackReader, UserFeedback, UserKey } from './feedback.reader.ts';
export type { BadRecommendationReasons, FeedbackType } from '../../db/schema/feedback.ts';
export { FEEDBACK_TYPES } from '../../db/schema/feedback.ts';
export { importFeedback, type FeedbackImportReport } from './feedback.import.ts';

/**
 * Users' feedback on items (contract §7): ratings, likes, views, bad-recommendation marks, liked genres,
 * and the bulk import of history. Registers the `feedback` export section and, on `account.deleted`,
 * erases the account's feedback (taking its ratings out of the items' counters), marks and liked genres:
 * feedback rows have no foreign key to accounts (imported users are not accounts), and accounts are
 * tombstoned, so no cascade would fire. Nothing expires.
 * @example await app.register(feedbackModule({ ctx, guard }))
 */
export function feedbackModule(deps: { ctx: AppContext; guard: Guard }): FastifyPluginAsync {
  const { ctx, guard } = deps;
  return async (app) => {
    const db = ctx.database.db;
    ctx.exports.register('feedback', async (tx, accountId) => {
      const { rows, bad } = await repo.exportOf(tx, accountId);
      return {
        feedback: rows.map((r) => ({
          item_id: r.itemId,
          type: r.type,
          value: r.value,
          at: r.at.toISOString(),
        })),
        bad_recommendations: bad.map((b) => ({
          item_id: b.itemId,
          reasons: b.reasons,
          created_at: b.createdAt.toISOString(),
        })),
        liked_genres: await repo.likedGenresOf(tx, accountId),
      };
    });
    ctx.events.on('account.deleted', async (tx, { accountId }) => {
      await repo.deleteAllOf(tx, accountId);
      await repo.deleteLikedGenres(tx, accountId);
    });
    await app.register(feedbackRoutes({ db, config: ctx.config, guard }));
  };
}

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
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Guard } from '../auth/index.ts';

export { createFeedbackReader, externalUserKey } from './feedback.reader.ts';
export type { FeedbackEvent, FeedbackReader, UserFeedback, UserKey } from './feedback.reader.ts';
export type { BadRecommendationReasons, FeedbackType } from '../../db/schema/feedback.ts';
export { FEEDBACK_TYPES } from '../../db/schema/feedback.ts';

/**
 * Users' feedback on items (contract §7): ratings, likes, views, bad-recommendation marks, liked genres,
 * and the bulk import of history.
 * @example await app.register(feedbackModule({ ctx, guard }))
 */
export function feedbackModule(deps: { ctx: AppContext; guard: Guard }): FastifyPluginAsync {
  void deps;
  return async () => undefined;
}

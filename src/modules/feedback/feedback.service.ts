import type { Db } from '../../core/db/database.ts';
import { conflict, notFound, validationFailed, type FieldError } from '../../core/errors/app-error.ts';
import type { BadRecommendationReasons } from '../../db/schema/feedback.ts';
import * as repo from './feedback.repository.ts';
import { MAX_LIKED_GENRES, type BadRecommendationBody, type FeedbackInput } from './feedback.schemas.ts';

/**
 * Records an account's feedback, all or nothing: a rating needs a value (0..5), the other types take none,
 * and every item must exist; otherwise a 422 naming each bad entry and nothing written.
 */
export async function recordFeedback(
  db: Db,
  accountId: string,
  inputs: FeedbackInput[],
  pathOf: (index: number) => string,
): Promise<number> {
  const errors: FieldError[] = [];
  inputs.forEach((input, index) => {
    if (input.type === 'rating' && input.value === undefined)
      errors.push({ path: `${pathOf(index)}/value`, message: 'a rating needs a value, 0..5' });
    if (input.type !== 'rating' && input.value !== undefined)
      errors.push({ path: `${pathOf(index)}/value`, message: `a ${input.type} takes no value` });
  });
  const known = await repo.existingItemIds(db, [...new Set(inputs.map((i) => i.item_id))]);
  inputs.forEach((input, index) => {
    if (!known.has(input.item_id)) errors.push({ path: `${pathOf(index)}/item_id`, message: 'no such item' });
  });
  if (errors.length > 0) throw validationFailed(errors);
  const at = new Date();
  const writes = inputs.map((input) => ({
    userKey: accountId,
    itemId: input.item_id,
    type: input.type,
    value: input.type === 'rating' ? input.value! : input.type === 'view' ? 1 : null,
    at,
  }));
  await repo.writeFeedback(db, repo.mergeWrites(writes));
  return inputs.length;
}

/** A bare year in the request (`year: 1999`) is the range 1999..1999. */
export function normalizeReasons(reasons: BadRecommendationBody['reasons']): BadRecommendationReasons {
  const { year, ...rest } = reasons;
  if (year === undefined) return rest;
  return { ...rest, year: typeof year === 'number' ? { from: year, to: year } : year };
}

export async function markBadRecommendation(
  db: Db,
  accountId: string,
  itemId: string,
  body: BadRecommendationBody,
) {
  const known = await repo.existingItemIds(db, [itemId]);
  if (!known.has(itemId)) throw notFound('item');
  const reasons = normalizeReasons(body.reasons);
  if (
    reasons.year?.from !== undefined &&
    reasons.year.to !== undefined &&
    reasons.year.from > reasons.year.to
  )
    throw validationFailed([{ path: '/body/reasons/year', message: '`from` is after `to`' }]);
  return repo.markBad(db, accountId, itemId, reasons);
}

export async function likeGenre(db: Db, accountId: string, genre: string): Promise<void> {
  await db.transaction(async (tx) => {
    if ((await repo.countLikedGenres(tx, accountId)) >= MAX_LIKED_GENRES) {
      const liked = await repo.likedGenresOf(tx, accountId);
      if (!liked.includes(genre)) throw conflict(`You can like at most ${MAX_LIKED_GENRES} genres.`);
    }
    await repo.likeGenre(tx, accountId, genre);
  });
}

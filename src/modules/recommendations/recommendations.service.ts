// The rules of recommending: blend the engines for users with history, fill with liked genres and then
// popularity (cold start), never show what the user already rated, disliked, viewed or marked bad, and say
// why each item is there.
import { notFound } from '../../core/errors/app-error.ts';
import type { CatalogItem, CatalogReader, ItemKind } from '../catalog/index.ts';
import type { FeedbackReader, UserKey } from '../feedback/index.ts';
import { because, blendScores, engineScores, leadingEngine, type EngineName } from './engines/model.ts';
import { topK } from './engines/topk.ts';
import { excluded, penalties, reasonsAgainst, viewOf, type UserView } from './recommendations.ranking.ts';
import type { RecoTrainer, ServingModel } from './recommendations.trainer.ts';

export interface RecoDeps {
  readonly trainer: RecoTrainer;
  readonly catalog: CatalogReader;
  readonly feedback: FeedbackReader;
}

export interface Recommendation {
  readonly item: CatalogItem;
  readonly score: number;
  readonly engine: EngineName;
  readonly reason: string;
}

interface Pick {
  readonly id: string;
  readonly score: number;
  readonly engine: EngineName;
  readonly reason: string;
}

export interface RecommendOptions {
  readonly limit: number;
  readonly kind?: ItemKind;
  /** The account whose liked genres start a cold start (none for imported external users). */
  readonly accountId?: string;
}

/** Top `limit` recommendations for one user (an account id or `ext:<external_user>`). */
export async function recommendFor(
  deps: RecoDeps,
  user: UserKey,
  options: RecommendOptions,
): Promise<Recommendation[]> {
  const served = deps.trainer.current;
  const view = viewOf(await deps.feedback.forUser(user), served);
  const picks = served && view.items.length > 0 ? fromModel(served, view, options) : [];
  // Liked genres matter only when the model leaves places to fill: one query saved on most requests.
  const liked =
    options.accountId && picks.length < options.limit
      ? await deps.feedback.likedGenres(options.accountId)
      : [];
  return withItems(deps, await fillColdStart(deps, picks, view, liked, options));
}

function fromModel(served: ServingModel, view: UserView, options: RecommendOptions): Pick[] {
  const { model, facts } = served;
  const skip = excluded(served, view.seen, options.kind);
  const raw = engineScores(model, view.items, view.weights);
  const blended = blendScores(
    model,
    raw,
    (i) => skip[i] === 1,
    model.options.weights,
    penalties(served, view.bad),
  );
  return Array.from(
    topK(blended.total, options.limit, (i) => skip[i] === 1),
    (index) => {
      const engine = leadingEngine(blended, index);
      const from = because(model, engine, view.items, view.weights, index);
      let reason: string;
      if (engine === 'popularity') reason = popularReason(facts.genres[index]!, []);
      else if (from < 0) reason = 'liked by people with tastes like yours';
      else if (engine === 'content') reason = `similar to ${facts.title[from]}`;
      else reason = `because you ${view.kinds.get(from) ?? 'liked'} ${facts.title[from]}`;
      return { id: served.itemIds[index]!, score: blended.total[index]!, engine, reason };
    },
  );
}

/** Fills up to the limit from the liked genres' most popular items, then the most popular of all. */
async function fillColdStart(
  deps: RecoDeps,
  picks: Pick[],
  view: UserView,
  liked: readonly string[],
  options: RecommendOptions,
): Promise<Pick[]> {
  const out = [...picks];
  const taken = new Set([...view.seen, ...picks.map((p) => p.id)]);
  for (const genres of liked.length > 0 ? [liked, undefined] : [undefined]) {
    const missing = options.limit - out.length;
    if (missing <= 0) break;
    // Over-fetched so that items a bad-recommendation reason names can sink below the others.
    const candidates = await deps.catalog.popular({
      kind: options.kind,
      genres,
      exclude: taken,
      limit: missing + 20,
    });
    const ranked = candidates
      .map((item) => ({ item, against: reasonsAgainst(view.bad, item.genres, item.year) }))
      .sort((a, b) => a.against - b.against)
      .slice(0, missing);
    for (const { item } of ranked) {
      taken.add(item.id);
      out.push({
        id: item.id,
        score: item.popularity / 10,
        engine: 'popularity',
        reason: popularReason(item.genres, liked),
      });
    }
  }
  return out;
}

/** "popular in Comedy" (a liked genre first), or "popular right now" for an item without genres. */
export function popularReason(genres: readonly string[], liked: readonly string[]): string {
  const genre = genres.find((g) => liked.includes(g)) ?? genres[0];
  return genre ? `popular in ${genre}` : 'popular right now';
}

async function withItems(deps: RecoDeps, picks: readonly Pick[]): Promise<Recommendation[]> {
  const items = await deps.catalog.byIds(picks.map((p) => p.id));
  return picks.flatMap((p) => {
    const item = items.get(p.id);
    return item ? [{ item, score: p.score, engine: p.engine, reason: p.reason }] : [];
  });
}

/** Items like `itemId`: content similarity blended with co-occurrence; 404 for an unknown item. */
export async function similarTo(deps: RecoDeps, itemId: string, limit: number): Promise<Recommendation[]> {
  const served = deps.trainer.current;
  const index = served?.indexOf.get(itemId);
  if (!served || index === undefined) {
    const item = (await deps.catalog.byIds([itemId])).get(itemId);
    if (!item) throw notFound('item');
    // Not in the model yet (added since the last training): the most popular items sharing a genre.
    const popular = await deps.catalog.popular({ genres: item.genres, exclude: new Set([itemId]), limit });
    return popular.map((p) => ({
      item: p,
      score: p.popularity / 10,
      engine: 'popularity',
      reason: popularReason(p.genres, item.genres),
    }));
  }
  const { model, facts } = served;
  const title = facts.title[index]!;
  const scores = new Map<number, { content: number; cooc: number }>();
  const add = (
    nb: { k: number; index: Int32Array; weight: Float32Array } | null,
    key: 'content' | 'cooc',
  ) => {
    if (!nb) return;
    let max = 0;
    for (let q = index * nb.k; q < index * nb.k + nb.k; q++) max = Math.max(max, nb.weight[q]!);
    for (let q = index * nb.k; q < index * nb.k + nb.k; q++) {
      const j = nb.index[q]!;
      if (j < 0 || facts.kind[j] === null) continue;
      const entry = scores.get(j) ?? { content: 0, cooc: 0 };
      entry[key] = nb.weight[q]! / (max || 1);
      scores.set(j, entry);
    }
  };
  add(model.content, 'content');
  add(model.itemKnn, 'cooc');
  const ranked = [...scores.entries()]
    .map(([j, s]) => ({ j, score: 0.5 * s.content + 0.5 * s.cooc, s }))
    .sort((a, b) => b.score - a.score || a.j - b.j)
    .slice(0, limit);
  return withItems(
    deps,
    ranked.map(({ j, score, s }) => ({
      id: served.itemIds[j]!,
      score,
      engine: s.content >= s.cooc ? 'content' : 'item_knn',
      reason: s.content >= s.cooc ? `similar to ${title}` : `often liked together with ${title}`,
    })),
  );
}

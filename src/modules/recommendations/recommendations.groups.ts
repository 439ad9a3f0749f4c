// Recommendations for a group (used by the groups module): every member's blended scores, scaled to their
// own maximum, aggregated by average or least misery (the minimum), excluding whatever any member has seen.
import type { ItemKind } from '../catalog/index.ts';
import { because, blendScores, engineScores, leadingEngine, type EngineName } from './engines/model.ts';
import { topK } from './engines/topk.ts';
import { excluded, penalties, viewOf, type UserView } from './recommendations.ranking.ts';
import { popularReason, type RecoDeps, type Recommendation } from './recommendations.service.ts';
import type { ServingModel } from './recommendations.trainer.ts';

export type Aggregation = 'average' | 'least_misery';

export interface GroupOptions {
  readonly aggregation: Aggregation;
  readonly limit: number;
  readonly kind?: ItemKind;
}

/** Top `limit` items for a group of accounts; nothing any member rated, disliked, viewed or marked bad. */
export async function recommendForAccounts(
  deps: RecoDeps,
  accountIds: readonly string[],
  options: GroupOptions,
): Promise<Recommendation[]> {
  const served = deps.trainer.current;
  const views = await Promise.all(
    accountIds.map(async (id) => viewOf(await deps.feedback.forUser(id), served)),
  );
  const seen = new Set(views.flatMap((v) => [...v.seen]));
  if (!served || views.every((v) => v.items.length === 0)) {
    // Nobody has history the model knows: the most popular items nobody has seen.
    return coldStart(deps, seen, options);
  }
  const skip = excluded(served, seen, options.kind);
  const isSkipped = (i: number) => skip[i] === 1;
  const members = views.map((view) => memberScores(served, view, isSkipped));
  const n = served.itemIds.length;
  const total = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let agg = options.aggregation === 'average' ? 0 : Infinity;
    for (const m of members)
      agg = options.aggregation === 'average' ? agg + m.scaled[i]! : Math.min(agg, m.scaled[i]!);
    total[i] = options.aggregation === 'average' ? agg / members.length : agg;
  }
  const picks = Array.from(topK(total, options.limit, isSkipped), (index) => {
    // The reason is the member who likes it most: "because the group liked …".
    let best = members[0]!;
    for (const m of members) if (m.scaled[index]! > best.scaled[index]!) best = m;
    return { index, score: total[index]!, ...best.explain(index) };
  });
  const items = await deps.catalog.byIds(picks.map((p) => served.itemIds[p.index]!));
  return picks.flatMap((p) => {
    const item = items.get(served.itemIds[p.index]!);
    return item ? [{ item, score: p.score, engine: p.engine, reason: p.reason }] : [];
  });
}

function memberScores(served: ServingModel, view: UserView, skip: (i: number) => boolean) {
  const { model, facts } = served;
  const blend = model.options.weights;
  // A member without history counts with popularity alone, as a cold-start user would be served.
  const weights = view.items.length > 0 ? blend : { popularity: 1, content: 0, item_knn: 0, ease: 0 };
  const blended = blendScores(
    model,
    engineScores(model, view.items, view.weights),
    skip,
    weights,
    penalties(served, view.bad),
  );
  let max = 0;
  for (let i = 0; i < blended.total.length; i++) if (!skip(i)) max = Math.max(max, blended.total[i]!);
  const scaled = blended.total.map((v) => (max > 0 ? v / max : 0));
  return {
    scaled,
    explain(index: number): { engine: EngineName; reason: string } {
      const engine = leadingEngine(blended, index);
      const from = engine === 'popularity' ? -1 : because(model, engine, view.items, view.weights, index);
      if (from < 0) return { engine, reason: popularReason(facts.genres[index]!, []) };
      return { engine, reason: `because the group liked ${facts.title[from]}` };
    },
  };
}

async function coldStart(
  deps: RecoDeps,
  seen: ReadonlySet<string>,
  options: GroupOptions,
): Promise<Recommendation[]> {
  const popular = await deps.catalog.popular({ kind: options.kind, exclude: seen, limit: options.limit });
  return popular.map((item) => ({
    item,
    score: item.popularity / 10,
    engine: 'popularity',
    reason: popularReason(item.genres, []),
  }));
}

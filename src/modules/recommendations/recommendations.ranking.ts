// Per-user inputs of the ranking: the user's history in model indices, what must never be shown, and the
// penalties a "bad recommendation" mark's reasons put on genres and year ranges.
import type { BadRecommendationReasons, UserFeedback } from '../feedback/index.ts';
import type { ItemKind } from '../catalog/index.ts';
import { FEEDBACK_WEIGHT } from './recommendations.data.ts';
import type { ServingModel } from './recommendations.trainer.ts';

/** Subtracted from an item's blended score (about 0..1.1) for each reason of a mark that names it. */
export const BAD_REASON_PENALTY = 0.3;

export interface UserView {
  /** Every item the user rated, liked, disliked, viewed or marked bad: never recommended. */
  readonly seen: Set<string>;
  /** Positive history in the model's indices, with weights and what the user did. */
  readonly items: Int32Array;
  readonly weights: Float32Array;
  readonly kinds: Map<number, 'liked' | 'rated' | 'viewed'>;
  readonly bad: readonly BadRecommendationReasons[];
}

/** The user's feedback in the terms of one model. */
export function viewOf(fb: UserFeedback, served: ServingModel | null): UserView {
  const seen = new Set<string>();
  const weights = new Map<number, number>();
  const kinds = new Map<number, 'liked' | 'rated' | 'viewed'>();
  for (const row of fb.rows) {
    seen.add(row.itemId);
    const i = served?.indexOf.get(row.itemId);
    const w = FEEDBACK_WEIGHT[row.type];
    if (i === undefined || w === 0) continue;
    if (w >= (weights.get(i) ?? 0)) {
      weights.set(i, w);
      kinds.set(i, row.type === 'like' ? 'liked' : row.type === 'rating' ? 'rated' : 'viewed');
    }
  }
  for (const mark of fb.bad) seen.add(mark.itemId);
  return {
    seen,
    items: Int32Array.from(weights.keys()),
    weights: Float32Array.from(weights.values()),
    kinds,
    bad: fb.bad.map((b) => b.reasons),
  };
}

/** Per model and kind filter: the items no one can be recommended (deleted, or of another kind). */
const baseMasks = new WeakMap<ServingModel, Map<ItemKind | '', Uint8Array>>();

function baseMask(served: ServingModel, kind?: ItemKind): Uint8Array {
  let byKind = baseMasks.get(served);
  if (!byKind) baseMasks.set(served, (byKind = new Map<ItemKind | '', Uint8Array>()));
  let mask = byKind.get(kind ?? '');
  if (!mask) {
    mask = new Uint8Array(served.itemIds.length);
    const kinds = served.facts.kind;
    for (let i = 0; i < mask.length; i++) {
      const k = kinds[i];
      if (k === null || (kind && k !== kind)) mask[i] = 1;
    }
    byKind.set(kind ?? '', mask);
  }
  return mask;
}

/** Which of the model's items cannot be recommended: seen, deleted from the catalogue, or of another kind. */
export function excluded(served: ServingModel, seen: ReadonlySet<string>, kind?: ItemKind): Uint8Array {
  // The model's facts never change while it is served, so the per-kind part is computed once per model.
  const out = baseMask(served, kind).slice();
  for (const id of seen) {
    const i = served.indexOf.get(id);
    if (i !== undefined) out[i] = 1;
  }
  return out;
}

/** How many of the user's bad-recommendation reasons name an item with these genres and year. */
export function reasonsAgainst(
  bad: readonly BadRecommendationReasons[],
  genres: readonly string[],
  year: number | null,
): number {
  let count = 0;
  for (const reasons of bad) {
    if (reasons.genres?.some((g) => genres.some((h) => h.toLowerCase() === g.toLowerCase()))) count++;
    const range = reasons.year;
    if (range && year !== null && (range.from ?? -Infinity) <= year && year <= (range.to ?? Infinity))
      count++;
  }
  return count;
}

/** Per-item penalties of the user's marks, or undefined when there are none. */
export function penalties(
  served: ServingModel,
  bad: readonly BadRecommendationReasons[],
): Float32Array | undefined {
  if (bad.length === 0) return undefined;
  const out = new Float32Array(served.itemIds.length);
  for (let i = 0; i < out.length; i++) {
    const n = reasonsAgainst(bad, served.facts.genres[i]!, served.facts.year[i]!);
    if (n > 0) out[i] = -BAD_REASON_PENALTY * n;
  }
  return out;
}

// IMDB weighted rating (004's popularity): (v/(v+m))·R + (m/(v+m))·C, v = an item's rating count, R its mean
// rating, C the mean over all ratings, m the 90th percentile of rating counts. Items with interactions but no
// explicit rating get C plus a tie-break by interaction count, so a viewed item outranks an unseen one.
import type { Interactions } from './matrix.ts';

/** Popularity score per item. */
export function trainPopularity(data: Interactions): Float32Array {
  const count = new Float64Array(data.items);
  const sum = new Float64Array(data.items);
  const touches = new Float64Array(data.items);
  let total = 0;
  let ratings = 0;
  for (let k = 0; k < data.item.length; k++) {
    const i = data.item[k]!;
    touches[i]!++;
    const r = data.rating[k]!;
    if (Number.isNaN(r)) continue;
    count[i]!++;
    sum[i]! += r;
    total += r;
    ratings++;
  }
  const c = ratings > 0 ? total / ratings : 0;
  const m = Math.max(1, percentile(count, 0.9));
  let maxTouches = 1;
  for (const t of touches) maxTouches = Math.max(maxTouches, t);
  const score = new Float32Array(data.items);
  for (let i = 0; i < data.items; i++) {
    const v = count[i]!;
    const r = v > 0 ? sum[i]! / v : c;
    // The tie-break stays below 0.01 of a rating point, so it orders only equal weighted ratings.
    score[i] = (v / (v + m)) * r + (m / (v + m)) * c + (0.01 * touches[i]!) / maxTouches;
  }
  return score;
}

/** The q-quantile (nearest rank) of the rated items' counts. */
export function percentile(values: Float64Array, q: number): number {
  const rated = Array.from(values).filter((v) => v > 0);
  if (rated.length === 0) return 0;
  rated.sort((a, b) => a - b);
  return rated[Math.min(rated.length - 1, Math.ceil(q * rated.length) - 1)]!;
}

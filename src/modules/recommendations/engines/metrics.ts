// Ranking metrics as Microsoft Recommenders computes them (python_evaluation.py), binary relevance: the
// per-user values below are averaged over the users of the test part.

/** Hits among the first k recommendations divided by k. */
export function precisionAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  k: number,
): number {
  return hits(recommended, relevant, k) / k;
}

/** Hits among the first k divided by the number of relevant items. */
export function recallAtK(recommended: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return relevant.size === 0 ? 0 : hits(recommended, relevant, k) / relevant.size;
}

/** DCG of the first k (gain 1, discount log2(rank + 1)) over the ideal DCG of min(k, |relevant|) hits. */
export function ndcgAtK(recommended: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  let dcg = 0;
  const top = Math.min(k, recommended.length);
  for (let r = 0; r < top; r++) if (relevant.has(recommended[r]!)) dcg += 1 / Math.log2(r + 2);
  let ideal = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) ideal += 1 / Math.log2(r + 2);
  return ideal === 0 ? 0 : dcg / ideal;
}

/**
 * Average precision of the first k: the sum of precision@rank at each hit, divided by the number of
 * relevant items (Spark's meanAveragePrecision, which the Recommenders benchmark table reports as MAP).
 */
export function averagePrecisionAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  k: number,
): number {
  let found = 0;
  let sum = 0;
  const top = Math.min(k, recommended.length);
  for (let r = 0; r < top; r++)
    if (relevant.has(recommended[r]!)) {
      found++;
      sum += found / (r + 1);
    }
  return relevant.size === 0 ? 0 : sum / relevant.size;
}

/** Distinct recommended items over the number of items in the training catalogue. */
export function catalogCoverage(lists: Iterable<ArrayLike<number>>, catalogSize: number): number {
  const seen = new Set<number>();
  for (const list of lists) for (let r = 0; r < list.length; r++) seen.add(list[r]!);
  return catalogSize === 0 ? 0 : seen.size / catalogSize;
}

function hits(recommended: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  let count = 0;
  const top = Math.min(k, recommended.length);
  for (let r = 0; r < top; r++) if (relevant.has(recommended[r]!)) count++;
  return count;
}

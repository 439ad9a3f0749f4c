// Partial selection of the k best scores; a full sort of a 10^5-item catalogue per request would dominate.

/**
 * Indices of the `k` highest finite scores, best first; `skip(i)` excludes a candidate.
 * @example topK(new Float32Array([0.1, 0.9, 0.5]), 2) // Int32Array [1, 2]
 */
export function topK(scores: Float32Array, k: number, skip?: (index: number) => boolean): Int32Array {
  const best = new Int32Array(k);
  const bestScore = new Float64Array(k);
  let size = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) continue;
    if (size === k && s <= bestScore[k - 1]!) continue;
    if (skip?.(i)) continue;
    // Insertion into the sorted prefix; k is small (10..100).
    let at = size < k ? size++ : k - 1;
    while (at > 0 && bestScore[at - 1]! < s) {
      best[at] = best[at - 1]!;
      bestScore[at] = bestScore[at - 1]!;
      at--;
    }
    best[at] = i;
    bestScore[at] = s;
  }
  return best.slice(0, size);
}

/** Neighbour lists: row i holds up to k (index, weight) pairs in [i*k, i*k+k), padded with index −1. */
export interface Neighbours {
  readonly k: number;
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

/**
 * Writes the k best positive scores among the `count` touched candidates (excluding `self`) into row `row`,
 * then zeroes those scores so the buffer is clean for the next row without an O(n) fill.
 */
export function keepNeighbours(
  out: Neighbours,
  row: number,
  scores: Float32Array,
  touched: Int32Array,
  count: number,
  self: number,
): void {
  const candidate = new Float32Array(count);
  for (let t = 0; t < count; t++) {
    const j = touched[t]!;
    candidate[t] = j === self || scores[j]! <= 0 ? Number.NaN : scores[j]!;
  }
  const best = topK(candidate, out.k);
  const base = row * out.k;
  out.index.fill(-1, base, base + out.k);
  for (let t = 0; t < best.length; t++) {
    out.index[base + t] = touched[best[t]!]!;
    out.weight[base + t] = candidate[best[t]!]!;
  }
  for (let t = 0; t < count; t++) scores[touched[t]!] = 0;
}

/** An empty neighbour list for n items. */
export function emptyNeighbours(n: number, k: number): Neighbours {
  return { k, index: new Int32Array(n * k).fill(-1), weight: new Float32Array(n * k) };
}

/** Adds, for every item the user has, its neighbours' weights times the user's weight into `out`. */
export function scoreByNeighbours(
  nb: Neighbours,
  items: Int32Array,
  weights: Float32Array,
  out: Float32Array,
): void {
  for (let t = 0; t < items.length; t++) {
    const base = items[t]! * nb.k;
    const w = weights[t]!;
    for (let q = 0; q < nb.k; q++) {
      const j = nb.index[base + q]!;
      if (j < 0) break;
      out[j]! += w * nb.weight[base + q]!;
    }
  }
}

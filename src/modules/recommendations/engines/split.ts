// The per-user stratified random split of Microsoft Recommenders (python_stratified_split): each user's
// interactions are shuffled with a seeded generator and the first `ratio` of them go to training.
import type { Interactions } from './matrix.ts';

/** mulberry32: a small seeded generator, so that a split is reproducible from its seed alone. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keeps the interactions whose positions are set in `mask`. */
export function subset(data: Interactions, mask: Uint8Array): Interactions {
  const keep: number[] = [];
  for (let k = 0; k < mask.length; k++) if (mask[k]) keep.push(k);
  const pick = <T extends Int32Array | Float32Array>(source: T, make: (n: number) => T): T => {
    const out = make(keep.length);
    keep.forEach((k, at) => (out[at] = source[k]!));
    return out;
  };
  return {
    users: data.users,
    items: data.items,
    user: pick(data.user, (n) => new Int32Array(n)),
    item: pick(data.item, (n) => new Int32Array(n)),
    weight: pick(data.weight, (n) => new Float32Array(n)),
    rating: pick(data.rating, (n) => new Float32Array(n)),
  };
}

/** Splits every user's interactions: round(ratio·n) of them (at least one) to train, the rest to test. */
export function stratifiedSplit(
  data: Interactions,
  ratio: number,
  seed: number,
): { train: Interactions; test: Interactions } {
  const random = seededRandom(seed);
  const byUser: number[][] = Array.from({ length: data.users }, () => []);
  for (let k = 0; k < data.user.length; k++) byUser[data.user[k]!]!.push(k);
  const mask = new Uint8Array(data.user.length);
  for (const rows of byUser) {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    const cut = Math.max(1, Math.round(ratio * rows.length));
    for (let i = 0; i < Math.min(cut, rows.length); i++) mask[rows[i]!] = 1;
  }
  const inverse = mask.map((v) => 1 - v);
  return { train: subset(data, mask), test: subset(data, inverse) };
}

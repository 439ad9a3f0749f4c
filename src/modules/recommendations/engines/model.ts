// The trained bundle of every engine, and the blender that ranks for one user. Everything here is typed
// arrays plus a few numbers, so a model is serialised (model-codec.ts) and moved between threads whole.
import { trainContent, type ItemText } from './content.ts';
import { scoreEase, trainEase, type EaseModel } from './ease.ts';
import { trainItemKnn } from './item-knn.ts';
import { interactionMatrix, transpose, type Interactions } from './matrix.ts';
import { trainPopularity } from './popularity.ts';
import { scoreByNeighbours, topK, type Neighbours } from './topk.ts';

export const ENGINES = ['popularity', 'content', 'item_knn', 'ease'] as const;
export type EngineName = (typeof ENGINES)[number];
export type Weights = Readonly<Record<EngineName, number>>;

export interface TrainOptions {
  /** EASE regularisation λ. */
  readonly lambda: number;
  /** Items covered by EASE (its cost grows with the cube of this). */
  readonly easeMaxItems: number;
  /** Neighbours kept per item by item-kNN and content similarity. */
  readonly neighbours: number;
  readonly weights: Weights;
}

export const DEFAULT_OPTIONS: TrainOptions = {
  lambda: 250,
  easeMaxItems: 3000,
  neighbours: 100,
  weights: { popularity: 0.05, content: 0.05, item_knn: 0.2, ease: 1 },
};

export interface Model {
  readonly items: number;
  readonly options: TrainOptions;
  readonly popularity: Float32Array;
  readonly content: Neighbours | null;
  readonly itemKnn: Neighbours;
  readonly ease: EaseModel | null;
  /** Milliseconds each engine took to train. */
  readonly trainingMs: Readonly<Record<EngineName, number>>;
}

function timed<T>(run: () => T): [T, number] {
  const start = performance.now();
  const value = run();
  return [value, performance.now() - start];
}

/** Trains every engine with a non-zero weight (popularity and item-kNN always: reasons and fallbacks use them). */
export function trainModel(
  data: Interactions,
  texts: readonly ItemText[] | null,
  options: TrainOptions,
): Model {
  const byUser = interactionMatrix(data);
  const [popularity, popMs] = timed(() => trainPopularity(data));
  const [content, contentMs] = timed(() =>
    texts && options.weights.content > 0 ? trainContent(texts, options.neighbours) : null,
  );
  const [itemKnn, knnMs] = timed(() => trainItemKnn(byUser, transpose(byUser), options.neighbours));
  const [ease, easeMs] = timed(() =>
    options.weights.ease > 0 ? trainEase(byUser, options.lambda, options.easeMaxItems) : null,
  );
  return {
    items: data.items,
    options,
    popularity,
    content,
    itemKnn,
    ease,
    trainingMs: { popularity: popMs, content: contentMs, item_knn: knnMs, ease: easeMs },
  };
}

/** Raw scores of each engine for one user's history (catalogue-indexed). */
export function engineScores(
  model: Model,
  items: Int32Array,
  weights: Float32Array,
): Record<EngineName, Float32Array | null> {
  const n = model.items;
  const content = model.content ? new Float32Array(n) : null;
  if (content && model.content) scoreByNeighbours(model.content, items, weights, content);
  const itemKnn = new Float32Array(n);
  scoreByNeighbours(model.itemKnn, items, weights, itemKnn);
  const ease = model.ease ? new Float32Array(n) : null;
  if (ease && model.ease) scoreEase(model.ease, items, weights, ease);
  return { popularity: model.popularity, content, item_knn: itemKnn, ease };
}

export interface Ranked {
  readonly index: number;
  readonly score: number;
  /** The engine that contributed most to this item's blended score. */
  readonly engine: EngineName;
}

/**
 * Ranks for one user: each engine's scores scaled to [0, 1] by their maximum over the candidates, summed
 * with the blend weights; `exclude` items never appear; `bias` (optional) adds per-item adjustments.
 */
export function recommend(
  model: Model,
  items: Int32Array,
  weights: Float32Array,
  k: number,
  exclude: (index: number) => boolean,
  blend: Weights = model.options.weights,
  bias?: Float32Array,
): Ranked[] {
  return rank(model, engineScores(model, items, weights), k, exclude, blend, bias);
}

/** The blend of already computed engine scores (the evaluation computes them once per user). */
export function rank(
  model: Model,
  raw: Record<EngineName, Float32Array | null>,
  k: number,
  exclude: (index: number) => boolean,
  blend: Weights,
  bias?: Float32Array,
): Ranked[] {
  const n = model.items;
  const scale: Partial<Record<EngineName, number>> = {};
  const offset: Partial<Record<EngineName, number>> = {};
  for (const name of ENGINES) {
    const s = raw[name];
    if (!s || blend[name] === 0) continue;
    let max = 0;
    let min = Infinity;
    for (let i = 0; i < n; i++) {
      const v = s[i]!;
      if (v < min) min = v;
      if (v > max && !exclude(i)) max = v;
    }
    // Popularity is absolute (every item has a score): rescaled min..max; the others are 0 when unrelated.
    const base = name === 'popularity' ? min : 0;
    offset[name] = base;
    scale[name] = max > base ? blend[name] / (max - base) : 0;
  }
  const total = new Float32Array(n);
  for (const name of ENGINES) {
    const s = raw[name];
    const f = scale[name];
    if (!s || !f) continue;
    const o = offset[name] ?? 0;
    for (let i = 0; i < n; i++) total[i]! += f * (s[i]! - o);
  }
  if (bias) for (let i = 0; i < n; i++) total[i]! += bias[i]!;
  return Array.from(topK(total, k, exclude), (index) => {
    let engine: EngineName = 'popularity';
    let best = -Infinity;
    for (const name of ENGINES) {
      const s = raw[name];
      const f = scale[name];
      if (!s || !f) continue;
      const part = f * (s[index]! - (offset[name] ?? 0));
      if (part > best) [best, engine] = [part, name];
    }
    return { index, score: total[index]!, engine };
  });
}

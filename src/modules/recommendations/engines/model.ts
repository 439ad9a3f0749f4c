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

/** A user's blended score of every item, with what is needed to say which engine gave each the most. */
export interface Blended {
  readonly total: Float32Array;
  readonly raw: Record<EngineName, Float32Array | null>;
  readonly scale: Partial<Record<EngineName, number>>;
  readonly offset: Partial<Record<EngineName, number>>;
}

/**
 * Each engine's scores scaled to [0, weight] by their range over the candidates (items not excluded) and
 * summed; `bias` adds per-item adjustments (a user's "bad recommendation" reasons).
 */
export function blendScores(
  model: Model,
  raw: Record<EngineName, Float32Array | null>,
  exclude: (index: number) => boolean,
  blend: Weights,
  bias?: Float32Array,
): Blended {
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
  return { total, raw, scale, offset };
}

/** The engine whose scaled score contributed most to item `index`. */
export function leadingEngine(b: Blended, index: number): EngineName {
  let engine: EngineName = 'popularity';
  let best = -Infinity;
  for (const name of ENGINES) {
    const s = b.raw[name];
    const f = b.scale[name];
    if (!s || !f) continue;
    const part = f * (s[index]! - (b.offset[name] ?? 0));
    if (part > best) [best, engine] = [part, name];
  }
  return engine;
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
  const b = blendScores(model, raw, exclude, blend, bias);
  return Array.from(topK(b.total, k, exclude), (index) => ({
    index,
    score: b.total[index]!,
    engine: leadingEngine(b, index),
  }));
}

/**
 * Which of the user's items did most to recommend `candidate` through `engine` (for "because you liked
 * …"); −1 when none did (popularity, or no link).
 */
export function because(
  model: Model,
  engine: EngineName,
  items: Int32Array,
  weights: Float32Array,
  candidate: number,
): number {
  let best = -1;
  let bestScore = 0;
  for (let t = 0; t < items.length; t++) {
    const i = items[t]!;
    const s = weights[t]! * link(model, engine, i, candidate);
    if (s > bestScore) [best, bestScore] = [i, s];
  }
  return best;
}

function link(model: Model, engine: EngineName, from: number, to: number): number {
  switch (engine) {
    case 'ease': {
      const e = model.ease;
      if (!e) return 0;
      const [p, q] = [e.position[from]!, e.position[to]!];
      return p < 0 || q < 0 ? 0 : e.b[p * e.m + q]!;
    }
    case 'item_knn':
    case 'content': {
      const nb = engine === 'content' ? model.content : model.itemKnn;
      if (!nb) return 0;
      for (let q = from * nb.k; q < from * nb.k + nb.k; q++) if (nb.index[q] === to) return nb.weight[q]!;
      return 0;
    }
    case 'popularity':
      return 0;
  }
}

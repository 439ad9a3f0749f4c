import { describe, expect, it } from 'vitest';
import { trainContent } from '../../src/modules/recommendations/engines/content.ts';
import { invertSpd, scoreEase, trainEase } from '../../src/modules/recommendations/engines/ease.ts';
import { trainItemKnn } from '../../src/modules/recommendations/engines/item-knn.ts';
import { interactionMatrix, transpose } from '../../src/modules/recommendations/engines/matrix.ts';
import {
  recommend,
  trainModel,
  DEFAULT_OPTIONS,
  type Weights,
} from '../../src/modules/recommendations/engines/model.ts';
import { trainPopularity } from '../../src/modules/recommendations/engines/popularity.ts';
import { stratifiedSplit } from '../../src/modules/recommendations/engines/split.ts';
import { topK } from '../../src/modules/recommendations/engines/topk.ts';
import {
  BLOCKBUSTERS,
  CLUSTER,
  ITEMS,
  clusterOf,
  groupOf,
  historyOf,
  planted,
  plantedTexts,
} from './planted.ts';

const data = planted();
const byUser = interactionMatrix(data);

function neighboursOf(nb: { k: number; index: Int32Array }, item: number): number[] {
  return Array.from(nb.index.subarray(item * nb.k, item * nb.k + nb.k)).filter((j) => j >= 0);
}

describe('popularity (IMDB weighted rating)', () => {
  it('ranks the blockbusters first, the same for everybody', () => {
    const top = Array.from(topK(trainPopularity(data), BLOCKBUSTERS));
    expect(top.map(clusterOf)).toEqual(Array(BLOCKBUSTERS).fill('blockbuster'));
  });

  it('pulls a rarely rated item towards the global mean', () => {
    // Ten users rate item 0 with 4 and item 2 with 1; one of them rates item 1 with 5.
    const user = [...Array.from({ length: 10 }, (_, u) => u), 0, ...Array.from({ length: 10 }, (_, u) => u)];
    const item = [...Array(10).fill(0), 1, ...Array(10).fill(2)];
    const rating = [...Array(10).fill(4), 5, ...Array(10).fill(1)];
    const score = trainPopularity({
      users: 10,
      items: 3,
      user: Int32Array.from(user),
      item: Int32Array.from(item),
      weight: new Float32Array(user.length).fill(1),
      rating: Float32Array.from(rating),
    });
    // One 5-star rating is worth less than ten 4-star ones; m = 10 (90th percentile), C = 55/21.
    const c = 55 / 21;
    expect(score[0]!).toBeCloseTo(0.5 * 4 + 0.5 * c + 0.01, 4);
    expect(score[1]!).toBeCloseTo((1 / 11) * 5 + (10 / 11) * c + 0.001, 4);
    expect(score[0]!).toBeGreaterThan(score[1]!);
  });
});

describe('content similarity (TF-IDF cosine)', () => {
  const nb = trainContent(plantedTexts(), 10);
  it.each([
    ['A', 0],
    ['B', CLUSTER],
  ])('neighbours of a cluster %s item are in its cluster', (cluster, item) => {
    const near = neighboursOf(nb, item);
    expect(near).toHaveLength(10);
    expect(near.every((j) => clusterOf(j) === cluster)).toBe(true);
  });
});

describe('item-to-item collaborative filtering', () => {
  const nb = trainItemKnn(byUser, transpose(byUser), 15);
  it.each([
    ['A', 3],
    ['B', CLUSTER + 3],
  ])('a cluster %s item never has a neighbour from the other cluster', (cluster, item) => {
    const near = neighboursOf(nb, item);
    expect(near.length).toBeGreaterThan(0);
    expect(near.every((j) => clusterOf(j) === cluster || clusterOf(j) === 'blockbuster')).toBe(true);
    expect(near).not.toContain(item);
  });
});

describe('EASE', () => {
  it('inverts a symmetric positive-definite matrix', () => {
    const a = Float64Array.of(4, 2, 0, 2, 5, 1, 0, 1, 3);
    const inverse = a.slice();
    invertSpd(inverse, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += a[i * 3 + k]! * inverse[k * 3 + j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => invertSpd(Float64Array.of(1, 2, 2, 1), 2)).toThrow(/positive definite/);
  });

  it('has a zero diagonal and scores the user’s own cluster above the other', () => {
    const model = trainEase(byUser, 10, 1000);
    for (let p = 0; p < model.m; p++) expect(model.b[p * model.m + p]).toBe(0);
    const { items, weights } = historyOf(data, 0);
    const scores = new Float32Array(ITEMS);
    scoreEase(model, items, weights, scores);
    const seen = new Set(items);
    const top = Array.from(topK(scores, 5, (i) => seen.has(i)));
    expect(top.every((i) => clusterOf(i) !== 'B')).toBe(true);
  });

  it('covers only the most interacted items when capped', () => {
    const model = trainEase(byUser, 10, BLOCKBUSTERS);
    expect(Array.from(model.items).map(clusterOf)).toEqual(Array(BLOCKBUSTERS).fill('blockbuster'));
  });
});

describe('the blend', () => {
  const model = trainModel(data, plantedTexts(), DEFAULT_OPTIONS);
  const only = (engine: keyof Weights): Weights => ({
    popularity: 0,
    content: 0,
    item_knn: 0,
    ease: 0,
    [engine]: 1,
  });

  it.each([['item_knn'], ['ease'], ['content'], ['blend']] as const)(
    '%s recommends unseen items of the user’s own group only',
    (engine) => {
      for (const u of [1, 45]) {
        const { items, weights } = historyOf(data, u);
        const seen = new Set(items);
        const blend = engine === 'blend' ? DEFAULT_OPTIONS.weights : only(engine);
        const ranked = recommend(model, items, weights, 5, (i) => seen.has(i), blend);
        expect(ranked.length).toBeGreaterThan(0);
        const other = groupOf(u) === 'A' ? 'B' : 'A';
        expect(ranked.every((r) => clusterOf(r.index) !== other && !seen.has(r.index))).toBe(true);
        expect(ranked.map((r) => r.score)).toEqual([...ranked.map((r) => r.score)].sort((a, b) => b - a));
      }
    },
  );

  it('names the engine that contributed most', () => {
    const { items, weights } = historyOf(data, 2);
    const ranked = recommend(model, items, weights, 3, () => false, only('ease'));
    expect(ranked.every((r) => r.engine === 'ease')).toBe(true);
  });

  it('falls back to popularity for a user with no history', () => {
    const ranked = recommend(model, new Int32Array(0), new Float32Array(0), 3, () => false);
    expect(ranked.map((r) => [clusterOf(r.index), r.engine])).toEqual(
      Array(3).fill(['blockbuster', 'popularity']),
    );
  });
});

describe('the stratified split', () => {
  it('gives each user round(75 %) of their interactions to train, reproducibly by seed', () => {
    const a = stratifiedSplit(data, 0.75, 1);
    const b = stratifiedSplit(data, 0.75, 1);
    const c = stratifiedSplit(data, 0.75, 2);
    expect(Array.from(a.train.item)).toEqual(Array.from(b.train.item));
    expect(Array.from(a.test.item)).not.toEqual(Array.from(c.test.item));
    for (let u = 0; u < data.users; u++) {
      const total = historyOf(data, u).items.length;
      const train = new Set(historyOf(a.train, u).items);
      const test = historyOf(a.test, u).items;
      expect(train.size).toBe(Math.round(0.75 * total));
      expect(train.size + test.length).toBe(total);
      expect(test.some((i) => train.has(i))).toBe(false);
    }
  });
});

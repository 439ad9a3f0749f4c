import { describe, expect, it } from 'vitest';
import {
  averagePrecisionAtK,
  catalogCoverage,
  ndcgAtK,
  precisionAtK,
  recallAtK,
} from '../../src/modules/recommendations/engines/metrics.ts';

// Hand-computed: recommended [1,2,3,4,5], relevant {1,3,6}, k = 5 → hits at ranks 1 and 3.
const recommended = [1, 2, 3, 4, 5];
const relevant = new Set([1, 3, 6]);

describe('ranking metrics (binary relevance)', () => {
  it.each([
    ['precision@5 = 2/5', () => precisionAtK(recommended, relevant, 5), 0.4],
    ['recall@5 = 2/3', () => recallAtK(recommended, relevant, 5), 2 / 3],
    // DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) + 1/log2(4) = 2.1309
    ['NDCG@5 = 1.5 / 2.1309', () => ndcgAtK(recommended, relevant, 5), 1.5 / (1.5 + 1 / Math.log2(3))],
    // AP = (1/1 + 2/3) / |relevant|
    ['AP@5 = (1 + 2/3) / 3', () => averagePrecisionAtK(recommended, relevant, 5), (1 + 2 / 3) / 3],
    ['precision@2 counts only the first two', () => precisionAtK(recommended, relevant, 2), 0.5],
    ['NDCG of a perfect list is 1', () => ndcgAtK([6, 3, 1], relevant, 3), 1],
    ['NDCG with no hit is 0', () => ndcgAtK([7, 8], relevant, 10), 0],
    ['a short list is divided by k all the same', () => precisionAtK([1], relevant, 10), 0.1],
    ['no relevant item: recall 0, not NaN', () => recallAtK([1], new Set(), 10), 0],
    [
      'coverage = distinct recommended / catalogue',
      () =>
        catalogCoverage(
          [
            [1, 2],
            [2, 3],
          ],
          10,
        ),
      0.3,
    ],
  ])('%s', (_name, compute, expected) => {
    expect(compute()).toBeCloseTo(expected, 10);
  });
});

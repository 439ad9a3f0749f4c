import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../../src/modules/recommendations/engines/model-codec.ts';
import { DEFAULT_OPTIONS, recommend, trainModel } from '../../src/modules/recommendations/engines/model.ts';
import { trainInWorker } from '../../src/modules/recommendations/engines/trainer.ts';
import { historyOf, planted, plantedTexts } from './planted.ts';

const data = planted();

describe('model persistence and the training worker', () => {
  it('decodes to a model that ranks exactly as the original', () => {
    const model = trainModel(data, plantedTexts(), DEFAULT_OPTIONS);
    const bytes = encodeModel(model);
    // An unaligned copy, as a database driver may hand back.
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const decoded = decodeModel(shifted);
    const { items, weights } = historyOf(data, 3);
    const seen = new Set(items);
    expect(recommend(decoded, items, weights, 10, (i) => seen.has(i))).toEqual(
      recommend(model, items, weights, 10, (i) => seen.has(i)),
    );
  });

  it('refuses a blob of another format version', () => {
    const bytes = encodeModel(trainModel(data, null, DEFAULT_OPTIONS));
    const header = new TextEncoder().encode(JSON.stringify({ version: 99 }));
    const foreign = new Uint8Array(4 + header.length);
    new DataView(foreign.buffer).setUint32(0, header.length, true);
    foreign.set(header, 4);
    expect(() => decodeModel(foreign)).toThrow(/format 99/);
    expect(() => decodeModel(bytes.subarray(0, bytes.length - 8))).toThrow(/truncated/);
  });

  it('trains in a worker thread and returns the model with held-out metrics', async () => {
    const result = await trainInWorker({
      data,
      texts: plantedTexts(),
      options: DEFAULT_OPTIONS,
      metricsSeed: 5,
    });
    const model = decodeModel(result.model);
    expect(model.items).toBe(data.items);
    const engines = result.metrics?.rows.map((r) => r.engine);
    expect(engines).toEqual(['popularity', 'content', 'item_knn', 'ease', 'blend']);
    // On planted clusters the collaborative engines beat popularity by a wide margin.
    const ndcg = Object.fromEntries(result.metrics!.rows.map((r) => [r.engine, r.ndcg]));
    expect(ndcg.ease).toBeGreaterThan(ndcg.popularity! + 0.1);
    expect(ndcg.blend).toBeGreaterThan(ndcg.popularity!);
  });
});

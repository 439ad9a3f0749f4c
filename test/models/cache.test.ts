import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/core/storage/local-storage.ts';
import { ModelRuntime, openSession, type VersionRef } from '../../src/modules/models/models.runtime.ts';
import { fixture, type FixtureName } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-model-cache-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the session cache', () => {
  it('keeps sessions within MODEL_CACHE_BYTES, evicting the least recently used', async () => {
    const storage = createLocalStorage(dir);
    const refs: Record<string, VersionRef> = {};
    for (const name of ['linear', 'iris-tree', 'mlp'] as FixtureName[]) {
      const info = await storage.put(`models/${name}.onnx`, fixture(name));
      refs[name] = {
        id: name,
        name,
        version: 1,
        blobKey: info.key,
        sizeBytes: info.size,
        signature: { inputs: [], outputs: [] },
        maxBatchSize: 32,
        maxDelayMs: 2,
      };
    }
    // Room for the two small models (≈ 1.3 kB together) but not for them and the MLP (≈ 39 kB).
    const runtime = new ModelRuntime(storage, 20_000, { maxQueueRows: 10, timeoutMs: 1000 });
    await runtime.session(refs.linear!);
    await runtime.session(refs['iris-tree']!);
    expect(runtime.isLoaded('linear') && runtime.isLoaded('iris-tree')).toBe(true);
    await runtime.session(refs.linear!); // linear is now the most recently used
    await runtime.session(refs.mlp!);
    // The MLP alone is over budget: everything else goes, the one just asked for stays.
    expect([runtime.isLoaded('linear'), runtime.isLoaded('iris-tree'), runtime.isLoaded('mlp')]).toEqual([
      false,
      false,
      true,
    ]);
    // An evicted session loads again on use.
    const session = await runtime.session(refs.linear!);
    expect(session.inputNames).toEqual(['x']);
    expect(runtime.isLoaded('mlp')).toBe(false);
    runtime.close();
  });

  it('evicts in least-recently-used order when one more fits after a removal', async () => {
    const storage = createLocalStorage(dir);
    const ref = (name: string): VersionRef => ({
      id: name,
      name,
      version: 1,
      blobKey: `models/${name === 'a' || name === 'c' ? 'linear' : 'iris-tree'}.onnx`,
      sizeBytes: 1000,
      signature: { inputs: [], outputs: [] },
      maxBatchSize: 32,
      maxDelayMs: 2,
    });
    const runtime = new ModelRuntime(storage, 2500, { maxQueueRows: 10, timeoutMs: 1000 });
    await runtime.session(ref('a'));
    await runtime.session(ref('b'));
    await runtime.session(ref('a'));
    await runtime.session(ref('c'));
    expect(['a', 'b', 'c'].map((id) => runtime.isLoaded(id))).toEqual([true, false, true]);
    runtime.close();
  });

  it('adopts the session an upload opened instead of loading the file again', async () => {
    const runtime = new ModelRuntime(createLocalStorage(dir), 1_000_000, {
      maxQueueRows: 10,
      timeoutMs: 1000,
    });
    // No file behind this key: a load from storage would fail with 503.
    const ref: VersionRef = {
      id: 'adopted',
      name: 'adopted',
      version: 1,
      blobKey: 'models/missing.onnx',
      sizeBytes: 1000,
      signature: { inputs: [], outputs: [] },
      maxBatchSize: 32,
      maxDelayMs: 2,
    };
    await expect(runtime.session(ref)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(runtime.isLoaded('adopted')).toBe(false);
    const session = await openSession(fixture('linear'));
    runtime.adopt(ref, session);
    expect(runtime.isLoaded('adopted')).toBe(true);
    expect(await runtime.session(ref)).toBe(session);
    runtime.close();
  });
});

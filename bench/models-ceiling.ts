// What micro-batching can save on the small MLP, measured in process (no HTTP): one request's model-side
// work (validate the nested JSON, build the tensor, session.run, read the output back, nest it) run alone,
// against the same work for 64 one-row requests stacked into one run. The HTTP path's own cost is what the
// server spends per request beyond this, which batching cannot touch.
// Usage: node bench/models-ceiling.ts
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ModelSignature } from '../src/db/schema/models.ts';
import { prepareNested } from '../src/modules/models/models.predict.ts';
import { fromOrtTensor, sliceRows, toNested, toOrtTensor } from '../src/modules/models/models.tensors.ts';
import { median } from './lib/load.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'test', 'fixtures', 'models');
const SIGNATURE: ModelSignature = {
  inputs: [{ name: 'x', type: 'float32', shape: ['N', 64] }],
  outputs: [{ name: 'logits', type: 'float32', shape: ['N', 10] }],
};

export interface Ceiling {
  /** µs of session.run alone for 1 row and for 64 stacked rows. */
  readonly runUs: { readonly rows1: number; readonly rows64: number };
  /** µs per request of the model-side work (validation, tensors, run, output) alone vs stacked by 64. */
  readonly modelSideUsPerRequest: { readonly alone: number; readonly batched64: number };
}

async function timeUs(iterations: number, body: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = process.hrtime.bigint();
    await body();
    if (i >= iterations / 5) times.push(Number(process.hrtime.bigint() - started) / 1e3);
  }
  return Math.round(median(times) * 10) / 10;
}

/** Measures the ceiling: run with the server stopped so the figures are the model's own. */
export async function ceiling(): Promise<Ceiling> {
  const session = await InferenceSession.create(await readFile(path.join(FIXTURES, 'mlp.onnx')), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const row = Array.from({ length: 64 }, (_, i) => Math.cos(i));
  const one = new Tensor('float32', Float32Array.from(row), [1, 64]);
  const many = new Tensor(
    'float32',
    new Float32Array(64 * 64).map((_, i) => Math.sin(i)),
    [64, 64],
  );
  const rows1 = await timeUs(5000, async () => void (await session.run({ x: one })));
  const rows64 = await timeUs(2000, async () => void (await session.run({ x: many })));
  // The body as JSON.parse gives it, then everything the predict path does with it besides HTTP.
  const body = JSON.stringify({ inputs: { x: [row] } });
  const request = async (count: number) => {
    const prepared = Array.from({ length: count }, () =>
      prepareNested(
        SIGNATURE,
        (JSON.parse(body) as { inputs: Record<string, unknown> }).inputs,
        '/body/inputs',
      ),
    );
    const out = await session.run({
      x: toOrtTensor(
        'float32',
        [count, 64],
        prepared.map((p) => p.x!.flat),
      ),
    });
    const plain = fromOrtTensor(out.logits!);
    for (let i = 0; i < count; i++) JSON.stringify({ outputs: { logits: toNested(sliceRows(plain, i, 1)) } });
  };
  const alone = await timeUs(5000, () => request(1));
  const batched = await timeUs(1000, () => request(64));
  await session.release();
  return {
    runUs: { rows1, rows64 },
    modelSideUsPerRequest: { alone, batched64: Math.round((batched / 64) * 10) / 10 },
  };
}

if (import.meta.main) process.stdout.write(`${JSON.stringify(await ceiling(), null, 2)}\n`);

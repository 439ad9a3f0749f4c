// A model as one byte string (the `reco_models` row's blob, and a worker's reply): a 4-byte header length,
// a JSON header, then each typed array at a 4-byte-aligned offset. Decoding copies nothing but the header:
// the arrays are views on the buffer.
import type { EaseModel } from './ease.ts';
import type { Model, TrainOptions } from './model.ts';
import type { Neighbours } from './topk.ts';

const VERSION = 1;

interface Header {
  readonly version: number;
  readonly items: number;
  readonly options: TrainOptions;
  readonly trainingMs: Model['trainingMs'];
  readonly contentK: number | null;
  readonly knnK: number;
  readonly easeM: number | null;
  readonly arrays: readonly {
    readonly name: string;
    readonly type: 'i32' | 'f32';
    readonly length: number;
  }[];
}

/** Serialises a model. */
export function encodeModel(model: Model): Uint8Array {
  const arrays: [string, Int32Array | Float32Array][] = [['popularity', model.popularity]];
  if (model.content)
    arrays.push(['content.index', model.content.index], ['content.weight', model.content.weight]);
  arrays.push(['knn.index', model.itemKnn.index], ['knn.weight', model.itemKnn.weight]);
  if (model.ease) arrays.push(['ease.items', model.ease.items], ['ease.b', model.ease.b]);
  const header: Header = {
    version: VERSION,
    items: model.items,
    options: model.options,
    trainingMs: model.trainingMs,
    contentK: model.content?.k ?? null,
    knnK: model.itemKnn.k,
    easeM: model.ease?.m ?? null,
    arrays: arrays.map(([name, a]) => ({
      name,
      type: a instanceof Int32Array ? 'i32' : 'f32',
      length: a.length,
    })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = align(4 + json.length);
  const total = arrays.reduce((at, [, a]) => at + a.byteLength, start);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  let at = start;
  for (const [, a] of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

/** Reads a model written by encodeModel; throws on a foreign or truncated blob. */
export function decodeModel(bytes: Uint8Array): Model {
  // Typed-array views need aligned offsets: copy once if the blob does not start on a 4-byte boundary.
  const buf = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const length = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + length))) as Header;
  if (header.version !== VERSION) throw new Error(`model format ${header.version} is not ${VERSION}`);
  const arrays = new Map<string, Int32Array | Float32Array>();
  let at = buf.byteOffset + align(4 + length);
  for (const { name, type, length: n } of header.arrays) {
    if (at + n * 4 > buf.byteOffset + buf.byteLength) throw new Error('model blob is truncated');
    arrays.set(
      name,
      type === 'i32' ? new Int32Array(buf.buffer, at, n) : new Float32Array(buf.buffer, at, n),
    );
    at += n * 4;
  }
  const i32 = (name: string) => arrays.get(name) as Int32Array;
  const f32 = (name: string) => arrays.get(name) as Float32Array;
  const neighbours = (prefix: string, k: number): Neighbours => ({
    k,
    index: i32(`${prefix}.index`),
    weight: f32(`${prefix}.weight`),
  });
  let ease: EaseModel | null = null;
  if (header.easeM !== null) {
    const items = i32('ease.items');
    const position = new Int32Array(header.items).fill(-1);
    items.forEach((i, p) => (position[i] = p));
    ease = { m: header.easeM, items, position, b: f32('ease.b') };
  }
  return {
    items: header.items,
    options: header.options,
    trainingMs: header.trainingMs,
    popularity: f32('popularity'),
    content: header.contentK === null ? null : neighbours('content', header.contentK),
    itemKnn: neighbours('knn', header.knnK),
    ease,
  };
}

function align(n: number): number {
  return (n + 3) & ~3;
}

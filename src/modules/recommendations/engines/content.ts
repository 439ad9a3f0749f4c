// Content similarity: TF-IDF over title, description, genres and attributes, cosine between items, the k
// nearest kept per item. Genres and attributes become single tokens ("g:comedy", "a:author=le guin") so a
// shared genre counts as one strong term rather than as the words of its name.
import { emptyNeighbours, keepNeighbours, type Neighbours } from './topk.ts';

/** The text of one item, as the catalog holds it. */
export interface ItemText {
  readonly title: string;
  readonly description?: string | null;
  readonly genres?: readonly string[];
  readonly attributes?: Readonly<Record<string, unknown>> | null;
}

const STOP = new Set(
  'a an and are as at be by for from has he in is it its of on or that the to was were will with the'.split(
    ' ',
  ),
);
/** Terms in more items than this are skipped when gathering candidates: they would make the work O(n²). */
const MAX_POSTING = 5000;

/** Lower-cased word tokens of free text (letters and digits of any script, two characters or more). */
export function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? []).filter((w) => !STOP.has(w));
}

function tokens(item: ItemText): string[] {
  const out = [...words(item.title), ...words(item.title)]; // the title counts twice
  if (item.description) out.push(...words(item.description));
  for (const g of item.genres ?? []) out.push(`g:${g.toLowerCase()}`, `g:${g.toLowerCase()}`);
  for (const [key, value] of Object.entries(item.attributes ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      out.push(`a:${key.toLowerCase()}=${String(value).toLowerCase()}`);
    else if (Array.isArray(value))
      for (const v of value.slice(0, 50))
        if (typeof v === 'string') out.push(`a:${key.toLowerCase()}=${v.toLowerCase()}`);
  }
  return out;
}

/** L2-normalised TF-IDF vectors (sublinear tf), one sparse vector per item, terms as integers. */
export function tfidf(items: readonly ItemText[]): {
  term: Int32Array;
  weight: Float32Array;
  ptr: Int32Array;
} {
  const ids = new Map<string, number>();
  const docs = items.map((item) => {
    const tf = new Map<number, number>();
    for (const t of tokens(item)) {
      let id = ids.get(t);
      if (id === undefined) ids.set(t, (id = ids.size));
      tf.set(id, (tf.get(id) ?? 0) + 1);
    }
    return tf;
  });
  const df = new Float64Array(ids.size);
  for (const doc of docs) for (const id of doc.keys()) df[id]!++;
  const ptr = new Int32Array(items.length + 1);
  docs.forEach((doc, i) => (ptr[i + 1] = ptr[i]! + doc.size));
  const term = new Int32Array(ptr[items.length]!);
  const weight = new Float32Array(term.length);
  docs.forEach((doc, i) => {
    let at = ptr[i]!;
    let norm = 0;
    for (const [id, count] of doc) {
      const w = (1 + Math.log(count)) * Math.log((1 + items.length) / (1 + df[id]!)) + 1e-6;
      term[at] = id;
      weight[at++] = w;
      norm += w * w;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = ptr[i]!; k < at; k++) weight[k]! *= scale;
  });
  return { term, weight, ptr };
}

/** The k most similar items of every item by cosine of TF-IDF vectors. */
export function trainContent(items: readonly ItemText[], k: number): Neighbours {
  const n = items.length;
  const { term, weight, ptr } = tfidf(items);
  const terms = term.reduce((m, t) => Math.max(m, t + 1), 0);
  // Inverted index: term → (item, weight) postings.
  const tptr = new Int32Array(terms + 1);
  for (const t of term) tptr[t + 1]!++;
  for (let t = 0; t < terms; t++) tptr[t + 1]! += tptr[t]!;
  const fill = tptr.slice(0, terms);
  const pItem = new Int32Array(term.length);
  const pWeight = new Float32Array(term.length);
  for (let i = 0; i < n; i++)
    for (let q = ptr[i]!; q < ptr[i + 1]!; q++) {
      const at = fill[term[q]!]!++;
      pItem[at] = i;
      pWeight[at] = weight[q]!;
    }
  const out = emptyNeighbours(n, k);
  const scores = new Float32Array(n);
  const touched = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let q = ptr[i]!; q < ptr[i + 1]!; q++) {
      const t = term[q]!;
      if (tptr[t + 1]! - tptr[t]! > MAX_POSTING) continue;
      const w = weight[q]!;
      for (let p = tptr[t]!; p < tptr[t + 1]!; p++) {
        const j = pItem[p]!;
        if (scores[j] === 0) touched[count++] = j;
        scores[j]! += w * pWeight[p]!;
      }
    }
    keepNeighbours(out, i, scores, touched, count, i);
  }
  return out;
}

// Item-to-item collaborative filtering: cosine between item columns of the interaction matrix
// (co-occurrence normalised by both items' norms, with a small shrinkage against rare pairs), k nearest kept.
import type { Csr } from './matrix.ts';
import { emptyNeighbours, keepNeighbours, type Neighbours } from './topk.ts';

/** The k nearest items of every item by co-occurrence cosine; `byUser` is user×item, `byItem` its transpose. */
export function trainItemKnn(byUser: Csr, byItem: Csr, k: number, shrink = 10): Neighbours {
  const n = byUser.cols;
  const norm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let q = byItem.indptr[i]!; q < byItem.indptr[i + 1]!; q++) s += byItem.values[q]! ** 2;
    norm[i] = Math.sqrt(s);
  }
  const out = emptyNeighbours(n, k);
  const co = new Float32Array(n);
  const touched = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let q = byItem.indptr[i]!; q < byItem.indptr[i + 1]!; q++) {
      const u = byItem.indices[q]!;
      const w = byItem.values[q]!;
      for (let p = byUser.indptr[u]!; p < byUser.indptr[u + 1]!; p++) {
        const j = byUser.indices[p]!;
        if (co[j] === 0) touched[count++] = j;
        co[j]! += w * byUser.values[p]!;
      }
    }
    const ni = norm[i]!;
    for (let t = 0; t < count; t++) {
      const j = touched[t]!;
      co[j] = co[j]! / (ni * norm[j]! + shrink);
    }
    keepNeighbours(out, i, co, touched, count, i);
  }
  return out;
}

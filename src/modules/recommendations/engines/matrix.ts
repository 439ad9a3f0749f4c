// Compact user×item interaction matrices. Engines read these typed arrays, never objects per row: a million
// interactions are ~12 MB here and cross a worker-thread boundary as transferable buffers.

/** Compressed sparse rows: row r's columns are indices[indptr[r]..indptr[r+1]), sorted ascending. */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** One interaction list in coordinate form, the input of training (user, item, weight). */
export interface Interactions {
  readonly users: number;
  readonly items: number;
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly weight: Float32Array;
  /** Explicit rating 0..5 per interaction, NaN when the interaction carries none (popularity reads it). */
  readonly rating: Float32Array;
}

/** Builds a CSR from coordinates; a repeated (row, col) keeps the largest value. */
export function toCsr(
  rows: number,
  cols: number,
  row: Int32Array,
  col: Int32Array,
  value: Float32Array,
): Csr {
  const n = row.length;
  const counts = new Int32Array(rows + 1);
  for (let k = 0; k < n; k++) counts[row[k]! + 1]!++;
  for (let r = 0; r < rows; r++) counts[r + 1]! += counts[r]!;
  const fill = counts.slice(0, rows);
  const indices = new Int32Array(n);
  const values = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const at = fill[row[k]!]!++;
    indices[at] = col[k]!;
    values[at] = value[k]!;
  }
  return dedupe({ rows, cols, indptr: counts, indices, values });
}

/** Sorts each row's columns and merges duplicates (max), compacting the arrays. */
function dedupe(m: Csr): Csr {
  const indptr = new Int32Array(m.rows + 1);
  const indices = new Int32Array(m.indices.length);
  const values = new Float32Array(m.values.length);
  let out = 0;
  const order: number[] = [];
  for (let r = 0; r < m.rows; r++) {
    const start = m.indptr[r]!;
    const end = m.indptr[r + 1]!;
    order.length = 0;
    for (let k = start; k < end; k++) order.push(k);
    order.sort((a, b) => m.indices[a]! - m.indices[b]!);
    let last = -1;
    for (const k of order) {
      const c = m.indices[k]!;
      if (c === last) {
        values[out - 1] = Math.max(values[out - 1]!, m.values[k]!);
        continue;
      }
      indices[out] = c;
      values[out] = m.values[k]!;
      out++;
      last = c;
    }
    indptr[r + 1] = out;
  }
  return {
    rows: m.rows,
    cols: m.cols,
    indptr,
    indices: indices.slice(0, out),
    values: values.slice(0, out),
  };
}

/** The transpose (item×user), used to walk an item's users. */
export function transpose(m: Csr): Csr {
  const n = m.indices.length;
  const row = new Int32Array(n);
  for (let r = 0; r < m.rows; r++) row.fill(r, m.indptr[r], m.indptr[r + 1]);
  return toCsr(m.cols, m.rows, m.indices, row, m.values);
}

/** The interaction matrix of a coordinate list. */
export function interactionMatrix(data: Interactions): Csr {
  return toCsr(data.users, data.items, data.user, data.item, data.weight);
}

// EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹,
// diag(B) = 0; a user's scores are x_u·B. The Gram matrix is dense in the item count, so the model covers
// the `maxItems` most interacted items (the rest are served by the other engines).
import type { Csr } from './matrix.ts';

export interface EaseModel {
  /** Number of covered items m; B is m×m row-major. */
  readonly m: number;
  /** Catalogue index of each covered item. */
  readonly items: Int32Array;
  /** Covered position of each catalogue item, −1 when not covered. */
  readonly position: Int32Array;
  readonly b: Float32Array;
}

/** Trains EASE with regularisation `lambda` over the `maxItems` items with most interactions. */
export function trainEase(byUser: Csr, lambda: number, maxItems: number): EaseModel {
  const n = byUser.cols;
  const touches = new Float64Array(n);
  for (const i of byUser.indices) touches[i]!++;
  const order = Array.from({ length: n }, (_, i) => i)
    .filter((i) => touches[i]! > 0)
    .sort((a, b) => touches[b]! - touches[a]! || a - b)
    .slice(0, maxItems)
    .sort((a, b) => a - b);
  const m = order.length;
  const items = Int32Array.from(order);
  const position = new Int32Array(n).fill(-1);
  order.forEach((i, p) => (position[i] = p));
  const g = gram(byUser, position, m);
  for (let i = 0; i < m; i++) g[i * m + i]! += lambda;
  invertSpd(g, m);
  const b = new Float32Array(m * m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) b[i * m + j] = i === j ? 0 : -g[i * m + j]! / g[j * m + j]!;
  return { m, items, position, b };
}

/** XᵀX restricted to the covered items, dense Float64 (upper triangle accumulated, then mirrored). */
function gram(byUser: Csr, position: Int32Array, m: number): Float64Array {
  const g = new Float64Array(m * m);
  const pos = new Int32Array(byUser.cols);
  const val = new Float64Array(byUser.cols);
  for (let u = 0; u < byUser.rows; u++) {
    let count = 0;
    for (let q = byUser.indptr[u]!; q < byUser.indptr[u + 1]!; q++) {
      const p = position[byUser.indices[q]!]!;
      if (p < 0) continue;
      pos[count] = p; // ascending, as CSR columns are sorted and positions preserve order
      val[count++] = byUser.values[q]!;
    }
    for (let a = 0; a < count; a++) {
      const row = pos[a]! * m;
      const va = val[a]!;
      for (let c = a; c < count; c++) g[row + pos[c]!]! += va * val[c]!;
    }
  }
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) g[j * m + i] = g[i * m + j]!;
  return g;
}

/**
 * In-place inverse of a symmetric positive-definite matrix through its Cholesky factor: G = L·Lᵀ,
 * Y = (L⁻¹)ᵀ, G⁻¹ = Yᵀ·Y... computed as dot products of contiguous rows, n³/2 multiply-adds in all
 * (Gauss-Jordan needs n³ and measured 2.5× slower here).
 */
export function invertSpd(a: Float64Array, n: number): void {
  // Cholesky–Banachiewicz, L in the lower triangle of `a`.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let sum = a[ri + j]!;
      for (let k = 0; k < j; k++) sum -= a[ri + k]! * a[rj + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new Error('matrix is not positive definite');
        a[ri + i] = Math.sqrt(sum);
      } else a[ri + j] = sum / a[rj + j]!;
    }
  }
  // Y = (L⁻¹)ᵀ, upper triangular, row j holds column j of L⁻¹: Y[j][i] = −(Σ_{k=j}^{i−1} L[i][k]·Y[j][k]) / L[i][i].
  const y = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    y[rj + j] = 1 / a[j * n + j]!;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let sum = 0;
      for (let k = j; k < i; k++) sum += a[ri + k]! * y[rj + k]!;
      y[rj + i] = -sum / a[ri + i]!;
    }
  }
  // G⁻¹[i][j] = Σ_{k ≥ max(i,j)} Y[i][k]·Y[j][k].
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = i; j < n; j++) {
      const rj = j * n;
      let sum = 0;
      for (let k = j; k < n; k++) sum += y[ri + k]! * y[rj + k]!;
      a[ri + j] = sum;
      a[rj + i] = sum;
    }
  }
}

let scratch = new Float32Array(0);

/** Adds x_u·B to `out` (catalogue-indexed) for a user's items and weights. */
export function scoreEase(
  model: EaseModel,
  items: Int32Array,
  weights: Float32Array,
  out: Float32Array,
): void {
  const { m, b } = model;
  // Scoring is synchronous, so one scratch row serves every call (no 4·m-byte allocation per request).
  if (scratch.length < m) scratch = new Float32Array(m);
  const acc = scratch;
  acc.fill(0, 0, m);
  // The user's covered rows, then summed four at a time: a quarter of the loads and stores of `acc`, the
  // most expensive loop of a request (a user with 100 ratings reads 100 rows of m floats).
  const rows: number[] = [];
  const ws: number[] = [];
  for (let t = 0; t < items.length; t++) {
    const p = model.position[items[t]!]!;
    if (p < 0) continue;
    rows.push(p * m);
    ws.push(weights[t]!);
  }
  let r = 0;
  for (; r + 4 <= rows.length; r += 4) {
    const [a, b1, c, d] = [rows[r]!, rows[r + 1]!, rows[r + 2]!, rows[r + 3]!];
    const [wa, wb, wc, wd] = [ws[r]!, ws[r + 1]!, ws[r + 2]!, ws[r + 3]!];
    for (let j = 0; j < m; j++) acc[j]! += wa * b[a + j]! + wb * b[b1 + j]! + wc * b[c + j]! + wd * b[d + j]!;
  }
  for (; r < rows.length; r++) {
    const row = rows[r]!;
    const w = ws[r]!;
    for (let j = 0; j < m; j++) acc[j]! += w * b[row + j]!;
  }
  for (let j = 0; j < m; j++) out[model.items[j]!]! += acc[j]!;
}

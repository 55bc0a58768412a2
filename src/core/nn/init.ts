/**
 * Weight initialisation with our seeded RNG.
 */
import type { Rng } from "../rng";

/**
 * Orthogonal initialisation (Saxe et al. 2014, "Exact solutions to the nonlinear dynamics of learning in deep
 * linear neural networks"), as `torch.nn.init.orthogonal_`: a Gaussian matrix is orthonormalised (QR by modified
 * Gram-Schmidt, signs fixed by R's diagonal) and scaled by `gain`.
 *
 * @param rows input features (`W` is `[rows, cols]`, used as `x @ W`)
 * @param cols output features
 * @returns row-major Float32Array of length rows * cols; columns orthonormal when rows >= cols, rows otherwise.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const tall = rows >= cols;
  const m = tall ? rows : cols; // long side
  const n = tall ? cols : rows; // short side
  // q holds n column vectors of length m.
  const q: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = rng.normal();
    const original = v.slice();
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[k][i] * v[i];
      for (let i = 0; i < m; i++) v[i] -= dot * q[k][i];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    // R's diagonal entry is <q_j, original> = norm > 0, so the sign convention of torch (multiply by sign(diag R))
    // keeps q_j as is; a degenerate draw (norm ~ 0) is redrawn.
    if (norm < 1e-10) {
      j--;
      continue;
    }
    let rjj = 0;
    for (let i = 0; i < m; i++) rjj += (v[i] / norm) * original[i];
    const sign = rjj < 0 ? -1 : 1;
    for (let i = 0; i < m; i++) v[i] = (sign * v[i]) / norm;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (tall ? q[c][r] : q[r][c]);
    }
  }
  return out;
}

/** PyTorch's default Linear init (Kaiming-uniform with a = sqrt(5)): U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
export function uniformFanIn(rows: number, cols: number, rng: Rng): Float32Array {
  const bound = 1 / Math.sqrt(rows);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = rng.uniformRange(-bound, bound);
  return out;
}

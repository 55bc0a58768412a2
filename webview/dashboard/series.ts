/**
 * Pure numeric helpers for the charts: TensorBoard's smoothing, LTTB downsampling, percentile ranges, nearest-x
 * lookup and histogram bins. No DOM; unit-tested in node (test/webview/series.test.ts).
 */

/**
 * TensorBoard's "classic" smoothing (`classicSmoothing` in tensorboard/webapp/widgets/line_chart_v2/
 * data_transformer.ts): a first-order IIR low-pass filter, `last = w * last + (1 - w) * y`, debiased by dividing by
 * `1 - w^n` (n = finite values seen so far) so the start is not pulled towards 0. Non-finite values pass through
 * unchanged and do not advance the filter; a constant series is returned as is.
 * @param y values in order of x
 * @param weight smoothing weight in [0, 1); 0 returns a copy of `y`
 */
export function classicSmoothing(y: ArrayLike<number>, weight: number): Float64Array {
  const out = new Float64Array(y.length);
  if (y.length === 0) return out;
  let constant = true;
  for (let i = 1; i < y.length; i++) {
    if (y[i] !== y[0] && !(Number.isNaN(y[i]) && Number.isNaN(y[0]))) {
      constant = false;
      break;
    }
  }
  let last = 0;
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (constant || weight <= 0 || !Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    n++;
    const debias = weight === 1 ? 1 : 1 - Math.pow(weight, n);
    out[i] = last / debias;
  }
  return out;
}

/**
 * Largest-Triangle-Three-Buckets (Steinarsson 2013) over the finite points of (x, y): at most `threshold` indices,
 * always the first and the last finite point, in increasing order. Non-finite points are left out (the chart spans
 * the gap).
 */
export function lttbIndices(x: ArrayLike<number>, y: ArrayLike<number>, threshold: number): number[] {
  const finite: number[] = [];
  for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i]) && Number.isFinite(x[i])) finite.push(i);
  const n = finite.length;
  if (threshold >= n || threshold < 3) return threshold < 3 && n > 2 ? [finite[0], finite[n - 1]] : finite;
  const out: number[] = [finite[0]];
  const every = (n - 2) / (threshold - 2);
  let a = 0; // position in `finite` of the last selected point
  for (let b = 0; b < threshold - 2; b++) {
    // Average of the next bucket (the third point of the triangle).
    const nextStart = Math.floor((b + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((b + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += x[finite[j]];
      avgY += y[finite[j]];
    }
    const count = Math.max(1, nextEnd - nextStart);
    avgX /= count;
    avgY /= count;
    // The point of this bucket forming the largest triangle with the last selected point and that average.
    const start = Math.floor(b * every) + 1;
    const end = Math.floor((b + 1) * every) + 1;
    const ax = x[finite[a]];
    const ay = y[finite[a]];
    let maxArea = -1;
    let pick = start;
    for (let j = start; j < end; j++) {
      const area = Math.abs((ax - avgX) * (y[finite[j]] - ay) - (ax - x[finite[j]]) * (avgY - ay));
      if (area > maxArea) {
        maxArea = area;
        pick = j;
      }
    }
    out.push(finite[pick]);
    a = pick;
  }
  out.push(finite[n - 1]);
  return out;
}

/** The `p`-quantile (0..1) of sorted values, linearly interpolated. */
function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The y range that ignores outliers: the [lo, hi] quantiles (default 5th-95th percentile) of the finite values,
 * widened by `pad` of its span on each side. Undefined when there are no finite values.
 */
export function percentileRange(values: Iterable<number>, lo = 0.05, hi = 0.95, pad = 0.05): { min: number; max: number } | undefined {
  const finite: number[] = [];
  for (const v of values) if (Number.isFinite(v)) finite.push(v);
  if (finite.length === 0) return undefined;
  const sorted = Float64Array.from(finite).sort();
  let min = quantileSorted(sorted, lo);
  let max = quantileSorted(sorted, hi);
  const span = max - min;
  if (span === 0) {
    const d = Math.abs(min) * 0.1 || 1;
    return { min: min - d, max: max + d };
  }
  min -= span * pad;
  max += span * pad;
  return { min, max };
}

/** Index of the point closest in x to `x` among `n` points with ascending x given by `xAt` (-1 when n is 0). */
export function nearestIndex(n: number, xAt: (i: number) => number, x: number): number {
  if (n === 0) return -1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xAt(mid) < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(xAt(lo - 1) - x) <= Math.abs(xAt(lo) - x)) return lo - 1;
  return lo;
}

/** Equal-width bins over [min, max] of all finite values of all series; one count array per series. */
export function histogram(series: number[][], bins: number): { edges: number[]; counts: number[][] } {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series)
    for (const v of s)
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
  if (!Number.isFinite(min)) return { edges: [], counts: series.map(() => []) };
  if (min === max) {
    min -= 0.5;
    max += 0.5;
  }
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + i * width);
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s) {
      if (!Number.isFinite(v)) continue;
      c[Math.min(bins - 1, Math.floor((v - min) / width))]++;
    }
    return c;
  });
  return { edges, counts };
}

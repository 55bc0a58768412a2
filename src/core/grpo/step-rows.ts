/**
 * Variable-length per-step storage for GRPO's rollout, whose batch size is only known once its groups' episodes have
 * ended: rows of a fixed width appended to one flat typed array whose capacity doubles when full (amortised O(1) per
 * row, no allocation per step).
 */

/** Rows of `width` numbers in one flat typed array that grows by doubling. */
export class StepRows<T extends Float32Array | Float64Array | Int32Array> {
  private data: T;
  /** Rows appended so far. */
  length = 0;

  /**
   * @param make allocates a zeroed array of the given length (e.g. `(n) => new Float32Array(n)`)
   * @param width numbers per row (>= 1)
   * @param initialRows capacity to start with, in rows
   * @throws RangeError when `width` is not a positive integer.
   */
  constructor(
    private readonly make: (n: number) => T,
    readonly width: number,
    initialRows = 256,
  ) {
    if (!Number.isInteger(width) || width < 1) throw new RangeError(`StepRows: width must be a positive integer, got ${width}`);
    this.data = make(Math.max(1, Math.ceil(initialRows)) * width);
  }

  /** Makes room for one more row, doubling the capacity when it is full. @returns the row's first index in `data` */
  private next(): number {
    const at = this.length * this.width;
    if (at + this.width > this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.length++;
    return at;
  }

  /** Appends `width` numbers of `source` starting at `offset` (e.g. env e's row of a `[nEnvs * width]` batch). */
  pushFrom(source: ArrayLike<number>, offset: number): void {
    const at = this.next();
    const d = this.data;
    for (let j = 0; j < this.width; j++) d[at + j] = source[offset + j];
  }

  /** Appends one row of width 1. */
  push(value: number): void {
    const at = this.next(); // before reading this.data: next() may replace it
    this.data[at] = value;
  }

  /** Appends a row of `width` copies of `value`. */
  pushFill(value: number): void {
    const at = this.next();
    this.data.fill(value, at, at + this.width);
  }

  /** The rows so far, `[length * width]`: a view, valid until the next push. */
  view(): T {
    return this.data.subarray(0, this.length * this.width) as T;
  }
}

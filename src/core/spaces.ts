/**
 * Observation and action spaces (Gymnasium's `Discrete` and `Box`).
 *
 * Env files declare spaces as plain objects ({@link SpaceSpec}); {@link makeSpace} validates one and returns a
 * {@link Space} with `contains`, `sample`, shape and dtype.
 */
import type { Rng } from "./rng";

export interface DiscreteSpec {
  type: "Discrete";
  /** Number of actions, an integer >= 1. Values are `start .. start + n - 1`. */
  n: number;
  start?: number;
}

export interface BoxSpec {
  type: "Box";
  /** Lower bounds: a number (broadcast) or one per element; `-Infinity` for unbounded. */
  low: number | number[];
  /** Upper bounds: a number (broadcast) or one per element; `Infinity` for unbounded. */
  high: number | number[];
  /** Shape; defaults to `[low.length]`. Observations are flat, row-major. */
  shape?: number[];
  dtype?: "float32" | "int32";
}

export type SpaceSpec = DiscreteSpec | BoxSpec;

/** Raised when a space spec is malformed; `message` says which field and how to fix it. */
export class SpaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpaceError";
  }
}

export interface Space {
  readonly spec: SpaceSpec;
  /** Element shape (`[]` for Discrete). */
  readonly shape: readonly number[];
  readonly dtype: "int32" | "float32";
  /** Number of scalars in one flattened element (1 for Discrete). */
  readonly flatDim: number;
  /** True when `x` is a valid element (shape, bounds, integrality). */
  contains(x: unknown): boolean;
  /** A uniform random element (Box: uniform when bounded, normal when unbounded on a side, as Gymnasium). */
  sample(rng: Rng): number | number[];
}

export class Discrete implements Space {
  readonly shape: readonly number[] = [];
  readonly dtype = "int32" as const;
  readonly flatDim = 1;
  readonly n: number;
  readonly start: number;
  constructor(readonly spec: DiscreteSpec) {
    if (!Number.isInteger(spec.n) || spec.n < 1) {
      throw new SpaceError(`Discrete space needs an integer n >= 1, got n = ${String(spec.n)}`);
    }
    const start = spec.start ?? 0;
    if (!Number.isInteger(start)) throw new SpaceError(`Discrete space start must be an integer, got ${String(start)}`);
    this.n = spec.n;
    this.start = start;
  }
  contains(x: unknown): boolean {
    const v = Array.isArray(x) && x.length === 1 ? x[0] : x;
    return typeof v === "number" && Number.isInteger(v) && v >= this.start && v < this.start + this.n;
  }
  sample(rng: Rng): number {
    return this.start + rng.int(this.n);
  }
}

export class Box implements Space {
  readonly shape: readonly number[];
  readonly dtype: "int32" | "float32";
  readonly flatDim: number;
  /** Per-element bounds, length `flatDim`. */
  readonly low: Float64Array;
  readonly high: Float64Array;
  constructor(readonly spec: BoxSpec) {
    const lowArr = Array.isArray(spec.low) ? spec.low : undefined;
    const highArr = Array.isArray(spec.high) ? spec.high : undefined;
    let shape = spec.shape;
    if (shape === undefined) {
      const len = lowArr?.length ?? highArr?.length;
      if (len === undefined) throw new SpaceError("Box space needs `shape` when `low` and `high` are numbers");
      shape = [len];
    }
    if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new SpaceError(`Box space shape must be a non-empty array of positive integers, got ${JSON.stringify(shape)}`);
    }
    this.shape = shape;
    this.flatDim = shape.reduce((a, b) => a * b, 1);
    this.dtype = spec.dtype ?? "float32";
    this.low = Box.expand("low", spec.low, this.flatDim);
    this.high = Box.expand("high", spec.high, this.flatDim);
    for (let i = 0; i < this.flatDim; i++) {
      if (!(this.low[i] <= this.high[i])) {
        throw new SpaceError(`Box space needs low <= high, but low[${i}] = ${this.low[i]} > high[${i}] = ${this.high[i]}`);
      }
    }
  }
  private static expand(name: string, v: number | number[], n: number): Float64Array {
    const out = new Float64Array(n);
    if (typeof v === "number") {
      if (Number.isNaN(v)) throw new SpaceError(`Box space ${name} is NaN`);
      out.fill(v);
      return out;
    }
    if (!Array.isArray(v)) throw new SpaceError(`Box space ${name} must be a number or an array of numbers`);
    if (v.length !== n) throw new SpaceError(`Box space ${name} has ${v.length} elements but the shape needs ${n}`);
    for (let i = 0; i < n; i++) {
      const x = v[i] === null ? (name === "low" ? -Infinity : Infinity) : v[i];
      if (typeof x !== "number" || Number.isNaN(x)) throw new SpaceError(`Box space ${name}[${i}] is not a number`);
      out[i] = x;
    }
    return out;
  }
  /** True when every element has finite low and high bounds. */
  get bounded(): boolean {
    for (let i = 0; i < this.flatDim; i++) if (!Number.isFinite(this.low[i]) || !Number.isFinite(this.high[i])) return false;
    return true;
  }
  contains(x: unknown): boolean {
    const arr = toNumberArray(x);
    if (arr === undefined || arr.length !== this.flatDim) return false;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (Number.isNaN(v) || v < this.low[i] || v > this.high[i]) return false;
      if (this.dtype === "int32" && !Number.isInteger(v)) return false;
    }
    return true;
  }
  sample(rng: Rng): number[] {
    const out = new Array<number>(this.flatDim);
    for (let i = 0; i < this.flatDim; i++) {
      const lo = this.low[i];
      const hi = this.high[i];
      let v: number;
      if (Number.isFinite(lo) && Number.isFinite(hi)) v = lo + (hi - lo) * rng.uniform();
      else if (Number.isFinite(lo)) v = lo + rng.exponential();
      else if (Number.isFinite(hi)) v = hi - rng.exponential();
      else v = rng.normal();
      out[i] = this.dtype === "int32" ? Math.floor(v) : v;
    }
    return out;
  }
}

/** Converts a number, array or typed array to an array-like of numbers; undefined if it is none of these. */
export function toNumberArray(x: unknown): ArrayLike<number> | undefined {
  if (typeof x === "number") return [x];
  if (Array.isArray(x)) return x.every((v) => typeof v === "number") ? (x as number[]) : undefined;
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return x as unknown as ArrayLike<number>;
  return undefined;
}

/**
 * Validates a space spec from an env file and builds the space.
 * @throws SpaceError when the spec is not a known space or is malformed.
 */
export function makeSpace(spec: unknown, what = "space"): Space {
  if (spec === null || typeof spec !== "object") throw new SpaceError(`${what} must be an object like { type: "Box", ... }`);
  const type = (spec as { type?: unknown }).type;
  try {
    if (type === "Discrete") return new Discrete(spec as DiscreteSpec);
    if (type === "Box") return new Box(spec as BoxSpec);
  } catch (e) {
    if (e instanceof SpaceError) throw new SpaceError(`${what}: ${e.message}`);
    throw e;
  }
  throw new SpaceError(`${what} has unknown type ${JSON.stringify(type)}; supported: "Discrete", "Box"`);
}

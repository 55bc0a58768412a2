/**
 * Observation and action spaces (Gymnasium's `Discrete`, `Box`, `MultiDiscrete`, `MultiBinary`, `Dict`, `Tuple`).
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

export interface MultiDiscreteSpec {
  type: "MultiDiscrete";
  /** Number of values of each component (each an integer >= 1); component i takes `start[i] .. start[i] + nvec[i] - 1`. */
  nvec: number[];
  start?: number[];
}

export interface MultiBinarySpec {
  type: "MultiBinary";
  /** Number of binary components. */
  n: number;
}

export interface DictSpec {
  type: "Dict";
  /** Sub-spaces by key; observations are objects with these keys, flattened in sorted key order. */
  spaces: Record<string, SpaceSpec>;
}

export interface TupleSpec {
  type: "Tuple";
  /** Sub-spaces in order; observations are arrays with one element per sub-space. */
  spaces: SpaceSpec[];
}

export type SpaceSpec = DiscreteSpec | BoxSpec | MultiDiscreteSpec | MultiBinarySpec | DictSpec | TupleSpec;

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
  sample(rng: Rng): unknown;
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

export class MultiDiscrete implements Space {
  readonly shape: readonly number[];
  readonly dtype = "int32" as const;
  readonly flatDim: number;
  readonly nvec: readonly number[];
  readonly start: readonly number[];
  /** Sum of `nvec`: the number of logits of a policy over this space (and of a one-hot encoding). */
  readonly totalN: number;
  constructor(readonly spec: MultiDiscreteSpec) {
    if (!Array.isArray(spec.nvec) || spec.nvec.length === 0) {
      throw new SpaceError(`MultiDiscrete space needs a non-empty array nvec, got ${JSON.stringify(spec.nvec)}`);
    }
    spec.nvec.forEach((n, i) => {
      if (!Number.isInteger(n) || n < 1) throw new SpaceError(`MultiDiscrete space needs integers nvec[i] >= 1, got nvec[${i}] = ${String(n)}`);
    });
    const start = spec.start ?? spec.nvec.map(() => 0);
    if (!Array.isArray(start) || start.length !== spec.nvec.length || start.some((x) => !Number.isInteger(x))) {
      throw new SpaceError(`MultiDiscrete space start must be ${spec.nvec.length} integers, got ${JSON.stringify(spec.start)}`);
    }
    this.nvec = spec.nvec;
    this.start = start;
    this.shape = [spec.nvec.length];
    this.flatDim = spec.nvec.length;
    this.totalN = spec.nvec.reduce((a, b) => a + b, 0);
  }
  contains(x: unknown): boolean {
    const arr = toNumberArray(x);
    if (arr === undefined || arr.length !== this.flatDim) return false;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (!Number.isInteger(v) || v < this.start[i] || v >= this.start[i] + this.nvec[i]) return false;
    }
    return true;
  }
  sample(rng: Rng): number[] {
    return this.nvec.map((n, i) => this.start[i] + rng.int(n));
  }
}

export class MultiBinary implements Space {
  readonly shape: readonly number[];
  readonly dtype = "int32" as const;
  readonly flatDim: number;
  readonly n: number;
  constructor(readonly spec: MultiBinarySpec) {
    if (!Number.isInteger(spec.n) || spec.n < 1) throw new SpaceError(`MultiBinary space needs an integer n >= 1, got n = ${String(spec.n)}`);
    this.n = spec.n;
    this.shape = [spec.n];
    this.flatDim = spec.n;
  }
  contains(x: unknown): boolean {
    const arr = toNumberArray(x);
    if (arr === undefined || arr.length !== this.n) return false;
    for (let i = 0; i < arr.length; i++) if (arr[i] !== 0 && arr[i] !== 1) return false;
    return true;
  }
  sample(rng: Rng): number[] {
    return Array.from({ length: this.n }, () => rng.int(2));
  }
}

/** A Dict of sub-spaces (observations only); keys are flattened in sorted order. */
export class DictSpace implements Space {
  readonly dtype = "float32" as const;
  readonly shape: readonly number[];
  readonly flatDim: number;
  /** Sorted keys and their spaces. */
  readonly entries: readonly [string, Space][];
  constructor(readonly spec: DictSpec) {
    if (spec.spaces === null || typeof spec.spaces !== "object" || Array.isArray(spec.spaces)) {
      throw new SpaceError("Dict space needs `spaces`: an object of sub-spaces");
    }
    const keys = Object.keys(spec.spaces).sort();
    if (keys.length === 0) throw new SpaceError("Dict space needs at least one sub-space");
    this.entries = keys.map((k) => [k, makeSpace(spec.spaces[k], `Dict sub-space "${k}"`)]);
    this.flatDim = this.entries.reduce((a, [, sp]) => a + sp.flatDim, 0);
    this.shape = [this.flatDim];
  }
  contains(x: unknown): boolean {
    if (x === null || typeof x !== "object" || Array.isArray(x)) return false;
    return this.entries.every(([k, sp]) => sp.contains((x as Record<string, unknown>)[k]));
  }
  sample(rng: Rng): Record<string, unknown> {
    return Object.fromEntries(this.entries.map(([k, sp]) => [k, sp.sample(rng)]));
  }
}

/** A Tuple of sub-spaces (observations only), flattened in order. */
export class TupleSpace implements Space {
  readonly dtype = "float32" as const;
  readonly shape: readonly number[];
  readonly flatDim: number;
  readonly spaces: readonly Space[];
  constructor(readonly spec: TupleSpec) {
    if (!Array.isArray(spec.spaces) || spec.spaces.length === 0) throw new SpaceError("Tuple space needs a non-empty array `spaces`");
    this.spaces = spec.spaces.map((sp, i) => makeSpace(sp, `Tuple sub-space ${i}`));
    this.flatDim = this.spaces.reduce((a, sp) => a + sp.flatDim, 0);
    this.shape = [this.flatDim];
  }
  contains(x: unknown): boolean {
    return Array.isArray(x) && x.length === this.spaces.length && this.spaces.every((sp, i) => sp.contains(x[i]));
  }
  sample(rng: Rng): unknown[] {
    return this.spaces.map((sp) => sp.sample(rng));
  }
}

/**
 * A space in Gymnasium's words for messages: `Box [4]`, `Discrete(2)`, `MultiDiscrete([3, 2])`, `MultiBinary(4)`;
 * other types (Dict, Tuple) by name, with their flat size when `flatDim` is given (`Dict (6 values)`). It names the
 * type and size only (not `start`, bounds or sub-spaces), so two specs with the same description may still differ.
 * Works on plain specs as stored in JSON, valid or not (a Box without `shape` takes its bounds' length); never throws.
 * @param spec a space spec ({@link SpaceSpec}), possibly malformed
 * @param flatDim flat size shown for types without a simple shape (Dict, Tuple) and for a Box with no shape or
 *   bound arrays
 */
export function describeSpace(spec: unknown, flatDim?: number): string {
  const o = (spec ?? {}) as { type?: unknown; shape?: unknown; n?: unknown; nvec?: unknown; low?: unknown; high?: unknown };
  const list = (v: unknown): string => (Array.isArray(v) ? v.join(", ") : String(v));
  switch (o.type) {
    case "Box": {
      const shape = Array.isArray(o.shape) ? o.shape : Array.isArray(o.low) ? [o.low.length] : Array.isArray(o.high) ? [o.high.length] : [flatDim ?? "?"];
      return `Box [${list(shape)}]`;
    }
    case "Discrete":
      return `Discrete(${String(o.n)})`;
    case "MultiDiscrete":
      return `MultiDiscrete([${list(o.nvec)}])`;
    case "MultiBinary":
      return `MultiBinary(${Array.isArray(o.n) ? `[${list(o.n)}]` : String(o.n)})`;
    default:
      return `${String(o.type)}${flatDim !== undefined ? ` (${flatDim} values)` : ""}`;
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
    if (type === "MultiDiscrete") return new MultiDiscrete(spec as MultiDiscreteSpec);
    if (type === "MultiBinary") return new MultiBinary(spec as MultiBinarySpec);
    if (type === "Dict") return new DictSpace(spec as DictSpec);
    if (type === "Tuple") return new TupleSpace(spec as TupleSpec);
  } catch (e) {
    if (e instanceof SpaceError) throw new SpaceError(`${what}: ${e.message}`);
    throw e;
  }
  throw new SpaceError(`${what} has unknown type ${JSON.stringify(type)}; supported: "Discrete", "Box", "MultiDiscrete", "MultiBinary", "Dict", "Tuple"`);
}

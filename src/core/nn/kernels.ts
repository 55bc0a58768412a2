/**
 * The js engine's memory and its one matrix kernel.
 *
 * All of a policy's parameters, gradients and activations live in one Float32Array (`Heap.f32`) backed by a
 * WebAssembly memory, so that the matrix products run in the SIMD kernel of kernels.wat (about 10x a plain-JS loop
 * on the same core). Where WebAssembly SIMD is unavailable the same products run in plain JavaScript over an
 * ordinary ArrayBuffer; results differ only by float rounding.
 */
import { KERNELS_WASM_BASE64 } from "./kernels-wasm";

type GemmFn = (a: number, ar: number, as: number, b: number, c: number, R: number, S: number, O: number) => void;
type TanhFn = (p: number, n: number) => void;
type RowsFn = (x: number, y: number, R: number, O: number) => void;
type TanhBackwardFn = (d: number, h: number, n: number) => void;

/** The parts of the WebAssembly JS API used here (the project's TypeScript libs do not declare them). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/**
 * The compiled kernels module, or null when this runtime cannot compile it (no WebAssembly SIMD), or when the
 * environment variable PPO_LAB_JS_KERNELS=plain asks for the plain-JavaScript kernels (for comparison).
 */
function kernelsModule(): object | null {
  if (compiled === undefined) {
    try {
      const plain = typeof process !== "undefined" && process.env.PPO_LAB_JS_KERNELS === "plain";
      compiled = wasmApi && !plain ? new wasmApi.Module(Buffer.from(KERNELS_WASM_BASE64, "base64")) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const PAGE_FLOATS = 65536 / 4;

/**
 * A bump allocator of float32 slots over one memory. Offsets are in floats and 16-byte aligned. Allocation may
 * grow the memory, which replaces `f32`: read `heap.f32` again after any `alloc`.
 */
export class Heap {
  /** The whole memory as floats; replaced when the memory grows. */
  f32: Float32Array;
  /** "wasm-simd" or "js" (fallback). */
  readonly kind: "wasm-simd" | "js";
  private top = 0;
  private readonly memory?: WasmMemory;
  private readonly wasmGemm?: GemmFn;
  private readonly wasmTanh?: TanhFn;
  private readonly wasmRowsSet?: RowsFn;
  private readonly wasmRowsSumAcc?: RowsFn;
  private readonly wasmTanhBackward?: TanhBackwardFn;

  /** @param initialFloats floats to reserve up front (more are added on demand) */
  constructor(initialFloats = 1 << 16, forceJs = false) {
    const mod = forceJs ? null : kernelsModule();
    const pages = Math.max(1, Math.ceil(initialFloats / PAGE_FLOATS));
    if (mod && wasmApi) {
      this.memory = new wasmApi.Memory({ initial: pages });
      const instance = new wasmApi.Instance(mod, { env: { memory: this.memory } });
      this.wasmGemm = instance.exports.gemm as GemmFn;
      this.wasmTanh = instance.exports.tanh_inplace as TanhFn;
      this.wasmRowsSet = instance.exports.rows_set as RowsFn;
      this.wasmRowsSumAcc = instance.exports.rows_sum_acc as RowsFn;
      this.wasmTanhBackward = instance.exports.tanh_backward as TanhBackwardFn;
      this.f32 = new Float32Array(this.memory.buffer);
      this.kind = "wasm-simd";
    } else {
      this.f32 = new Float32Array(pages * PAGE_FLOATS);
      this.kind = "js";
    }
  }

  /** Reserves `n` zeroed floats. @returns their offset in `f32` */
  alloc(n: number): number {
    const at = this.top;
    this.top += (n + 3) & ~3;
    if (this.top > this.f32.length) {
      const pages = Math.ceil((this.top - this.f32.length) / PAGE_FLOATS) + Math.ceil(this.f32.length / PAGE_FLOATS / 2);
      if (this.memory) {
        this.memory.grow(pages);
        this.f32 = new Float32Array(this.memory.buffer);
      } else {
        const bigger = new Float32Array(this.f32.length + pages * PAGE_FLOATS);
        bigger.set(this.f32);
        this.f32 = bigger;
      }
    }
    return at;
  }

  /**
   * `x = tanh(x)` in place for the `n` floats at offset `at` (which must come from `alloc`: the SIMD kernel also
   * rewrites the allocation's padding up to a multiple of 4). Within a few float32 ulps of Math.tanh.
   */
  tanh(at: number, n: number): void {
    if (this.wasmTanh) {
      this.wasmTanh(at * 4, n);
      return;
    }
    const h = this.f32;
    for (let q = at; q < at + n; q++) h[q] = Math.tanh(h[q]);
  }

  /** `C[r, j] = v[j]` for r < R, j < O (offsets in floats): a bias copied into every row. */
  rowsSet(c: number, v: number, R: number, O: number): void {
    if (this.wasmRowsSet) {
      this.wasmRowsSet(c * 4, v * 4, R, O);
      return;
    }
    const h = this.f32;
    for (let r = 0; r < R; r++) for (let j = 0; j < O; j++) h[c + r * O + j] = h[v + j];
  }

  /** `v[j] += sum_r C[r, j]` for r < R, j < O (offsets in floats): a bias gradient. */
  rowsSumAcc(v: number, c: number, R: number, O: number): void {
    if (this.wasmRowsSumAcc) {
      this.wasmRowsSumAcc(v * 4, c * 4, R, O);
      return;
    }
    const h = this.f32;
    for (let r = 0; r < R; r++) for (let j = 0; j < O; j++) h[v + j] += h[c + r * O + j];
  }

  /**
   * `d[i] *= 1 - t[i]^2` for the `n` floats at offsets `d` and `t` (both from `alloc`; the SIMD kernel also rewrites
   * `d`'s padding): the gradient through `t = tanh(x)`.
   */
  tanhBackward(d: number, t: number, n: number): void {
    if (this.wasmTanhBackward) {
      this.wasmTanhBackward(d * 4, t * 4, n);
      return;
    }
    const h = this.f32;
    for (let i = 0; i < n; i++) h[d + i] *= 1 - h[t + i] * h[t + i];
  }

  /**
   * `C[r, j] += sum_s A[r * ar + s * as] * B[s, j]` for r < R, s < S, j < O (offsets in floats; B `[S, O]` and
   * C `[R, O]` row-major; A read with strides `ar`, `as`, so `X @ W` is (ar = S, as = 1) and `X^T @ D` is
   * (ar = 1, as = rows of X)).
   */
  gemm(a: number, ar: number, as: number, b: number, c: number, R: number, S: number, O: number): void {
    if (this.wasmGemm) {
      this.wasmGemm(a * 4, ar, as, b * 4, c * 4, R, S, O);
      return;
    }
    const h = this.f32;
    for (let r = 0; r < R; r++) {
      const cr = c + r * O;
      const arow = a + r * ar;
      for (let s = 0; s < S; s++) {
        const x = h[arow + s * as];
        if (x === 0) continue;
        const bs = b + s * O;
        for (let j = 0; j < O; j++) h[cr + j] += x * h[bs + j];
      }
    }
  }
}

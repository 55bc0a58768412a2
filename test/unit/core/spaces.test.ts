/**
 * Spaces (src/core/spaces.ts): construction errors, `contains`, `sample`, and `makeSpace` validation, against
 * Gymnasium's Discrete/Box semantics.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Box, Discrete, SpaceError, describeSpace, makeSpace, toNumberArray } from "../../../src/core/spaces";
import { Rng } from "../../../src/core/rng";

describe("Discrete construction", () => {
  for (const n of [0, -1, 2.5, Number.NaN, Infinity]) {
    test(`rejects n = ${n}`, () => {
      assert.throws(() => new Discrete({ type: "Discrete", n }), (e: unknown) => {
        assert.ok(e instanceof SpaceError);
        assert.match((e as Error).message, /n >= 1/);
        assert.match((e as Error).message, new RegExp(`n = ${String(n)}`));
        return true;
      });
    });
  }

  test("rejects a non-numeric n and a non-integer start", () => {
    assert.throws(() => new Discrete({ type: "Discrete", n: "3" as unknown as number }), SpaceError);
    assert.throws(() => new Discrete({ type: "Discrete", n: 3, start: 0.5 }), /start must be an integer/);
  });

  test("n = 1 is allowed; shape [] and flatDim 1", () => {
    const d = new Discrete({ type: "Discrete", n: 1 });
    assert.equal(d.n, 1);
    assert.equal(d.start, 0);
    assert.deepEqual(d.shape, []);
    assert.equal(d.flatDim, 1);
    assert.equal(d.dtype, "int32");
  });
});

describe("Discrete.contains", () => {
  const d = new Discrete({ type: "Discrete", n: 3 });
  test("accepts 0 .. n-1", () => {
    for (const x of [0, 1, 2]) assert.equal(d.contains(x), true, `contains(${x})`);
  });
  test("rejects out-of-range, non-integers, NaN and non-numbers", () => {
    for (const x of [-1, 3, 1.5, Number.NaN, Infinity, "1", null, undefined, true, [0, 1], {}]) {
      assert.equal(d.contains(x), false, `contains(${JSON.stringify(x)})`);
    }
  });
  test("a one-element array holding a valid value counts (as a length-1 action row)", () => {
    assert.equal(d.contains([2]), true);
    assert.equal(d.contains([3]), false);
  });
  test("respects start", () => {
    const s = new Discrete({ type: "Discrete", n: 3, start: -1 });
    assert.deepEqual([-2, -1, 0, 1, 2].map((x) => s.contains(x)), [false, true, true, true, false]);
  });
});

describe("Discrete.sample", () => {
  test("covers exactly start .. start + n - 1", () => {
    const d = new Discrete({ type: "Discrete", n: 4, start: 10 });
    const rng = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = d.sample(rng);
      assert.ok(d.contains(x), `sample ${x} outside the space`);
      seen.add(x);
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), [10, 11, 12, 13]);
  });
});

describe("Box construction", () => {
  test("low > high is an error that names the element", () => {
    assert.throws(
      () => new Box({ type: "Box", low: [0, 2], high: [1, 1] }),
      (e: unknown) => e instanceof SpaceError && /low\[1\] = 2 > high\[1\] = 1/.test((e as Error).message),
    );
    assert.throws(() => new Box({ type: "Box", low: 1, high: 0, shape: [3] }), SpaceError);
  });

  test("low == high is allowed (a degenerate but valid box)", () => {
    const b = new Box({ type: "Box", low: [1], high: [1] });
    assert.equal(b.contains([1]), true);
    assert.equal(b.contains([1.0000001]), false);
  });

  test("length mismatch between low/high and the shape is an error", () => {
    assert.throws(() => new Box({ type: "Box", low: [0, 0], high: [1, 1, 1] }), /high has 3 elements but the shape needs 2/);
    assert.throws(() => new Box({ type: "Box", low: [0, 0], high: [1, 1], shape: [3] }), /low has 2 elements but the shape needs 3/);
    assert.throws(() => new Box({ type: "Box", low: [0, 0, 0, 0, 0], high: 1, shape: [2, 3] }), /low has 5 elements but the shape needs 6/);
  });

  test("scalar bounds need a shape; bad shapes are errors", () => {
    assert.throws(() => new Box({ type: "Box", low: 0, high: 1 }), /needs `shape`/);
    for (const shape of [[], [0], [2, -1], [1.5]]) {
      assert.throws(() => new Box({ type: "Box", low: 0, high: 1, shape }), SpaceError, JSON.stringify(shape));
    }
  });

  test("NaN and non-number bounds are errors", () => {
    assert.throws(() => new Box({ type: "Box", low: Number.NaN, high: 1, shape: [1] }), /low is NaN/);
    assert.throws(() => new Box({ type: "Box", low: [0, Number.NaN], high: [1, 1] }), /low\[1\] is not a number/);
    assert.throws(() => new Box({ type: "Box", low: [0, "a" as unknown as number], high: [1, 1] }), /low\[1\] is not a number/);
  });

  test("scalar bounds broadcast over a multi-dimensional shape", () => {
    const b = new Box({ type: "Box", low: -2, high: 3, shape: [2, 3] });
    assert.equal(b.flatDim, 6);
    assert.deepEqual(b.shape, [2, 3]);
    assert.deepEqual(Array.from(b.low), [-2, -2, -2, -2, -2, -2]);
    assert.deepEqual(Array.from(b.high), [3, 3, 3, 3, 3, 3]);
    assert.equal(b.dtype, "float32");
  });

  test("null bounds (JSON spelling of infinity) become -Infinity / Infinity", () => {
    const b = new Box({ type: "Box", low: [null, 0] as unknown as number[], high: [1, null] as unknown as number[] });
    assert.deepEqual(Array.from(b.low), [-Infinity, 0]);
    assert.deepEqual(Array.from(b.high), [1, Infinity]);
    assert.equal(b.bounded, false);
    assert.equal(new Box({ type: "Box", low: [0], high: [1] }).bounded, true);
  });
});

describe("Box.contains", () => {
  const b = new Box({ type: "Box", low: [-1, 0], high: [1, 2] });
  test("inside and on the bounds", () => {
    for (const x of [[0, 1], [-1, 0], [1, 2], [0.5, 1.999]]) assert.equal(b.contains(x), true, JSON.stringify(x));
  });
  test("outside the bounds, per element", () => {
    for (const x of [[1.0001, 1], [-1.0001, 1], [0, -0.0001], [0, 2.0001]]) assert.equal(b.contains(x), false, JSON.stringify(x));
  });
  test("NaN, wrong length and non-numbers", () => {
    assert.equal(b.contains([0, Number.NaN]), false);
    assert.equal(b.contains([0]), false);
    assert.equal(b.contains([0, 1, 1]), false);
    assert.equal(b.contains([]), false);
    assert.equal(b.contains(["0", 1]), false);
    assert.equal(b.contains(null), false);
    assert.equal(b.contains({ 0: 0, 1: 1, length: 2 }), false);
  });
  test("typed arrays are accepted with the same rules", () => {
    assert.equal(b.contains(Float32Array.of(0, 1)), true);
    assert.equal(b.contains(Float64Array.of(0, 1)), true);
    assert.equal(b.contains(Int32Array.of(1, 2)), true);
    assert.equal(b.contains(Float64Array.of(0, 3)), false);
    assert.equal(b.contains(Float32Array.of(0, Number.NaN)), false);
    assert.equal(b.contains(Float32Array.of(0)), false);
    assert.equal(b.contains(new DataView(new ArrayBuffer(16))), false);
  });
  test("a scalar counts for a one-element box", () => {
    const one = new Box({ type: "Box", low: [0], high: [1] });
    assert.equal(one.contains(0.5), true);
    assert.equal(one.contains(2), false);
  });
  test("int32 boxes need integers", () => {
    const ib = new Box({ type: "Box", low: [0, 0], high: [5, 5], dtype: "int32" });
    assert.equal(ib.contains([1, 5]), true);
    assert.equal(ib.contains([1.5, 2]), false);
  });
  test("unbounded elements accept any finite value", () => {
    const u = new Box({ type: "Box", low: -Infinity, high: Infinity, shape: [2] });
    assert.equal(u.contains([1e300, -1e300]), true);
    assert.equal(u.contains([0, Number.NaN]), false);
  });
});

describe("Box.sample", () => {
  test("bounded samples stay inside the bounds and spread over them", () => {
    const b = new Box({ type: "Box", low: [-1, 10, 0], high: [1, 20, 0] });
    const rng = new Rng(2);
    const min = [Infinity, Infinity, Infinity];
    const max = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < 5000; i++) {
      const x = b.sample(rng);
      assert.equal(x.length, 3);
      assert.ok(b.contains(x), `sample ${JSON.stringify(x)} outside the box`);
      x.forEach((v, j) => {
        min[j] = Math.min(min[j], v);
        max[j] = Math.max(max[j], v);
      });
    }
    // 5000 uniform draws come within 1% of each end of the interval.
    assert.ok(min[0] < -0.98 && max[0] > 0.98, `range ${min[0]}..${max[0]}`);
    assert.ok(min[1] < 10.2 && max[1] > 19.8, `range ${min[1]}..${max[1]}`);
    assert.equal(min[2], 0);
    assert.equal(max[2], 0);
  });

  test("unbounded and half-bounded samples are finite and on the bounded side", () => {
    const b = new Box({ type: "Box", low: [-Infinity, 3, -Infinity], high: [Infinity, Infinity, -2] });
    const rng = new Rng(3);
    let neg = 0;
    for (let i = 0; i < 5000; i++) {
      const [u, lo, hi] = b.sample(rng);
      assert.ok(Number.isFinite(u) && Number.isFinite(lo) && Number.isFinite(hi), "non-finite sample");
      assert.ok(lo >= 3, `lower-bounded sample ${lo}`);
      assert.ok(hi <= -2, `upper-bounded sample ${hi}`);
      if (u < 0) neg++;
    }
    // The fully unbounded element is symmetric (normal): about half negative.
    assert.ok(Math.abs(neg / 5000 - 0.5) < 0.05, `share negative ${neg / 5000}`);
  });

  test("int32 boxes sample integers inside the bounds", () => {
    const b = new Box({ type: "Box", low: [0, -3], high: [4, 3], dtype: "int32" });
    const rng = new Rng(4);
    for (let i = 0; i < 2000; i++) {
      const x = b.sample(rng);
      assert.ok(b.contains(x), `sample ${JSON.stringify(x)}`);
    }
  });

  test("is deterministic for a seed", () => {
    const b = new Box({ type: "Box", low: [-1, -1], high: [1, 1] });
    const r1 = new Rng(5);
    const r2 = new Rng(5);
    for (let i = 0; i < 20; i++) assert.deepEqual(b.sample(r1), b.sample(r2));
  });
});

describe("makeSpace", () => {
  test("builds Discrete and Box from plain specs", () => {
    assert.ok(makeSpace({ type: "Discrete", n: 2 }) instanceof Discrete);
    const b = makeSpace({ type: "Box", low: [0, 0], high: [1, 1] });
    assert.ok(b instanceof Box);
    assert.equal(b.flatDim, 2);
  });

  test("rejects non-objects and unknown types, naming what was checked", () => {
    assert.throws(() => makeSpace(null, "observationSpace"), /observationSpace must be an object/);
    assert.throws(() => makeSpace(3, "actionSpace"), /actionSpace must be an object/);
    assert.throws(() => makeSpace({ type: "Graph", n: 3 }, "actionSpace"), /actionSpace has unknown type "Graph".*"Discrete", "Box", "MultiDiscrete", "MultiBinary", "Dict", "Tuple"/);
    assert.throws(() => makeSpace({ n: 3 }), /unknown type undefined/);
  });

  test("prefixes construction errors with the space's role", () => {
    assert.throws(
      () => makeSpace({ type: "Discrete", n: 0 }, "actionSpace"),
      (e: unknown) => e instanceof SpaceError && (e as Error).message.startsWith("actionSpace: Discrete space needs an integer n >= 1"),
    );
  });
});

describe("toNumberArray", () => {
  test("numbers, number arrays and typed arrays; undefined for anything else", () => {
    assert.deepEqual(toNumberArray(3), [3]);
    assert.deepEqual(toNumberArray([1, 2]), [1, 2]);
    assert.deepEqual(Array.from(toNumberArray(Float32Array.of(1, 2)) ?? []), [1, 2]);
    assert.equal(toNumberArray([1, "2"]), undefined);
    assert.equal(toNumberArray("12"), undefined);
    assert.equal(toNumberArray(null), undefined);
    assert.equal(toNumberArray(new DataView(new ArrayBuffer(4))), undefined);
  });
});

describe("describeSpace", () => {
  test("names each type with its size in Gymnasium's words", () => {
    assert.equal(describeSpace({ type: "Box", low: -1, high: 1, shape: [2, 3] }), "Box [2, 3]");
    assert.equal(describeSpace({ type: "Discrete", n: 2, start: 1 }), "Discrete(2)");
    assert.equal(describeSpace({ type: "MultiDiscrete", nvec: [3, 2] }), "MultiDiscrete([3, 2])");
    assert.equal(describeSpace({ type: "MultiBinary", n: 4 }), "MultiBinary(4)");
  });

  test("a Box without shape takes its bounds' length, then flatDim", () => {
    assert.equal(describeSpace({ type: "Box", low: [0, 0, 0], high: 1 }), "Box [3]");
    assert.equal(describeSpace({ type: "Box", low: 0, high: [1, 1] }), "Box [2]");
    assert.equal(describeSpace({ type: "Box", low: 0, high: 1 }, 5), "Box [5]");
    assert.equal(describeSpace({ type: "Box", low: 0, high: 1 }), "Box [?]");
  });

  test("Dict and Tuple by name, with their flat size when given", () => {
    const dict = { type: "Dict", spaces: { a: { type: "Discrete", n: 2 } } };
    assert.equal(describeSpace(dict), "Dict");
    assert.equal(describeSpace(dict, 6), "Dict (6 values)");
    assert.equal(describeSpace({ type: "Tuple", spaces: [] }, 3), "Tuple (3 values)");
  });

  test("tells sizes apart but not bounds or start, and never throws on malformed input", () => {
    assert.notEqual(describeSpace({ type: "Box", low: -1, high: 1, shape: [4] }), describeSpace({ type: "Box", low: -1, high: 1, shape: [3] }));
    assert.equal(describeSpace({ type: "Discrete", n: 3, start: 0 }), describeSpace({ type: "Discrete", n: 3, start: 5 }));
    for (const bad of [undefined, null, 7, "Box", { type: 3 }, { type: "Box", shape: "x" }]) assert.equal(typeof describeSpace(bad), "string");
  });
});

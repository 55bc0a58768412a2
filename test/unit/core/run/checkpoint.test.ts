import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  RunDirError,
  RunReader,
  RunWriter,
  loadCheckpoint,
  readCheckpointMeta,
  type Checkpoint,
  type WeightMap,
} from "../../../../src/core/run/run-dir";
import { removeDir, sampleInfo, tempDir } from "./helpers";

const dirs: string[] = [];
function newRun(): RunWriter {
  const root = tempDir();
  dirs.push(root);
  return RunWriter.create(root, sampleInfo(), { shortId: "ckpt" });
}
after(() => dirs.forEach(removeDir));

/** Deterministic awkward floats: specials, denormals, a NaN with a payload, and an LCG's values. */
function floats(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  const bits = new Uint32Array(a.buffer);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    bits[i] = s;
  }
  const specials = [0x80000000 /* -0 */, 0x7f800000 /* inf */, 0x00000001 /* denormal */, 0x7fc01234 /* NaN payload */];
  specials.forEach((b, i) => {
    if (i < n) bits[i] = b;
  });
  return a;
}

function sampleCheckpoint(): Checkpoint {
  return {
    weights: {
      "policy/dense_1/kernel": { shape: [4, 64], data: floats(256, 1) },
      "policy/dense_1/bias": { shape: [64], data: floats(64, 2) },
      "value/out/kernel": { shape: [64, 1], data: floats(64, 3) },
      "policy/log_std": { shape: [2], data: new Float32Array([-0.5, 0.25]) },
      scalar: { shape: [], data: new Float32Array([3.5]) },
      empty: { shape: [0, 3], data: new Float32Array(0) },
    },
    optimizer: {
      step: 37,
      weights: {
        "policy/dense_1/kernel/m": { shape: [4, 64], data: floats(256, 4) },
        "policy/dense_1/kernel/v": { shape: [4, 64], data: floats(256, 5) },
      },
    },
    normalization: { obs: { mean: new Float64Array([0.1, -0.2]), var: [1.5, 2.5], count: 1234.5 }, clip: 10 },
    rng: { a: 1, b: 2, c: 3, d: 4 },
    meta: { update: 12, architecture: { hidden: [64, 64] } },
  };
}

function assertBitExact(actual: WeightMap, expected: WeightMap): void {
  assert.deepEqual(Object.keys(actual), Object.keys(expected), "names and order");
  for (const [name, t] of Object.entries(expected)) {
    const got = actual[name];
    assert.ok(got.data instanceof Float32Array, name);
    assert.deepEqual(got.shape, t.shape, name);
    assert.deepEqual(
      new Uint32Array(got.data.buffer, got.data.byteOffset, got.data.length),
      new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length),
      `${name} bits`,
    );
  }
}

describe("checkpoints", () => {
  it("save/load round-trips bit-exactly, with optimizer, normalization, rng and meta", () => {
    const w = newRun();
    const ckpt = sampleCheckpoint();
    const dir = w.saveCheckpoint(2048, ckpt);
    assert.equal(dir, path.join(w.dir, "checkpoints", "2048"));
    assert.deepEqual(fs.readdirSync(dir).sort(), ["model.json", "optimizer.bin", "weights.bin"]);

    const loaded = new RunReader(w.dir).loadCheckpoint(2048);
    assert.equal(loaded.step, 2048);
    assertBitExact(loaded.weights, ckpt.weights);
    assert.equal(loaded.optimizer?.step, 37);
    assertBitExact(loaded.optimizer!.weights, ckpt.optimizer!.weights);
    assert.deepEqual(loaded.normalization, { obs: { mean: [0.1, -0.2], var: [1.5, 2.5], count: 1234.5 }, clip: 10 });
    assert.deepEqual(loaded.rng, ckpt.rng);
    assert.deepEqual(loaded.meta, ckpt.meta);
    assert.deepEqual(loadCheckpoint(dir), loaded);
    assert.equal(new RunReader(w.dir).info().lastCheckpointStep, 2048);
  });

  it("writes the TF.js weights format: model.json manifest + little-endian float32 weights.bin", () => {
    const w = newRun();
    const ckpt = sampleCheckpoint();
    const dir = w.saveCheckpoint(7, ckpt);
    const model = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
    assert.equal(model.format, "ppo-lab-checkpoint");
    assert.equal(model.version, 1);
    assert.equal(model.step, 7);
    assert.deepEqual(model.weightsManifest[0].paths, ["weights.bin"]);
    assert.deepEqual(model.optimizerManifest[0].paths, ["optimizer.bin"]);
    assert.deepEqual(
      model.weightsManifest[0].weights,
      Object.entries(ckpt.weights).map(([name, t]) => ({ name, shape: t.shape, dtype: "float32" })),
    );

    const bin = fs.readFileSync(path.join(dir, "weights.bin"));
    let off = 0;
    for (const t of Object.values(ckpt.weights)) {
      for (let i = 0; i < t.data.length; i++, off += 4) {
        const expectedBits = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)[i];
        assert.equal(bin.readUInt32LE(off), expectedBits);
      }
    }
    assert.equal(off, bin.length);

    // TF.js decodes the same bytes with the same manifest.
    const ab = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const tensors = tf.io.decodeWeights(ab, model.weightsManifest[0].weights);
    const kernel = tensors["policy/dense_1/bias"];
    assert.deepEqual(kernel.shape, [64]);
    assert.deepEqual(
      new Uint32Array((kernel.dataSync() as Float32Array).slice().buffer),
      new Uint32Array(ckpt.weights["policy/dense_1/bias"].data.slice().buffer),
    );
    tf.dispose(Object.values(tensors));
  });

  it("lists checkpoints in numeric order and ignores temp and incomplete folders", () => {
    const w = newRun();
    const small = { weights: { w: { shape: [1], data: new Float32Array([1]) } } };
    for (const step of [10000, 900, 20, 0]) w.saveCheckpoint(step, small);
    const ck = path.join(w.dir, "checkpoints");
    // A crash mid-save leaves a temp folder, possibly with a model.json already in it.
    fs.mkdirSync(path.join(ck, "50000.tmp-123-abcd"));
    fs.writeFileSync(path.join(ck, "50000.tmp-123-abcd", "model.json"), "{}");
    fs.mkdirSync(path.join(ck, "60000")); // no model.json
    fs.mkdirSync(path.join(ck, "0070")); // not a canonical step name
    fs.writeFileSync(path.join(ck, "80000"), ""); // a file, not a folder

    const r = new RunReader(w.dir);
    assert.deepEqual(r.listCheckpoints(), [0, 20, 900, 10000]);
    assert.deepEqual(w.listCheckpoints(), [0, 20, 900, 10000]);
    assert.deepEqual(r.latestCheckpoint(), { step: 10000, dir: path.join(ck, "10000") });

    // Resuming cleans the temp folder up.
    w.close();
    RunWriter.open(w.dir);
    assert.ok(!fs.existsSync(path.join(ck, "50000.tmp-123-abcd")));
    assert.deepEqual(r.listCheckpoints(), [0, 20, 900, 10000]);
  });

  it("latestCheckpoint is undefined without checkpoints", () => {
    assert.equal(new RunReader(newRun().dir).latestCheckpoint(), undefined);
  });

  it("saving the same step again replaces it", () => {
    const w = newRun();
    w.saveCheckpoint(5, { weights: { w: { shape: [2], data: new Float32Array([1, 2]) } } });
    w.saveCheckpoint(5, { weights: { w: { shape: [3], data: new Float32Array([3, 4, 5]) } }, meta: { v: 2 } });
    const loaded = new RunReader(w.dir).loadCheckpoint(5);
    assert.deepEqual(Array.from(loaded.weights.w.data), [3, 4, 5]);
    assert.deepEqual(loaded.meta, { v: 2 });
    assert.deepEqual(fs.readdirSync(path.join(w.dir, "checkpoints")), ["5"]);
  });

  it("rejects bad tensors and steps before writing anything", () => {
    const w = newRun();
    const ck = path.join(w.dir, "checkpoints");
    assert.throws(() => w.saveCheckpoint(1, { weights: { w: { shape: [2, 2], data: new Float32Array(3) } } }), /has 4 elements/);
    assert.throws(
      () => w.saveCheckpoint(1, { weights: { w: { shape: [2], data: [1, 2] as unknown as Float32Array } } }),
      /Float32Array/,
    );
    assert.throws(() => w.saveCheckpoint(-1, { weights: {} }), RangeError);
    assert.throws(() => w.saveCheckpoint(1.5, { weights: {} }), RangeError);
    assert.throws(() => w.saveCheckpoint(1, { weights: {}, meta: { n: 1n } }), TypeError);
    assert.deepEqual(fs.readdirSync(ck), []);
  });

  it("a damaged weights.bin or a foreign model.json is reported, not misread", () => {
    const w = newRun();
    const dir = w.saveCheckpoint(3, { weights: { w: { shape: [4], data: new Float32Array([1, 2, 3, 4]) } } });
    fs.truncateSync(path.join(dir, "weights.bin"), 10);
    assert.throws(() => loadCheckpoint(dir), (e: unknown) => e instanceof RunDirError && /damaged/.test(e.message));
    fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify({ format: "something-else" }));
    assert.throws(() => loadCheckpoint(dir), /not a PPO Lab checkpoint/);
    fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify({ format: "ppo-lab-checkpoint", version: 99 }));
    assert.throws(() => loadCheckpoint(dir), /update PPO Lab/);
  });

  it("readCheckpointMeta reads model.json alone: the same metadata as loadCheckpoint, even with the weights gone", () => {
    const w = newRun();
    const ckpt = sampleCheckpoint();
    const dir = w.saveCheckpoint(512, ckpt);
    const { weights: _weights, optimizer, ...fromLoad } = loadCheckpoint(dir);
    const meta = readCheckpointMeta(dir);
    assert.deepEqual(meta, { ...fromLoad, optimizerStep: optimizer?.step });
    assert.equal(meta.step, 512);
    assert.deepEqual(meta.meta, ckpt.meta);
    assert.ok(!("weights" in meta) && !("weightsManifest" in meta), "no tensors nor manifests");
    fs.rmSync(path.join(dir, "weights.bin"));
    fs.rmSync(path.join(dir, "optimizer.bin"));
    assert.throws(() => loadCheckpoint(dir), RunDirError);
    assert.deepEqual(new RunReader(w.dir).checkpointMeta(512), meta);
    const bare = w.saveCheckpoint(1, { weights: {} });
    assert.deepEqual(readCheckpointMeta(bare), { step: 1 });
  });

  it("readCheckpointMeta reports a missing, foreign or newer model.json as loadCheckpoint does", () => {
    const w = newRun();
    const dir = w.saveCheckpoint(3, { weights: { w: { shape: [1], data: new Float32Array([1]) } } });
    fs.writeFileSync(path.join(dir, "model.json"), "{ not json");
    assert.throws(() => readCheckpointMeta(dir), (e: unknown) => e instanceof RunDirError && /not valid JSON/.test(e.message));
    fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify({ format: "something-else", meta: { a: 1 } }));
    assert.throws(() => readCheckpointMeta(dir), /not a PPO Lab checkpoint/);
    fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify({ format: "ppo-lab-checkpoint", version: 99, weightsManifest: [] }));
    assert.throws(() => readCheckpointMeta(dir), /update PPO Lab/);
    fs.rmSync(path.join(dir, "model.json"));
    assert.throws(() => readCheckpointMeta(dir), RunDirError);
  });
});

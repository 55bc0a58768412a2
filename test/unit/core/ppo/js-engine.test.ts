/**
 * The js engine (src/core/ppo/js-policy.ts) against TF.js: same initial weights, same actions and log-probs in the
 * rollout, and hand-written gradients of the whole PPO loss equal to TF.js autograd of `PPO.ppoLoss` (the tfjs
 * engine's own loss) for every distribution, with and without value clipping and action masks; Adam and
 * grad-norm clipping step for step; and the same seeded training metrics from both engines over a few updates.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import CartPole from "../../../../examples/cartpole";
import Pendulum from "../../../../examples/pendulum";
import type { Env } from "../../../../src/core/env";
import { TimeLimit } from "../../../../src/core/envs/time-limit";
import { SyncVectorEnv } from "../../../../src/core/envs/vector-env";
import { Adam } from "../../../../src/core/nn/adam";
import { FlatAdam } from "../../../../src/core/nn/flat-mlp";
import { Heap } from "../../../../src/core/nn/kernels";
import { DEFAULT_CONFIG, resolveConfig, type PPOConfig } from "../../../../src/core/ppo/config";
import { clipGradNorm, JsActorCritic, type MinibatchArrays } from "../../../../src/core/ppo/js-policy";
import { ActorCritic, type PolicyOptions } from "../../../../src/core/ppo/policy";
import { PPO } from "../../../../src/core/ppo/ppo";
import { PolicySnapshot } from "../../../../src/core/replay/recorder";
import { Rng } from "../../../../src/core/rng";
import { Box, Discrete, MultiBinary, MultiDiscrete, type Space } from "../../../../src/core/spaces";
import { selectBackend } from "../../../../src/trainer/backend";

before(async () => {
  await selectBackend("cpu");
});

const OBS_DIM = 5;
const M = 24;

function options(over: Partial<PolicyOptions> = {}): PolicyOptions {
  return { netArch: { pi: [16, 8], vf: [12] }, activation: "tanh", orthoInit: true, logStdInit: -0.3, logStdRange: [-20, 2], ...over };
}

/** Both engines' policies from the same seed, with weights scaled up so that the actor's outputs are not ~0. */
function pair(space: Space, opts: PolicyOptions, seed = 3): { tfp: ActorCritic; jsp: JsActorCritic } {
  const tfp = new ActorCritic(OBS_DIM, space, opts, new Rng(seed));
  const jsp = new JsActorCritic(OBS_DIM, space, opts, new Rng(seed), M);
  const w = tfp.getWeights();
  const rng = new Rng(seed + 100);
  for (const [name, p] of Object.entries(w)) {
    if (name === "log_std") continue;
    for (let i = 0; i < p.data.length; i++) p.data[i] = p.data[i] * 3 + 0.3 * rng.normal();
  }
  tfp.setWeights(w);
  jsp.setWeights(w);
  return { tfp, jsp };
}

/** A minibatch whose ratios spread on both sides of the clip range and whose values sit on both clipping sides. */
function minibatch(space: Space, jsp: JsActorCritic, masked: boolean, seed = 7): MinibatchArrays {
  const rng = new Rng(seed);
  const obs = new Float32Array(M * OBS_DIM).map(() => rng.normal());
  const a = jsp.actionDim;
  const masks = masked ? new Float32Array(M * jsp.maskDim).fill(1) : undefined;
  if (masks) {
    // forbid one random action per categorical part (never all of them)
    const nvec = space instanceof MultiDiscrete ? space.nvec : [(space as Discrete).n];
    for (let i = 0; i < M; i++) {
      let off = 0;
      for (const n of nvec) {
        if (n > 1 && rng.uniform() < 0.7) masks[i * jsp.maskDim + off + Math.floor(rng.uniform() * n)] = 0;
        off += n;
      }
    }
  }
  const noise = new Float32Array(M * jsp.noiseDim).map(() => (jsp.noiseKind === "normal" ? rng.normal() : Math.min(Math.max(rng.uniform(), 1e-7), 1 - 1e-7)));
  const sampled = jsp.act(obs, M, noise, false, masks);
  const oldLogProbs = sampled.logProbs.map((lp) => lp + 0.4 * rng.normal());
  const oldValues = sampled.values.map((v) => v + 0.5 * rng.normal());
  return {
    obs,
    actions: sampled.actions.slice(0, M * a),
    oldLogProbs,
    advantages: new Float32Array(M).map(() => rng.normal()),
    returns: new Float32Array(M).map(() => 2 * rng.normal()),
    oldValues,
    masks,
  };
}

/**
 * TF.js autograd of the tfjs engine's `ppoLoss` for this minibatch. With `critic` false (GRPO's loss) parameters the
 * loss does not depend on (the critic's) have no entry in `grads`.
 */
function tfGradients(tfp: ActorCritic, b: MinibatchArrays, config: PPOConfig, clipRange: number, klCoef = 0, refKlCoef = 0, critic = true) {
  const fakePpo = Object.assign(Object.create(PPO.prototype) as object, { policy: tfp, tfModel: { policy: tfp }, config }) as unknown as PPO;
  return tf.tidy(() => {
    const d = tfp.obsDim;
    const a = tfp.actionDim;
    const actT = a === 1 && tfp.noiseKind === "uniform" ? tf.tensor1d(b.actions) : tf.tensor2d(b.actions, [M, a]);
    let stats: tf.Tensor1D | undefined;
    const { grads } = tf.variableGrads(() => {
      const r = PPO.prototype.ppoLoss.call(
        fakePpo,
        tf.tensor2d(b.obs, [M, d]),
        actT,
        tf.tensor1d(b.oldLogProbs),
        tf.tensor1d(b.advantages),
        tf.tensor1d(b.returns),
        tf.tensor1d(b.oldValues),
        clipRange,
        b.masks ? tf.tensor2d(b.masks, [M, tfp.maskDim]) : undefined,
        klCoef,
        b.refLogProbs ? tf.tensor1d(b.refLogProbs) : undefined,
        refKlCoef,
        critic,
      );
      stats = tf.keep(r.stats);
      return r.loss;
    }, (critic ? tfp.params : tfp.params.filter((p) => !p.name.startsWith("critic/"))).map((p) => p.variable));
    const out: Record<string, Float32Array> = {};
    for (const p of tfp.params) if (grads[p.variable.name]) out[p.name] = grads[p.variable.name].dataSync() as Float32Array;
    const s = (stats as tf.Tensor1D).dataSync();
    (stats as tf.Tensor1D).dispose();
    return { grads: out, stats: Array.from(s) };
  });
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 2e-3, atol = 2e-6): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const tol = atol + rtol * Math.max(Math.abs(expected[i]), 0.05 * scale);
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: js ${actual[i]} vs tfjs ${expected[i]} (tolerance ${tol})`);
  }
}

const SPACES: { name: string; space: Space; masks: boolean[] }[] = [
  { name: "categorical", space: new Discrete({ type: "Discrete", n: 4 }), masks: [false, true] },
  { name: "multi-categorical", space: new MultiDiscrete({ type: "MultiDiscrete", nvec: [3, 2, 4] }), masks: [false, true] },
  { name: "bernoulli", space: new MultiBinary({ type: "MultiBinary", n: 3 }), masks: [false] },
  { name: "diagonal Gaussian", space: new Box({ type: "Box", low: -1, high: 1, shape: [2] }), masks: [false] },
];

for (const { name, space, masks } of SPACES) {
  for (const masked of masks) {
    for (const clipRangeVf of [null, 0.2]) {
      test(`js gradients match TF.js autograd: ${name}${masked ? ", masked" : ""}, clipRangeVf ${clipRangeVf}`, () => {
        const { tfp, jsp } = pair(space, options());
        const config = { ...DEFAULT_CONFIG, clipRangeVf, entCoef: 0.05, vfCoef: 0.7 };
        const b = minibatch(space, jsp, masked);
        const expected = tfGradients(tfp, b, config, 0.2);
        const s = jsp.lossAndGradients(b, M, { clipRange: 0.2, clipRangeVf, entCoef: 0.05, vfCoef: 0.7 });
        const got = [s.pgLoss, s.valueLoss ?? NaN, s.entropy, s.approxKl, s.oldApproxKl, s.clipFraction, s.ratioMin, s.ratioMax];
        assertClose(got, expected.stats, "loss statistics", 1e-4, 1e-6);
        // the batch exercises both branches of the clipped surrogate
        assert.ok(s.clipFraction > 0.1 && s.clipFraction < 0.9, `clip fraction ${s.clipFraction}`);
        for (const spec of jsp.paramSpecs) {
          const g = jsp.grads.subarray(spec.offset, spec.offset + spec.size);
          assertClose(g, expected.grads[spec.name], `d loss / d ${spec.name}`);
        }
        let norm = 0;
        for (const x of jsp.grads) norm += x * x;
        assert.ok(norm > 1e-6, "the gradient is not zero");
        tfp.dispose();
      });
    }
  }
}

for (const { name, space } of SPACES) {
  test(`js gradients match TF.js autograd with the PPO-penalty KL term: ${name}`, () => {
    const { tfp, jsp } = pair(space, options());
    const config = { ...DEFAULT_CONFIG, entCoef: 0.01 };
    const b = minibatch(space, jsp, false);
    const expected = tfGradients(tfp, b, config, 0.2, 3);
    jsp.lossAndGradients(b, M, { clipRange: 0.2, clipRangeVf: null, entCoef: 0.01, vfCoef: config.vfCoef, klCoef: 3 });
    const withKl = Float32Array.from(jsp.grads);
    for (const spec of jsp.paramSpecs) {
      assertClose(withKl.subarray(spec.offset, spec.offset + spec.size), expected.grads[spec.name], `d loss / d ${spec.name} (klCoef 3)`);
    }
    // The term changes the actor's gradient (the test would pass trivially if klCoef were ignored on both sides).
    jsp.lossAndGradients(b, M, { clipRange: 0.2, clipRangeVf: null, entCoef: 0.01, vfCoef: config.vfCoef });
    let diff = 0;
    for (let i = 0; i < withKl.length; i++) diff = Math.max(diff, Math.abs(withKl[i] - jsp.grads[i]));
    assert.ok(diff > 1e-4, `KL term moves the gradient (max change ${diff})`);
    tfp.dispose();
  });
}

for (const { name, space } of SPACES) {
  test(`js gradients match TF.js autograd for GRPO's critic-free loss with its KL-to-reference term: ${name}`, () => {
    const { tfp, jsp } = pair(space, options());
    // GRPO's loss: no critic at all; vfCoef and clipRangeVf set to values that would matter if the critic were used.
    const config = { ...DEFAULT_CONFIG, vfCoef: 0.5, clipRangeVf: 0.2, entCoef: 0.01 };
    const b = minibatch(space, jsp, false);
    // Reference log-probs near the old ones, so rho = pi_ref / pi spreads on both sides of 1.
    b.refLogProbs = Float32Array.from(b.oldLogProbs, (lp, i) => lp + 0.3 * Math.sin(i + 1));
    const expected = tfGradients(tfp, b, config, 0.2, 0, 2, false);
    jsp.grads.fill(7); // lossAndGradients must overwrite the critic's entries with zeros
    const s = jsp.lossAndGradients(b, M, { clipRange: 0.2, clipRangeVf: 0.2, entCoef: 0.01, vfCoef: 0.5, refKlCoef: 2, critic: false });
    assert.ok(Number.isFinite(s.refKl) && (s.refKl as number) > 0, `k3 estimate of KL(pi || pi_ref) ${s.refKl}`);
    assert.equal(s.valueLoss, undefined, "no value loss without a critic");
    const got = [s.pgLoss, s.entropy, s.approxKl, s.oldApproxKl, s.clipFraction, s.ratioMin, s.ratioMax];
    assertClose(got, [0, 2, 3, 4, 5, 6, 7].map((i) => expected.stats[i]), "loss statistics", 1e-4, 1e-6);
    let actorNorm = 0;
    for (const spec of jsp.paramSpecs) {
      const g = jsp.grads.subarray(spec.offset, spec.offset + spec.size);
      if (spec.name.startsWith("critic/")) {
        assert.equal(expected.grads[spec.name], undefined, `TF.js: the loss does not depend on ${spec.name}`);
        assert.ok(g.every((x) => x === 0), `js: d loss / d ${spec.name} is zero`);
      } else {
        assertClose(g, expected.grads[spec.name], `d loss / d ${spec.name} (refKlCoef 2)`);
        for (const x of g) actorNorm += x * x;
      }
    }
    assert.ok(actorNorm > 1e-6, "the actor's gradient is not zero");
    tfp.dispose();
  });
}

test("act() without the critic gives the same actions and log-probs, and no values, on both engines", () => {
  for (const { space } of SPACES) {
    const { tfp, jsp } = pair(space, options());
    const rng = new Rng(6);
    const obs = new Float32Array(8 * OBS_DIM).map(() => rng.normal());
    const noise = new Float32Array(8 * jsp.noiseDim).map(() => (jsp.noiseKind === "normal" ? rng.normal() : rng.uniform() * 0.98 + 0.01));
    for (const policy of [tfp, jsp]) {
      const withCritic = policy.act(obs, 8, noise, false);
      const without = policy.act(obs, 8, noise, false, undefined, false);
      assert.equal(withCritic.values.length, 8);
      assert.equal(without.values.length, 0, `${space.spec.type}: no values without the critic`);
      assert.deepEqual(Array.from(without.actions), Array.from(withCritic.actions));
      assert.deepEqual(Array.from(without.logProbs), Array.from(withCritic.logProbs));
    }
    tfp.dispose();
  }
});

test("js gradients match TF.js with relu, PyTorch-default init and a log-std outside its clamp range", () => {
  const space = new Box({ type: "Box", low: -1, high: 1, shape: [3] });
  const opts = options({ activation: "relu", orthoInit: false, logStdRange: [-1, 0.5] });
  const { tfp, jsp } = pair(space, opts);
  const w = jsp.getWeights();
  w.log_std.data.set([0.9, -0.2, -1.5]); // above, inside, below [-1, 0.5]
  tfp.setWeights(w);
  jsp.setWeights(w);
  const config = { ...DEFAULT_CONFIG, ...opts, clipRangeVf: 0.2, entCoef: 0.01 };
  const b = minibatch(space, jsp, false);
  const expected = tfGradients(tfp, b, config, 0.2);
  jsp.lossAndGradients(b, M, { clipRange: 0.2, clipRangeVf: 0.2, entCoef: 0.01, vfCoef: config.vfCoef });
  for (const spec of jsp.paramSpecs) assertClose(jsp.grads.subarray(spec.offset, spec.offset + spec.size), expected.grads[spec.name], spec.name);
  const ls = jsp.paramSpecs.find((p) => p.name === "log_std");
  assert.ok(ls);
  assert.equal(jsp.grads[ls.offset], 0, "no gradient above the clamp range");
  assert.equal(jsp.grads[ls.offset + 2], 0, "no gradient below the clamp range");
  tfp.dispose();
});

test("same seed, same initial weights, actions, log-probs and values from both engines", () => {
  for (const { space } of SPACES) {
    const tfp = new ActorCritic(OBS_DIM, space, options(), new Rng(11));
    const jsp = new JsActorCritic(OBS_DIM, space, options(), new Rng(11), 4);
    const tw = tfp.getWeights();
    const jw = jsp.getWeights();
    assert.deepEqual(Object.keys(jw), Object.keys(tw));
    for (const k of Object.keys(tw)) assert.deepEqual(jw[k], tw[k], `initial ${k}`);
    const rng = new Rng(5);
    const obs = new Float32Array(8 * OBS_DIM).map(() => rng.normal());
    const noise = new Float32Array(8 * jsp.noiseDim).map(() => (jsp.noiseKind === "normal" ? rng.normal() : rng.uniform() * 0.98 + 0.01));
    for (const deterministic of [false, true]) {
      const a = tfp.act(obs, 8, noise, deterministic);
      const b = jsp.act(obs, 8, noise, deterministic);
      assertClose(b.actions, a.actions, `${space.spec.type} actions`, 1e-5, 1e-6);
      assertClose(b.logProbs, a.logProbs, `${space.spec.type} log-probs`, 1e-4, 1e-5);
      assertClose(b.values, a.values, `${space.spec.type} values`, 1e-5, 1e-6);
    }
    tfp.dispose();
  }
});

test("flat Adam and global grad-norm clipping step exactly like the per-tensor TF.js Adam", () => {
  const space = new Discrete({ type: "Discrete", n: 2 });
  const { tfp, jsp } = pair(space, options());
  const tfAdam = new Adam(tfp.params, 0.9, 0.999, 1e-5);
  const flat = new FlatAdam(jsp.params.length);
  const rng = new Rng(9);
  for (let step = 0; step < 3; step++) {
    const g = new Float32Array(jsp.params.length).map(() => rng.normal());
    const norm = clipGradNorm(g, 0.5);
    assert.ok(norm > 0.5, "the clip is active");
    let after = 0;
    for (const x of g) after += x * x;
    assert.ok(Math.abs(Math.sqrt(after) - 0.5) < 1e-4, `clipped norm ${Math.sqrt(after)}`);
    const tensors = jsp.paramSpecs.map((p) => tf.tensor(g.slice(p.offset, p.offset + p.size), p.shape));
    tfAdam.apply(tensors, 1e-2);
    tensors.forEach((t) => t.dispose());
    flat.apply(jsp.params, g, 1e-2);
  }
  const tw = tfp.getWeights();
  for (const p of jsp.paramSpecs) assertClose(jsp.params.subarray(p.offset, p.offset + p.size), tw[p.name].data, p.name, 1e-5, 1e-6);
  tfAdam.dispose();
  tfp.dispose();
});

function makePPO(make: () => Env, overrides: Partial<PPOConfig>): PPO {
  const { config } = resolveConfig([
    {
      kind: "flag",
      label: "test",
      values: { nEnvs: 2, nSteps: 64, batchSize: 32, nEpochs: 2, netArch: { pi: [16, 16], vf: [16, 16] }, totalTimesteps: 10_000, seed: 4, ...overrides },
    },
  ]);
  return new PPO(new SyncVectorEnv(Array.from({ length: config.nEnvs }, () => new TimeLimit(make(), 200))), config);
}

for (const [name, make, extra] of [
  ["CartPole, value clipping and entropy bonus", () => new CartPole(), { clipRangeVf: 0.2, entCoef: 0.01 }],
  ["Pendulum, normalised observations and rewards", () => new Pendulum(), { normalizeObservation: true, normalizeReward: true }],
] as const) {
  test(`same seed, same metrics from the js and tfjs engines over three updates: ${name}`, () => {
    const js = makePPO(make, { ...extra, backend: "js" });
    const tfjs = makePPO(make, { ...extra, backend: "cpu" });
    assert.equal(js.engine, "js");
    assert.equal(tfjs.engine, "tfjs");
    for (let u = 0; u < 3; u++) {
      const a = js.iterate();
      const b = tfjs.iterate();
      assert.equal(a.total_timesteps, b.total_timesteps);
      for (const key of ["ep_rew_mean", "policy_gradient_loss", "value_loss", "entropy", "approx_kl", "clip_fraction", "grad_norm", "explained_variance"] as const) {
        const x = a[key] as number; // PPO: all present
        const y = b[key] as number;
        if (Number.isNaN(y)) assert.ok(Number.isNaN(x), `update ${u + 1} ${key}: js ${x}, tfjs NaN`);
        else assert.ok(Math.abs(x - y) <= 1e-3 * Math.max(1, Math.abs(y)), `update ${u + 1} ${key}: js ${x} vs tfjs ${y}`);
      }
    }
    const wa = js.getState().weights;
    const wb = tfjs.getState().weights;
    for (const k of Object.keys(wb)) assertClose(wa[k].data, wb[k].data, `weights ${k} after 3 updates`, 1e-3, 1e-5);
    js.dispose();
    tfjs.dispose();
  });
}

test("a checkpoint state moves between engines: tfjs -> js -> tfjs keeps weights and Adam moments", () => {
  const tfjs = makePPO(() => new CartPole(), { backend: "cpu" });
  tfjs.iterate();
  const state = tfjs.getState();
  const js = makePPO(() => new CartPole(), { backend: "js" });
  js.restore(state);
  const back = js.getState();
  for (const k of Object.keys(state.weights)) assert.deepEqual(back.weights[k].data, state.weights[k].data, k);
  for (const k of Object.keys(state.optimizer.m)) {
    assert.deepEqual(back.optimizer.m[k], state.optimizer.m[k], `m/${k}`);
    assert.deepEqual(back.optimizer.v[k], state.optimizer.v[k], `v/${k}`);
  }
  assert.equal(back.optimizer.step, state.optimizer.step);
  tfjs.dispose();
});

test("the SIMD kernels agree with their plain-JavaScript fallback: tanh to float precision, gemm in both layouts", () => {
  const simd = new Heap(1024);
  const plain = new Heap(1024, true);
  assert.equal(plain.kind, "js");
  const rng = new Rng(2);
  const xs = [0, -0, 1e-6, -0.29, 0.3, 0.31, -1, 2.5, -8.9, 9.5, -40, ...Array.from({ length: 53 }, () => 4 * rng.normal())];
  for (const heap of [simd, plain]) {
    const at = heap.alloc(xs.length);
    heap.f32.set(xs, at);
    heap.tanh(at, xs.length);
    xs.forEach((x, i) => assert.ok(Math.abs(heap.f32[at + i] - Math.tanh(x)) <= 3e-7 * Math.max(1e-3, Math.abs(Math.tanh(x))) + 1e-9, `${heap.kind} tanh(${x}) = ${heap.f32[at + i]}`));
  }
  // C [5, 7] += A [5, 6] @ B [6, 7], then C' [6, 7] += A^T @ D with D [5, 7]
  const A = Array.from({ length: 30 }, () => rng.normal());
  const B = Array.from({ length: 42 }, () => rng.normal());
  const results = [simd, plain].map((heap) => {
    const a = heap.alloc(30);
    const b = heap.alloc(42);
    const c = heap.alloc(35);
    const c2 = heap.alloc(42);
    heap.f32.set(A, a);
    heap.f32.set(B, b);
    heap.gemm(a, 6, 1, b, c, 5, 6, 7);
    heap.gemm(a, 1, 6, c, c2, 6, 5, 7);
    return [heap.f32.slice(c, c + 35), heap.f32.slice(c2, c2 + 42)];
  });
  for (let r = 0; r < 5; r++) {
    for (let j = 0; j < 7; j++) {
      let s = 0;
      for (let k = 0; k < 6; k++) s += A[r * 6 + k] * B[k * 7 + j];
      assert.ok(Math.abs(results[1][0][r * 7 + j] - s) < 1e-5, "plain gemm");
    }
  }
  assertClose(results[0][0], results[1][0], "gemm A @ B", 1e-5, 1e-6);
  assertClose(results[0][1], results[1][1], "gemm A^T @ D", 1e-5, 1e-6);
  // bias rows, bias gradient and the tanh backward step on a [5, 7] block
  const rows = [simd, plain].map((heap) => {
    const v = heap.alloc(7);
    const c = heap.alloc(35);
    const t = heap.alloc(35);
    heap.f32.set(B.slice(0, 7), v);
    heap.rowsSet(c, v, 5, 7);
    const set = heap.f32.slice(c, c + 35);
    heap.f32.set(A.slice(0, 30).concat(A.slice(0, 5)), c);
    heap.rowsSumAcc(v, c, 5, 7);
    heap.f32.set(B.slice(0, 35).map((x) => Math.tanh(x)), t);
    heap.tanhBackward(c, t, 35);
    return [set, heap.f32.slice(v, v + 7), heap.f32.slice(c, c + 35)];
  });
  for (let r = 0; r < 5; r++) for (let j = 0; j < 7; j++) assert.equal(rows[1][0][r * 7 + j], Math.fround(B[j]), "plain rowsSet");
  rows[0].forEach((x, i) => assertClose(x, rows[1][i], ["rowsSet", "rowsSumAcc", "tanhBackward"][i], 1e-6, 1e-7));
});

test("batched log-probs of given actions (GRPO's reference) equal act()'s and the plain-JS snapshot's, in chunks, with masks", () => {
  for (const { space, masks } of SPACES) {
    for (const masked of masks) {
      const { tfp, jsp } = pair(space, options());
      const b = minibatch(space, jsp, masked); // M = 24 rows
      const fromAct = jsp.act(b.obs, M, new Float32Array(M * jsp.noiseDim).fill(0.5), true, b.masks);
      const batched = jsp.logProbs(b.obs, fromAct.actions, M, b.masks, 5); // 5 chunks, the last of 4 rows
      assertClose(batched, fromAct.logProbs, `${space.spec.type}${masked ? " masked" : ""}: log-probs of act()'s own actions`, 1e-6, 1e-6);
      const snapshot = new PolicySnapshot(jsp, OBS_DIM, space, "tanh", [-20, 2]);
      const a = jsp.actionDim;
      const md = jsp.maskDim;
      const stored = jsp.logProbs(b.obs, b.actions, M, b.masks);
      for (let i = 0; i < M; i++) {
        const want = snapshot.logProb(b.obs.subarray(i * OBS_DIM, (i + 1) * OBS_DIM), b.actions.subarray(i * a, (i + 1) * a), b.masks?.subarray(i * md, (i + 1) * md));
        assert.ok(Math.abs(stored[i] - want) <= 1e-4 * Math.max(1, Math.abs(want)), `${space.spec.type} row ${i}: batched ${stored[i]} vs snapshot ${want}`);
      }
      tfp.dispose();
    }
  }
});

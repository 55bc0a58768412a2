import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Categorical, DiagGaussian } from "../../../src/core/distributions";
import { Rng } from "../../../src/core/rng";

const near = (a: number, b: number, tol = 1e-5, msg?: string) => assert.ok(Math.abs(a - b) < tol, msg ?? `${a} vs ${b}`);

test("categorical log-prob and entropy match the closed form", async () => {
  await tf.setBackend("cpu");
  const logits = [1, 2, 3];
  const z = logits.reduce((s, l) => s + Math.exp(l), 0);
  const p = logits.map((l) => Math.exp(l) / z);
  const entropy = -p.reduce((s, q) => s + q * Math.log(q), 0);
  const [lp, ent] = tf.tidy(() => {
    const d = new Categorical(tf.tensor2d([logits, logits]));
    return [d.logProb(tf.tensor1d([2, 0])).arraySync(), d.entropy().arraySync()];
  });
  near(lp[0], Math.log(p[2]));
  near(lp[1], Math.log(p[0]));
  near(ent[0], entropy);
  near(ent[1], entropy);
});

test("diagonal Gaussian log-prob and entropy match the closed form", async () => {
  await tf.setBackend("cpu");
  const mean = [0.5, -1];
  const logStd = [0.1, -0.3];
  const a = [1, 0];
  let expected = 0;
  let expectedEnt = 0;
  for (let i = 0; i < 2; i++) {
    const s = Math.exp(logStd[i]);
    expected += -0.5 * ((a[i] - mean[i]) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
    expectedEnt += 0.5 + 0.5 * Math.log(2 * Math.PI) + logStd[i];
  }
  const [lp, ent] = tf.tidy(() => {
    const d = new DiagGaussian(tf.tensor2d([mean]), tf.tensor1d(logStd));
    return [d.logProb(tf.tensor2d([a])).arraySync(), d.entropy().arraySync()];
  });
  near(lp[0], expected);
  near(ent[0], expectedEnt);
});

test("Gumbel-max sampling with seeded uniforms follows the categorical probabilities", async () => {
  await tf.setBackend("cpu");
  const rng = new Rng(7);
  const n = 20000;
  const logits = [0, Math.log(2), Math.log(7)]; // p = 0.1, 0.2, 0.7
  const noise = new Float32Array(n * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.min(Math.max(rng.uniform(), 1e-7), 1 - 1e-7);
  const samples = tf.tidy(() => {
    const d = new Categorical(tf.tile(tf.tensor2d([logits]), [n, 1]) as tf.Tensor2D);
    return d.sampleWithNoise(tf.tensor2d(noise, [n, 3])).dataSync();
  });
  const counts = [0, 0, 0];
  for (const s of samples) counts[s]++;
  near(counts[0] / n, 0.1, 0.015);
  near(counts[1] / n, 0.2, 0.015);
  near(counts[2] / n, 0.7, 0.015);
});

test("Gaussian samples from seeded normals have the policy's mean and std", async () => {
  await tf.setBackend("cpu");
  const rng = new Rng(3);
  const n = 20000;
  const noise = new Float32Array(n);
  for (let i = 0; i < n; i++) noise[i] = rng.normal();
  const x = tf.tidy(() => {
    const d = new DiagGaussian(tf.fill([n, 1], 1.5) as tf.Tensor2D, tf.tensor1d([Math.log(0.5)]));
    return Array.from(d.sampleWithNoise(tf.tensor2d(noise, [n, 1])).dataSync());
  });
  const m = x.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / n);
  near(m, 1.5, 0.02);
  near(sd, 0.5, 0.02);
});

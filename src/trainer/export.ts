/**
 * Exporting a trained policy as a TF.js layers model (`model.json` + `weights.bin`, loadable with
 * `tf.loadLayersModel`) plus `policy.json`, which says how to feed it (observation encoding and normalisation) and how
 * to read its output (distribution, action bounds).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { encodedDim } from "../core/envs/vector-env";
import { makeSpace } from "../core/spaces";
import { selectBackend } from "./backend";
import { CheckpointError, resolveCheckpoint } from "./checkpoints";

export interface ExportResult {
  outDir: string;
  files: string[];
  checkpointStep: number;
}

/**
 * Writes `<outDir>/model.json`, `<outDir>/weights.bin` and `<outDir>/policy.json`.
 * The model maps encoded, normalised observations `[B, obsDim]` to the actor's output `[B, k]`: logits (Discrete,
 * MultiDiscrete: concatenated per component; MultiBinary: Bernoulli logits) or the Gaussian mean (Box; the
 * state-independent log-std is in policy.json).
 * @throws CheckpointError when the run has no usable checkpoint.
 */
export async function exportPolicy(target: string, outDir: string, step?: number): Promise<ExportResult> {
  const r = resolveCheckpoint(target, step);
  await selectBackend("auto");
  // The cpu backend prints a "install tfjs-node to speed things up" banner on its first tensor; building a tiny model
  // for export needs no speed, so production mode silences that warning instead of alarming the user.
  tf.enableProdMode();
  const meta = (r.checkpoint.meta ?? {}) as { observationSpace?: unknown; actionSpace?: unknown };
  if (!meta.observationSpace || !meta.actionSpace) throw new CheckpointError(`the checkpoint ${r.checkpointDir} does not record its spaces`);
  const obsSpace = makeSpace(meta.observationSpace, "observationSpace");
  const obsDim = encodedDim(obsSpace);
  const layerWeights: tf.Tensor[] = [];
  const model = tf.sequential();
  const hidden = r.config.netArch?.pi ?? [64, 64];
  const names = [...hidden.keys(), hidden.length];
  for (const l of names) {
    const kernel = r.checkpoint.weights[`actor/${l}/kernel`];
    const bias = r.checkpoint.weights[`actor/${l}/bias`];
    if (!kernel || !bias) throw new CheckpointError(`the checkpoint ${r.checkpointDir} has no actor layer ${l} (expected ${hidden.length + 1} layers)`);
    const last = l === hidden.length;
    model.add(
      tf.layers.dense({
        units: kernel.shape[1],
        activation: last ? "linear" : (r.config.activation ?? "tanh"),
        inputShape: l === 0 ? [obsDim] : undefined,
        name: last ? "policy_head" : `hidden_${l}`,
      }),
    );
    layerWeights.push(tf.tensor(kernel.data, kernel.shape), tf.tensor(bias.data, bias.shape));
  }
  model.setWeights(layerWeights);
  layerWeights.forEach((t) => t.dispose());
  fs.mkdirSync(outDir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightsManifest = [{ paths: ["weights.bin"], weights: artifacts.weightSpecs ?? [] }];
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        weightsManifest,
      };
      const data = artifacts.weightData as ArrayBuffer;
      fs.writeFileSync(path.join(outDir, "weights.bin"), Buffer.from(data));
      fs.writeFileSync(path.join(outDir, "model.json"), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  model.dispose();
  const logStd = r.checkpoint.weights["log_std"];
  const obsStats = (r.checkpoint.normalization as { observation?: { mean: number[]; var: number[] } } | undefined)?.observation;
  const policyJson = {
    format: "ppo-lab-policy",
    version: 1,
    checkpointStep: r.checkpoint.step,
    runId: r.info.id,
    envName: r.info.envName,
    observationSpace: meta.observationSpace,
    actionSpace: meta.actionSpace,
    observationEncoding:
      "flat float32: Box as is (row-major), Discrete one-hot, MultiDiscrete one-hot per component, MultiBinary 0/1, Dict by sorted keys, Tuple in order",
    observationDim: obsDim,
    normalization: obsStats
      ? { mean: obsStats.mean, var: obsStats.var, epsilon: 1e-8, clip: r.config.clipObservation, formula: "clip((x - mean) / sqrt(var + epsilon), -clip, clip)" }
      : null,
    output: logStd
      ? { distribution: "diag-gaussian", meaning: "mean", logStd: Array.from(logStd.data), clipActionsTo: "actionSpace bounds" }
      : { distribution: (meta.actionSpace as { type: string }).type === "MultiBinary" ? "bernoulli" : "categorical", meaning: "logits" },
  };
  fs.writeFileSync(path.join(outDir, "policy.json"), JSON.stringify(policyJson, null, 2) + "\n");
  return { outDir, files: ["model.json", "weights.bin", "policy.json"].map((f) => path.join(outDir, f)), checkpointStep: r.checkpoint.step };
}

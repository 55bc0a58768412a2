/**
 * Evaluating a trained policy: N episodes on a fresh env with the checkpoint's normalisation statistics frozen.
 */
import { ObservationNormalizer } from "../core/envs/normalize";
import { SyncVectorEnv } from "../core/envs/vector-env";
import { JsActorCritic } from "../core/ppo/js-policy";
import { ActorCritic, type PolicyNetwork } from "../core/ppo/policy";
import { Rng } from "../core/rng";
import { loadEnv } from "../envs/loader";
import { selectBackend, type BackendPreference } from "./backend";
import { assertSameSpaces, resolveCheckpoint } from "./checkpoints";
import { makeEnvs } from "./session";

export interface EvalOptions {
  episodes?: number;
  /** Take the most likely action instead of sampling. */
  deterministic?: boolean;
  seed?: number;
  /** Env file or id to evaluate on instead of the run's own. */
  env?: string;
  /** Checkpoint step (default: the newest). */
  step?: number;
  cwd?: string;
  backend?: BackendPreference;
}

export interface EvalResult {
  runDir: string;
  checkpointStep: number;
  envFile: string;
  episodes: { return: number; length: number }[];
  meanReturn: number;
  stdReturn: number;
  meanLength: number;
  stdLength: number;
  deterministic: boolean;
}

function meanStd(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return [m, Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length)];
}

/**
 * Runs `episodes` episodes (default 10) with the saved policy.
 * @throws CheckpointError / EnvLoadError with a message naming the file.
 */
export async function evaluatePolicy(target: string, opts: EvalOptions = {}): Promise<EvalResult> {
  const episodes = opts.episodes ?? 10;
  if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`episodes must be a positive integer, got ${episodes}`);
  const r = resolveCheckpoint(target, opts.step);
  const engine = await selectBackend(opts.backend ?? "auto");
  const loaded = await loadEnv(opts.env ?? r.info.envFile, { cwd: opts.cwd });
  const config = { ...r.config, nEnvs: 1 };
  const vec = new SyncVectorEnv(makeEnvs(loaded, config));
  try {
    assertSameSpaces(r.checkpoint, vec.observationSpace.spec, vec.actionSpace.spec, loaded.file);
    const policy: PolicyNetwork =
      engine.name === "js"
        ? new JsActorCritic(vec.obsDim, vec.actionSpace, config, new Rng(0), 1)
        : new ActorCritic(vec.obsDim, vec.actionSpace, config, new Rng(0));
    try {
      policy.setWeights(r.checkpoint.weights);
      const stats = (r.checkpoint.normalization as { observation?: { mean: number[]; var: number[]; count: number } } | undefined)?.observation;
      const normalizer = config.normalizeObservation && stats ? new ObservationNormalizer(vec.obsDim, config.clipObservation) : undefined;
      if (normalizer && stats) normalizer.rms.load(stats);
      const rng = new Rng(opts.seed ?? 12345);
      const deterministic = opts.deterministic ?? false;
      const results: { return: number; length: number }[] = [];
      let obs = vec.reset(opts.seed ?? 12345);
      while (results.length < episodes) {
        const x = normalizer ? normalizer.normalize(obs, 1, new Float32Array(obs.length)) : obs;
        const noise = new Float32Array(policy.noiseDim);
        for (let i = 0; i < noise.length; i++) noise[i] = policy.noiseKind === "normal" ? rng.normal() : Math.min(Math.max(rng.uniform(), 1e-7), 1 - 1e-7);
        const masks = vec.masksSeen && policy.maskDim > 0 ? vec.masks : undefined;
        const out = policy.act(x, 1, noise, deterministic, masks);
        const step = vec.step(out.actions, policy.actionDim);
        for (const ep of step.episodes) results.push({ return: ep.return, length: ep.length });
        obs = step.observations;
      }
      const [meanReturn, stdReturn] = meanStd(results.map((e) => e.return));
      const [meanLength, stdLength] = meanStd(results.map((e) => e.length));
      return { runDir: r.runDir, checkpointStep: r.checkpoint.step, envFile: loaded.file, episodes: results, meanReturn, stdReturn, meanLength, stdLength, deterministic };
    } finally {
      policy.dispose();
    }
  } finally {
    vec.close();
  }
}

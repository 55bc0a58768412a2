/**
 * Rule 7, NaN / Infinity: findings for the first place a non-finite value appeared. These are not windowed rules:
 * one NaN is enough, and the run cannot continue. The places, in the order a run meets them:
 * - the env (reward or observation[i] of `step`/`reset`): the vector env refuses the value with an
 *   EnvContractError ("step() of env 0 (episode step 20) returned reward NaN; ..."), whose message we parse;
 * - the loss (policy, value, entropy term) or the gradient norm of an update: `PPO.iterate` throws
 *   NonFiniteLossError with every minibatch's statistics, and we name the first minibatch and term that went bad;
 * - the parameters: found when the trainer snapshots the state after an update ({@link firstNonFiniteParameter}).
 *
 * Severity error; the trainer writes the finding, saves the state from before the failing update as the final
 * checkpoint and ends the run (status "failed").
 */
import type { MinibatchStats, UpdateMetrics } from "../ppo/ppo";
import { fmt, jsonNumber } from "./series";
import type { RuleHit } from "./rules/rule";
import type { DiagnosticLocation } from "./types";

/** A non-finite finding before the engine stamps it: a hit plus its id. */
export type NonFiniteHit = RuleHit & { id: string };

/** Largest float32 (values above it overflow to Infinity in the tensors); the threshold a non-finite value "crosses". */
export const FLOAT32_MAX = 3.4028234663852886e38;

const ENV_MESSAGE =
  /^(step|reset)\(\) of env (\d+)(?: \(episode step (\d+)\))? returned (reward|observation\[(\d+)\])(?: =)? (\S+?);/;

/** The parts of an EnvContractError message about a non-finite reward or observation, or undefined for other messages. */
export function parseEnvNonFinite(message: string):
  | { method: "step" | "reset"; envIndex: number; episodeStep?: number; what: "reward" | "observation"; index?: number; raw: string }
  | undefined {
  const m = ENV_MESSAGE.exec(message);
  if (!m) return undefined;
  const raw = m[6];
  if (!["NaN", "Infinity", "-Infinity"].includes(raw)) return undefined;
  return {
    method: m[1] as "step" | "reset",
    envIndex: Number(m[2]),
    episodeStep: m[3] !== undefined ? Number(m[3]) : undefined,
    what: m[4] === "reward" ? "reward" : "observation",
    index: m[5] !== undefined ? Number(m[5]) : undefined,
    raw,
  };
}

export interface NonFiniteContext {
  /** Updates completed before the failure (the failing update is `update + 1`). */
  update: number;
  totalTimesteps: number;
  /** Env steps of the checkpoint the trainer keeps (the state before the failing update). */
  checkpointStep?: number;
  locate?: (method: string) => DiagnosticLocation | undefined;
}

function keepNote(ctx: NonFiniteContext): string {
  return ctx.checkpointStep !== undefined
    ? ` The run was stopped; the last good state (step ${ctx.checkpointStep}, before the failing update) is saved as the final checkpoint.`
    : " The run was stopped.";
}

/** A finding for an env that returned a non-finite reward or observation; undefined when `message` is not one. */
export function envNonFinite(message: string, ctx: NonFiniteContext): NonFiniteHit | undefined {
  const p = parseEnvNonFinite(message);
  if (!p) return undefined;
  const metric = p.what === "reward" ? "reward" : `observation[${p.index}]`;
  const where = `${p.method}() of env ${p.envIndex}${p.episodeStep !== undefined ? ` at episode step ${p.episodeStep}` : ""}`;
  const suggestions =
    p.what === "reward"
      ? [
          `find the division by zero, log of 0 or overflow in the reward computation of \`${p.method}\` (print its inputs when the result is not finite)`,
          "guard the reward: `if (!Number.isFinite(reward)) reward = 0` while you debug, or clip it",
        ]
      : [
          `find where observation[${p.index}] becomes ${p.raw} in \`${p.method}\` (a division by zero, sqrt of a negative, or an overflowing state)`,
          "clip the state in the env, or terminate the episode before it diverges",
        ];
  return {
    id: p.what === "reward" ? "nonfinite.reward" : "nonfinite.observation",
    severity: "error",
    title: `${p.raw} ${p.what === "reward" ? "reward" : `in observation[${p.index}]`} from ${where}`,
    explanation:
      `The env's ${p.method}() returned ${metric} = ${p.raw} (env copy ${p.envIndex}` +
      `${p.episodeStep !== undefined ? `, step ${p.episodeStep} of its episode` : ""}, during update ${ctx.update + 1}). ` +
      `A single non-finite value turns every loss and every parameter it touches into NaN, silently: training cannot ` +
      `continue from it.` +
      keepNote(ctx),
    evidence: {
      metric,
      values: [null],
      updates: { from: ctx.update + 1, to: ctx.update + 1 },
      value: null,
      threshold: FLOAT32_MAX,
      comparison: "above",
      smoothing: "the first non-finite value (no smoothing: one stops the run)",
      context: {
        raw: p.raw,
        envIndex: p.envIndex,
        episodeStep: p.episodeStep ?? null,
        totalTimesteps: ctx.totalTimesteps,
        checkpointStep: ctx.checkpointStep ?? null,
      },
    },
    suggestions,
    location: ctx.locate?.(p.method),
    source: "[SB3-nan] NaNs propagate silently; check env outputs (VecCheckNan)",
  };
}

const TERMS: { key: keyof MinibatchStats; metric: string; label: string }[] = [
  { key: "pgLoss", metric: "policy_gradient_loss", label: "the policy (clipped surrogate) loss" },
  { key: "valueLoss", metric: "value_loss", label: "the value loss" },
  { key: "entropy", metric: "entropy", label: "the entropy term" },
  { key: "approxKl", metric: "approx_kl", label: "the log-probability ratio (approx_kl)" },
  { key: "gradNorm", metric: "grad_norm", label: "the gradient norm" },
];

/**
 * A finding for an update whose loss or gradient norm became non-finite: names the first minibatch (epoch, index)
 * and the first term, in loss order, that was not finite.
 */
export function lossNonFinite(metrics: UpdateMetrics, stats: readonly MinibatchStats[], config: { normalizeReward: boolean; normalizeObservation: boolean; learningRate: number; algorithm?: string }, ctx: NonFiniteContext): NonFiniteHit {
  // A term a minibatch does not have (valueLoss without a critic, GRPO) is not a non-finite one.
  const bad = (s: MinibatchStats, t: (typeof TERMS)[number]): boolean => s[t.key] !== undefined && !Number.isFinite(s[t.key] as number);
  let at = stats.findIndex((s) => TERMS.some((t) => bad(s, t)));
  if (at < 0) at = stats.length - 1;
  const first = stats[at];
  const term = (first && TERMS.find((t) => bad(first, t))) ?? TERMS[1];
  const epoch = first?.epoch ?? 0;
  const perEpoch = stats.filter((s) => s.epoch === epoch);
  const indexInEpoch = first ? perEpoch.indexOf(first) : 0;
  const values = stats.slice(Math.max(0, at - 7), at + 1).map((s) => jsonNumber(s[term.key] as number));
  const raw = first ? String(first[term.key]) : "NaN";
  const scale = Math.max(Math.abs(metrics.return_mean), metrics.return_std);
  const suggestions: string[] = [];
  // GRPO's returns are group-normalised advantages and normalizeReward does not apply to it.
  if (config.algorithm !== "grpo" && !config.normalizeReward && !(scale < 1e4)) suggestions.push(`set \`normalizeReward: true\`: the value targets are of order ${fmt(scale)}`);
  if (!config.normalizeObservation && !(metrics.obs_abs_max < 1e4)) suggestions.push(`set \`normalizeObservation: true\`: observations reach ${fmt(metrics.obs_abs_max)}`);
  suggestions.push(`lower \`learningRate\` to ${fmt(config.learningRate / 10)}`);
  suggestions.push("check the env for rewards or observations near the float32 limit (3.4e38): tensors are float32");
  return {
    id: term.key === "gradNorm" ? "nonfinite.gradient" : "nonfinite.loss",
    severity: "error",
    title: `${term.metric} became ${raw} in update ${ctx.update + 1} (epoch ${epoch + 1}, minibatch ${indexInEpoch + 1})`,
    explanation:
      `During update ${ctx.update + 1}, ${term.label} became ${raw} on minibatch ${indexInEpoch + 1} of epoch ` +
      `${epoch + 1} (the first non-finite value of the update). The gradient step it produced writes NaN into the ` +
      `parameters, after which nothing the network outputs means anything. Usual causes: value targets or ` +
      `observations so large that float32 overflows (returns here of order ${fmt(scale)}, observations up to ` +
      `${fmt(metrics.obs_abs_max)}), or a learning rate so large the weights diverge.` +
      keepNote(ctx),
    evidence: {
      metric: term.metric,
      values,
      updates: { from: ctx.update + 1, to: ctx.update + 1 },
      value: null,
      threshold: FLOAT32_MAX,
      comparison: "above",
      smoothing: `per-minibatch values up to the first non-finite one (minibatch ${at + 1} of the update)`,
      context: {
        raw,
        epoch: epoch + 1,
        minibatch: indexInEpoch + 1,
        returnMean: jsonNumber(metrics.return_mean),
        returnStd: jsonNumber(metrics.return_std),
        obsAbsMax: jsonNumber(metrics.obs_abs_max),
        learningRate: config.learningRate,
        checkpointStep: ctx.checkpointStep ?? null,
      },
    },
    suggestions,
    source: "[SB3-nan]; [I-sb-1143] non-finite gradient norm",
  };
}

/** The first parameter holding a NaN/Infinity, with the flat index and value, or undefined when all are finite. */
export function firstNonFiniteParameter(
  weights: Record<string, { data: ArrayLike<number> }>,
): { name: string; index: number; value: number } | undefined {
  for (const [name, w] of Object.entries(weights)) {
    const d = w.data;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return { name, index: i, value: d[i] };
  }
  return undefined;
}

/** A finding for parameters that became non-finite during an update whose losses were still finite. */
export function parametersNonFinite(bad: { name: string; index: number; value: number }, ctx: NonFiniteContext): NonFiniteHit {
  return {
    id: "nonfinite.parameters",
    severity: "error",
    title: `parameter ${bad.name} became ${bad.value} in update ${ctx.update}`,
    explanation:
      `After update ${ctx.update} the network parameter ${bad.name}[${bad.index}] is ${bad.value}, although the ` +
      `update's losses were finite: the optimiser step itself overflowed (an enormous gradient or learning rate).` +
      keepNote(ctx),
    evidence: {
      metric: `parameter ${bad.name}`,
      values: [null],
      updates: { from: ctx.update, to: ctx.update },
      value: null,
      threshold: FLOAT32_MAX,
      comparison: "above",
      smoothing: "the first non-finite parameter after the update",
      context: { raw: String(bad.value), parameter: bad.name, index: bad.index, checkpointStep: ctx.checkpointStep ?? null },
    },
    suggestions: ["lower `learningRate` by 10x", "lower `maxGradNorm` (e.g. 0.5)", "normalise rewards and observations"],
    source: "[SB3-nan]",
  };
}

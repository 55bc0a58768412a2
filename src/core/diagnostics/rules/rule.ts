/**
 * The shape of a diagnostics rule: a pure function of the metric history (oldest first) and the run's config that
 * says whether its condition holds now. The engine (../engine.ts) turns a hit into a finding, de-duplicates it and
 * re-arms the rule once the condition has cleared.
 */
import { minibatchSize, type PPOConfig } from "../../ppo/config";
import type { UpdateMetrics } from "../../ppo/ppo";
import type { DiagnosticsSettings } from "../settings";
import type { DiagnosticEvidence, DiagnosticLocation, DiagnosticSeverity } from "../types";

/** What the rules need to know about the policy's action distribution. */
export type PolicyInfo =
  | { kind: "categorical"; nActions: number }
  | {
      kind: "gaussian";
      actionDim: number;
      /** Action bounds of the Box (may be infinite). */
      low: number[];
      high: number[];
    };

export interface RuleContext {
  /** Every update's metrics so far, oldest first; the last row is the update just finished. */
  history: readonly UpdateMetrics[];
  settings: DiagnosticsSettings;
  config: PPOConfig;
  policy: PolicyInfo;
  /** Finds a method of the env file (for findings about the env); undefined when the source is not known. */
  locate?: (method: string) => DiagnosticLocation | undefined;
  /**
   * Set when the run was resumed from a checkpoint: `history` then starts after it, while `total_timesteps` counts
   * from the start of the run. Rules that count steps or look back over the whole run use this.
   */
  resumed?: ResumeContext;
}

/** What the diagnostics know about the part of a resumed run before its checkpoint. */
export interface ResumeContext {
  /** The checkpoint's global step: rows in `history` have `total_timesteps` above it. */
  totalTimesteps: number;
  /** Whether any update before the checkpoint saw an episode end with terminated = true. */
  everTerminated: boolean;
}

/**
 * How many env copies step in parallel: `nEnvs` for PPO, `grpo.groupSize` for GRPO (one group of copies reset
 * together; see src/trainer/session.ts).
 */
export function envCopies(config: PPOConfig): number {
  return config.algorithm === "grpo" ? config.grpo.groupSize : config.nEnvs;
}

/** A rule's condition holds: everything of the finding except what the engine adds (id, update, step). */
export interface RuleHit {
  severity: DiagnosticSeverity;
  title: string;
  explanation: string;
  evidence: DiagnosticEvidence;
  suggestions: string[];
  location?: DiagnosticLocation;
  source: string;
}

export interface Rule {
  /** Stable id, `area.problem`. */
  id: string;
  /** @returns a hit while the condition holds, undefined when it does not (which re-arms the rule). */
  check(ctx: RuleContext): RuleHit | undefined;
}

/**
 * Whether the run is past the warm-up of the progress rules: at least `warmupUpdates` updates and
 * `warmupGradientSteps` optimizer steps (epochs run x minibatches per epoch, summed).
 */
export function pastWarmup(ctx: RuleContext): boolean {
  const { settings: s, config, history } = ctx;
  if (history.length < s.warmupUpdates) return false;
  const perEpoch = Math.ceil((config.nEnvs * config.nSteps) / minibatchSize(config));
  let steps = 0;
  for (const r of history) steps += (Number.isFinite(r.epochs_run) ? r.epochs_run : config.nEpochs) * perEpoch;
  return steps >= s.warmupGradientSteps;
}

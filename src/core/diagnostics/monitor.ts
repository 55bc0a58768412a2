/**
 * What the trainer runs around each PPO update: the diagnostics engine, plus the NaN guard that keeps the last good
 * state so a run that meets a NaN/Infinity can stop with a checkpoint from before it.
 *
 * Design (the cheaper correct one, measured): after every update we take `ppo.getState()` (plain arrays of the
 * weights, Adam moments, normalisation stats and RNG) and scan the weights for non-finite values. Measured on the
 * wasm backend with the 64-64 preset networks (2 shared cores, heavily loaded): 1.7 ms per update for CartPole-v1
 * (an update took 4.5 s under that load, ~0.3 s idle) and 0.7 ms for Pendulum-v1 (an update: 60 s loaded), i.e.
 * < 0.1% of the update, so it is taken every update rather than every N. The alternative, validating the loss and
 * gradients before each optimizer step, needs a backend->JS read per minibatch (the update reads its statistics once
 * per update) and costs more.
 * When an update fails:
 * - an env NaN (EnvContractError during the rollout): parameters are untouched; the snapshot from the end of the
 *   previous update is the checkpoint to keep (the partial rollout is dropped);
 * - a non-finite loss or gradient norm (NonFiniteLossError after the update): the optimizer has already written NaN
 *   into the parameters, so the snapshot from before the update is the one to keep;
 * - non-finite parameters with finite losses (found by the scan): the same.
 */
import { EnvContractError } from "../envs/vector-env";
import { NonFiniteLossError, type PPO, type PPOState, type UpdateMetrics } from "../ppo/ppo";
import { DiagnosticsEngine, policyInfoOf } from "./engine";
import { envNonFinite, firstNonFiniteParameter, lossNonFinite, parametersNonFinite, type NonFiniteContext } from "./nonfinite";
import type { ResumeContext } from "./rules/rule";
import type { DiagnosticFinding } from "./types";

export interface DiagnosticsMonitorOptions {
  envFile?: string;
  envSource?: string;
  /** Called with every finding as it fires (the trainer writes it to diagnostics.jsonl and emits it). */
  onFinding: (finding: DiagnosticFinding) => void;
  /** The run was resumed from a checkpoint: steps before it are not counted as steps of this history. */
  resumed?: ResumeContext;
}

export class DiagnosticsMonitor {
  readonly engine: DiagnosticsEngine;
  /** The state after the last update whose parameters were all finite (at first: the initial state). */
  lastGood: PPOState;
  /** Milliseconds spent taking and scanning the per-update snapshots (the guard's overhead). */
  snapshotMs = 0;

  constructor(
    private readonly ppo: PPO,
    private readonly options: DiagnosticsMonitorOptions,
    private readonly clock: () => number = Date.now,
  ) {
    this.engine = new DiagnosticsEngine({
      config: ppo.config,
      policy: policyInfoOf(ppo.env.actionSpace),
      envFile: options.envFile,
      envSource: options.envSource,
      resumed: options.resumed,
    });
    this.lastGood = ppo.getState();
  }

  private emit(f: DiagnosticFinding): DiagnosticFinding {
    this.options.onFinding(f);
    return f;
  }

  private nonFiniteContext(): NonFiniteContext {
    return {
      update: this.lastGood.updates,
      totalTimesteps: this.ppo.totalTimesteps,
      checkpointStep: this.lastGood.totalTimesteps,
      locate: (m) => this.engine.locate(m),
    };
  }

  /**
   * After a successful `ppo.iterate()`: runs the rules on `row`, then snapshots the state.
   * @returns the NaN finding when the update left non-finite parameters (the run must stop; `lastGood` is the
   *   state before that update), else undefined.
   */
  afterUpdate(row: UpdateMetrics): DiagnosticFinding | undefined {
    for (const f of this.engine.observe(row)) this.emit(f);
    const t0 = this.clock();
    const state = this.ppo.getState();
    const bad = firstNonFiniteParameter(state.weights);
    this.snapshotMs += this.clock() - t0;
    if (bad) {
      const ctx = { ...this.nonFiniteContext(), update: state.updates };
      return this.emit(this.engine.reportNonFinite(parametersNonFinite(bad, ctx), state.updates, state.totalTimesteps));
    }
    this.lastGood = state;
    return undefined;
  }

  /**
   * `ppo.iterate()` threw: a NaN finding when the error is a non-finite env value or loss (the run must stop and keep
   * `lastGood`), undefined for any other error.
   */
  onError(e: unknown): DiagnosticFinding | undefined {
    const ctx = this.nonFiniteContext();
    if (e instanceof NonFiniteLossError) {
      const hit = lossNonFinite(e.metrics, e.stats, { ...this.ppo.config, learningRate: e.metrics.learning_rate }, ctx);
      return this.emit(this.engine.reportNonFinite(hit, e.metrics.update, e.metrics.total_timesteps));
    }
    if (e instanceof EnvContractError) {
      const hit = envNonFinite(e.message, ctx);
      if (hit) return this.emit(this.engine.reportNonFinite(hit, ctx.update, ctx.totalTimesteps));
    }
    return undefined;
  }
}

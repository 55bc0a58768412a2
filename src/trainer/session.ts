/**
 * One training run from start to end, shared by the CLI and the trainer process: load the env file, resolve the
 * config, pick the backend, create the run directory, loop PPO iterations while obeying stop / pause / checkpoint,
 * and leave a readable run directory whatever happens.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { Env } from "../core/env";
import { TimeLimit } from "../core/envs/time-limit";
import { readRewardModelFile, RlhfError } from "../core/rlhf/run-ratings";
import { wrapVectorWithLearnedReward, wrapWithLearnedReward } from "../core/rlhf/run-reward-model";
import type { TrueReturnLog } from "../core/rlhf/learned-reward";
import { SyncVectorEnv, type VectorEnv } from "../core/envs/vector-env";
import {
  ConfigError,
  PRESETS,
  resolveConfig,
  validatePartialConfig,
  type ConfigLayer,
  type PPOConfig,
  type ResolvedConfig,
} from "../core/ppo/config";
import { DiagnosticsMonitor } from "../core/diagnostics/monitor";
import { PPO, type PPOState, type UpdateMetrics } from "../core/ppo/ppo";
import { RunLockedError, RunWriter, runLockHolder } from "../core/run/run-dir";
import type { RunStatus } from "../core/run/types";
import { checkLoadedEnv, stackLocation } from "../envs/checker";
import { BUILTIN_ENVS, EnvLoadError, loadEnv, resolveBuiltinEnv, type LoadedEnvFile } from "../envs/loader";
import { pythonVectorSpec } from "../envs/python/load";
import { PythonVectorEnv } from "../envs/python/python-env";
import { GRPO } from "../core/grpo/grpo";
import type { FromTrainerMessage, TrainRequest } from "../protocol";
import { selectBackend } from "./backend";
import { CheckpointError, assertSameSpaces, ppoStateOf, resolveCheckpoint, type ResolvedCheckpoint } from "./checkpoints";
import { TrainerReplays } from "./replays";
import { readResumeState, type ResumeState } from "./resume-state";

declare const PPO_LAB_VERSION: string | undefined;

/** The package version, injected at build time (falls back to package.json when running from source). */
export function ppoLabVersion(): string {
  if (typeof PPO_LAB_VERSION === "string") return PPO_LAB_VERSION;
  try {
    return (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** Reads and validates a JSON config file. @throws ConfigError with file:line:column on a JSON syntax error. */
export function readConfigFile(file: string): Partial<PPOConfig> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(file, [`cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = "";
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split("\n").length;
      const column = Number(pos[1]) - before.lastIndexOf("\n");
      where = ` at ${file}:${line}:${column}`;
    }
    throw new ConfigError(file, [`not valid JSON${where}: ${msg}`]);
  }
  return validatePartialConfig(obj, file);
}

/**
 * The built-in id whose example file `file` is, if any (to pick the preset and the run's env name): the packaged
 * example itself, or an unmodified copy of it (same file name and same bytes), such as the repository's `examples/`
 * opened in VS Code, whose installed extension carries its own copy of the examples. An edited copy is a new env and
 * gets no preset.
 */
export function builtinIdOf(file: string): string | undefined {
  const real = path.resolve(file);
  let content: Buffer | undefined;
  return Object.keys(BUILTIN_ENVS).find((id) => {
    const builtin = resolveBuiltinEnv(id);
    if (builtin === undefined) return false;
    if (path.resolve(builtin) === real) return true;
    if (path.basename(builtin) !== path.basename(real)) return false;
    try {
      content ??= fs.readFileSync(real);
      return content.equals(fs.readFileSync(builtin));
    } catch {
      return false;
    }
  });
}

/**
 * Builds the config layers for a request in increasing priority: preset < settings < env file `config` <
 * `--config` file < flags, and resolves them.
 * @throws ConfigError naming the offending source.
 */
export function resolveRequestConfig(req: TrainRequest, loaded: LoadedEnvFile): ResolvedConfig & { layers: ConfigLayer[] } {
  const layers: ConfigLayer[] = [];
  const id = builtinIdOf(loaded.file);
  if (id && PRESETS[id]) layers.push({ kind: "preset", label: `${id} preset`, values: PRESETS[id] });
  if (req.settings) layers.push({ kind: "settings", label: "settings", values: validatePartialConfig(req.settings, "settings (ppoLab.*)") });
  if (loaded.config) {
    layers.push({ kind: "file", label: loaded.file, values: validatePartialConfig(loaded.config, `the exported config of ${loaded.file}`) });
  }
  if (req.configFile) layers.push({ kind: "file", label: req.configFile, values: readConfigFile(path.resolve(req.cwd, req.configFile)) });
  if (req.overrides) layers.push({ kind: "flag", label: "command-line flags", values: validatePartialConfig(req.overrides, "command-line flags") });
  return { ...resolveConfig(layers), layers };
}

/**
 * The config of a resumed run: the run's own resolved config (run.json), then flags (e.g. a larger --timesteps).
 * @throws ConfigError when run.json's config or the flags are invalid.
 */
export function resolveResumeConfig(req: TrainRequest, resume: ResolvedCheckpoint): ResolvedConfig {
  if (req.overrides?.initFrom !== undefined) {
    // A resumed run continues from its own checkpoint; a new initFrom would only be written to run.json, unused.
    throw new ConfigError("command-line flags", [
      `initFrom (--init-from) cannot be combined with resume (--resume): a resumed run continues from its own checkpoint and keeps its initFrom (${String(resume.info.config.initFrom ?? null)}); start a new run with --init-from instead`,
    ]);
  }
  const layers: ConfigLayer[] = [
    { kind: "file", label: path.join(resume.runDir, "run.json"), values: validatePartialConfig(resume.info.config, path.join(resume.runDir, "run.json")) },
  ];
  if (req.overrides) layers.push({ kind: "flag", label: "command-line flags", values: validatePartialConfig(req.overrides, "command-line flags") });
  const resolved = resolveConfig(layers);
  const saved = resume.info.configSources as ResolvedConfig["sources"] | undefined;
  if (saved) for (const k of Object.keys(resolved.sources) as (keyof PPOConfig)[]) if (resolved.sources[k] !== "flag" && saved[k]) resolved.sources[k] = saved[k];
  return resolved;
}

export interface SessionCallbacks {
  /** Every message a listener may want; the trainer process forwards them over IPC, the CLI prints them. */
  emit(msg: FromTrainerMessage): void;
}

/** Builds `nEnvs` env copies with the time limit applied. @throws EnvLoadError when the factory fails. */
export function makeEnvs(loaded: LoadedEnvFile, config: PPOConfig): Env[] {
  const maxSteps = config.maxEpisodeSteps ?? loaded.maxEpisodeSteps;
  const envs: Env[] = [];
  for (let i = 0; i < config.nEnvs; i++) {
    const env = loaded.factory(config.envKwargs);
    envs.push(maxSteps ? new TimeLimit(env, maxSteps) : env);
  }
  return envs;
}

/**
 * A training run. `run()` resolves when the run ends (finished, stopped or failed) and never leaves the run
 * directory unreadable; it rejects only for problems found before the run directory exists (bad env file or config).
 */
export class TrainingSession {
  private stopRequested = false;
  /** Why the run was interrupted (not stopped by the user), recorded in run.json's `extra.interrupted`. */
  private interrupted: string | undefined;
  private paused = false;
  private checkpointRequested = false;
  private wake: (() => void) | undefined;
  writer: RunWriter | undefined;
  /** wall_seconds of the last update, stored in checkpoints so a resumed run's clock continues. */
  private lastWallSeconds = 0;
  ppo: PPO | undefined;
  /** Diagnostics of the current run (engine with its findings, NaN guard); set once the run directory exists. */
  monitor: DiagnosticsMonitor | undefined;
  /** Episode replays of the current run (src/trainer/replays.ts); undefined when off or unavailable. */
  replays: TrainerReplays | undefined;
  /** "Record next episode" requests that arrived before the run directory existed (true = deterministic). */
  private replayRequests: boolean[] = [];
  /** True (env) returns when training on a learned reward (`rewardModel` config). */
  private trueReturns: TrueReturnLog | undefined;

  constructor(
    readonly request: TrainRequest,
    private readonly callbacks: SessionCallbacks,
  ) {}

  /**
   * Ends the run after the current update with a final checkpoint; status "stopped". With `interrupted` (why: the
   * extension went away), run.json's `extra.interrupted = { at, reason }` tells the extension to resume it.
   */
  stop(opts: { interrupted?: string } = {}): void {
    if (opts.interrupted && !this.stopRequested) this.interrupted = opts.interrupted;
    this.stopRequested = true;
    this.wake?.();
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.wake?.();
  }
  /** Saves a checkpoint after the current update. */
  checkpointNow(): void {
    this.checkpointRequested = true;
    this.wake?.();
  }
  /** Records one episode with the current policy after the current update (also while paused). */
  recordReplay(deterministic?: boolean): void {
    if (this.replays) this.replays.request(deterministic);
    else this.replayRequests.push(deterministic ?? false);
    this.wake?.();
  }

  /**
   * Sets up replays for the run (never fails the run: problems are logged and the run trains without replays).
   */
  private startReplays(runDir: string, loaded: LoadedEnvFile, config: PPOConfig): void {
    // Created even when replays are off, so that "record next episode" requests still work. A Python env records on
    // its own single-copy proxy (one more runner process, started at the first recording, closed with the run); its
    // frames are the env's render() RGB arrays.
    try {
      this.replays = new TrainerReplays({
        runDir,
        config,
        totalUpdates: Math.ceil(config.totalTimesteps / (config.nEnvs * config.nSteps)),
        makeEnv: () => makeEnvs(loaded, { ...config, nEnvs: 1 })[0],
        emit: (msg) => this.emit(msg),
      });
      for (const d of this.replayRequests.splice(0)) this.replays.request(d);
    } catch (e) {
      this.emit({ type: "log", level: "warn", message: `replays: off for this run: ${(e as Error).message}` });
    }
  }

  private emit(msg: FromTrainerMessage): void {
    this.callbacks.emit(msg);
  }

  /**
   * With `config.rewardModel` (a reward-model.json, relative to `cwd`): wraps each env copy (outermost, after the
   * TimeLimit) so it trains on the learned reward; the true returns go to `this.trueReturns`.
   * @throws RlhfError when the file is unreadable or was fit on another env's spaces.
   */
  private withLearnedReward(envs: Env[], config: PPOConfig, cwd: string): Env[] {
    if (!config.rewardModel) return envs;
    const file = path.resolve(cwd, config.rewardModel);
    const wrapped = wrapWithLearnedReward(envs, readRewardModelFile(file), file, config.statsWindowSize);
    this.adoptTrueReturns(wrapped.log, file);
    return wrapped.envs;
  }

  /**
   * {@link withLearnedReward} for a vector env whose copies cannot be wrapped one by one (the Python bridge). Closes
   * `env` (its runner processes) when the reward model cannot be used.
   * @throws RlhfError when the file is unreadable or was fit on another env's spaces.
   */
  private withLearnedRewardVector(env: VectorEnv, config: PPOConfig, cwd: string): VectorEnv {
    if (!config.rewardModel) return env;
    const file = path.resolve(cwd, config.rewardModel);
    try {
      const wrapped = wrapVectorWithLearnedReward(env, readRewardModelFile(file), file, config.statsWindowSize);
      this.adoptTrueReturns(wrapped.log, file);
      return wrapped.env;
    } catch (e) {
      env.close();
      throw e;
    }
  }

  /** The true returns of a run on the learned reward of `file` go to `log` (`true_ep_rew_mean`); says so once. */
  private adoptTrueReturns(log: TrueReturnLog, file: string): void {
    this.trueReturns = log;
    this.emit({ type: "log", level: "info", message: `training on the learned reward of ${file}; the env's own return is logged as true_ep_rew_mean` });
  }

  /** Saves `state` (default: the current state) as a checkpoint. */
  private saveCheckpoint(state?: PPOState): void {
    if (!this.ppo || !this.writer) return;
    state ??= this.ppo.getState();
    const p = this.writer.saveCheckpoint(state.totalTimesteps, {
      weights: state.weights,
      optimizer: {
        step: state.optimizer.step,
        weights: Object.fromEntries(
          Object.keys(state.optimizer.m).flatMap((k) => [
            [`m/${k}`, { shape: state.weights[k].shape, data: state.optimizer.m[k] }],
            [`v/${k}`, { shape: state.weights[k].shape, data: state.optimizer.v[k] }],
          ]),
        ),
      },
      normalization: state.normalization as Record<string, unknown>,
      rng: { state: state.rng },
      meta: {
        updates: state.updates,
        totalTimesteps: state.totalTimesteps,
        obsDim: this.ppo.env.obsDim,
        actionSpace: this.ppo.env.actionSpace.spec,
        observationSpace: this.ppo.env.observationSpace.spec,
        netArch: this.ppo.config.netArch,
        activation: this.ppo.config.activation,
        wallSeconds: this.lastWallSeconds,
      },
    });
    this.writer.updateRunInfo({ lastCheckpointStep: state.totalTimesteps, totalTimesteps: state.totalTimesteps });
    this.emit({ type: "checkpoint", step: state.totalTimesteps, path: p });
  }

  /**
   * The env checker before training (skipped when the caller already ran it): warnings are logged, errors stop the
   * run before a run directory exists.
   * @throws EnvLoadError naming the first error's file and line.
   */
  private checkEnv(loaded: LoadedEnvFile, config: PPOConfig): void {
    const report = checkLoadedEnv(loaded, {
      envKwargs: config.envKwargs,
      maxEpisodeSteps: config.maxEpisodeSteps ?? loaded.maxEpisodeSteps,
      seed: config.seed,
    });
    this.emit({ type: "checkReport", report });
    for (const f of report.findings.filter((x) => x.severity === "warning")) {
      const where = f.location ? `${f.location.file}:${f.location.line}:${f.location.column}: ` : "";
      this.emit({ type: "log", level: "warn", message: `${where}[${f.id}] ${f.message}` });
    }
    const errors = report.findings.filter((x) => x.severity === "error");
    if (errors.length > 0) {
      const first = errors[0];
      const lines = errors.map((f) => `${f.location ? `${f.location.file}:${f.location.line}:${f.location.column}: ` : ""}[${f.id}] ${f.message}`);
      throw new EnvLoadError(`the env checker found ${errors.length} error${errors.length === 1 ? "" : "s"} in ${loaded.file}:\n  ${lines.join("\n  ")}`, {
        file: first.location?.file ?? loaded.file,
        line: first.location?.line,
        column: first.location?.column,
        hint: `Fix the env file, then train again ("ppo-lab check ${loaded.file}" runs the checker alone).`,
        envFile: loaded.file,
      });
    }
  }

  /**
   * Runs to the end.
   * @throws EnvLoadError / ConfigError / BackendError before the run directory is created; RunLockedError when
   *   `resume` names a run another live process writes (that run is then left untouched).
   */
  async run(): Promise<{ status: RunStatus; runDir: string; metrics: UpdateMetrics[] }> {
    const req = this.request;
    // Another process trains this run (another window, or the CLI): say so before reading its checkpoints (it may
    // have none yet, or be writing one). RunWriter.open below takes the lock for real (and refuses the same way if
    // another process wins the race meanwhile).
    if (req.resume) assertNotLocked(path.resolve(req.cwd, req.resume));
    const resume = req.resume ? resolveCheckpoint(path.resolve(req.cwd, req.resume)) : undefined;
    const loaded = await loadEnv(req.env || resume?.info.envFile || "", { cwd: req.cwd });
    for (const warning of loaded.warnings ?? []) this.emit({ type: "log", level: "warn", message: warning });
    const { config, sources } = resume ? resolveResumeConfig(req, resume) : resolveRequestConfig(req, loaded);
    if (resume && resume.info.envHash !== loaded.hash) {
      this.emit({ type: "log", level: "warn", message: `${loaded.file} changed since the run started; resuming with the current code` });
    }
    if (!req.skipCheck) this.checkEnv(loaded, config);
    const backend = await selectBackend(config.backend);
    for (const note of backend.notes) this.emit({ type: "log", level: "info", message: note });
    if (config.algorithm !== "grpo" && sources.grpo !== "default" && !resume) {
      // A `grpo` block with algorithm "ppo" (e.g. a config meant for GRPO with the algorithm key forgotten).
      this.emit({ type: "log", level: "warn", message: `grpo settings (from the ${sources.grpo}) are ignored: algorithm is "${config.algorithm}" (from the ${sources.algorithm}); set "algorithm": "grpo" to train with GRPO, or remove the grpo block` });
    }
    // GRPO runs one group of groupSize env copies (reset together with one seed per group).
    const envCopies = config.algorithm === "grpo" ? config.grpo.groupSize : config.nEnvs;
    let vecEnv: VectorEnv;
    try {
      vecEnv = loaded.python
        ? // A Python env: N copies in nEnvProcesses runner processes behind the bridge (src/envs/python).
          this.withLearnedRewardVector(
            new PythonVectorEnv(
              pythonVectorSpec(loaded.python, config, config.maxEpisodeSteps ?? loaded.maxEpisodeSteps ?? 0, (line) =>
                this.emit({ type: "log", level: "info", message: `[python] ${line}` }),
              ),
              envCopies,
              config.nEnvProcesses,
            ),
            config,
            req.cwd,
          )
        : new SyncVectorEnv(this.withLearnedReward(makeEnvs(loaded, { ...config, nEnvs: envCopies }), config, req.cwd));
    } catch (e) {
      if (e instanceof EnvLoadError || e instanceof RlhfError) throw e;
      const loc = stackLocation(e, loaded.file);
      throw new EnvLoadError(`${loc ? `${loc.file}:${loc.line}:${loc.column}` : loaded.file}: ${(e as Error).message}`, {
        file: loc?.file ?? loaded.file,
        line: loc?.line,
        column: loc?.column,
        envFile: loaded.file,
        hint: (e as { hint?: string }).hint,
        cause: e,
      });
    }
    const envName = builtinIdOf(loaded.file) ?? path.basename(loaded.file).replace(/\.[^.]+$/, "");
    try {
      this.ppo = config.algorithm === "grpo" ? new GRPO(vecEnv, config) : new PPO(vecEnv, config);
    } catch (e) {
      vecEnv.close();
      const loc = stackLocation(e, loaded.file);
      throw new EnvLoadError(`${loc ? `${loc.file}:${loc.line}:${loc.column}: ` : `${loaded.file}: `}${(e as Error).message}`, {
        file: loc?.file ?? loaded.file,
        line: loc?.line,
        column: loc?.column,
        envFile: loaded.file,
        cause: e,
        hint: `"ppo-lab check ${loaded.file}" lists every problem the env checker finds`,
      });
    }
    if (resume) {
      try {
        assertSameSpaces(resume.checkpoint, vecEnv.observationSpace.spec, vecEnv.actionSpace.spec, loaded.file);
        const meta = (resume.checkpoint.meta ?? {}) as { wallSeconds?: number };
        this.ppo.restore(ppoStateOf(resume.checkpoint, resume.checkpointDir), meta.wallSeconds ?? 0);
      } catch (e) {
        vecEnv.close();
        this.ppo.dispose();
        throw e instanceof CheckpointError ? e : new CheckpointError(`cannot resume from ${resume.checkpointDir}: ${(e as Error).message}`);
      }
      if (this.ppo.done) {
        vecEnv.close();
        this.ppo.dispose();
        throw new ConfigError(resume.runDir, [
          `the run already reached totalTimesteps = ${config.totalTimesteps}; pass a larger --timesteps to train further`,
        ]);
      }
    }
    // Which option is being resolved, so an error names it (and where it came from).
    let option = "";
    // GRPO always has a reference (its loss's KL term); PPO only with klPenalty against the reference.
    const usesReference = config.algorithm === "grpo" || (config.klPenalty.mode !== "off" && config.klPenalty.against === "reference");
    try {
      if (config.initFrom) {
        option = sources.initFrom === "flag" ? "--init-from" : `initFrom${sources.initFrom === "file" && req.configFile ? ` in ${req.configFile}` : ""}`;
        // Fine-tuning: start from another run's policy. A resumed fine-tuning run already has its own weights; it
        // only needs the initFrom policy again as its KL reference.
        const from = resolveCheckpoint(path.resolve(req.cwd, config.initFrom));
        assertSameSpaces(from.checkpoint, vecEnv.observationSpace.spec, vecEnv.actionSpace.spec, loaded.file);
        const state = ppoStateOf(from.checkpoint, from.checkpointDir);
        if (!resume) {
          this.ppo.initializeFrom(state);
          this.emit({ type: "log", level: "info", message: `initialised from the checkpoint ${from.checkpointDir}` });
        } else if (usesReference && config.referencePolicy === "initial") {
          this.ppo.setReferencePolicy({ getWeights: () => state.weights });
        }
      }
      if (config.referencePolicy !== "initial") {
        option = `referencePolicy${sources.referencePolicy === "file" && req.configFile ? ` in ${req.configFile}` : ""}`;
        // Resolved even when unused, so a wrong path is an error rather than silently accepted.
        const ref = resolveCheckpoint(path.resolve(req.cwd, config.referencePolicy));
        if (usesReference) {
          assertSameSpaces(ref.checkpoint, vecEnv.observationSpace.spec, vecEnv.actionSpace.spec, loaded.file);
          const weights = ppoStateOf(ref.checkpoint, ref.checkpointDir).weights;
          this.ppo.setReferencePolicy({ getWeights: () => weights });
        } else {
          this.emit({
            type: "log",
            level: "warn",
            message: `${option} is unused: with algorithm "ppo" the reference policy only serves klPenalty against "reference" (klPenalty is ${config.klPenalty.mode === "off" ? "off" : `against "${config.klPenalty.against}"`}); set klPenalty: { "mode": "adaptive", "against": "reference" } or remove referencePolicy`,
          });
        }
      }
    } catch (e) {
      vecEnv.close();
      this.ppo.dispose();
      const which = config.initFrom ? `initFrom ${config.initFrom} / referencePolicy ${config.referencePolicy}` : `referencePolicy ${config.referencePolicy}`;
      throw e instanceof CheckpointError && option ? new CheckpointError(`${option}: ${e.message}`) : e instanceof CheckpointError ? e : new CheckpointError(`cannot use ${which}: ${(e as Error).message}`);
    }
    let writer: RunWriter;
    try {
      // Resuming: rows logged after the checkpoint (a crash between checkpoints) are cut, so they are not logged twice.
      writer = resume ? RunWriter.open(resume.runDir, { resumeFromStep: resume.checkpoint.step }) : RunWriter.create(req.runsRoot, {
        envName,
        envFile: loaded.python?.envSpec ?? loaded.file, // file.py:ClassName when a Python file holds several envs
        envHash: loaded.hash,
        seed: config.seed,
        backend: backend.name,
        config: config as unknown as Record<string, unknown>,
        configSources: sources,
        versions: { ppoLab: ppoLabVersion(), tfjs: tf.version.tfjs, node: process.version },
        totalTimesteps: 0,
        extra: backend.notes.length ? { backendNotes: backend.notes } : undefined,
      });
    } catch (e) {
      // Refused (RunLockedError: another process writes that run) or failed: this session owns no run directory,
      // so it writes nothing anywhere (no status, no diagnostics); the caller reports the error.
      vecEnv.close();
      this.ppo.dispose();
      throw e;
    }
    let resumeState: ResumeState | undefined;
    if (resume) {
      // ep_rew_mean / ep_len_mean continue from the episodes before the checkpoint (the window is not in checkpoints).
      try {
        resumeState = readResumeState(writer.dir, resume.checkpoint.step, config.statsWindowSize);
        this.ppo.restoreEpisodeWindow(resumeState.episodes);
      } catch (e) {
        // The logs are unreadable: training can still continue, with an empty window as before.
        this.emit({ type: "log", level: "warn", message: `could not restore the episode statistics from ${writer.dir}: ${(e as Error).message}` });
      }
      writer.updateRunInfo({
        status: "running",
        endedAt: undefined,
        error: undefined,
        backend: backend.name,
        config: config as unknown as Record<string, unknown>,
        extra: { ...withoutKey(writer.info.extra ?? {}, "interrupted"), resumedFrom: [...((writer.info.extra?.resumedFrom as number[] | undefined) ?? []), resume.checkpoint.step] },
      });
      this.emit({ type: "log", level: "info", message: `resumed from the checkpoint at step ${resume.checkpoint.step}` });
    }
    this.writer = writer;
    this.emit({
      type: "started",
      runId: writer.id,
      runDir: writer.dir,
      envName,
      envFile: loaded.file,
      backend: backend.name,
      config,
      sources,
    });
    const metrics: UpdateMetrics[] = [];
    let status: RunStatus = "finished";
    try {
      const ppo = this.ppo;
      // Diagnostics rules after every update, and the NaN guard: a NaN/Infinity in the env or the update is reported
      // (diagnostics.jsonl + a "diagnostic" message) and the run stops with the state from before it as its final
      // checkpoint (see src/core/diagnostics/monitor.ts).
      const monitor = new DiagnosticsMonitor(ppo, {
        envFile: loaded.file,
        envSource: readTextOrUndefined(loaded.file),
        // After a resume the history starts at the checkpoint: steps before it are not "steps without an episode".
        resumed: resumeState?.diagnostics ?? (resume ? { totalTimesteps: resume.checkpoint.step, everTerminated: true } : undefined),
        onFinding: (finding) => {
          writer.appendDiagnostic(finding);
          this.emit({ type: "diagnostic", finding });
        },
      });
      this.monitor = monitor;
      this.startReplays(writer.dir, loaded, config);
      while (!ppo.done && !this.stopRequested) {
        if (this.paused) {
          writer.updateRunInfo({ status: "paused" });
          this.emit({ type: "status", status: "paused" });
          while (this.paused && !this.stopRequested) {
            await new Promise<void>((r) => (this.wake = r));
            if (this.replays?.hasRequests) this.replays.flushRequests(ppo);
          }
          if (this.stopRequested) break;
          writer.updateRunInfo({ status: "running" });
          this.emit({ type: "status", status: "running" });
        }
        let row: UpdateMetrics;
        try {
          row = ppo.iterate((ep, total) => {
            const epRow = { return: ep.return, length: ep.length, total_timesteps: total, env_index: ep.envIndex };
            writer.appendEpisode(epRow);
            // true_ep_rew_mean averages the same episodes as ep_rew_mean / ep_len_mean.
            this.trueReturns?.countEpisode(ep.envIndex);
            this.replays?.onTrainingEpisode(ep.return);
            this.emit({ type: "episode", return: ep.return, length: ep.length, totalTimesteps: total });
          });
        } catch (e) {
          // A NaN/Infinity: reported, and the state from before the failing update becomes the final checkpoint.
          if (monitor.onError(e)) this.saveCheckpoint(monitor.lastGood);
          throw e;
        }
        // Training on a learned reward: the env's own return, for comparison (Christiano et al. 2017's true reward).
        if (this.trueReturns) row = { ...row, true_ep_rew_mean: this.trueReturns.mean() } as UpdateMetrics;
        metrics.push(row);
        this.lastWallSeconds = row.wall_seconds;
        writer.appendMetrics(row as unknown as Record<string, number>);
        this.emit({ type: "metrics", row: toMessageRow(row) });
        const nanFinding = monitor.afterUpdate(row);
        if (nanFinding) {
          this.saveCheckpoint(monitor.lastGood);
          throw new Error(`${nanFinding.title}; the run was stopped`);
        }
        if (this.checkpointRequested || (config.checkpointEvery > 0 && ppo.updates % config.checkpointEvery === 0)) {
          this.checkpointRequested = false;
          this.saveCheckpoint(monitor.lastGood);
        }
        // Replays between updates: periodic, requested, best/worst (src/trainer/replays.ts; never throws).
        this.replays?.afterUpdate(ppo);
        // Let IPC messages and signals (stop, pause) in between updates.
        await new Promise<void>((r) => setImmediate(r));
      }
      if (this.stopRequested && !ppo.done) status = "stopped";
      this.saveCheckpoint(monitor.lastGood);
      const interrupted = status === "stopped" && this.interrupted ? { at: new Date().toISOString(), reason: this.interrupted } : undefined;
      writer.updateRunInfo({
        status,
        totalTimesteps: ppo.totalTimesteps,
        endedAt: new Date().toISOString(),
        ...(interrupted ? { extra: { ...(writer.info.extra ?? {}), interrupted } } : {}),
      });
    } catch (e) {
      status = "failed";
      const err = e as Error;
      // Where in the env file (or a module it imports) the error came from, when the stack says so.
      const loc = stackLocation(e, loaded.file);
      const where = loc ? `${loc.file}:${loc.line}:${loc.column}: ` : "";
      // Keep the last good state: the failing update never reached the weights (an env error happens in the rollout;
      // a non-finite update is caught by the monitor before it is kept).
      const good = this.monitor?.lastGood;
      if (good && good.updates > 0 && writer.info.lastCheckpointStep !== good.totalTimesteps) {
        try {
          this.saveCheckpoint(good);
        } catch {
          // the disk may be full; the run directory stays readable up to the last complete write
        }
      }
      try {
        writer.updateRunInfo({ status, error: { message: `${where}${err.message}`, stack: err.stack }, endedAt: new Date().toISOString() });
      } catch {
        // the disk may be full; the error below still reaches the user
      }
      this.emit({ type: "error", message: `${where}${envName}: ${err.message}`, file: loc?.file ?? loaded.file, line: loc?.line, column: loc?.column });
    } finally {
      this.replays?.close();
      vecEnv.close();
      writer.close();
      this.ppo.dispose();
    }
    this.emit({ type: "status", status });
    this.emit({ type: "finished", status, runDir: writer.dir, totalTimesteps: this.ppo.totalTimesteps });
    return { status, runDir: writer.dir, metrics };
  }
}

/**
 * Throws RunLockedError when the run of `target` (a run directory, or one of its `checkpoints/<step>` folders) is
 * written by another live process. Anything else (no such folder, not a run) is left to resolveCheckpoint to report.
 */
function assertNotLocked(target: string): void {
  const runDir = path.basename(path.dirname(target)) === "checkpoints" ? path.dirname(path.dirname(target)) : target;
  let holder;
  try {
    holder = runLockHolder(runDir);
  } catch {
    return;
  }
  if (holder) throw new RunLockedError(runDir, holder);
}

/** The env file's text, for locating its methods in findings; undefined when it cannot be read. */
function readTextOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** NaN and infinities become null on the wire (JSON). */
export function toMessageRow(row: UpdateMetrics): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === "number" && Number.isFinite(v) ? v : null;
  return out;
}

/** A copy of `obj` without `key`. */
function withoutKey(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
}

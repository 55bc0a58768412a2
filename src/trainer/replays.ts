/**
 * Replays during training: decides after each PPO update whether to record an episode (periodic, best, worst, or
 * requested from the UI), records it with the current policy on a separate env copy (src/core/replay/recorder.ts) and
 * saves it in the run directory (src/core/replay/store.ts).
 *
 * Policy (config `replays`, src/core/replay/settings.ts):
 * - periodic: after update 1, every `everyUpdates` updates (auto: about 8 over the run) and after the last update;
 * - requested: after the current update, once per request (`recordReplay` message), sampled or deterministic;
 * - best / worst: every recorded episode is compared with the best and worst recorded returns so far; one that beats
 *   them is also saved as the new best / worst (replacing the old one). When a *training* episode beats the best
 *   (worst) recorded return, one extra episode is recorded after the update and kept as best (worst) only if it beats
 *   it too; such extra recordings happen at most every `max(1, everyUpdates / 4)` updates and only while replays have
 *   taken less than {@link ATTEMPT_TIME_BUDGET} of the training wall time, so they cannot slow a run noticeably.
 *
 * With `enabled: false` only requested recordings are made (and kept as "requested", never as best or worst).
 *
 * Nothing here may stop training: a failing recording or write is logged as a warning, and replays are switched off
 * for the run after {@link MAX_FAILURES} failures.
 */
import type { Env } from "../core/env";
import type { ObservationNormalizer } from "../core/envs/normalize";
import type { PPOConfig } from "../core/ppo/config";
import { PolicySnapshot, recordEpisode, type RecordedEpisode, type WeightsSource } from "../core/replay/recorder";
import { periodicInterval, type ReplaySettings } from "../core/replay/settings";
import { ReplayStore } from "../core/replay/store";
import type { ReplayKind, ReplaySummary } from "../core/replay/types";
import type { Space } from "../core/spaces";
import type { FromTrainerMessage } from "../protocol";

/** Share of the training wall time that extra best/worst recordings may use. */
export const ATTEMPT_TIME_BUDGET = 0.05;
/** Recording failures after which replays are switched off for the run. */
export const MAX_FAILURES = 3;
/** Longest episode recorded (steps), for envs without a time limit. */
export const MAX_REPLAY_STEPS = 10_000;

/** What the recorder needs of the training run (a subset of PPO, so tests can fake it). */
export interface TrainingView {
  readonly policy: WeightsSource;
  readonly env: { readonly obsDim: number; readonly actionSpace: Space };
  readonly obsNormalizer: ObservationNormalizer | undefined;
  readonly updates: number;
  readonly totalTimesteps: number;
  readonly done: boolean;
}

export interface TrainerReplaysOptions {
  runDir: string;
  config: PPOConfig;
  /** Updates the whole run takes (for the automatic periodic interval). */
  totalUpdates: number;
  /** Builds the recording env (one copy with the run's time limit); called once, lazily. */
  makeEnv: () => Env;
  emit: (msg: FromTrainerMessage) => void;
  /** Clock in milliseconds. */
  now?: () => number;
}

export class TrainerReplays {
  readonly settings: ReplaySettings;
  readonly every: number;
  readonly store: ReplayStore;
  /** Seconds spent recording and saving so far. */
  seconds = 0;
  /** Recordings made so far (saved or not). */
  recordings = 0;
  private env: Env | undefined;
  private requests: boolean[] = [];
  private bestReturn: number | undefined;
  private worstReturn: number | undefined;
  private bestBeaten = false;
  private worstBeaten = false;
  private lastAttemptUpdate = -Infinity;
  private failures = 0;
  private disabled = false;
  private warnedFrames = false;
  private readonly started: number;
  private readonly now: () => number;

  /** @throws ReplayError when the run's replay index is corrupt (the caller logs it and trains without replays). */
  constructor(private readonly opts: TrainerReplaysOptions) {
    this.settings = opts.config.replays;
    this.every = periodicInterval(this.settings, opts.totalUpdates);
    this.store = new ReplayStore(opts.runDir, { maxCount: this.settings.maxCount, maxBytes: this.settings.maxBytes });
    // A resumed run keeps its best and worst.
    for (const r of this.store.list()) {
      if (r.kind === "best") this.bestReturn = r.return;
      if (r.kind === "worst") this.worstReturn = r.return;
    }
    this.now = opts.now ?? Date.now;
    this.started = this.now();
  }

  /** Records an episode after the current update (`deterministic` defaults to the config's). */
  request(deterministic?: boolean): void {
    this.requests.push(deterministic ?? this.settings.deterministic);
  }

  /** True when a request waits (the session records it even while paused). */
  get hasRequests(): boolean {
    return this.requests.length > 0 && !this.disabled;
  }

  /** A finished training episode's return: marks best/worst for an extra recording when it beats them. */
  onTrainingEpisode(episodeReturn: number): void {
    if (this.settings.best && this.bestReturn !== undefined && episodeReturn > this.bestReturn) this.bestBeaten = true;
    if (this.settings.worst && this.worstReturn !== undefined && episodeReturn < this.worstReturn) this.worstBeaten = true;
  }

  /** Called after every update: records what the policy asks for. Never throws. */
  afterUpdate(ppo: TrainingView): void {
    if (this.disabled) return;
    const u = ppo.updates;
    if (this.settings.enabled && (u === 1 || u % this.every === 0 || ppo.done)) this.record(ppo, "periodic", this.settings.deterministic);
    this.flushRequests(ppo);
    if (!this.settings.enabled || (!this.bestBeaten && !this.worstBeaten)) return;
    const spacing = Math.max(1, Math.floor(this.every / 4));
    const elapsed = (this.now() - this.started) / 1000;
    if (u - this.lastAttemptUpdate < spacing || this.seconds > ATTEMPT_TIME_BUDGET * Math.max(elapsed, 1)) return;
    this.lastAttemptUpdate = u;
    const kind: ReplayKind = this.bestBeaten ? "best" : "worst";
    this.bestBeaten = false;
    this.worstBeaten = false;
    this.record(ppo, kind, this.settings.deterministic);
  }

  /** Records the requested episodes now. Never throws. */
  flushRequests(ppo: TrainingView): void {
    while (this.requests.length > 0 && !this.disabled) this.record(ppo, "requested", this.requests.shift()!);
  }

  /** Seed of the recording after update `u`: reproducible from the run's seed, different for every recording. */
  private seedFor(u: number): number {
    return (this.opts.config.seed * 1_000_003 + 7_919 * u + 104_729 * this.recordings + 1) % 2_147_483_647;
  }

  /**
   * Records one episode; saves it as `kind` (an extra best/worst attempt only when it beats the current one) and as
   * best/worst when it beats those.
   */
  private record(ppo: TrainingView, kind: ReplayKind, deterministic: boolean): void {
    const t0 = this.now();
    try {
      this.env ??= this.opts.makeEnv();
      const cfg = this.opts.config;
      const snapshot = new PolicySnapshot(ppo.policy, ppo.env.obsDim, ppo.env.actionSpace, cfg.activation, cfg.logStdRange);
      const seed = this.seedFor(ppo.updates);
      this.recordings++;
      const rec = recordEpisode(snapshot, ppo.obsNormalizer, this.env, {
        seed,
        deterministic,
        maxSteps: MAX_REPLAY_STEPS,
        maxFrameBytes: Math.floor(this.settings.maxBytes / 4),
        // GRPO has no critic (its value head is never trained): its replays record no V(s).
        values: cfg.algorithm !== "grpo",
      });
      if (rec.frameProblem && !this.warnedFrames) {
        this.warnedFrames = true;
        this.opts.emit({ type: "log", level: "warn", message: `replays: ${rec.frameProblem}; the replay keeps the steps without those frames` });
      }
      const beatsBest = this.settings.enabled && this.settings.best && (this.bestReturn === undefined || rec.return > this.bestReturn);
      const beatsWorst = this.settings.enabled && this.settings.worst && (this.worstReturn === undefined || rec.return < this.worstReturn);
      const kinds: ReplayKind[] = [];
      if (kind === "periodic" || kind === "requested") kinds.push(kind);
      if (beatsBest) kinds.push("best");
      if (beatsWorst) kinds.push("worst");
      let first: string | undefined;
      for (const k of kinds) {
        const id = this.save(ppo, rec, k, first);
        first ??= id;
      }
    } catch (e) {
      this.failures++;
      const off = this.failures >= MAX_FAILURES;
      if (off) this.disabled = true;
      this.opts.emit({
        type: "log",
        level: "warn",
        message: `replays: recording after update ${ppo.updates} failed: ${(e as Error).message}${off ? `; replays are off for this run after ${MAX_FAILURES} failures` : ""}`,
      });
    } finally {
      this.seconds += (this.now() - t0) / 1000;
    }
  }

  /** @returns the saved replay's id, or undefined when it did not fit the caps */
  private save(ppo: TrainingView, rec: RecordedEpisode, kind: ReplayKind, sameAs: string | undefined): string | undefined {
    this.store.limits = { maxCount: this.settings.maxCount, maxBytes: this.settings.maxBytes };
    const summary: Omit<ReplaySummary, "id" | "bytes"> = {
      kind,
      update: ppo.updates,
      step: ppo.totalTimesteps,
      return: rec.return,
      length: rec.length,
      terminated: rec.terminated,
      seed: rec.seed,
      deterministic: rec.deterministic,
      frameType: rec.builder.frameType,
      createdAt: new Date().toISOString(),
    };
    const result = this.store.save(rec.builder, summary, sameAs);
    if (!result.saved) {
      this.opts.emit({ type: "log", level: "warn", message: `replays: ${result.reason}` });
      return undefined;
    }
    if (kind === "best") this.bestReturn = rec.return;
    if (kind === "worst") this.worstReturn = rec.return;
    this.opts.emit({ type: "replay", summary: result.saved });
    return result.saved.id;
  }

  /** Closes the recording env and reports what recording cost (an info log). */
  close(): void {
    if (this.recordings > 0) {
      this.opts.emit({ type: "log", level: "info", message: `replays: ${this.recordings} episodes recorded in ${this.seconds.toFixed(2)} s (${this.store.list().length} kept in ${this.store.dir})` });
    }
    try {
      this.env?.close?.();
    } catch {
      // the env's close() failing does not matter here
    }
  }
}

/**
 * PPO-Clip (Schulman et al. 2017, "Proximal Policy Optimization Algorithms"), one stage per method, in the order
 * CleanRL's `ppo.py` reads: collect rollout -> GAE -> for epochs, for minibatches: ratio, clipped surrogate, value
 * loss, entropy, gradient step.
 */
import * as tf from "@tensorflow/tfjs";
import { Adam, type AdamState } from "../nn/adam";
import { ObservationNormalizer, RewardScaler, whitenRewards } from "../envs/normalize";
import type { EpisodeRecord, VectorEnv } from "../envs/vector-env";
import { Rng } from "../rng";
import { Box } from "../spaces";
import { RolloutBuffer } from "./buffer";
import { minibatchSize, type PPOConfig } from "./config";
import { computeGae } from "./gae";
import { clipGradNorm, JsActorCritic, JsAdam, type LossStats, type MinibatchArrays } from "./js-policy";
import { ActorCritic, type PolicyNetwork } from "./policy";
import { KlController } from "./kl-controller";
import { PolicySnapshot } from "../replay/recorder";

/** One row of `metrics.jsonl`, SB3/CleanRL names. NaN where a value is undefined (e.g. no finished episode). */
export interface UpdateMetrics {
  update: number;
  total_timesteps: number;
  wall_seconds: number;
  steps_per_second: number;
  ep_rew_mean: number;
  ep_len_mean: number;
  ep_rew_min: number;
  ep_rew_max: number;
  episodes: number;
  policy_gradient_loss: number;
  /** Absent for critic-free training (GRPO), as are `explained_variance` and `value_mean`. */
  value_loss?: number;
  entropy: number;
  approx_kl: number;
  old_approx_kl: number;
  clip_fraction: number;
  explained_variance?: number;
  grad_norm: number;
  learning_rate: number;
  clip_range: number;
  ratio_min: number;
  ratio_max: number;
  value_mean?: number;
  advantage_std: number;
  epochs_run: number;
  std?: number;
  /** KL penalty coefficient beta used in this update (present when `klPenalty.mode` is not "off"). */
  kl_coef?: number;
  /** Mean per-step log pi(a|s) - log pi_ref(a|s) over the rollout (k1 estimate of KL to the reference policy). */
  kl_to_reference?: number;
  /** Mean per-step KL penalty added to the reward, -beta * kl (RLHF's non-score reward). */
  non_score_reward?: number;
  /** GRPO: share of groups whose rollouts all got the same return (no learning signal from them). */
  zero_advantage_fraction?: number;
  action_saturation?: number;
  // Extra inputs of the diagnostics rules (src/core/diagnostics), computed in JS from data already on the JS side:
  /** Mean of the raw env rewards of this rollout (before reward normalisation), `[nSteps * nEnvs]` values. */
  reward_mean: number;
  /** Standard deviation of the raw env rewards of this rollout; 0 means the rollout carries no reward signal. */
  reward_std: number;
  /** Steps of this rollout that ended an episode with `terminated` / with `truncated` (time limit). */
  terminated_count: number;
  truncated_count: number;
  /** Largest |raw observation| of this rollout (before observation normalisation). */
  obs_abs_max: number;
  /** Largest per-dimension root-mean-square of the raw observations of this rollout. */
  obs_rms_max: number;
  /** Mean and standard deviation of the value targets (GAE returns) the critic is fit to, in its (scaled) units. */
  return_mean: number;
  return_std: number;
  /** max(|ratio_min - 1|, |ratio_max - 1|) on the first minibatch of the first epoch: 0 up to float32 rounding. */
  first_ratio_dev: number;
  /** Smallest and largest log-std over the action dimensions (Gaussian policies). */
  log_std_min?: number;
  log_std_max?: number;
}

/**
 * The loss or the gradient norm of an update became NaN or infinite. The optimizer has already applied the update,
 * so the parameters in memory are not trustworthy; `stats` holds every minibatch's statistics to find where it began.
 */
export class NonFiniteLossError extends Error {
  constructor(
    message: string,
    readonly metrics: UpdateMetrics,
    readonly stats: MinibatchStats[],
  ) {
    super(message);
    this.name = "NonFiniteLossError";
  }
}

/**
 * Per-minibatch statistics of the last update (for tests and diagnostics): the loss statistics of either engine, the
 * epoch the minibatch belongs to (0-based) and the global gradient norm before clipping.
 */
export type MinibatchStats = LossStats & { epoch: number; gradNorm: number };

/** Everything needed to continue a run, for checkpoints. */
export interface PPOState {
  weights: Record<string, { shape: number[]; data: Float32Array }>;
  optimizer: AdamState;
  normalization: {
    observation?: { mean: number[]; var: number[]; count: number };
    reward?: { mean: number[]; var: number[]; count: number };
  };
  rng: number[];
  /** The KL penalty's coefficient (adaptive controllers continue from it on resume). */
  klCoef?: number;
  totalTimesteps: number;
  updates: number;
}

const METRIC_COUNT = 9; // pg, vf, ent, k3, k1, clipfrac, ratioMin, ratioMax, gradNorm

/**
 * The compute engine a `backend` setting trains with: `js` (hand-written forward/backward over Float32Arrays,
 * js-policy.ts; the default through `auto`, several times faster for PPO's small MLPs) or `tfjs` (TF.js autograd on
 * the tensorflow / wasm / cpu backend).
 */
export function engineOf(backend: PPOConfig["backend"]): "js" | "tfjs" {
  return backend === "auto" || backend === "js" ? "js" : "tfjs";
}

export class PPO {
  readonly policy: PolicyNetwork;
  readonly optimizer: { getState(): AdamState; setState(state: AdamState): void; dispose(): void };
  /** Which engine computes the networks (see {@link engineOf}). */
  readonly engine: "js" | "tfjs";
  private readonly tfModel?: { policy: ActorCritic; optimizer: Adam };
  private readonly jsModel?: { policy: JsActorCritic; optimizer: JsAdam };
  /** The rollout's samples (GRPO replaces it each iteration: its batch size varies with episode lengths). */
  buffer: RolloutBuffer;
  /** `[buffer.size]` log pi_ref(a|s) per sample for a loss-level KL term (GRPO), or undefined. */
  protected refLogProbs: Float32Array | undefined;
  readonly obsNormalizer: ObservationNormalizer | undefined;
  readonly rewardScaler: RewardScaler | undefined;
  readonly rng: Rng;
  /** Env steps taken so far (all copies). */
  totalTimesteps = 0;
  updates = 0;
  /** The most recent finished episodes, oldest first, capped at `statsWindowSize`. */
  readonly episodeWindow: EpisodeRecord[] = [];
  lastMinibatchStats: MinibatchStats[] = [];
  protected obs: Float32Array; // normalised current observations [N * obsDim]
  private readonly numUpdates: number;
  private saturationCount = 0;
  private saturationTotal = 0;
  /** Raw reward / observation statistics of the current rollout (see the UpdateMetrics fields of the same names). */
  protected rolloutStats = { rewardSum: 0, rewardSumSq: 0, count: 0, terminated: 0, truncated: 0, obsAbsMax: 0, obsSq: new Float64Array(0) };
  private startTime: number;
  /** The KL penalty's coefficient beta and its controller (`klPenalty`; off unless configured). */
  readonly klController: KlController;
  /** The frozen reference policy of `klPenalty.against = "reference"` (see {@link setReferencePolicy}). */
  protected reference: PolicySnapshot | undefined;
  /** Sum of per-step KL(pi || pi_ref) estimates over the current rollout and its step count. */
  private refKl = { sum: 0, count: 0 };
  /** Reused per-step buffers of the rollout (no allocation per vector step for these). */
  private noise = new Float32Array(0);
  private dones = new Uint8Array(0);

  /**
   * @param now clock in milliseconds, injected so the core has no process globals (only wall-time metrics use it).
   */
  constructor(
    readonly env: VectorEnv,
    readonly config: PPOConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.rng = new Rng(config.seed);
    const policyRng = new Rng(config.seed + 1);
    this.engine = engineOf(config.backend);
    if (this.engine === "js") {
      const policy = new JsActorCritic(env.obsDim, env.actionSpace, config, policyRng, Math.max(env.nEnvs, minibatchSize(config)));
      this.jsModel = { policy, optimizer: new JsAdam(policy, 0.9, 0.999, 1e-5) };
    } else {
      const policy = new ActorCritic(env.obsDim, env.actionSpace, config, policyRng);
      this.tfModel = { policy, optimizer: new Adam(policy.params, 0.9, 0.999, 1e-5) };
    }
    const model = this.jsModel ?? (this.tfModel as { policy: ActorCritic; optimizer: Adam });
    this.policy = model.policy;
    this.optimizer = model.optimizer;
    this.buffer = new RolloutBuffer(config.nSteps, env.nEnvs, env.obsDim, this.policy.actionDim, this.policy.maskDim);
    if (config.normalizeObservation) this.obsNormalizer = new ObservationNormalizer(env.obsDim, config.clipObservation);
    if (config.normalizeReward) this.rewardScaler = new RewardScaler(env.nEnvs, config.gamma, config.clipReward);
    this.numUpdates = Math.ceil(config.totalTimesteps / (config.nEnvs * config.nSteps));
    this.klController = new KlController(config.klPenalty);
    if (config.zeroInitValueHead) this.zeroValueHead();
    if (config.klPenalty.mode !== "off" && config.klPenalty.against === "reference") this.setReferencePolicy(this.policy);
    const raw = env.reset(config.seed);
    this.obs = this.normalizeObs(raw, env.nEnvs, true);
    this.startTime = now();
  }

  /** Sets the critic's output layer (kernel and bias) to zero: V(s) = 0 at the start (RLHF practice). */
  private zeroValueHead(): void {
    const w = this.policy.getWeights();
    let last = -1;
    while (w[`critic/${last + 1}/kernel`]) last++;
    for (const name of [`critic/${last}/kernel`, `critic/${last}/bias`]) w[name] = { shape: w[name].shape, data: new Float32Array(w[name].data.length) };
    this.policy.setWeights(w);
  }

  /**
   * Freezes a copy of `source`'s weights as the reference policy of the KL-to-reference reward penalty (RLHF:
   * Ziegler et al. 2019, eq. 2: R(x, y) = r(x, y) - beta * log(pi(y|x) / pi_ref(y|x))). The constructor uses the
   * initial policy; the trainer replaces it with a checkpoint's weights when `referencePolicy` names one.
   * @throws Error when the weights do not fit this policy's networks.
   */
  setReferencePolicy(source: { getWeights(): Record<string, { shape: number[]; data: Float32Array }> }): void {
    this.reference = new PolicySnapshot(source, this.env.obsDim, this.env.actionSpace, this.config.activation, this.config.logStdRange);
  }

  /**
   * Whether the critic is evaluated and trained. GRPO (critic-free) overrides this with false: no critic forward pass
   * in the rollout or the loss, no critic gradient or optimizer step, and no `value_loss`, `explained_variance` or
   * `value_mean` in the metrics. The critic's parameters stay in the model as initialised, so checkpoints keep the
   * same parameters either way.
   */
  protected trainsCritic(): boolean {
    return true;
  }

  /** Coefficient of the loss-level KL-to-reference term (GRPO overrides; 0 for PPO). */
  protected lossRefKlCoef(): number {
    return 0;
  }

  private lossKlCoef(): number {
    const k = this.config.klPenalty;
    return k.mode !== "off" && k.against === "old" ? this.klController.value : 0;
  }

  protected normalizeObs(raw: Float32Array, batch: number, update: boolean): Float32Array {
    if (!this.obsNormalizer) return raw;
    if (update) this.obsNormalizer.rms.update(raw, batch);
    return this.obsNormalizer.normalize(raw, batch, new Float32Array(raw.length));
  }

  protected drawNoise(batch: number): Float32Array {
    const n = batch * this.policy.noiseDim;
    if (this.noise.length !== n) this.noise = new Float32Array(n);
    const noise = this.noise;
    if (this.policy.noiseKind === "normal") for (let i = 0; i < n; i++) noise[i] = this.rng.normal();
    else for (let i = 0; i < n; i++) noise[i] = Math.min(Math.max(this.rng.uniform(), 1e-7), 1 - 1e-7);
    return noise;
  }

  /**
   * Stage 1: N envs x T steps with the current policy into the buffer (core detail 1). Truncated episodes get
   * V(real final observation) for bootstrapping.
   * @param onEpisode called for each finished episode with the step count at its end
   */
  collectRollout(onEpisode?: (ep: EpisodeRecord, totalTimesteps: number) => void): void {
    const { nSteps } = this.config;
    const n = this.env.nEnvs;
    const d = this.env.obsDim;
    const a = this.policy.actionDim;
    const buf = this.buffer;
    const box = this.env.actionSpace instanceof Box ? this.env.actionSpace : undefined;
    this.saturationCount = 0;
    this.saturationTotal = 0;
    this.refKl = { sum: 0, count: 0 };
    const rs = (this.rolloutStats = { rewardSum: 0, rewardSumSq: 0, count: 0, terminated: 0, truncated: 0, obsAbsMax: 0, obsSq: new Float64Array(d) });
    for (let t = 0; t < nSteps; t++) {
      if (this.policy.maskDim > 0) buf.masks.set(this.env.masks, t * n * this.policy.maskDim);
      const masks = this.env.masksSeen && this.policy.maskDim > 0 ? this.env.masks : undefined;
      const out = this.policy.act(this.obs, n, this.drawNoise(n), false, masks);
      buf.observations.set(this.obs, t * n * d);
      buf.actions.set(out.actions, t * n * a);
      buf.logProbs.set(out.logProbs, t * n);
      buf.values.set(out.values, t * n);
      if (box) {
        for (let i = 0; i < n * a; i++) {
          const j = i % a;
          const v = out.actions[i];
          if (v < box.low[j] || v > box.high[j]) this.saturationCount++;
        }
        this.saturationTotal += n * a;
      }
      const refPenalty = this.reference ? this.referenceKl(out.actions, out.logProbs, masks) : undefined;
      const step = this.env.step(out.actions, a);
      this.totalTimesteps += n;
      if (this.dones.length !== n) this.dones = new Uint8Array(n);
      const dones = this.dones;
      for (let e = 0; e < n; e++) {
        dones[e] = step.terminated[e] | step.truncated[e];
        const r = step.rewards[e];
        rs.rewardSum += r;
        rs.rewardSumSq += r * r;
        rs.terminated += step.terminated[e];
        rs.truncated += step.truncated[e];
      }
      rs.count += n;
      for (let i = 0; i < n * d; i++) {
        const v = step.observations[i];
        rs.obsSq[i % d] += v * v;
        if (Math.abs(v) > rs.obsAbsMax) rs.obsAbsMax = Math.abs(v);
      }
      const rewards = this.rewardScaler ? this.rewardScaler.scale(step.rewards, dones, true) : step.rewards;
      for (let e = 0; e < n; e++) {
        // RLHF shape: the KL-to-reference penalty is added to the reward PPO sees (after reward scaling).
        buf.rewards[t * n + e] = refPenalty ? rewards[e] + refPenalty[e] : rewards[e];
        buf.terminated[t * n + e] = step.terminated[e];
        buf.truncated[t * n + e] = step.truncated[e];
        buf.finalValues[t * n + e] = 0;
      }
      const truncatedEnvs: number[] = [];
      for (let e = 0; e < n; e++) if (step.truncated[e]) truncatedEnvs.push(e);
      if (truncatedEnvs.length > 0) {
        const finals = new Float32Array(truncatedEnvs.length * d);
        truncatedEnvs.forEach((e, k) => finals.set(step.finalObservations[e] as Float32Array, k * d));
        const v = this.policy.predictValues(this.normalizeObs(finals, truncatedEnvs.length, false), truncatedEnvs.length);
        truncatedEnvs.forEach((e, k) => (buf.finalValues[t * n + e] = v[k]));
      }
      for (const ep of step.episodes) {
        this.episodeWindow.push(ep);
        if (this.episodeWindow.length > this.config.statsWindowSize) this.episodeWindow.shift();
        onEpisode?.(ep, this.totalTimesteps);
      }
      this.obs = this.normalizeObs(step.observations, n, true);
    }
  }

  /**
   * Per-env non-score reward -beta * (log pi(a|s) - log pi_ref(a|s)) of one vector step (the k1 estimator, as Ziegler
   * et al. and TRL), accumulated for `kl_to_reference`.
   * @param actions `[nEnvs * actionDim]` stored actions @param logProbs `[nEnvs]` log pi(a|s) of the training policy
   * @returns `[nEnvs]` penalties to add to the rewards
   */
  private referenceKl(actions: Float32Array, logProbs: Float32Array, masks: Float32Array | undefined): Float32Array {
    const ref = this.reference as PolicySnapshot;
    const n = this.env.nEnvs;
    const d = this.env.obsDim;
    const a = this.policy.actionDim;
    const md = this.policy.maskDim;
    const beta = this.klController.value;
    const out = new Float32Array(n);
    for (let e = 0; e < n; e++) {
      const refLp = ref.logProb(this.obs.subarray(e * d, (e + 1) * d), actions.subarray(e * a, (e + 1) * a), masks?.subarray(e * md, (e + 1) * md));
      const kl = logProbs[e] - refLp;
      this.refKl.sum += kl;
      this.refKl.count += 1;
      out[e] = -beta * kl;
    }
    return out;
  }

  /** Stage 2: GAE over the buffer (Schulman et al. 2016, eq. 16), bootstrapping from V(s_T). */
  computeAdvantages(): { advantages: Float32Array; returns: Float32Array } {
    const lastValues = this.policy.predictValues(this.obs, this.env.nEnvs);
    const b = this.buffer;
    // RLHF reward whitening: divide the rollout's rewards by their std, no mean shift (envs/normalize.ts).
    if (this.config.whitenRewards) b.rewards.set(whitenRewards(b.rewards));
    return computeGae({
      nSteps: b.nSteps,
      nEnvs: b.nEnvs,
      rewards: b.rewards,
      values: b.values,
      terminated: b.terminated,
      truncated: b.truncated,
      finalValues: b.finalValues,
      lastValues,
      gamma: this.config.gamma,
      gaeLambda: this.config.gaeLambda,
    });
  }

  /**
   * Fraction of training left, 1 at the first update and 1/numUpdates at the last (CleanRL's `frac`); drives the
   * linear learning-rate and clip-range schedules. PPO's batches are all nEnvs x nSteps, so counting updates is
   * counting steps; GRPO (whole episodes per batch) overrides it with steps.
   */
  protected progressRemaining(): number {
    return Math.max(0, 1 - this.updates / this.numUpdates);
  }

  /** Current learning rate after the schedule (core detail 4). */
  currentLearningRate(): number {
    return this.config.lrSchedule === "linear" ? this.config.learningRate * this.progressRemaining() : this.config.learningRate;
  }

  /** Current clip epsilon after the schedule (auxiliary detail: clip-range annealing). */
  currentClipRange(): number {
    return this.config.clipRangeSchedule === "linear" ? this.config.clipRange * this.progressRemaining() : this.config.clipRange;
  }

  /**
   * The PPO loss on one minibatch (core details 7-10), returned with its statistics:
   *   L = -mean(min(r A, clip(r, 1-eps, 1+eps) A)) + c_v * L_V - c_ent * mean(H),  r = exp(logpi - logpi_old)
   *   L_V = 0.5 mean((V - R)^2), or with value clipping 0.5 mean(max((V - R)^2, (V_old + clip(V - V_old, -c, c) - R)^2))
   * KL estimators (Schulman, "Approximating KL divergence"): k1 = mean(-log r), k3 = mean((r - 1) - log r).
   * With `klCoef` = beta > 0 the loss adds beta * k3 (PPO-penalty, Schulman et al. 2017 section 4); with
   * `refLogProbs` and `refKlCoef` > 0 it adds GRPO's KL to the reference policy (DeepSeekMath eq. 4).
   * With `critic` false (GRPO) there is no value term: the critic is not evaluated, so it gets no gradient, and the
   * vf slot of the statistics is 0.
   * Shapes: obs `[M, obsDim]`, actions `[M]` or `[M, d]`, the rest `[M]`.
   * @returns the scalar loss and a `[8]` vector (pg, vf, entropy, k3, k1, clipfrac, ratioMin, ratioMax) kept alive.
   */
  ppoLoss(
    obs: tf.Tensor2D,
    actions: tf.Tensor,
    oldLogProbs: tf.Tensor1D,
    advantages: tf.Tensor1D,
    returns: tf.Tensor1D,
    oldValues: tf.Tensor1D,
    clipRange: number,
    masks?: tf.Tensor2D,
    klCoef = 0,
    refLogProbs?: tf.Tensor1D,
    refKlCoef = 0,
    critic = true,
  ): { loss: tf.Scalar; stats: tf.Tensor1D } {
    const policy = this.tfPolicy();
    const dist = policy.distribution(obs, masks);
    const newLogProbs = dist.logProb(actions);
    const logRatio = tf.sub(newLogProbs, oldLogProbs);
    const ratio = tf.exp(logRatio);
    const pg1 = tf.mul(tf.neg(advantages), ratio);
    const pg2 = tf.mul(tf.neg(advantages), tf.clipByValue(ratio, 1 - clipRange, 1 + clipRange));
    const pgLoss = tf.mean(tf.maximum(pg1, pg2));
    const vfLoss = critic ? this.valueLoss(policy.value(obs), returns, oldValues) : tf.scalar(0);
    const entropy = tf.mean(dist.entropy());
    const k1 = tf.mean(tf.neg(logRatio));
    const k3 = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
    let loss = tf.sub(pgLoss, tf.mul(this.config.entCoef, entropy)) as tf.Scalar;
    if (critic) loss = tf.add(loss, tf.mul(this.config.vfCoef, vfLoss)) as tf.Scalar;
    if (klCoef > 0) loss = tf.add(loss, tf.mul(klCoef, k3)) as tf.Scalar; // PPO-penalty: + beta * KL(pi_old || pi)
    if (refLogProbs && refKlCoef > 0) {
      // GRPO: + beta * mean(rho - log rho - 1), rho = pi_ref / pi (DeepSeekMath eq. 4).
      const logRho = tf.sub(refLogProbs, newLogProbs);
      loss = tf.add(loss, tf.mul(refKlCoef, tf.mean(tf.sub(tf.sub(tf.exp(logRho), logRho), 1)))) as tf.Scalar;
    }
    const clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipRange), "float32"));
    const stats = tf.stack([pgLoss, vfLoss, entropy, k3, k1, clipFrac, tf.min(ratio), tf.max(ratio)]) as tf.Tensor1D;
    return { loss, stats };
  }

  /**
   * The value loss (core detail 9): 0.5 mean((V - R)^2), or with `clipRangeVf` = c
   * 0.5 mean(max((V - R)^2, (V_old + clip(V - V_old, -c, c) - R)^2)). All `[M]`.
   */
  private valueLoss(values: tf.Tensor1D, returns: tf.Tensor1D, oldValues: tf.Tensor1D): tf.Scalar {
    const vfErr = tf.square(tf.sub(values, returns));
    const c = this.config.clipRangeVf;
    if (c === null) return tf.mul(0.5, tf.mean(vfErr));
    const clipped = tf.add(oldValues, tf.clipByValue(tf.sub(values, oldValues), -c, c));
    return tf.mul(0.5, tf.mean(tf.maximum(vfErr, tf.square(tf.sub(clipped, returns)))));
  }

  /**
   * One gradient step on the js engine: the loss of {@link ppoLoss} and its hand-derived gradient (js-policy.ts),
   * global gradient-norm clipping (core detail 11) and Adam, all on Float32Arrays.
   * @returns the minibatch statistics
   */
  private gradientStepJs(
    batch: MinibatchArrays,
    m: number,
    clipRange: number,
    lr: number,
  ): Omit<MinibatchStats, "epoch"> {
    const { policy, optimizer } = this.jsModel as { policy: JsActorCritic; optimizer: JsAdam };
    const { clipRangeVf, entCoef, vfCoef, maxGradNorm } = this.config;
    const klCoef = this.lossKlCoef();
    const refKlCoef = this.lossRefKlCoef();
    const critic = this.trainsCritic();
    const loss = policy.lossAndGradients(batch, m, { clipRange, clipRangeVf, entCoef, vfCoef, klCoef, refKlCoef, critic }); // loss.backward()
    const gradNorm = clipGradNorm(policy.grads, maxGradNorm); // nn.utils.clip_grad_norm_
    optimizer.apply(lr, critic); // optimizer.step()
    return { ...loss, gradNorm };
  }

  /** The TF.js policy (engine `tfjs`). @throws Error on the js engine, which has no tensors. */
  private tfPolicy(): ActorCritic {
    if (!this.tfModel) throw new Error("ppoLoss needs the tfjs engine; this PPO runs on the js engine (backend auto/js)");
    return this.tfModel.policy;
  }

  /**
   * Stage 3: K epochs of shuffled minibatch gradient steps (core details 6-11). Advantages are normalised per
   * minibatch (core detail 7), skipped for a minibatch of one and only centred when their std is ~0.
   * @returns per-minibatch statistics; also stored in `lastMinibatchStats`.
   */
  update(advantages: Float32Array, returns: Float32Array): { stats: MinibatchStats[]; epochsRun: number } {
    const cfg = this.config;
    const b = this.buffer;
    const size = b.size;
    const mb = minibatchSize(cfg);
    const d = b.obsDim;
    const a = b.actionDim;
    const lr = this.currentLearningRate();
    const clipRange = this.currentClipRange();
    const indices = new Int32Array(size);
    for (let i = 0; i < size; i++) indices[i] = i;
    const kept: { epoch: number; t: tf.Tensor1D }[] = [];
    const collected: MinibatchStats[] = [];
    const critic = this.trainsCritic();
    const read = (): void => {
      if (kept.length === 0) return;
      const all = tf.stack(kept.map((k) => k.t));
      const data = all.dataSync();
      all.dispose();
      kept.forEach((k, i) => {
        const o = i * METRIC_COUNT;
        collected.push({
          epoch: k.epoch,
          pgLoss: data[o],
          ...(critic ? { valueLoss: data[o + 1] } : {}),
          entropy: data[o + 2],
          approxKl: data[o + 3],
          oldApproxKl: data[o + 4],
          clipFraction: data[o + 5],
          ratioMin: data[o + 6],
          ratioMax: data[o + 7],
          gradNorm: data[o + 8],
        });
        k.t.dispose();
      });
      kept.length = 0;
    };
    const mbObs = new Float32Array(mb * d);
    const mbAct = new Float32Array(mb * a);
    // Minibatch buffers allocated once per update; a shorter last minibatch uses views of them.
    const md = this.policy.maskDim;
    const useMasks = md > 0 && this.env.masksSeen;
    const mbOldLp = new Float32Array(mb);
    const mbAdv = new Float32Array(mb);
    const mbRet = new Float32Array(mb);
    const mbOldV = new Float32Array(mb);
    const mbMask = useMasks ? new Float32Array(mb * md) : undefined;
    const refAll = this.refLogProbs;
    const mbRef = refAll ? new Float32Array(mb) : undefined;
    let epochsRun = 0;
    let stop = false;
    for (let epoch = 0; epoch < cfg.nEpochs && !stop; epoch++) {
      this.rng.shuffle(indices);
      epochsRun++;
      for (let start = 0; start < size; start += mb) {
        const end = Math.min(start + mb, size);
        const m = end - start;
        const obsArr = m === mb ? mbObs : new Float32Array(m * d);
        const actArr = m === mb ? mbAct : new Float32Array(m * a);
        const oldLp = mbOldLp.subarray(0, m);
        const adv = mbAdv.subarray(0, m);
        const ret = mbRet.subarray(0, m);
        const oldV = mbOldV.subarray(0, m);
        const maskArr = mbMask?.subarray(0, m * md);
        const refArr = mbRef?.subarray(0, m);
        let mean = 0;
        for (let k = 0; k < m; k++) {
          const i = indices[start + k];
          obsArr.set(b.observations.subarray(i * d, (i + 1) * d), k * d);
          actArr.set(b.actions.subarray(i * a, (i + 1) * a), k * a);
          oldLp[k] = b.logProbs[i];
          ret[k] = returns[i];
          oldV[k] = b.values[i];
          if (maskArr) maskArr.set(b.masks.subarray(i * md, (i + 1) * md), k * md);
          if (refArr) refArr[k] = (refAll as Float32Array)[i];
          mean += advantages[i];
        }
        mean /= m;
        if (cfg.normalizeAdvantage && m > 1) {
          let varSum = 0;
          for (let k = 0; k < m; k++) {
            const z = advantages[indices[start + k]] - mean;
            varSum += z * z;
          }
          const std = Math.sqrt(varSum / (m - 1)); // unbiased, as torch.std in CleanRL/SB3
          const denom = std > 1e-6 ? std + 1e-8 : 1;
          for (let k = 0; k < m; k++) adv[k] = (advantages[indices[start + k]] - mean) / denom;
        } else {
          for (let k = 0; k < m; k++) adv[k] = advantages[indices[start + k]];
        }
        if (this.jsModel) {
          const batch = { obs: obsArr, actions: actArr, oldLogProbs: oldLp, advantages: adv, returns: ret, oldValues: oldV, masks: maskArr, refLogProbs: refArr };
          collected.push({ epoch, ...this.gradientStepJs(batch, m, clipRange, lr) });
          continue;
        }
        const { policy, optimizer } = this.tfModel as { policy: ActorCritic; optimizer: Adam };
        const criticVars = new Set<tf.Variable>(policy.critic.params.map((p) => p.variable));
        const stats = tf.tidy(() => {
          const obsT = tf.tensor2d(obsArr, [m, d]);
          const actT = a === 1 && this.policy.noiseKind === "uniform" ? tf.tensor1d(actArr) : tf.tensor2d(actArr, [m, a]);
          const maskT = maskArr ? tf.tensor2d(maskArr, [m, md]) : undefined;
          const oldLpT = tf.tensor1d(oldLp);
          const advT = tf.tensor1d(adv);
          const retT = tf.tensor1d(ret);
          const oldVT = tf.tensor1d(oldV);
          let lossStats: tf.Tensor1D | undefined;
          // Without a critic (GRPO) its variables are left out: no gradient, no optimizer step (undefined below).
          const trained = critic ? policy.params : policy.params.filter((p) => !criticVars.has(p.variable));
          const { grads } = tf.variableGrads(() => {
            const refT = refArr ? tf.tensor1d(refArr) : undefined;
            const r = this.ppoLoss(obsT, actT, oldLpT, advT, retT, oldVT, clipRange, maskT, this.lossKlCoef(), refT, this.lossRefKlCoef(), critic);
            lossStats = tf.keep(r.stats);
            return r.loss;
          }, trained.map((p) => p.variable));
          const gradList = trained.map((p) => grads[p.variable.name]);
          const sq = gradList.map((g) => tf.sum(tf.square(g)));
          const gradNorm = tf.sqrt(tf.addN(sq));
          // Global gradient-norm clipping (core detail 11), as torch.nn.utils.clip_grad_norm_.
          const coef = tf.minimum(tf.div(cfg.maxGradNorm, tf.add(gradNorm, 1e-6)), 1);
          const clipped = new Map(trained.map((p, i) => [p.variable, tf.mul(gradList[i], coef)]));
          optimizer.apply(policy.params.map((p) => clipped.get(p.variable)), lr);
          const out = tf.concat([lossStats as tf.Tensor1D, gradNorm.reshape([1]) as tf.Tensor1D]);
          (lossStats as tf.Tensor1D).dispose();
          return out;
        });
        kept.push({ epoch, t: stats });
      }
      if (cfg.targetKl !== null) {
        read();
        const lastEpoch = collected.filter((s) => s.epoch === epoch);
        const kl = lastEpoch.reduce((s, x) => s + x.approxKl, 0) / Math.max(1, lastEpoch.length);
        // SB3 stops once approx_kl > 1.5 * target_kl; checked after each epoch here to keep reads out of the
        // minibatch loop.
        if (kl > 1.5 * cfg.targetKl) stop = true;
      }
    }
    read();
    this.lastMinibatchStats = collected;
    return { stats: collected, epochsRun };
  }

  /**
   * One PPO iteration: rollout, GAE, update, and the metrics row for it.
   * @throws EnvContractError from the env; Error when the loss becomes non-finite.
   */
  iterate(onEpisode?: (ep: EpisodeRecord, totalTimesteps: number) => void): UpdateMetrics {
    const lr = this.currentLearningRate();
    const clipRange = this.currentClipRange();
    this.collectRollout(onEpisode);
    const { advantages, returns } = this.computeAdvantages();
    const { stats, epochsRun } = this.update(advantages, returns);
    this.updates += 1;
    const lastEpoch = stats.filter((s) => s.epoch === epochsRun - 1);
    const meanOf = (xs: MinibatchStats[], f: (s: MinibatchStats) => number): number =>
      xs.length ? xs.reduce((s, x) => s + f(x), 0) / xs.length : NaN;
    const wallSeconds = (this.now() - this.startTime) / 1000;
    const eps = this.episodeWindow;
    const metrics: UpdateMetrics = {
      update: this.updates,
      total_timesteps: this.totalTimesteps,
      wall_seconds: wallSeconds,
      steps_per_second: wallSeconds > 0 ? this.totalTimesteps / wallSeconds : NaN,
      ep_rew_mean: eps.length ? eps.reduce((s, e) => s + e.return, 0) / eps.length : NaN,
      ep_len_mean: eps.length ? eps.reduce((s, e) => s + e.length, 0) / eps.length : NaN,
      ep_rew_min: eps.length ? Math.min(...eps.map((e) => e.return)) : NaN,
      ep_rew_max: eps.length ? Math.max(...eps.map((e) => e.return)) : NaN,
      episodes: eps.length,
      policy_gradient_loss: meanOf(stats, (s) => s.pgLoss),
      entropy: meanOf(stats, (s) => s.entropy),
      approx_kl: meanOf(lastEpoch, (s) => s.approxKl),
      old_approx_kl: meanOf(lastEpoch, (s) => s.oldApproxKl),
      clip_fraction: meanOf(stats, (s) => s.clipFraction),
      grad_norm: meanOf(stats, (s) => s.gradNorm),
      learning_rate: lr,
      clip_range: clipRange,
      ratio_min: stats.reduce((m, s) => Math.min(m, s.ratioMin), Infinity),
      ratio_max: stats.reduce((m, s) => Math.max(m, s.ratioMax), -Infinity),
      advantage_std: Math.sqrt(varianceArr(advantages)),
      epochs_run: epochsRun,
      ...this.rolloutMetrics(returns, stats),
    };
    if (this.trainsCritic()) {
      metrics.value_loss = meanOf(stats, (s) => s.valueLoss as number);
      metrics.explained_variance = explainedVariance(this.buffer.values, returns);
      metrics.value_mean = meanArr(this.buffer.values);
    }
    const std = this.policy.stdValues();
    if (std) {
      metrics.std = meanArr(std);
      metrics.log_std_min = Math.log(Math.min(...std));
      metrics.log_std_max = Math.log(Math.max(...std));
    }
    if (this.saturationTotal > 0) metrics.action_saturation = this.saturationCount / this.saturationTotal;
    this.klMetrics(metrics);
    if ((metrics.value_loss !== undefined && !Number.isFinite(metrics.value_loss)) || !Number.isFinite(metrics.policy_gradient_loss)) {
      throw new NonFiniteLossError(
        `the PPO loss became non-finite at update ${this.updates} (value_loss ${metrics.value_loss}, policy_gradient_loss ` +
          `${metrics.policy_gradient_loss}); check the env's rewards and observations for huge values, or lower learningRate`,
        metrics,
        stats,
      );
    }
    if (!Number.isFinite(metrics.grad_norm)) {
      throw new NonFiniteLossError(
        `the gradient norm became non-finite at update ${this.updates} (grad_norm ${metrics.grad_norm}); check the env's ` +
          `rewards and observations for huge values, or lower learningRate`,
        metrics,
        stats,
      );
    }
    return metrics;
  }

  /**
   * KL-penalty metrics of this update, then the adaptive controller's step (Ziegler et al.: the KL measured on this
   * batch moves beta for the next one). Against the old policy the KL is `approx_kl` (k3 over the last epoch); against
   * the reference it is the rollout's mean per-step k1 estimate.
   */
  private klMetrics(metrics: UpdateMetrics): void {
    const k = this.config.klPenalty;
    if (k.mode === "off") return;
    metrics.kl_coef = this.klController.value;
    let kl = metrics.approx_kl;
    if (k.against === "reference") {
      kl = this.refKl.count ? this.refKl.sum / this.refKl.count : NaN;
      metrics.kl_to_reference = kl;
      metrics.non_score_reward = -this.klController.value * kl;
    }
    this.klController.update(kl, this.config.nEnvs * this.config.nSteps);
  }

  /** The diagnostics fields of UpdateMetrics that come from the rollout, the value targets and the first minibatch. */
  private rolloutMetrics(
    returns: Float32Array,
    stats: MinibatchStats[],
  ): Pick<
    UpdateMetrics,
    | "reward_mean"
    | "reward_std"
    | "terminated_count"
    | "truncated_count"
    | "obs_abs_max"
    | "obs_rms_max"
    | "return_mean"
    | "return_std"
    | "first_ratio_dev"
  > {
    const rs = this.rolloutStats;
    const rewardMean = rs.count ? rs.rewardSum / rs.count : NaN;
    let obsRmsMax = 0;
    for (let j = 0; j < rs.obsSq.length; j++) obsRmsMax = Math.max(obsRmsMax, Math.sqrt(rs.obsSq[j] / Math.max(1, rs.count)));
    const first = stats[0];
    return {
      reward_mean: rewardMean,
      reward_std: rs.count ? Math.sqrt(Math.max(0, rs.rewardSumSq / rs.count - rewardMean * rewardMean)) : NaN,
      terminated_count: rs.terminated,
      truncated_count: rs.truncated,
      obs_abs_max: rs.obsAbsMax,
      obs_rms_max: obsRmsMax,
      return_mean: meanArr(returns),
      return_std: Math.sqrt(varianceArr(returns)),
      first_ratio_dev: first ? Math.max(Math.abs(first.ratioMin - 1), Math.abs(first.ratioMax - 1)) : NaN,
    };
  }

  /** Whether `totalTimesteps` from the config has been reached. */
  get done(): boolean {
    return this.totalTimesteps >= this.config.totalTimesteps;
  }

  getState(): PPOState {
    return {
      weights: this.policy.getWeights(),
      optimizer: this.optimizer.getState(),
      normalization: {
        observation: this.obsNormalizer?.rms.toJSON(),
        reward: this.rewardScaler?.rms.toJSON(),
      },
      rng: this.rng.getState(),
      totalTimesteps: this.totalTimesteps,
      updates: this.updates,
      klCoef: this.klController.value,
    };
  }

  /**
   * Continues from a saved state (resume): weights, Adam moments, normalisation statistics, RNG and step counters.
   * The envs are reset with a fresh seed derived from the config seed and the update count, so a resumed run does not
   * replay the episodes it already saw.
   * @param wallSecondsSoFar wall time of the run before the checkpoint, so `wall_seconds` continues
   * @throws Error when the state belongs to other networks or normalisation settings.
   */
  restore(state: PPOState, wallSecondsSoFar = 0): void {
    this.policy.setWeights(state.weights);
    this.optimizer.setState(state.optimizer);
    if (this.obsNormalizer) {
      if (!state.normalization.observation) throw new Error("the checkpoint has no observation statistics but normalizeObservation is on");
      this.obsNormalizer.rms.load(state.normalization.observation);
    }
    if (this.rewardScaler) {
      if (!state.normalization.reward) throw new Error("the checkpoint has no reward statistics but normalizeReward is on");
      this.rewardScaler.rms.load(state.normalization.reward);
    }
    this.rng.setState(state.rng);
    this.totalTimesteps = state.totalTimesteps;
    this.updates = state.updates;
    if (state.klCoef !== undefined && this.config.klPenalty.mode !== "off") this.klController.setState({ beta: state.klCoef });
    this.startTime = this.now() - wallSecondsSoFar * 1000;
    const raw = this.env.reset(this.config.seed + 1000 * (state.updates + 1));
    this.obs = this.obsNormalizer ? this.obsNormalizer.normalize(raw, this.env.nEnvs, new Float32Array(raw.length)) : raw;
  }

  /**
   * Refills the episode statistics window after `restore` (resume), so `ep_rew_mean` / `ep_len_mean` / `episodes`
   * continue from the episodes logged before the checkpoint instead of starting empty (SB3 keeps its `ep_info_buffer`
   * in memory only; our runs are resumed from disk, hence from episodes.jsonl). Keeps the last `statsWindowSize`
   * records, oldest first, replacing what the window held.
   * @param episodes finished episodes in the order they finished (the caller passes only those <= the checkpoint's step)
   * @throws RangeError when a record has a non-finite length (a corrupt row the caller should have skipped).
   */
  restoreEpisodeWindow(episodes: readonly EpisodeRecord[]): void {
    const keep = episodes.slice(Math.max(0, episodes.length - this.config.statsWindowSize));
    for (const ep of keep) {
      if (!Number.isFinite(ep.length)) throw new RangeError(`restoreEpisodeWindow: episode length must be finite, got ${ep.length}`);
    }
    this.episodeWindow.splice(0, this.episodeWindow.length, ...keep);
  }

  /**
   * Starts from another run's weights and normalisation statistics (fine-tuning, `initFrom`), keeping this run's own
   * optimizer, RNG and step counters fresh. With `referencePolicy = "initial"` the reference of the KL penalty becomes
   * the loaded policy (the RLHF shape: stay close to the pretrained behaviour).
   * @throws Error when the weights belong to other networks, or statistics this config needs are missing.
   */
  initializeFrom(state: PPOState): void {
    this.policy.setWeights(state.weights);
    if (this.obsNormalizer) {
      if (!state.normalization.observation) throw new Error("the checkpoint has no observation statistics but normalizeObservation is on");
      this.obsNormalizer.rms.load(state.normalization.observation);
    }
    if (this.rewardScaler && state.normalization.reward) this.rewardScaler.rms.load(state.normalization.reward);
    if (this.reference && this.config.referencePolicy === "initial") this.setReferencePolicy(this.policy);
    const raw = this.env.reset(this.config.seed);
    this.obs = this.obsNormalizer ? this.obsNormalizer.normalize(raw, this.env.nEnvs, new Float32Array(raw.length)) : raw;
  }

  dispose(): void {
    this.policy.dispose();
    this.optimizer.dispose();
  }
}

/** 1 - Var[R - V] / Var[R] over the rollout (SB3 `explained_variance`); NaN when Var[R] = 0. */
export function explainedVariance(values: ArrayLike<number>, returns: ArrayLike<number>): number {
  const varR = varianceArr(returns);
  if (varR === 0) return NaN;
  const diff = new Float64Array(returns.length);
  for (let i = 0; i < diff.length; i++) diff[i] = returns[i] - values[i];
  return 1 - varianceArr(diff) / varR;
}

function meanArr(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

function varianceArr(x: ArrayLike<number>): number {
  const m = meanArr(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) * (x[i] - m);
  return s / x.length;
}

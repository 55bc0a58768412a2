/**
 * GRPO, Group Relative Policy Optimization (Shao et al. 2024, "DeepSeekMath", section 4.1), on episodic envs: for
 * each group, the G env copies are reset with the same seed (and the same task, when the env has `tasks`: one drawn
 * per group with the run's seeded generator) so their rollouts start from the same state, each runs one
 * whole episode with the current policy, and every step of rollout i gets the group-normalised return
 * A_i = (R_i - mean(R)) / (std(R) + eps) (advantages.ts). No critic: the loss is PPO's clipped surrogate on these
 * advantages plus beta * KL(pi || pi_ref) to a frozen reference policy (eq. 3-4), with the same epochs / minibatches,
 * Adam, gradient clipping and schedules as PPO (ppo.ts).
 *
 * The model still holds the critic's parameters (PPO's actor-critic), but GRPO never runs the critic: not in the
 * rollout, not in the loss, and the optimizer leaves them as initialised. A GRPO checkpoint therefore has the same
 * parameters as a PPO one and can start a PPO run (`--init-from`), whose critic then starts from its initialisation.
 */
import type { EpisodeRecord, VectorEnv } from "../envs/vector-env";
import { RolloutBuffer } from "../ppo/buffer";
import type { PPOConfig } from "../ppo/config";
import { JsActorCritic } from "../ppo/js-policy";
import { PPO, type PPOState, type UpdateMetrics } from "../ppo/ppo";
import type { PolicySnapshot } from "../replay/recorder";
import { Rng } from "../rng";
import { groupAdvantages } from "./advantages";
import { StepRows } from "./step-rows";
import { checkTasks, GrpoError } from "./tasks";
export { DEFAULT_GRPO, GRPO_SCHEMA, type GrpoSettings } from "./settings";
export { checkTasks, GrpoError } from "./tasks";

/** GRPO as a PPO whose rollout, advantages and loss follow the file header; checkpoints and metrics are PPO's. */
export class GRPO extends PPO {
  /** The env's tasks (Env.tasks), checked; undefined when it has none. */
  readonly tasks: readonly unknown[] | undefined;
  private groupCounter = 0;
  private zeroAdvantageFraction = NaN;
  /** Environment steps done before the batch being trained on (drives the linear schedules; see progressRemaining). */
  private stepsBeforeBatch = 0;
  private advantagesOfBatch = new Float32Array(0);
  private refKlOfRollout = NaN;
  /**
   * js engine: a frozen copy of the reference policy on the js engine, so a rollout's reference log-probs take one
   * batched pass instead of a plain-JS forward pass per step. Declared (not initialised) because the PPO constructor
   * may already set it through {@link setReferencePolicy}.
   */
  declare private jsReference: JsActorCritic | undefined;
  /**
   * The frozen reference policy of the loss's KL term (DeepSeekMath eq. 4): always set once constructed (the
   * constructor freezes the initial policy unless the PPO constructor already froze one; the trainer may replace it
   * with a checkpoint's weights through {@link setReferencePolicy}). Declared to narrow PPO's optional reference.
   */
  declare protected reference: PolicySnapshot;

  /**
   * @param env a vector env of exactly `config.grpo.groupSize` copies that supports `resetEach`
   * @throws GrpoError when the env cannot run GRPO.
   */
  constructor(env: VectorEnv, config: PPOConfig, now: () => number = Date.now) {
    if (!env.resetEach) throw new GrpoError("GRPO resets a whole group with one seed (resetEach), which this vector env does not support");
    if (env.nEnvs !== config.grpo.groupSize) {
      throw new GrpoError(`GRPO runs groupSize = ${config.grpo.groupSize} env copies, but the vector env has ${env.nEnvs}`);
    }
    // No critic (vfCoef 0, trainsCritic false) and no second advantage normalisation: group normalisation is the
    // whole baseline.
    super(env, { ...config, vfCoef: 0, normalizeAdvantage: false }, now);
    this.tasks = checkTasks(env.tasks);
    // PPO's constructor has frozen a reference already when its KL penalty is against the reference.
    if ((this.reference as PolicySnapshot | undefined) === undefined) this.setReferencePolicy(this.policy);
  }

  /**
   * PPO's reference policy (a frozen copy of `source`'s weights), plus, on the js engine, the same weights in a
   * JsActorCritic for batched reference log-probs.
   * @throws Error when the weights do not fit this policy's networks.
   */
  override setReferencePolicy(source: { getWeights(): Record<string, { shape: number[]; data: Float32Array }> }): void {
    super.setReferencePolicy(source);
    if (this.engine !== "js") return;
    this.jsReference ??= new JsActorCritic(this.env.obsDim, this.env.actionSpace, this.config, new Rng(0), 256);
    this.jsReference.setWeights(source.getWeights());
  }

  /**
   * PPO's restore (resume), plus the group counter that derives each group's seed: it continues past every counter
   * the run can have used before the checkpoint (at most one group per `groupSize` steps, so below the step count),
   * so a resumed run does not replay the start states of its first groups.
   */
  override restore(state: PPOState, wallSecondsSoFar = 0): void {
    super.restore(state, wallSecondsSoFar);
    this.groupCounter = state.totalTimesteps;
  }

  /** GRPO is critic-free: the critic is never evaluated nor trained (see the file header). */
  protected override trainsCritic(): boolean {
    return false;
  }

  /**
   * Fraction of training left by steps: 1 - (steps before this batch) / totalTimesteps. A GRPO batch holds whole
   * episodes (at least nEnvs x nSteps steps, often more), so it takes fewer updates than PPO's
   * totalTimesteps / (nEnvs x nSteps) and counting updates would end the linear schedules far above 0.
   */
  protected override progressRemaining(): number {
    return Math.max(0, 1 - this.stepsBeforeBatch / this.config.totalTimesteps);
  }

  protected override lossRefKlCoef(): number {
    return this.config.grpo.klCoef;
  }

  /**
   * Groups of G whole episodes, each group from one seed (and one task, drawn with the seeded generator, when the env
   * has tasks; every copy gets its own clone of it), until the batch holds at least nEnvs * nSteps steps.
   * Steps an env takes after its episode ended (while the rest of its group finishes) are not kept.
   * @throws GrpoError when a rollout runs past `grpo.maxRolloutSteps`.
   */
  override collectRollout(onEpisode?: (ep: EpisodeRecord, totalTimesteps: number) => void): void {
    const env = this.env;
    const g = env.nEnvs;
    const d = env.obsDim;
    const a = this.policy.actionDim;
    const md = this.policy.maskDim;
    const target = this.config.nEnvs * this.config.nSteps;
    const ref = this.reference;
    const jsRef = this.jsReference;
    // Per kept step, appended in the order the steps were taken (see step-rows.ts).
    const f32 = (len: number): Float32Array => new Float32Array(len);
    const rows = Math.max(16, Math.ceil(target * 1.25)); // whole episodes overshoot the target a little
    const obsRows = new StepRows(f32, d, rows);
    const actRows = new StepRows(f32, a, rows);
    const maskRows = md > 0 ? new StepRows(f32, md, rows) : undefined;
    const logProbs = new StepRows(f32, 1, rows);
    const refLogProbs = jsRef ? undefined : new StepRows(f32, 1, rows); // the js engine computes them after the rollout
    const rolloutOfStep = new StepRows((len) => new Int32Array(len), 1, rows);
    const returns: number[] = [];
    let refKlSum = 0;
    const rs = (this.rolloutStats = { rewardSum: 0, rewardSumSq: 0, count: 0, terminated: 0, truncated: 0, obsAbsMax: 0, obsSq: new Float64Array(d) });
    while (logProbs.length < target) {
      const seed = (this.config.seed * 1_000_003 + 7919 * ++this.groupCounter) % 2_147_483_647;
      const resetEach = env.resetEach as (seeds: readonly number[], tasks?: readonly unknown[]) => Float32Array;
      const task = this.tasks ? this.tasks[this.rng.int(this.tasks.length)] : undefined;
      const tasks = this.tasks ? Array.from({ length: g }, () => structuredClone(task)) : undefined;
      let obs = this.normalizeObs(resetEach.call(env, new Array<number>(g).fill(seed), tasks), g, true);
      const firstRollout = returns.length;
      const active = new Uint8Array(g).fill(1);
      const ret = new Float64Array(g);
      const len = new Int32Array(g);
      for (let e = 0; e < g; e++) returns.push(0);
      let left = g;
      while (left > 0) {
        const masks = env.masksSeen && md > 0 ? env.masks : undefined;
        const out = this.policy.act(obs, g, this.drawNoise(g), false, masks, false);
        for (let e = 0; e < g; e++) {
          if (!active[e]) continue;
          obsRows.pushFrom(obs, e * d);
          actRows.pushFrom(out.actions, e * a);
          if (maskRows) {
            if (masks) maskRows.pushFrom(masks, e * md);
            else maskRows.pushFill(1);
          }
          logProbs.push(out.logProbs[e]);
          if (!jsRef) {
            const rlp = ref.logProb(obs.subarray(e * d, (e + 1) * d), out.actions.subarray(e * a, (e + 1) * a), masks?.subarray(e * md, (e + 1) * md));
            refLogProbs?.push(rlp);
            refKlSum += out.logProbs[e] - rlp;
          }
          rolloutOfStep.push(firstRollout + e);
        }
        const step = env.step(out.actions, a);
        for (let e = 0; e < g; e++) {
          if (!active[e]) continue;
          const r = step.rewards[e];
          ret[e] += r;
          len[e] += 1;
          rs.rewardSum += r;
          rs.rewardSumSq += r * r;
          rs.count += 1;
          for (let j = 0; j < d; j++) {
            const v = step.observations[e * d + j];
            rs.obsSq[j] += v * v;
            if (Math.abs(v) > rs.obsAbsMax) rs.obsAbsMax = Math.abs(v);
          }
          if (step.terminated[e] || step.truncated[e]) {
            active[e] = 0;
            left--;
            rs.terminated += step.terminated[e];
            rs.truncated += step.truncated[e] && !step.terminated[e] ? 1 : 0;
            returns[firstRollout + e] = ret[e];
            this.totalTimesteps += len[e];
            const ep: EpisodeRecord = { envIndex: e, return: ret[e], length: len[e], terminated: step.terminated[e] === 1, truncated: step.truncated[e] === 1 };
            this.episodeWindow.push(ep);
            if (this.episodeWindow.length > this.config.statsWindowSize) this.episodeWindow.shift();
            onEpisode?.(ep, this.totalTimesteps);
          } else if (len[e] >= this.config.grpo.maxRolloutSteps) {
            throw new GrpoError(
              `a GRPO rollout ran ${len[e]} steps without ending; GRPO scores whole episodes, so give the env a time limit (maxEpisodeSteps) or raise grpo.maxRolloutSteps`,
            );
          }
        }
        obs = this.normalizeObs(step.observations, g, true);
      }
    }
    const adv = groupAdvantages(returns, g, this.config.grpo.scaleByStd);
    this.zeroAdvantageFraction = adv.zeroAdvantageFraction;
    const size = logProbs.length;
    const buf = new RolloutBuffer(size, 1, d, a, md);
    buf.observations.set(obsRows.view());
    buf.actions.set(actRows.view());
    if (maskRows) buf.masks.set(maskRows.view());
    buf.logProbs.set(logProbs.view());
    const rolloutIndex = rolloutOfStep.view();
    this.advantagesOfBatch = new Float32Array(size);
    for (let i = 0; i < size; i++) this.advantagesOfBatch[i] = adv.advantages[rolloutIndex[i]];
    this.buffer = buf;
    if (jsRef) {
      // js engine: the reference's log-probs of the whole batch in one batched pass of its frozen copy.
      this.refLogProbs = jsRef.logProbs(buf.observations, buf.actions, size, maskRows ? buf.masks : undefined);
      for (let i = 0; i < size; i++) refKlSum += buf.logProbs[i] - this.refLogProbs[i];
    } else {
      this.refLogProbs = (refLogProbs as StepRows<Float32Array>).view().slice();
    }
    this.refKlOfRollout = size ? refKlSum / size : NaN;
  }

  /**
   * Group-normalised returns of the rollouts, per step; the "returns" are the same numbers (no critic is fit, so they
   * only feed `return_mean` / `return_std`). The buffer's values stay 0: the critic is not run.
   */
  override computeAdvantages(): { advantages: Float32Array; returns: Float32Array } {
    return { advantages: this.advantagesOfBatch, returns: Float32Array.from(this.advantagesOfBatch) };
  }

  /**
   * One GRPO iteration: PPO's iterate with the rollout and advantages above, plus `zero_advantage_fraction` (share of
   * groups with identical returns: no learning signal), `kl_to_reference` (mean per-step log pi - log pi_ref of the
   * rollout) and `kl_coef` (the loss's beta; the PPO-penalty's when `klPenalty` is on as well).
   */
  override iterate(onEpisode?: (ep: EpisodeRecord, totalTimesteps: number) => void): UpdateMetrics {
    this.stepsBeforeBatch = this.totalTimesteps;
    const metrics = super.iterate(onEpisode);
    metrics.zero_advantage_fraction = this.zeroAdvantageFraction;
    metrics.kl_to_reference = this.refKlOfRollout;
    // kl_coef is the PPO-penalty's beta when klPenalty is also on; otherwise GRPO's own (constant) KL coefficient.
    if (metrics.kl_coef === undefined) metrics.kl_coef = this.config.grpo.klCoef;
    return metrics;
  }
}

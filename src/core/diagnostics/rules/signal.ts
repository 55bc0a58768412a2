/**
 * Rules about the learning signal and the inputs: constant rewards, zero advantages, episodes that never end, and
 * the scale of the raw observations.
 */
import { fmt, median, medianOf, series, tail, windowEvidence } from "../series";
import { envCopies, type Rule } from "./rule";

/**
 * Why sparse, all-equal rewards cannot be learned from, and what the group-baseline and teacher-hint methods do
 * about it. Shared by the signal rules' suggestions.
 */
const SPARSE_REWARD_NOTE =
  "if the reward is sparse (only at a goal that random actions never reach), every rollout gets the same return and " +
  "every advantage is zero whatever the baseline: a learned value as here, or a GRPO-style group baseline (the mean " +
  "return of several rollouts from the same start) has the same blind spot, because a group where all rollouts fail " +
  "has zero variance. The fixes make some rollouts differ: shape the reward (partial credit, distance to the goal), " +
  "start some episodes closer to the goal (a curriculum), or, as ZPPO (Zone of Proximal Policy Optimization, Lee et " +
  "al. 2026) does, give the agent a teacher's hint in its input (for an env: a demonstration or a guided start) so " +
  "that some rollouts succeed while the gradient still comes only from the agent's own actions";

/**
 * `signal.constant-reward`: in each of the last `window` updates the raw env reward was the same at every step of the
 * rollout (std <= 1e-9 + 1e-6 |mean|) and that constant carries no information: it is 0, or no episode has terminated
 * in the whole run (a constant reward with terminations still teaches "survive" or "finish fast", as in CartPole;
 * without any, e.g. MountainCar's -1 per step before the goal is ever reached, every return is the same). The policy
 * gradient is then zero up to noise, which advantage normalisation blows up to unit scale, so the policy random-walks.
 *
 * Source: ppo-anchors §6 (1) "PPO doesn't learn on my custom env" (env bugs); the condition is exact, so there is
 * nothing to calibrate beyond float rounding. Calibration check: the CartPole-v1 preset (reward always 1) has
 * windows without a termination once it balances well (from update 69 on, seed 1); it does not fire because it
 * terminated earlier in the run. "In the whole run" includes the updates before a resume (`ctx.resumed`), which
 * are not in the history.
 */
export const constantReward: Rule = {
  id: "signal.constant-reward",
  check(ctx) {
    const { settings: s, config } = ctx;
    if (ctx.history.length < s.window) return undefined;
    const rows = tail(ctx.history, s.window);
    const everTerminated = (ctx.resumed?.everTerminated ?? false) || ctx.history.some((r) => r.terminated_count > 0);
    const constant = rows.every(
      (r) => r.reward_std <= 1e-9 + 1e-6 * Math.abs(r.reward_mean) && (Math.abs(r.reward_mean) <= 1e-12 || !everTerminated),
    );
    if (!constant) return undefined;
    const mean = rows[rows.length - 1].reward_mean;
    const stds = series(rows, "reward_std");
    return {
      severity: "warning",
      title: `the reward is always ${fmt(mean)}${mean !== 0 ? " and no episode terminates" : ""}: no learning signal`,
      explanation:
        `Every step of the last ${rows.length} rollouts (updates ${rows[0].update}-${rows[rows.length - 1].update}, ` +
        `${config.nSteps * envCopies(config)} steps each) returned the reward ${fmt(mean)}` +
        (mean !== 0 ? " and no episode of the run has ended with terminated = true" : "") +
        `. Nothing the agent does changes its return, so the advantages carry no information and the policy ` +
        `gradient is noise.`,
      evidence: windowEvidence(rows, "reward_std", stds, median(stds), 1e-9 + 1e-6 * Math.abs(mean), "below", `every one of the last ${rows.length} updates`, {
        rewardMean: mean,
        terminatedCount: rows.reduce((a, r) => a + r.terminated_count, 0),
      }),
      suggestions: [
        "check the reward in the env's `step`: is it computed from the new state, and returned (not a default 0)?",
        SPARSE_REWARD_NOTE,
      ],
      location: ctx.locate?.("step"),
      source: "exact condition (reward std ~0 and no termination signal); ppo-anchors §6 (1)",
    };
  },
};

/**
 * `signal.zero-advantage`: the median `advantage_std` (raw GAE advantages, before per-minibatch normalisation) over
 * the last `window` updates is below `advantageStdMin` (1e-4) times the reward scale max(1, |reward_mean|,
 * reward_std): the advantages are all equal up to rounding. Per-minibatch normalisation (ppo.ts) divides by the std
 * only above 1e-6, so at the bottom the policy gradient is zero; just above it, rounding noise is blown up to unit
 * advantages and the policy random-walks.
 *
 * Calibration: the smallest window median on CartPole-v1 (solved, the value fits the returns almost exactly) is
 * 3.3e-3 / 1.6e-3 (seeds 1 / 2) with rewards of 1, 16x above the threshold; Pendulum-v1's is 0.34 / 0.35. A
 * constant observation with a constant reward and gamma 0 gives exactly 0.
 */
export const zeroAdvantage: Rule = {
  id: "signal.zero-advantage",
  check(ctx) {
    const { settings: s } = ctx;
    if (ctx.history.length < s.window) return undefined;
    const rows = tail(ctx.history, s.window);
    const adv = series(rows, "advantage_std");
    const value = median(adv);
    const last = rows[rows.length - 1];
    const scale = Math.max(1, Math.abs(last.reward_mean), last.reward_std);
    const threshold = s.advantageStdMin * scale;
    if (!(value < threshold)) return undefined;
    return {
      severity: "warning",
      title: "all advantages are (near) zero: the policy gets no gradient",
      explanation:
        `The GAE advantages of updates ${rows[0].update}-${last.update} are all (nearly) equal (median std ` +
        `${fmt(value)}). PPO's policy gradient is the advantage-weighted log-probability gradient, so it vanishes; ` +
        `what is left after normalisation is rounding noise. This happens when every step gets the same reward and ` +
        `the value function has learned it.`,
      evidence: windowEvidence(rows, "advantage_std", adv, value, threshold, "below", medianOf(s.window), {
        rewardMean: last.reward_mean,
        rewardStd: last.reward_std,
        returnMean: last.return_mean,
      }),
      suggestions: ["make the reward depend on what the agent does (see the env's `step`)", SPARSE_REWARD_NOTE],
      location: ctx.locate?.("step"),
      source: "ppo.ts normalises advantages only above std 1e-6; threshold calibrated on the presets (16x below the smallest healthy value)",
    };
  },
};

/**
 * `signal.no-episodes`: no episode has finished after `noEpisodeStepsPerEnv` (2000) steps per env copy. Without
 * finished episodes there is no `ep_rew_mean` to follow, and an env that never ends (no terminal state, no time
 * limit) often has a bug in its termination condition. 2000 is twice the longest common Gymnasium time limit (1000,
 * MuJoCo; CartPole 500, Pendulum 200, MountainCar 200) [GYM-reg]. Clears when an episode finishes.
 * Steps are counted from the start of the history: after a resume, from the checkpoint (`ctx.resumed`), since the
 * steps before it may have had episodes whose stats window was not restored. Env copies: `envCopies` (GRPO steps
 * `grpo.groupSize` copies, not nEnvs).
 */
export const noEpisodes: Rule = {
  id: "signal.no-episodes",
  check(ctx) {
    const { settings: s, config } = ctx;
    const last = ctx.history[ctx.history.length - 1];
    const copies = envCopies(config);
    const steps = last.total_timesteps - (ctx.resumed?.totalTimesteps ?? 0);
    const perEnv = steps / copies;
    if (last.episodes > 0 || perEnv < s.noEpisodeStepsPerEnv) return undefined;
    return {
      severity: "warning",
      title: `no episode has finished after ${fmt(perEnv)} steps per env: set a time limit`,
      explanation:
        `None of the ${copies} env copies has ended an episode in ${steps} steps${ctx.resumed ? ` since the resume at step ${ctx.resumed.totalTimesteps}` : ""}. Without episode ` +
        `ends there is no return to report (ep_rew_mean is undefined), the agent never sees a fresh start, and if the ` +
        `env has a terminal state, its termination condition is never met (check it).`,
      evidence: {
        metric: "episodes",
        values: ctx.history.map((r) => r.episodes),
        updates: { from: ctx.history[0].update, to: last.update },
        value: last.episodes,
        threshold: 1,
        comparison: "below",
        smoothing: `no finished episode in ${fmt(perEnv)} steps per env copy (noEpisodeStepsPerEnv ${s.noEpisodeStepsPerEnv})`,
        context: { stepsPerEnv: perEnv, totalTimesteps: last.total_timesteps, envCopies: copies, resumedAtStep: ctx.resumed?.totalTimesteps ?? null, maxEpisodeSteps: config.maxEpisodeSteps },
      },
      suggestions: [
        "set `maxEpisodeSteps: 500` in the config (or `export const maxEpisodeSteps = 500` in the env file) to cut episodes with truncated = true",
        "check when the env's `step` returns terminated = true",
        SPARSE_REWARD_NOTE,
      ],
      location: ctx.locate?.("step"),
      source: "[GYM-reg] time limits 200-1000 steps; threshold 2x the longest",
    };
  },
};

/**
 * `obs.scale`: with `normalizeObservation` off, the largest per-dimension RMS of the raw observations (median over the
 * last `window` updates) is above `obsScaleThreshold` (10). With tanh units and orthogonal init, inputs of that size
 * saturate the first layer, and the first updates move the policy violently ([ICLR37] Atari detail 9: unscaled
 * pixels make "the first policy update result in the KL divergence explosion"). 10 is where SB3 VecNormalize and
 * CleanRL clip normalised observations ([SB3-vn], [CRL-cont]): anything larger is out of the range the network is
 * built for. Calibration: the largest window median is 1.2 / 1.4 on CartPole-v1 (seeds 1 / 2) and 3.9 on Pendulum-v1
 * (angular velocity up to 8 rad/s; seeds 1 and 2).
 */
export const obsScale: Rule = {
  id: "obs.scale",
  check(ctx) {
    const { settings: s, config } = ctx;
    if (config.normalizeObservation || ctx.history.length < s.window) return undefined;
    const rows = tail(ctx.history, s.window);
    const rms = series(rows, "obs_rms_max");
    const value = median(rms);
    if (!(value > s.obsScaleThreshold)) return undefined;
    return {
      severity: "warning",
      title: "observations are large and normalizeObservation is off",
      explanation:
        `The largest observation dimension has a root-mean-square of ${fmt(value)} (largest |value| ` +
        `${fmt(median(series(rows, "obs_abs_max")))}) over updates ${rows[0].update}-${rows[rows.length - 1].update}. ` +
        `The networks are built for inputs of order 1: large inputs saturate the tanh units, so the policy cannot ` +
        `tell states apart and the first updates change it violently.`,
      evidence: windowEvidence(rows, "obs_rms_max", rms, value, s.obsScaleThreshold, "above", medianOf(s.window), {
        obsAbsMax: median(series(rows, "obs_abs_max")),
        normalizeObservation: false,
      }),
      suggestions: [
        "set `normalizeObservation: true` (running mean/std, clipped to +-clipObservation, as SB3 VecNormalize)",
        "or scale the observation in the env's `step` and `reset` to about [-1, 1] (e.g. divide by its range)",
      ],
      location: ctx.locate?.("step"),
      source: "[ICLR37] Atari #9 unscaled inputs; [SB3-vn], [CRL-cont] clip normalised observations at 10",
    };
  },
};

/**
 * `signal.no-learning-signal` (GRPO runs): the median `zero_advantage_fraction` over the last `window` updates is at
 * least `zeroAdvantageFractionMax` (0.9): in nearly every group all G rollouts got the same return, so their
 * group-normalised advantages are all zero and the update learns (almost) nothing. This is the failure ZPPO addresses
 * (a group that always fails, or always succeeds, has no variance). The threshold is a share of groups, so it needs no
 * calibration to the env's reward scale.
 */
export const noLearningSignal: Rule = {
  id: "signal.no-learning-signal",
  check(ctx) {
    const { settings: s, config } = ctx;
    if (config.algorithm !== "grpo" || ctx.history.length < s.window) return undefined;
    const rows = tail(ctx.history, s.window);
    const fractions = rows.map((r) => r.zero_advantage_fraction ?? NaN);
    if (fractions.some((x) => !Number.isFinite(x))) return undefined;
    const value = median(fractions);
    if (!(value >= s.zeroAdvantageFractionMax)) return undefined;
    const last = rows[rows.length - 1];
    return {
      severity: "warning",
      title: `${fmt(100 * value)}% of GRPO groups have no learning signal (all rollouts got the same return)`,
      explanation:
        `In updates ${rows[0].update}-${last.update}, a median ${fmt(100 * value)}% of the groups of ${config.grpo.groupSize} ` +
        `rollouts from the same start scored identical returns. GRPO's advantage is each rollout's return minus its ` +
        `group's mean, so those groups contribute nothing to the gradient.`,
      evidence: windowEvidence(rows, "zero_advantage_fraction", fractions, value, s.zeroAdvantageFractionMax, "above", medianOf(s.window), {
        groupSize: config.grpo.groupSize,
        epRewMean: last.ep_rew_mean,
      }),
      suggestions: [
        "make returns differ between rollouts: a denser or shaped reward, or more randomness (a larger grpo.groupSize, entCoef > 0)",
        SPARSE_REWARD_NOTE,
      ],
      location: ctx.locate?.("step"),
      source: "exact share of zero-variance groups (group-normalised advantages all zero); ZPPO's failure mode",
    };
  },
};

export const SIGNAL_RULES: Rule[] = [constantReward, zeroAdvantage, noEpisodes, obsScale, noLearningSignal];

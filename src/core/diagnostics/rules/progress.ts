/**
 * Rules about the return over the run: a long plateau below what the agent has already achieved, and a sharp drop
 * from the best (policy collapse).
 */
import type { UpdateMetrics } from "../../ppo/ppo";
import { fmt, maxFinite, median, medianOf, minFinite, series, tail, windowEvidence } from "../series";
import type { Rule } from "./rule";

/** Spread of single-episode returns seen so far (max ep_rew_max - min ep_rew_min); NaN before any episode. */
function episodeSpread(h: readonly UpdateMetrics[]): { best: number; worst: number; spread: number } {
  const best = maxFinite(series(h, "ep_rew_max"));
  const worst = minFinite(series(h, "ep_rew_min"));
  return { best, worst, spread: best - worst };
}

/**
 * `return.regression`: the median `ep_rew_mean` over the last `window` updates is below its best by more than
 * `regressionFraction` (0.5) of the range it has covered (best - worst `ep_rew_mean`), the best was reached before
 * this window, and the agent had really learned something: that range is at least a quarter of the spread of
 * single-episode returns (otherwise the "best" is just noise of the 100-episode mean). A sharp fall after progress is
 * PPO's classic policy collapse (updates too large) or a change in the env.
 *
 * Source: [MLA-cfg] lower the learning rate "if training is unstable, and the reward does not consistently
 * increase". Calibration (with the gates above): CartPole-v1 never drops below its best (seeds 1 and 2; it anneals the
 * learning rate), Pendulum-v1 by at most 1% of its range.
 */
export const returnRegression: Rule = {
  id: "return.regression",
  check(ctx) {
    const { settings: s, config } = ctx;
    const h = ctx.history;
    if (h.length < 2 * s.window) return undefined;
    const rew = series(h, "ep_rew_mean");
    const best = maxFinite(rew);
    const worst = minFinite(rew);
    const bestIdx = rew.indexOf(best);
    if (!(best > worst) || bestIdx >= h.length - s.window) return undefined;
    const { spread } = episodeSpread(h);
    if (!(best - worst >= 0.25 * spread)) return undefined;
    const rows = tail(h, s.window);
    const now = median(series(rows, "ep_rew_mean"));
    const threshold = best - s.regressionFraction * (best - worst);
    if (!(now < threshold)) return undefined;
    const lr = rows[rows.length - 1].learning_rate;
    return {
      severity: "warning",
      title: `the return dropped sharply from its best (${fmt(best)} at update ${h[bestIdx].update}): policy collapse`,
      explanation:
        `The mean episode return reached ${fmt(best)} at update ${h[bestIdx].update} and has dropped to ${fmt(now)} ` +
        `(median over updates ${rows[0].update}-${rows[rows.length - 1].update}), losing ` +
        `${Math.round(((best - now) / (best - worst)) * 100)}% of what it had gained. A sharp fall after progress is ` +
        `usually a policy collapse: one or a few updates that were too large moved the policy out of the good region, ` +
        `and with little entropy left it does not find its way back. It can also mean the env changed.`,
      evidence: windowEvidence(rows, "ep_rew_mean", series(rows, "ep_rew_mean"), now, threshold, "below", `${medianOf(s.window)}, against best - ${s.regressionFraction} x (best - worst)`, {
        best,
        bestUpdate: h[bestIdx].update,
        worst,
        learningRate: lr,
        approxKl: median(series(rows, "approx_kl")),
      }),
      suggestions: [
        config.lrSchedule === "constant" ? `anneal the learning rate: \`lrSchedule: "linear"\`, or lower \`learningRate\` to ${fmt(lr / 3)}` : `lower \`learningRate\` to ${fmt(lr / 3)}`,
        config.targetKl === null ? "set `targetKl: 0.02` to cap each update's size" : `lower \`targetKl\` (now ${config.targetKl})`,
        `save checkpoints more often (\`checkpointEvery: 10\`) and keep the one at update ${h[bestIdx].update}`,
      ],
      source: "[MLA-cfg] unstable training -> lower the learning rate; fraction calibrated on the presets",
    };
  },
};

/**
 * `return.plateau` (info): `ep_rew_mean` has not set a new best (by more than 1% of the episode-return spread) for
 * `plateauUpdates` (50) updates, and it is still well below the best single episode seen (more than 10% of the spread),
 * i.e. the agent has shown it can do better but its average does not get there. A plateau at the best possible
 * return (CartPole at 500) does not fire.
 *
 * No source gives a number; 50 updates is longer than both presets need to reach their threshold (CartPole-v1
 * solves in ~270 updates but improves its best every few updates; Pendulum-v1 runs 37 updates in all).
 */
export const returnPlateau: Rule = {
  id: "return.plateau",
  check(ctx) {
    const { settings: s, config } = ctx;
    const h = ctx.history;
    if (h.length < s.plateauUpdates + s.window) return undefined;
    const { best: bestEpisode, spread } = episodeSpread(h);
    if (!(spread > 0)) return undefined;
    const rew = series(h, "ep_rew_mean");
    let best = -Infinity;
    let lastImprovement = -1;
    for (let i = 0; i < rew.length; i++) {
      if (Number.isFinite(rew[i]) && rew[i] > best + 0.01 * spread) {
        best = rew[i];
        lastImprovement = i;
      }
    }
    const since = h.length - 1 - lastImprovement;
    if (lastImprovement < 0 || since < s.plateauUpdates) return undefined;
    const rows = tail(h, s.window);
    const now = median(series(rows, "ep_rew_mean"));
    const gap = (bestEpisode - now) / spread;
    if (!(gap > 0.1)) return undefined;
    const lr = rows[rows.length - 1].learning_rate;
    const plateauRows = h.slice(lastImprovement);
    return {
      severity: "info",
      title: `the return has not improved for ${since} updates, below the best episode (${fmt(bestEpisode)})`,
      explanation:
        `The mean episode return last set a new best at update ${h[lastImprovement].update} (${fmt(best)}) and has ` +
        `stayed around ${fmt(now)} since, while single episodes reached ${fmt(bestEpisode)}. The agent sometimes does ` +
        `much better than on average but is not learning to do so consistently: it may lack exploration, the ` +
        `reward may be too noisy for the batch size, or the learning rate may be too small to make progress.`,
      evidence: windowEvidence(plateauRows, "ep_rew_mean", series(plateauRows, "ep_rew_mean"), now, bestEpisode - 0.1 * spread, "below", `${medianOf(s.window)}; no new best for ${since} updates (plateauUpdates ${s.plateauUpdates}), against the best episode - 10% of the episode-return spread`, {
        updatesSinceBest: since,
        bestEpRewMean: best,
        bestEpisodeReturn: bestEpisode,
        epRewMeanNow: now,
        learningRate: lr,
        entCoef: config.entCoef,
      }),
      suggestions: [
        `use larger batches to average out reward noise: \`nSteps: ${config.nSteps * 2}\``,
        config.entCoef === 0 ? "encourage exploration: `entCoef: 0.01`" : "check whether the entropy is still high (see entropy findings)",
        "check that the reward depends on the agent's actions rather than on chance",
      ],
      source: "heuristic; plateau length longer than the presets need",
    };
  },
};

export const PROGRESS_RULES: Rule[] = [returnRegression, returnPlateau];

/**
 * RLHF in miniature on CartPole-v1: a scripted rater that prefers the higher true return rates pairs of episodes, a
 * Bradley-Terry reward model learns from the ratings, and PPO trained only on the learned reward raises the true
 * return. Seeded; the thresholds are real (a random policy's true return is about 22).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import CartPole, { maxEpisodeSteps } from "../../examples/cartpole";
import { SyncVectorEnv } from "../../src/core/envs/vector-env";
import { TimeLimit } from "../../src/core/envs/time-limit";
import { PPO } from "../../src/core/ppo/ppo";
import { DEFAULT_CONFIG, PRESETS, type PPOConfig } from "../../src/core/ppo/config";
import { Rng } from "../../src/core/rng";
import { LearnedRewardEnv, RewardFeaturizer, TrueReturnLog } from "../../src/core/rlhf/learned-reward";
import { fitRewardModel, rateEpisodes } from "../../src/core/rlhf/pipeline";
import { rewardFunction } from "../../src/core/rlhf/reward-model";
import { trueReturnRater, type RatedEpisode } from "../../src/core/rlhf/rater";

/** Episodes from a noisy "push toward the falling side" controller: `skill` 0.5 is random, 1 is the controller. */
function collectEpisodes(count: number, seed: number): RatedEpisode[] {
  const rng = new Rng(seed);
  const episodes: RatedEpisode[] = [];
  for (let i = 0; i < count; i++) {
    const skill = 0.5 + 0.45 * (i / (count - 1));
    const env = new TimeLimit(new CartPole(), 100);
    let obs = env.reset({ seed: seed * 1000 + i }).observation as number[];
    const ep: RatedEpisode = { id: `ep${i}`, observations: [], actions: [], rewards: [], return: 0, length: 0 };
    for (;;) {
      const good = obs[2] + 0.5 * obs[3] > 0 ? 1 : 0;
      const action = rng.uniform() < skill ? good : 1 - good;
      const r = env.step(action);
      ep.observations.push(Array.from(obs));
      ep.actions.push([action]);
      ep.rewards.push(r.reward);
      ep.return += r.reward;
      ep.length++;
      obs = r.observation as number[];
      if (r.terminated || r.truncated) break;
    }
    episodes.push(ep);
  }
  return episodes;
}

test("RLHF on CartPole: scripted ratings -> reward model (held-out accuracy >= 80%) -> PPO raises the true return above 150", async () => {
  const episodes = collectEpisodes(40, 3);
  const env0 = new CartPole();
  const featurizer = new RewardFeaturizer(env0.observationSpace, env0.actionSpace);
  const records = await rateEpisodes(episodes, trueReturnRater(), "script:true-return", 160, 5, () => 0);
  const fitted = fitRewardModel(episodes, records, featurizer, { seed: 1, epochs: 30, hidden: [16, 16], batchPairs: 16 });
  console.log(
    `reward model: ${fitted.report.trainPairs} train / ${fitted.report.validationPairs} held-out pairs, ` +
      `accuracy ${fitted.report.trainAccuracy.toFixed(3)} / ${fitted.report.validationAccuracy.toFixed(3)}`,
  );
  assert.ok(fitted.report.validationAccuracy >= 0.8, `held-out accuracy ${fitted.report.validationAccuracy}`);

  const log = new TrueReturnLog(50);
  const fn = rewardFunction(fitted.snapshot);
  const config: PPOConfig = { ...DEFAULT_CONFIG, ...PRESETS["CartPole-v1"], seed: 1, totalTimesteps: 60_000 };
  const envs = Array.from({ length: config.nEnvs }, () => new LearnedRewardEnv(new TimeLimit(new CartPole(), maxEpisodeSteps), featurizer, fn, log));
  const ppo = new PPO(new SyncVectorEnv(envs), config);
  const before = log.mean();
  let best = -Infinity;
  while (!ppo.done) {
    ppo.iterate();
    if (log.returns.length >= 20) best = Math.max(best, log.mean());
    if (best >= 150) break;
  }
  ppo.dispose();
  console.log(`PPO on the learned reward: true_ep_rew_mean best ${best.toFixed(1)} after ${ppo.totalTimesteps} steps`);
  assert.ok(Number.isNaN(before));
  assert.ok(best >= 150, `true_ep_rew_mean reached only ${best}`);
});

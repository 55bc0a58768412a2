/**
 * Fitting `reward-model.json` from a run's ratings and training on it (the TF.js side of run-ratings.ts, kept apart so
 * the extension host can read ratings and reward model reports without loading TF.js).
 */
import * as path from "node:path";
import type { Env } from "../env";
import type { VectorEnv } from "../envs/vector-env";
import { writeFileAtomic } from "../run/fs-util";
import { describeSpace } from "../spaces";
import { LearnedRewardEnv, LearnedRewardVectorEnv, RewardFeaturizer, TrueReturnLog } from "./learned-reward";
import { fitRewardModel } from "./pipeline";
import { readPreferences, toPreferencePairs } from "./preferences";
import { rewardFunction, type RewardModelOptions } from "./reward-model";
import { canonicalRecords, loadRunEpisodes, ratingWarnings, REWARD_MODEL_FILE, runObservationSpace, skippedReplayWarnings, RlhfError, type RewardModelFile } from "./run-ratings";

/** Fewer decisive ratings (A or B better) than this give a warning: the model cannot be trusted yet. */
export const MIN_DECISIVE_PAIRS = 10;

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * Fits a reward model on the ratings of `runDir` (preferences.jsonl over its replays) and writes
 * `<runDir>/reward-model.json` atomically.
 * @param now clock (ms since the epoch), injected
 * @returns the written file's content, its path, and warnings for the user (skipped replays, skipped lines of
 *   preferences.jsonl)
 * Warns (in the returned `warnings`) when there are fewer than {@link MIN_DECISIVE_PAIRS} decisive ratings or no
 * decisive held-out pair; the model is still written.
 * @throws RlhfError when there are no replays, fewer than 2 episodes, no usable rating, or only "same" ratings
 *   (nothing to learn).
 */
export async function fitRunRewardModel(
  runDir: string,
  options: RewardModelOptions = {},
  now: () => number = Date.now,
): Promise<{ file: string; model: RewardModelFile; warnings: string[] }> {
  const { episodes, listedIds, aliases, skipped, featurizer, obsDim, actionSpace } = await loadRunEpisodes(runDir);
  if (episodes.length < 2) throw new RlhfError(`${runDir} has ${episodes.length} recorded episode; rating needs at least 2`);
  const read = readPreferences(runDir);
  // A rating naming either id of a duplicate recording counts for its one episode.
  const records = canonicalRecords(read.records, aliases);
  const warnings = [...skippedReplayWarnings(skipped), ...ratingWarnings(runDir, read, listedIds)];
  const usable = toPreferencePairs(records, new Map(episodes.map((e, i) => [e.id, i])));
  const decisive = usable.filter((p) => p.label !== 0.5).length;
  if (usable.length > 0 && decisive === 0) {
    throw new RlhfError(
      `${runDir}: all ${usable.length} usable ratings say "same", so there is nothing to learn (the reward model learns which episode is better): rate some pairs "A is better" or "B is better"`,
    );
  }
  let fitted;
  try {
    fitted = fitRewardModel(episodes, records, featurizer, { seed: 0, epochs: 60, hidden: [32, 32], batchPairs: 16, ...options });
  } catch (e) {
    if (e instanceof RangeError && /no rated pairs/.test(e.message)) {
      throw new RlhfError(
        `${runDir} has no usable ratings (${read.records.length} in ${path.join(runDir, "preferences.jsonl")}; "can't tell" ratings and ratings of deleted replays are not used): rate some pairs first`,
      );
    }
    throw e;
  }
  if (decisive < MIN_DECISIVE_PAIRS) {
    warnings.push(`only ${decisive} decisive rating${decisive === 1 ? "" : "s"} (A or B better); a reward model from fewer than about ${MIN_DECISIVE_PAIRS} is mostly guesswork: rate more pairs`);
  }
  if (!Number.isFinite(fitted.report.validationAccuracy)) {
    warnings.push(
      fitted.report.validationPairs === 0
        ? `no pairs were held out (that needs at least 4 usable pairs), so the held-out accuracy is unknown: rate more pairs`
        : `none of the ${fitted.report.validationPairs} held-out pairs is decisive, so the held-out accuracy is unknown: rate more pairs`,
    );
  }
  const model: RewardModelFile = {
    version: 1,
    runDir,
    createdAt: new Date(now()).toISOString(),
    obsDim,
    actionSpace,
    ...observationSpaceOf(runDir, obsDim),
    snapshot: fitted.snapshot,
    report: {
      ratings: read.records.length,
      pairs: fitted.pairs,
      trainPairs: fitted.report.trainPairs,
      validationPairs: fitted.report.validationPairs,
      trainAccuracy: finiteOrNull(fitted.report.trainAccuracy),
      validationAccuracy: finiteOrNull(fitted.report.validationAccuracy),
    },
  };
  const file = path.join(runDir, REWARD_MODEL_FILE);
  writeFileAtomic(file, JSON.stringify(model) + "\n");
  return { file, model, warnings };
}

/** The rated run's observation space when its checkpoint tells it and it matches the replays' flat size. */
function observationSpaceOf(runDir: string, obsDim: number): { observationSpace?: unknown } {
  const spec = runObservationSpace(runDir);
  if (spec === undefined) return {};
  try {
    return new RewardFeaturizer(spec, { type: "Discrete", n: 1 }).obsDim === obsDim ? { observationSpace: spec } : {};
  } catch {
    return {};
  }
}

/** Action spaces match when their type and size (n, nvec, shape) agree; `start` and bounds do not change the features. */
function sameActionSpace(a: unknown, b: unknown): boolean {
  return describeSpace(a) === describeSpace(b);
}

/**
 * Wraps env copies so they train on the learned reward of `model`: each becomes a {@link LearnedRewardEnv} (pass the
 * copies with their TimeLimit already applied, in vector-env order) sharing one {@link TrueReturnLog} that follows the
 * trainer: call its `countEpisode(envIndex)` for each episode the trainer counts, so `true_ep_rew_mean` averages the
 * episodes of `ep_rew_mean`.
 * @param statsWindowSize the run's `statsWindowSize` (episodes in the true-return window)
 * @throws RlhfError naming both sides' spaces when the env's observation space (shape; the flat size for older model
 *   files) or action space (type and n / nvec / shape) differs from the rated run's.
 */
export function wrapWithLearnedReward(envs: Env[], model: RewardModelFile, where: string, statsWindowSize = 100): { envs: Env[]; log: TrueReturnLog } {
  const log = new TrueReturnLog(statsWindowSize, true);
  if (envs.length === 0) return { envs, log };
  const featurizer = fittingFeaturizer(model, envs[0].observationSpace, envs[0].actionSpace, where);
  const fn = rewardFunction(model.snapshot);
  return { envs: envs.map((env, i) => new LearnedRewardEnv(env, featurizer, fn, log, i)), log };
}

/**
 * {@link wrapWithLearnedReward} for a vector env whose copies cannot be wrapped one by one (the Python bridge): a
 * {@link LearnedRewardVectorEnv} over it, with the same space checks and the same true-return log.
 * @throws RlhfError as wrapWithLearnedReward does.
 */
export function wrapVectorWithLearnedReward(env: VectorEnv, model: RewardModelFile, where: string, statsWindowSize = 100): { env: VectorEnv; log: TrueReturnLog } {
  const log = new TrueReturnLog(statsWindowSize, true);
  const featurizer = fittingFeaturizer(model, env.observationSpace.spec, env.actionSpace.spec, where);
  return { env: new LearnedRewardVectorEnv(env, featurizer, rewardFunction(model.snapshot), log), log };
}

/**
 * The featurizer of an env with these spaces, checked against the spaces `model` was fitted on.
 * @throws RlhfError naming both sides' spaces when they differ (see wrapWithLearnedReward).
 */
function fittingFeaturizer(model: RewardModelFile, observationSpace: unknown, actionSpace: unknown, where: string): RewardFeaturizer {
  const featurizer = new RewardFeaturizer(observationSpace, actionSpace);
  const envObs = describeSpace(observationSpace, featurizer.obsDim);
  const modelObs = model.observationSpace !== undefined ? describeSpace(model.observationSpace, model.obsDim) : describeSpace({ type: "Box", shape: [model.obsDim] });
  // Without a recorded observation space, the model knows only the flat observation size.
  const sameObservation = model.observationSpace !== undefined ? modelObs === envObs : featurizer.obsDim === model.obsDim;
  if (!sameObservation || !sameActionSpace(model.actionSpace, actionSpace) || featurizer.dim !== model.snapshot.featureDim) {
    throw new RlhfError(
      `the reward model ${where} was fitted on observation ${modelObs}, action ${describeSpace(model.actionSpace)}; ` +
        `this env has observation ${envObs}, action ${describeSpace(actionSpace)}: fit it on replays of the same env`,
    );
  }
  return featurizer;
}

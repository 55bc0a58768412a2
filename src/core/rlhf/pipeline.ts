/**
 * The RLHF loop in miniature (Christiano et al. 2017, section 2.2): episodes -> pairwise ratings -> a reward model
 * fit with the Bradley-Terry loss -> a per-step reward function PPO trains on (see learned-reward.ts).
 */
import type { PreferenceRecord } from "./preferences";
import { toPreferencePairs } from "./preferences";
import { samplePairs, toChoice, type RatedEpisode, type Rater } from "./rater";
import type { RewardFeaturizer } from "./learned-reward";
import { RewardModel, type FeatureEpisode, type RewardModelOptions, type RewardModelReport, type RewardModelSnapshot } from "./reward-model";

/**
 * Asks `rater` about `count` random pairs of `episodes` (seeded) that have no rating in `existing`: the latest rating
 * of a pair is the one the reward model uses, so a scripted rater must not silently replace a user's rating (nor rate
 * the same pairs again when run twice). Fewer than `count` pairs are asked about when fewer unrated ones remain.
 * @param raterName stored in each record's `rater` field ("user", "script:<file>")
 * @param now clock for `createdAt` (ms since the epoch), injected so the core has no process globals
 * @param existing the run's ratings so far (preferences.jsonl)
 * @param hooks `onRating` receives each rating as soon as it is made (save it there, so an interrupted or failing
 *   rater loses nothing already rated); `shouldStop` is awaited before each question and ends the loop early when it
 *   resolves true (e.g. after Ctrl-C).
 * @returns the ratings made, in order (fewer than `count` when stopped)
 * @throws TypeError when the rater returns something that is not a choice (see {@link toChoice}); the rater's own
 *   errors propagate. Ratings already passed to `onRating` stay with the caller.
 */
export async function rateEpisodes(
  episodes: readonly RatedEpisode[],
  rater: Rater,
  raterName: string,
  count: number,
  seed: number,
  now: () => number = Date.now,
  existing: readonly Pick<PreferenceRecord, "a" | "b">[] = [],
  hooks: RateHooks = {},
): Promise<PreferenceRecord[]> {
  const key = (a: string, b: string): string => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);
  const rated = new Set(existing.map((r) => key(r.a, r.b)));
  const isRated = rated.size > 0 ? (i: number, j: number) => rated.has(key(episodes[i].id, episodes[j].id)) : undefined;
  const records: PreferenceRecord[] = [];
  for (const [i, j] of samplePairs(episodes.length, count, seed, isRated)) {
    if (hooks.shouldStop && (await hooks.shouldStop())) break;
    const choice = toChoice(await rater(episodes[i], episodes[j]), raterName);
    const record: PreferenceRecord = { a: episodes[i].id, b: episodes[j].id, choice, rater: raterName, createdAt: new Date(now()).toISOString() };
    records.push(record);
    hooks.onRating?.(record);
  }
  return records;
}

/** Callbacks of {@link rateEpisodes}. */
export interface RateHooks {
  /** Called with each rating right after the rater made it (before the next question). */
  onRating?: (record: PreferenceRecord) => void;
  /** Awaited before each question; true ends the loop (the ratings made so far are returned). */
  shouldStop?: () => boolean | Promise<boolean>;
}

/**
 * Step features of an episode for the reward model: one row per step from (observation_t, action_t).
 * @returns `features[T * featurizer.dim]`
 */
export function episodeFeatures(episode: RatedEpisode, featurizer: RewardFeaturizer): FeatureEpisode {
  const d = featurizer.dim;
  const features = new Float32Array(episode.length * d);
  for (let t = 0; t < episode.length; t++) {
    const a = episode.actions[t];
    featurizer.features(episode.observations[t], a.length === 1 ? a[0] : a, features.subarray(t * d, (t + 1) * d));
  }
  return { features, length: episode.length };
}

/** A fitted reward model with its report. */
export interface FittedRewardModel {
  snapshot: RewardModelSnapshot;
  report: RewardModelReport;
  /** Pairs used (after dropping "can't tell" and unknown episodes). */
  pairs: number;
}

/**
 * Fits a reward model on the rated pairs of `episodes`.
 * @throws RangeError when no usable pair remains.
 */
export function fitRewardModel(
  episodes: readonly RatedEpisode[],
  records: readonly PreferenceRecord[],
  featurizer: RewardFeaturizer,
  options: RewardModelOptions = {},
): FittedRewardModel {
  const indexOf = new Map(episodes.map((e, i) => [e.id, i]));
  const pairs = toPreferencePairs(records, indexOf);
  const model = new RewardModel(featurizer.dim, options);
  try {
    const report = model.train(
      episodes.map((e) => episodeFeatures(e, featurizer)),
      pairs,
    );
    return { snapshot: model.snapshot(), report, pairs: pairs.length };
  } finally {
    model.dispose();
  }
}

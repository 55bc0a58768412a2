/**
 * Raters compare two episodes. The user rates in the Replays panel; a script can rate for tests and for users without
 * time to click (`--rater <file>`: a module whose default export is a {@link Rater}).
 */
import { Rng } from "../rng";
import type { PreferenceChoice } from "./preferences";

/** An episode as a rater sees it: per-step observations, actions and env rewards. */
export interface RatedEpisode {
  id: string;
  /** `[T][obsDim]` raw observations (the one each action was taken in). */
  observations: number[][];
  /** `[T][actionDim]` actions as the env received them. */
  actions: number[][];
  /** `[T]` the env's own rewards. */
  rewards: number[];
  /** Sum of `rewards`. */
  return: number;
  length: number;
}

/**
 * Compares two episodes: "a" (a is better), "b", "same", or "unknown" (can't tell; not used for training). A
 * number is accepted too, as in a sort comparator: > 0 means a is better, < 0 b, 0 the same.
 */
export type Rater = (a: RatedEpisode, b: RatedEpisode) => PreferenceChoice | number | Promise<PreferenceChoice | number>;

/**
 * The rater used in tests: prefers the higher true return; "same" when the returns differ by at most `tolerance`.
 */
export function trueReturnRater(tolerance = 0): Rater {
  return (a, b) => (Math.abs(a.return - b.return) <= tolerance ? "same" : a.return > b.return ? "a" : "b");
}

/** A rater returned something that is not a choice (it did not throw). */
export class RaterResultError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "RaterResultError";
  }
}

/**
 * Normalises what a rater returned.
 * @throws RaterResultError (a TypeError) naming the rater when it returned something else.
 */
export function toChoice(value: unknown, raterName: string): PreferenceChoice {
  if (value === "a" || value === "b" || value === "same" || value === "unknown") return value;
  if (typeof value === "number" && !Number.isNaN(value)) return value > 0 ? "a" : value < 0 ? "b" : "same";
  const shown = typeof value === "number" || typeof value === "function" || typeof value === "bigint" ? String(value) : (JSON.stringify(value) ?? String(value));
  throw new RaterResultError(
    `the rater ${raterName} returned ${shown}; it must return "a", "b", "same", "unknown" or a number (> 0: a is better)`,
  );
}

/**
 * Picks `count` distinct unordered pairs of different episodes, seeded (all of them when fewer exist).
 * @param isRated tells which pairs (i < j) already have a rating: those are left out, so rating a run again asks only
 *   about new pairs and never replaces an earlier rating (a user's included). Without it, or when nothing is rated,
 *   the pick is the same.
 * @returns pairs of indices into the episode list; fewer than `count` when fewer unrated pairs remain
 */
export function samplePairs(nEpisodes: number, count: number, seed: number, isRated?: (i: number, j: number) => boolean): [number, number][] {
  const all: [number, number][] = [];
  for (let i = 0; i < nEpisodes; i++) for (let j = i + 1; j < nEpisodes; j++) all.push([i, j]);
  const open = isRated ? all.filter(([i, j]) => !isRated(i, j)) : all;
  if (open.length <= count) return open;
  const rng = new Rng(seed);
  const idx = all.map((_, i) => i);
  rng.shuffle(idx);
  const order = isRated ? idx.filter((k) => !isRated(...all[k])) : idx;
  // Randomise which episode is shown as "a" so a rater's position bias does not line up with the index order.
  return order.slice(0, count).map((k) => (rng.uniform() < 0.5 ? all[k] : [all[k][1], all[k][0]]));
}

/**
 * RLHF in miniature on a run directory: the run's recorded replays become {@link RatedEpisode}s, the next pair to rate
 * is picked (unrated pairs first), and a reward model fit on `preferences.jsonl` is written to `reward-model.json`,
 * which a later run trains on (`rewardModel` config key, see learned-reward.ts).
 *
 * Features are built from the replay's flat encoded observation (what the recorder stores) and the recorded action, so
 * they equal what {@link RewardFeaturizer} computes from the env's raw observation during training.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RunReplaySource } from "../replay/source";
import { RunReader } from "../run/reader";
import { ReplayError } from "../replay/format";
import type { ReplayHeader, ReplaySpaces, ReplayStepsChunk, ReplaySummary } from "../replay/types";
import { Rng } from "../rng";
import { RewardFeaturizer } from "./learned-reward";
import { describePreferenceProblems, PREFERENCES_FILE, unknownEpisodeProblems, type PreferenceRecord, type PreferencesRead } from "./preferences";
import type { RatedEpisode } from "./rater";
import type { RewardModelSnapshot } from "./reward-model";

/** File name of the fitted reward model inside a run directory. */
export const REWARD_MODEL_FILE = "reward-model.json";

/** A run problem a user can fix (no replays, too few ratings, a bad reward-model.json). */
export class RlhfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RlhfError";
  }
}

/** What `reward-model.json` holds. */
export interface RewardModelFile {
  version: 1;
  /** The run whose ratings trained it. */
  runDir: string;
  createdAt: string;
  /** Flat encoded observation size and the action space spec the features were built for. */
  obsDim: number;
  actionSpace: unknown;
  /**
   * The observation space spec of the rated run (from its newest checkpoint); absent in older files and for runs
   * without a checkpoint, where only `obsDim` is known.
   */
  observationSpace?: unknown;
  snapshot: RewardModelSnapshot;
  report: {
    /** Ratings read from preferences.jsonl (all of them, "can't tell" included). */
    ratings: number;
    /** Usable pairs (latest rating per pair, no "can't tell", both episodes still recorded). */
    pairs: number;
    trainPairs: number;
    validationPairs: number;
    trainAccuracy: number | null;
    /** Held-out accuracy; null when too few pairs were held out. */
    validationAccuracy: number | null;
  };
}

/**
 * The action space spec of a replay, rebuilt from its recorded space information (Discrete, MultiDiscrete,
 * MultiBinary or Box).
 */
export function replayActionSpace(spaces: ReplaySpaces, actionDim: number): Record<string, unknown> {
  if (spaces.actionKind === "discrete") {
    const nvec = spaces.actionNvec ?? [];
    const start = spaces.actionStart ?? nvec.map(() => 0);
    return nvec.length === 1 ? { type: "Discrete", n: nvec[0], start: start[0] } : { type: "MultiDiscrete", nvec, start };
  }
  if (spaces.actionKind === "binary") return { type: "MultiBinary", n: actionDim };
  return { type: "Box", low: spaces.actionLow ?? -Infinity, high: spaces.actionHigh ?? Infinity, shape: [actionDim] };
}

/**
 * The observation space spec of a run from its newest checkpoint's metadata, or undefined when the run has no
 * readable checkpoint (best effort: the reward model then knows only the flat observation size).
 */
export function runObservationSpace(runDir: string): unknown {
  try {
    const reader = new RunReader(runDir);
    const latest = reader.latestCheckpoint();
    return latest ? reader.checkpointMeta(latest.step).meta?.observationSpace : undefined;
  } catch {
    return undefined;
  }
}

/** Episodes of a run with the featurizer their features use. */
export interface RunEpisodes {
  episodes: RatedEpisode[];
  /** Every replay id in the run's index (those without steps or skipped included). */
  listedIds: string[];
  /**
   * Every readable replay id -> the id of the episode in `episodes` it is (see {@link episodeAliases}): a recording
   * kept as both periodic and best/worst is one episode; map ratings through it with {@link canonicalRecords}.
   */
  aliases: Map<string, string>;
  /** Replays left out because their file is missing or corrupt, with the reader's message. */
  skipped: { id: string; message: string }[];
  featurizer: RewardFeaturizer;
  obsDim: number;
  actionSpace: Record<string, unknown>;
}

/**
 * Loads every recorded episode of `runDir` (duplicate index entries of one recording once) as a rated-episode candidate (observation `[T][obsDim]` flat encoded, action
 * `[T][actionDim]` as the env received it, Box actions clipped to their bounds; env rewards).
 * A replay whose file is missing or corrupt is left out and listed in `skipped`.
 * @throws RlhfError when the run has no (readable) replays or its replays disagree on the spaces; ReplayError when the
 *   replay index itself is unreadable.
 */
export async function loadRunEpisodes(runDir: string): Promise<RunEpisodes> {
  const source = new RunReplaySource(runDir);
  const list = await source.list();
  if (list.length === 0) {
    throw new RlhfError(`${runDir} has no recorded replays (${path.join(runDir, "replays")}); train with replays on (the "replays" config) to have episodes to rate`);
  }
  const episodes: RatedEpisode[] = [];
  let obsDim = -1;
  let actionSpace: Record<string, unknown> | undefined;
  const skipped: { id: string; message: string }[] = [];
  // One episode per recording: of entries that are the same episode (periodic + best/worst), the canonical one is
  // read, and another only when that one is unreadable (a copy instead of a hard link can survive).
  const canonical = episodeAliases(list);
  const loadedAs = new Map<string, string>(); // canonical id -> id of the entry actually read
  const order = [...list].sort((x, y) => Number(canonical.get(x.id) !== x.id) - Number(canonical.get(y.id) !== y.id));
  for (const s of order) {
    const group = canonical.get(s.id) ?? s.id;
    if (loadedAs.has(group)) continue;
    let header: ReplayHeader;
    let chunk: ReplayStepsChunk;
    try {
      header = await source.header(s.id);
      chunk = await source.steps(s.id, 0, s.length);
    } catch (e) {
      // A missing or truncated replay file: leave that episode (and the pairs using it) out; the others are fine.
      if (!(e instanceof ReplayError)) throw e;
      skipped.push({ id: s.id, message: e.message });
      continue;
    }
    const dim = chunk.observation[0]?.length ?? 0;
    const actionDim = chunk.action[0]?.length ?? 0;
    const spec = replayActionSpace(header.spaces, actionDim);
    if (!actionSpace) {
      actionSpace = spec;
      obsDim = dim;
    } else if (dim !== obsDim || JSON.stringify(spec) !== JSON.stringify(actionSpace)) {
      throw new RlhfError(`replay "${s.id}" of ${runDir} has other observation/action spaces than the run's first replay; rate replays of one env only`);
    }
    const low = spec.type === "Box" ? header.spaces.actionLow : undefined;
    const high = spec.type === "Box" ? header.spaces.actionHigh : undefined;
    const actions = chunk.action.map((a) => (low && high ? a.map((v, i) => Math.min(high[i], Math.max(low[i], v))) : a));
    loadedAs.set(group, s.id);
    episodes.push({
      id: s.id,
      observations: chunk.observation,
      actions,
      rewards: chunk.reward,
      return: s.return,
      length: chunk.observation.length,
    });
  }
  const position = new Map(list.map((s, i) => [s.id, i]));
  episodes.sort((x, y) => (position.get(x.id) ?? 0) - (position.get(y.id) ?? 0));
  const aliases = new Map<string, string>();
  for (const s of list) {
    const read = loadedAs.get(canonical.get(s.id) ?? s.id);
    if (read !== undefined) aliases.set(s.id, read);
  }
  const usable = episodes.filter((e) => e.length > 0);
  if (!actionSpace) {
    throw new RlhfError(`none of the ${list.length} replays of ${runDir} could be read (first: ${skipped[0]?.message}); record new replays by training again`);
  }
  const featurizer = new RewardFeaturizer({ type: "Box", low: -Infinity, high: Infinity, shape: [Math.max(1, obsDim)] }, actionSpace);
  return { episodes: usable, listedIds: list.map((s) => s.id), aliases, skipped, featurizer, obsDim, actionSpace };
}

/**
 * Warning lines for the ratings of a run that are skipped: malformed lines of preferences.jsonl and ratings of
 * episodes that are not replays of the run (capped, see {@link describePreferenceProblems}).
 * @param listedIds every replay id of the run
 */
export function ratingWarnings(runDir: string, read: PreferencesRead, listedIds: readonly string[]): string[] {
  const problems = [...read.problems, ...unknownEpisodeProblems(read, new Set(listedIds))];
  return describePreferenceProblems(path.join(runDir, PREFERENCES_FILE), problems);
}

/** One warning line per replay that {@link loadRunEpisodes} skipped. */
export function skippedReplayWarnings(skipped: RunEpisodes["skipped"]): string[] {
  return skipped.map((s) => `skipped replay "${s.id}" and the pairs using it: ${s.message}`);
}

/** Unordered key of a pair of episode ids. */
function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/**
 * What makes two index entries one recorded episode: the recorder keeps the same episode as "periodic" and as "best"
 * or "worst" (a hard link, or a copy where links are impossible), so both entries share seed, update, step, return,
 * length and the end flags. Distinct recordings differ in at least the seed or the step.
 */
export function replayEpisodeKey(s: Pick<ReplaySummary, "seed" | "update" | "step" | "return" | "length" | "terminated" | "deterministic">): string {
  return JSON.stringify([s.seed, s.update, s.step, s.return, s.length, s.terminated, s.deterministic]);
}

/** Which entry of a duplicate group names the episode: best/worst outlive periodic ones (dropped first for room). */
const KIND_RANK: Record<ReplaySummary["kind"], number> = { best: 0, worst: 1, requested: 2, periodic: 3 };

/**
 * Maps every replay id of `list` to the id that stands for its episode (see {@link replayEpisodeKey}): ids of one
 * episode map to the same id, so ratings naming either count for it and it is offered for rating once.
 * @returns id -> canonical id, for every id of `list` (a unique recording maps to itself)
 */
export function episodeAliases(list: readonly Pick<ReplaySummary, "id" | "kind" | "seed" | "update" | "step" | "return" | "length" | "terminated" | "deterministic">[]): Map<string, string> {
  const groups = new Map<string, (typeof list)[number][]>();
  for (const s of list) {
    const k = replayEpisodeKey(s);
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  const aliases = new Map<string, string>();
  for (const g of groups.values()) {
    const head = [...g].sort((x, y) => (KIND_RANK[x.kind] ?? 9) - (KIND_RANK[y.kind] ?? 9))[0];
    for (const s of g) aliases.set(s.id, head.id);
  }
  return aliases;
}

/**
 * Ratings with both ids replaced by their canonical id (see {@link episodeAliases}); a rating that pairs an episode
 * with itself (its two ids were duplicates) is dropped. Ids not in `aliases` stay as they are.
 */
export function canonicalRecords<R extends Pick<PreferenceRecord, "a" | "b">>(records: readonly R[], aliases?: ReadonlyMap<string, string>): R[] {
  if (!aliases || aliases.size === 0) return records.filter((r) => r.a !== r.b);
  const out: R[] = [];
  for (const r of records) {
    const a = aliases.get(r.a) ?? r.a;
    const b = aliases.get(r.b) ?? r.b;
    if (a !== b) out.push(a === r.a && b === r.b ? r : { ...r, a, b });
  }
  return out;
}

/**
 * The next pair to rate: a pair nobody rated yet when one remains (otherwise any pair), drawn with a seeded shuffle so
 * the order is reproducible; which episode is shown as A is random too (position bias).
 * @param ids replay ids of the run
 * @param records ratings so far
 * @param seed the draw: pass e.g. the number of ratings so far to move on after each rating
 * @param aliases from {@link episodeAliases}: duplicate recordings are one episode (offered once, never against itself)
 * @returns `[a, b]`, or undefined when there are fewer than 2 episodes
 */
export function pickRatePair(ids: readonly string[], records: readonly PreferenceRecord[], seed: number, aliases?: ReadonlyMap<string, string>): [string, string] | undefined {
  const unique = [...new Set(ids.map((id) => aliases?.get(id) ?? id))];
  if (unique.length < 2) return undefined;
  const rated = new Set(canonicalRecords(records, aliases).map((r) => pairKey(r.a, r.b)));
  const pairs: [string, string][] = [];
  for (let i = 0; i < unique.length; i++) for (let j = i + 1; j < unique.length; j++) pairs.push([unique[i], unique[j]]);
  const rng = new Rng(seed);
  const order = pairs.map((_, i) => i);
  rng.shuffle(order);
  const k = order.find((i) => !rated.has(pairKey(...pairs[i]))) ?? order[0];
  const pick = pairs[k];
  return rng.uniform() < 0.5 ? pick : [pick[1], pick[0]];
}

/**
 * Rated pairs: how many distinct pairs of `ids` have a rating (with `aliases`, duplicate recordings count as one
 * episode, see {@link episodeAliases}).
 */
export function countRatedPairs(ids: readonly string[], records: readonly PreferenceRecord[], aliases?: ReadonlyMap<string, string>): number {
  const known = new Set(ids.map((id) => aliases?.get(id) ?? id));
  return new Set(canonicalRecords(records, aliases).filter((r) => known.has(r.a) && known.has(r.b)).map((r) => pairKey(r.a, r.b))).size;
}


/**
 * Reads and checks a `reward-model.json`.
 * @throws RlhfError naming the file when it is missing, not JSON or not a reward model.
 */
export function readRewardModelFile(file: string): RewardModelFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new RlhfError(`cannot read the reward model ${file}: ${(e as Error).message} (fit one with "ppo-lab fit-reward <runDir>")`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new RlhfError(`${file} is not valid JSON (${(e as Error).message}); fit the reward model again`);
  }
  const m = v as Partial<RewardModelFile>;
  const snap = m?.snapshot as Partial<RewardModelSnapshot> | undefined;
  if (
    m?.version !== 1 ||
    typeof m.obsDim !== "number" ||
    !snap ||
    typeof snap.featureDim !== "number" ||
    !Array.isArray(snap.layers) ||
    !Array.isArray(snap.inputMean) ||
    !Array.isArray(snap.inputStd) ||
    typeof snap.outMean !== "number" ||
    typeof snap.outStd !== "number" ||
    !m.report
  ) {
    throw new RlhfError(`${file} is not a PPO Lab reward model (version 1 with a snapshot and a report); fit it again with "ppo-lab fit-reward"`);
  }
  return m as RewardModelFile;
}

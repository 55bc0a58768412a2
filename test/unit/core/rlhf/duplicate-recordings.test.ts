/**
 * A recording kept both as "periodic" and as "best"/"worst" (a hard link, same seed/update/step) is one episode for
 * rating: the Rate bar's pair counts, its next pair, the scripted rater's pairs and the reward model's episode list
 * count it once, never pair it with itself, and ratings naming either of its ids count for it.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { rateRun } from "../../../../src/cli/rlhf-commands";
import { ReplayBuilder } from "../../../../src/core/replay/format";
import { ReplayStore } from "../../../../src/core/replay/store";
import type { ReplaySummary } from "../../../../src/core/replay/types";
import { appendPreference, readPreferences } from "../../../../src/core/rlhf/preferences";
import { episodeAliases, loadRunEpisodes } from "../../../../src/core/rlhf/run-ratings";
import { Rng } from "../../../../src/core/rng";
import { RatingHost } from "../../../../src/extension/panels/rating-data";

const RATER = path.resolve(__dirname, "../../../fixtures/raters/true-return.ts");
const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/**
 * A run like a 4-update GRPO run with periodic replays after updates 1..4, whose update-4 episode is also kept as
 * "best" and update-1 episode as "worst" (6 index entries, 4 episodes), as the trainer's recorder saves them.
 */
function runWithDuplicates(): { dir: string; ids: Record<string, string>; list: ReplaySummary[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-dup-"));
  dirs.push(dir);
  const store = new ReplayStore(dir, { maxCount: 100, maxBytes: 1e8 });
  const rng = new Rng(3);
  const ids: Record<string, string> = {};
  for (let u = 1; u <= 4; u++) {
    const length = 4 + 3 * u;
    const b = new ReplayBuilder(4, 1, { kind: "categorical", nvec: [2] }, { observationLabels: ["x", "v", "theta", "omega"], actionLabels: ["push"], actionKind: "discrete", actionNvec: [2], actionStart: [0] });
    for (let t = 0; t < length; t++) {
      b.push({ observation: [rng.normal(), rng.normal(), rng.normal(), rng.normal()], action: [t % 2], reward: 1, terminated: t === length - 1, truncated: false, value: 0, entropy: 0.69, distribution: [0.5, 0.5], frame: null });
    }
    const summary = { update: u, step: u * 100, return: length, length, terminated: true, seed: 10 + u, deterministic: false, frameType: "none" as const, createdAt: "2026-01-01T00:00:00.000Z" };
    const periodic = store.save(b, { ...summary, kind: "periodic" }).saved!.id;
    ids[`periodic${u}`] = periodic;
    if (u === 1) ids.worst = store.save(b, { ...summary, kind: "worst" }, periodic).saved!.id;
    if (u === 4) ids.best = store.save(b, { ...summary, kind: "best" }, periodic).saved!.id;
  }
  const list = (JSON.parse(fs.readFileSync(path.join(dir, "replays", "index.json"), "utf8")) as { replays: ReplaySummary[] }).replays;
  assert.equal(list.length, 6);
  return { dir, ids, list };
}

const key = (a: string, b: string, aliases: Map<string, string>) => [aliases.get(a), aliases.get(b)].sort().join("|");

describe("duplicate recordings are one episode for rating", () => {
  it("episodeAliases maps periodic and best/worst of one recording to one id, distinct recordings to themselves", () => {
    const { ids, list } = runWithDuplicates();
    const aliases = episodeAliases(list);
    assert.equal(aliases.get(ids.periodic4), aliases.get(ids.best));
    assert.equal(aliases.get(ids.periodic1), aliases.get(ids.worst));
    assert.equal(new Set(aliases.values()).size, 4);
    assert.equal(aliases.get(ids.periodic2), ids.periodic2);
  });

  it("the Rate bar counts 6 pairs of 4 episodes, never offers an episode against itself nor a pair already rated under the other ids", () => {
    const { dir, ids, list } = runWithDuplicates();
    const aliases = episodeAliases(list);
    const all = list.map((s) => s.id);
    const host = new RatingHost(dir, () => 0);
    const s0 = host.state(all, {}, aliases);
    assert.equal(s0.totalPairs, 6);
    // The user's case: best vs worst rated first, then periodic-4 vs periodic-1 (the same comparison) must not come.
    assert.equal(host.rate(all, ids.best, ids.worst, "a", aliases), undefined);
    assert.match(host.rate(all, ids.best, ids.periodic4, "a", aliases) ?? "", /same recorded episode/);
    const seen = new Set([key(ids.best, ids.worst, aliases)]);
    for (let i = 1; i < 6; i++) {
      const s = host.state(all, {}, aliases);
      assert.equal(s.ratedPairs, i);
      const [a, b] = s.next!;
      assert.notEqual(aliases.get(a), aliases.get(b), `offered ${a} against ${b}, one recording`);
      assert.ok(!seen.has(key(a, b, aliases)), `offered ${a} vs ${b} again after ${i} ratings`);
      seen.add(key(a, b, aliases));
      assert.equal(host.rate(all, a, b, "b", aliases), undefined);
    }
    assert.equal(host.state(all, {}, aliases).ratedPairs, 6);
  });

  it("the reward model's episode list and ppo-lab rate hold each recording once; old ratings by either id still count", async () => {
    const { dir, ids } = runWithDuplicates();
    const { episodes, aliases } = await loadRunEpisodes(dir);
    assert.equal(episodes.length, 4);
    assert.equal(new Set(episodes.map((e) => e.return)).size, 4);
    assert.equal(aliases.get(ids.periodic1), aliases.get(ids.worst));
    // A rating saved before this fix under the periodic ids: the scripted rater does not ask that pair again.
    appendPreference(dir, { a: ids.periodic4, b: ids.periodic1, choice: "a", rater: "user", createdAt: "2026-01-01T00:00:00.000Z" });
    const r = await rateRun(dir, RATER, 100, 0);
    assert.equal(r.totalPairs, 6);
    assert.equal(r.unratedPairs, 5);
    assert.equal(r.rated, 5);
    const pairs = readPreferences(dir).records.map((p) => key(p.a, p.b, aliases));
    assert.equal(new Set(pairs).size, 6, `pairs rated: ${pairs.join(", ")}`);
  });
});

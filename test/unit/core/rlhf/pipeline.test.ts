import { test } from "node:test";
import assert from "node:assert/strict";
import { rateEpisodes } from "../../../../src/core/rlhf/pipeline";
import { samplePairs, type RatedEpisode } from "../../../../src/core/rlhf/rater";

/** An episode of `ret` steps with reward 1 each (what the rater compares). */
function ep(id: string, ret: number): RatedEpisode {
  return { id, observations: Array.from({ length: ret }, () => [0]), actions: Array.from({ length: ret }, () => [0]), rewards: Array(ret).fill(1), return: ret, length: ret };
}

const unordered = (a: string, b: string) => [a, b].sort().join(" vs ");

test("samplePairs leaves out the pairs isRated reports, and picks as before when none is rated", () => {
  const rated = new Set(["0,1", "2,5", "3,4"]);
  const p = samplePairs(6, 10, 7, (i, j) => rated.has(`${i},${j}`));
  assert.equal(p.length, 10);
  assert.ok(p.every(([a, b]) => !rated.has(`${Math.min(a, b)},${Math.max(a, b)}`)), `10 unrated pairs: ${JSON.stringify(p)}`);
  // 15 pairs, 3 rated: asking for 14 gives the 12 unrated ones only, never a rated one.
  const more = samplePairs(6, 14, 7, (i, j) => rated.has(`${i},${j}`));
  assert.equal(more.length, 12);
  assert.ok(more.every(([a, b]) => !rated.has(`${Math.min(a, b)},${Math.max(a, b)}`)));
  assert.deepEqual(samplePairs(6, 12, 7, () => false), samplePairs(6, 12, 7));
});

test("rateEpisodes asks about pairs without a rating first, so rating again with the same seed rates new pairs", async () => {
  const episodes = [3, 8, 5, 9, 1, 7].map((r, i) => ep(`e${i}`, r));
  const rater = (a: RatedEpisode, b: RatedEpisode) => a.return - b.return;
  const first = await rateEpisodes(episodes, rater, "script:t", 6, 1, () => 0);
  const again = await rateEpisodes(episodes, rater, "script:t", 6, 1, () => 0, first);
  const firstPairs = new Set(first.map((r) => unordered(r.a, r.b)));
  assert.equal(firstPairs.size, 6);
  assert.deepEqual(again.filter((r) => firstPairs.has(unordered(r.a, r.b))), [], "no pair of the first batch is rated again");
  assert.equal(new Set(again.map((r) => unordered(r.a, r.b))).size, 6);
  // Without the earlier ratings the same seed gives the same pairs (the old behaviour).
  assert.deepEqual((await rateEpisodes(episodes, rater, "script:t", 6, 1, () => 0)).map((r) => unordered(r.a, r.b)), first.map((r) => unordered(r.a, r.b)));
  // The choices still follow the rater.
  for (const r of [...first, ...again]) {
    const ra = episodes.find((e) => e.id === r.a)!.return;
    const rb = episodes.find((e) => e.id === r.b)!.return;
    assert.equal(r.choice, ra > rb ? "a" : "b");
  }
});

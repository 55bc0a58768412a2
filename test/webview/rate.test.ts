/**
 * Rate mode of the Replays webview (RLHF in miniature) in headless Chromium: the test plays the host with the real
 * RatingHost over a temporary run directory (preferences.jsonl) and the real ReplayServer over in-memory replays.
 * The Rate button shows two episodes side by side; the rating buttons and the keys 1-4 post ratings, which land in
 * preferences.jsonl; the next pair differs and the count goes up.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { readPreferences } from "../../src/core/rlhf/preferences";
import { RatingHost } from "../../src/extension/panels/rating-data";
import { ReplayServer } from "../../src/extension/panels/replays-data";
import type { FromReplaysMessage, RatingState, ToReplaysMessage } from "../../src/protocol";
import { cartPoleReplay, MemoryReplaySource } from "../fixtures/replays/memory-replays";
import { Harness, skipReason, waitFor, type DashboardPage } from "./harness";

const skip = skipReason();
type Win = { ppoLabReplays: Record<string, (...a: unknown[]) => unknown>; __posted: FromReplaysMessage[] };

describe("replays webview: Rate mode", { skip }, () => {
  let harness: Harness;
  const dirs: string[] = [];
  before(async () => {
    harness = await Harness.start();
  });
  after(async () => {
    await harness?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test("Rate shows a pair side by side; buttons and keys 1-4 post ratings stored in preferences.jsonl", async () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-rate-"));
    dirs.push(runDir);
    const source = new MemoryReplaySource(["e1", "e2", "e3", "e4"].map((id, i) => cartPoleReplay({ id, update: i + 1, length: 20 + i * 10 })));
    const server = new ReplayServer(source);
    const rating = new RatingHost(runDir, () => 0);
    const ids = ["e1", "e2", "e3", "e4"];
    const p: DashboardPage = await harness.open({ app: "replays", width: 1200, height: 1000 });
    const send = (m: ToReplaysMessage) => p.page.evaluate((msg) => window.postMessage(msg, "*"), m);
    let handled = 0;
    let fitRequests = 0;
    let trainRequests = 0;
    let running = true;
    const loop = (async () => {
      while (running) {
        const msgs = await p.page.evaluate((from) => (window as unknown as Win).__posted.slice(from), handled).catch(() => []);
        handled += msgs.length;
        for (const m of msgs) {
          if (m.type === "ready") {
            const { replays } = await server.list();
            await send({ type: "init", run: { runDir, runId: "r1", envName: "CartPole-v1", status: "finished", live: false }, replays });
          } else if (m.type === "request") await send(await server.respond(m.requestId, m.request));
          else if (m.type === "fitReward") fitRequests++;
          else if (m.type === "trainOnLearnedReward") trainRequests++;
          else if (m.type === "rateStart") await send({ type: "rating", state: rating.state(ids) });
          else if (m.type === "rate") {
            const problem = rating.rate(ids, m.a, m.b, m.choice);
            await send({ type: "rating", state: rating.state(ids, problem ? { message: { level: "error", text: problem } } : {}) });
          }
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const rateInfo = () => p.page.evaluate(() => (window as unknown as Win).ppoLabReplays.rating()) as Promise<{ active: boolean; pair?: [string, string]; state?: RatingState }>;
    const views = () => p.page.evaluate(() => ((window as unknown as Win).ppoLabReplays.state() as { views: { id: string }[] }).views.map((v) => v.id));
    try {
      await waitFor(async () => (await p.page.$('vscode-button[data-command="rate"]')) !== null, "the Rate button");
      await p.page.click('vscode-button[data-command="rate"]');
      await waitFor(async () => (await rateInfo()).pair !== undefined, "a pair to rate");
      const first = (await rateInfo()).pair!;
      await waitFor(async () => JSON.stringify(await views()) === JSON.stringify(first), "the pair side by side");
      assert.equal((await rateInfo()).state?.count, 0);

      await p.page.click('vscode-button[data-rate="a"]');
      await waitFor(async () => (await rateInfo()).state?.count === 1, "the first rating counted");
      const second = (await rateInfo()).pair!;
      assert.notDeepEqual([...second].sort(), [...first].sort(), "the next pair is another, unrated pair");
      await waitFor(async () => JSON.stringify(await views()) === JSON.stringify(second), "the next pair shown");

      await p.page.keyboard.press("2");
      await waitFor(async () => (await rateInfo()).state?.count === 2, "the key 2 rating counted");
      await p.page.keyboard.press("4");
      await waitFor(async () => (await rateInfo()).state?.count === 3, "the key 4 rating counted");
      const countText = await p.page.$eval('[data-role="rating-count"]', (e) => e.textContent ?? "");
      assert.match(countText, /^3 ratings · 3 of 6 pairs rated/);

      const { records } = readPreferences(runDir);
      assert.deepEqual(records.map((r) => r.choice), ["a", "b", "unknown"]);
      assert.deepEqual([records[0].a, records[0].b], first);
      assert.deepEqual([records[1].a, records[1].b], second);
      assert.ok(records.every((r) => r.rater === "user"));

      // Fit reward model -> the host fits (here: a report) and the held-out accuracy is shown; Train is enabled.
      const trainDisabled = () => p.page.$eval('vscode-button[data-command="trainOnLearnedReward"]', (e) => (e as HTMLElement & { disabled: boolean }).disabled);
      assert.equal(await trainDisabled(), true, "no reward model yet: Train on learned reward is disabled");
      await p.page.click('vscode-button[data-command="fitReward"]');
      await waitFor(async () => fitRequests > 0, "fitReward posted");
      await send({ type: "rating", state: { ...rating.state(ids), rewardModel: { pairs: 2, trainAccuracy: 1, validationAccuracy: 0.75, createdAt: "" } } });
      await waitFor(async () => /held-out accuracy 75%/.test(await p.page.$eval('[data-role="reward-accuracy"]', (e) => e.textContent ?? "")), "the held-out accuracy");
      assert.equal(await trainDisabled(), false);
      await p.page.click('vscode-button[data-command="trainOnLearnedReward"]');
      await waitFor(async () => trainRequests > 0, "trainOnLearnedReward posted");
      assert.deepEqual(p.errors, [], "the page logged errors");
    } finally {
      running = false;
      await loop;
      await p.close();
    }
  });
});

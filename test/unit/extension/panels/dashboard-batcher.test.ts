/**
 * The dashboard's host side without VS Code: live-update batching (at most one message per interval), the
 * snapshot data of live and past runs, and the webview HTML's CSP.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { RunWriter } from "../../../../src/core/run/run-dir";
import { MAX_EPISODES_PER_FLUSH, UpdateBatcher, type BatcherClock, type DashboardUpdate } from "../../../../src/extension/panels/dashboard-batcher";
import { downsample, runData, SNAPSHOT_POINTS } from "../../../../src/extension/panels/dashboard-data";
import { dashboardHtml } from "../../../../src/extension/panels/dashboard-html";
import { readRunInfo } from "../../../../src/core/run/run-dir";

/** A manual clock: timers fire when the test advances time. */
class FakeClock implements BatcherClock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}

describe("UpdateBatcher", () => {
  test("sends at most one message per interval, whatever the rate of rows", () => {
    const clock = new FakeClock();
    const sent: DashboardUpdate[] = [];
    const b = new UpdateBatcher((m) => sent.push(m), 100, clock);
    // 1,000 rows per second for 2 seconds, over two runs.
    for (let ms = 0; ms < 2000; ms++) {
      b.addRow(ms % 2 ? "a" : "b", { update: ms });
      clock.advance(1);
    }
    clock.advance(200);
    assert.ok(sent.length <= 21, `${sent.length} messages in 2 s`);
    assert.ok(sent.length >= 19);
    const rows = sent.flatMap((m) => m.runs.flatMap((r) => r.rows));
    assert.equal(rows.length, 2000, "no row lost");
    assert.deepEqual(
      rows.map((r) => r.update).sort((x, y) => (x as number) - (y as number)),
      Array.from({ length: 2000 }, (_, i) => i),
    );
    assert.ok(sent.every((m) => m.runs.length <= 2), "one entry per run per message");
  });

  test("the first row after a quiet period goes out at once; clear() drops what is pending", () => {
    const clock = new FakeClock();
    const sent: DashboardUpdate[] = [];
    const b = new UpdateBatcher((m) => sent.push(m), 100, clock);
    b.addRow("a", { update: 1 });
    clock.advance(0);
    assert.equal(sent.length, 1);
    b.addRow("a", { update: 2 });
    b.clear();
    clock.advance(500);
    assert.equal(sent.length, 1);
    assert.equal(b.hasPending, false);
  });

  test("keeps only the latest episodes of a busy interval", () => {
    const clock = new FakeClock();
    const sent: DashboardUpdate[] = [];
    const b = new UpdateBatcher((m) => sent.push(m), 100, clock);
    b.addRow("a", { update: 1 });
    clock.advance(0);
    for (let i = 0; i < MAX_EPISODES_PER_FLUSH + 10; i++) b.addEpisode("a", { return: i, length: 1, step: i });
    clock.advance(100);
    const eps = sent[1].runs[0].episodes;
    assert.equal(eps.length, MAX_EPISODES_PER_FLUSH);
    assert.equal(eps[eps.length - 1].return, MAX_EPISODES_PER_FLUSH + 9);
  });
});

describe("dashboard snapshot data", () => {
  const roots: string[] = [];
  after(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

  test("a past run: rows downsampled to SNAPSHOT_POINTS with both ends, episodes, start time and sources", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-dashboard-"));
    roots.push(root);
    const w = RunWriter.create(
      root,
      {
        envName: "CartPole-v1",
        envFile: "examples/cartpole.ts",
        envHash: "x",
        seed: 3,
        backend: "cpu",
        config: { totalTimesteps: 1000, seed: 3 },
        configSources: { totalTimesteps: "flag", seed: "default" },
        versions: { ppoLab: "0", tfjs: "0", node: "20" },
      },
      { shortId: "dash01", now: new Date("2026-11-29T12:00:00Z") },
    );
    const n = SNAPSHOT_POINTS + 500;
    for (let i = 1; i <= n; i++) w.appendMetrics({ update: i, total_timesteps: i * 10, ep_rew_mean: i });
    w.appendEpisode({ return: 5, length: 7, total_timesteps: 70 });
    w.appendEpisode({ return: null, length: 2, total_timesteps: 90 });
    w.close();
    const data = runData({ kind: "past", info: { ...readRunInfo(w.dir), dir: w.dir } });
    assert.equal(data.rows.length, SNAPSHOT_POINTS);
    assert.equal(data.rows[0].update, 1);
    assert.equal(data.rows[SNAPSHOT_POINTS - 1].update, n);
    assert.deepEqual(data.episodes, [
      { return: 5, length: 7, step: 70 },
      { return: null, length: 2, step: 90 },
    ]);
    assert.equal(data.info.totalRows, n);
    assert.equal(data.info.startedAt, Date.parse("2026-11-29T12:00:00Z"));
    assert.deepEqual(data.info.sources, { totalTimesteps: "flag", seed: "default" });
    assert.equal(data.info.live, false);
    assert.equal(data.info.key, w.dir);
  });

  test("downsample keeps short lists as they are", () => {
    assert.deepEqual(downsample([1, 2, 3], 5), [1, 2, 3]);
    assert.deepEqual(downsample([1, 2, 3, 4, 5], 3), [1, 3, 5]);
  });
});

test("the webview HTML allows nothing remote: scripts only with the nonce, the rest from the extension", () => {
  const html = dashboardHtml({ cspSource: "https://ext", nonce: "abc", scriptUri: "https://ext/d.js", baseStyleUri: "https://ext/b.css", styleUri: "https://ext/d.css", codiconUri: "https://ext/c.css" });
  const csp = /content="([^"]+)"/.exec(html)![1];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc'/);
  assert.doesNotMatch(csp, /unsafe-eval|\*/);
  assert.match(html, /<script nonce="abc" src="https:\/\/ext\/d.js">/);
  assert.match(html, /id="vscode-codicon-stylesheet"/);
});

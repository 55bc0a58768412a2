/**
 * The dashboard webview in headless Chromium (see harness.ts): the handshake, snapshot + live updates, smoothing,
 * axes and scales, compare, theme switches, exports, header commands, episodes and config tables. Screenshots of
 * the three theme kinds go to test-artifacts/.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FromDashboardMessage } from "../../src/protocol";
import { makeEpisodes, makeRows, makeRun } from "./fixtures";
import { Harness, skipReason, waitFor, type DashboardPage } from "./harness";
import { THEMES } from "./themes";

const skip = skipReason();
if (skip) console.log(`# ${skip}`);

/** TensorBoard's classicSmoothing, written out independently of the webview's copy. */
function tensorboardSmoothing(values: number[], w: number): number[] {
  let last = 0;
  return values.map((v, i) => {
    last = last * w + (1 - w) * v;
    return last / (1 - Math.pow(w, i + 1));
  });
}

function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split("\n")
    .map((l) => l.split(","));
}

describe("dashboard webview", { skip }, () => {
  let harness: Harness;
  before(async () => {
    harness = await Harness.start();
  });
  after(async () => {
    await harness?.close();
  });

  /** Opens a page, runs `fn`, checks the page logged no error (CSP violations included), closes it. */
  async function withPage(fn: (p: DashboardPage) => Promise<void>, opts: Parameters<Harness["open"]>[0] = {}): Promise<void> {
    const p = await harness.open(opts);
    try {
      await fn(p);
      assert.deepEqual(p.errors, [], "the page logged errors");
    } finally {
      await p.close();
    }
  }

  const exports = async (p: DashboardPage) => (await p.posted()).filter((m): m is Extract<FromDashboardMessage, { type: "export" }> => m.type === "export");

  test("announces itself with ready, once, before anything else", async () => {
    await withPage(async (p) => {
      const posted = await p.posted();
      assert.deepEqual(posted, [{ type: "ready" }]);
    });
  });

  test("a snapshot then live updates render the right number of points", async () => {
    await withPage(async (p) => {
      const rows = makeRows({ n: 50 });
      await p.send({ type: "snapshot", runs: [makeRun("run-1", rows)] });
      let card = await p.describe("ep_rew_mean");
      assert.ok(card);
      const line = () => card!.datasets.find((d) => d.role === "line")!;
      const raw = () => card!.datasets.find((d) => d.role === "raw")!;
      assert.equal(line().points, 50);
      assert.equal(raw().points, 50);
      assert.equal(card.datasets.filter((d) => d.role.startsWith("band")).length, 2, "min/max band");

      const more = makeRows({ n: 7, from: 51 });
      await p.send({ type: "update", runs: [{ key: "run-1", rows: more.slice(0, 3), episodes: [] }] });
      await p.send({ type: "update", runs: [{ key: "run-1", rows: more.slice(3), episodes: [] }] });
      card = await p.describe("ep_rew_mean");
      assert.equal(line().points, 57);
      assert.equal(line().data[56].x, more[6].total_timesteps);
      // A row the webview already has (same update number) is not drawn twice.
      await p.send({ type: "update", runs: [{ key: "run-1", rows: more.slice(5), episodes: [] }] });
      card = await p.describe("ep_rew_mean");
      assert.equal(line().points, 57);

      const last = await p.page.textContent('.card[data-card="ep_rew_mean"] [data-role="last-value"]');
      assert.ok(Math.abs(Number(last) - (more[6].ep_rew_mean as number)) < 0.01, `last value ${last}`);
      const steps = await p.page.textContent('.run-header [data-role="steps"]');
      assert.match(steps ?? "", /116,736 \/ 1,000,000 steps \(12%\)/);
      // The header's rate is the recent one; its tooltip says how it differs from the steps_per_second chart.
      const rateTitle = await p.page.getAttribute('.run-header [data-role="rate"]', "title");
      assert.match(rateTitle ?? "", /last 10 updates.*average since the run started/);
      // A card per logged metric; none for a metric that is never logged.
      const cards = await p.cards();
      assert.ok(cards.includes("approx_kl") && cards.includes("advantage_std"));
      await p.send({ type: "snapshot", runs: [makeRun("run-1", makeRows({ n: 5, omit: ["std"] }))] });
      assert.ok(!(await p.cards()).includes("std"), "no std card for a discrete-action run");
    });
  });

  test("long histories are downsampled to about the chart's width, keeping both ends", async () => {
    await withPage(async (p) => {
      const rows = makeRows({ n: 2000, stepsPerUpdate: 500 });
      await p.send({ type: "snapshot", runs: [makeRun("run-1", rows)] });
      const card = (await p.describe("value_loss"))!;
      const line = card.datasets.find((d) => d.role === "line")!;
      assert.ok(line.points <= 1000 && line.points >= 100, `${line.points} points`);
      assert.equal(line.data[0].x, rows[0].total_timesteps);
      assert.equal(line.data[line.points - 1].x, rows[1999].total_timesteps);
    });
  });

  test("smoothing changes the drawn series (TensorBoard's debiased EMA), with the raw line behind", async () => {
    await withPage(async (p) => {
      const rows = makeRows({ n: 40 });
      const values = rows.map((r) => r.value_loss as number);
      await p.send({ type: "snapshot", runs: [makeRun("run-1", rows)] });
      const setSmoothing = (v: number) =>
        p.page.evaluate((value) => {
          const range = document.querySelector<HTMLInputElement>('[data-control="smoothing"]')!;
          range.value = String(value);
          range.dispatchEvent(new Event("input"));
        }, v);

      let card = (await p.describe("value_loss"))!;
      let line = card.datasets.find((d) => d.role === "line")!;
      const expected = tensorboardSmoothing(values, 0.6);
      for (const i of [0, 1, 10, 39]) assert.ok(Math.abs(line.data[i].y - expected[i]) < 1e-9, `default 0.6 at ${i}`);

      await setSmoothing(0);
      card = (await p.describe("value_loss"))!;
      line = card.datasets.find((d) => d.role === "line")!;
      assert.deepEqual(
        line.data.map((d) => d.y),
        values,
      );
      assert.equal(card.datasets.filter((d) => d.role === "raw").length, 0, "no separate raw line when not smoothing");

      await setSmoothing(0.95);
      card = (await p.describe("value_loss"))!;
      line = card.datasets.find((d) => d.role === "line")!;
      const smoothed = tensorboardSmoothing(values, 0.95);
      assert.ok(Math.abs(line.data[39].y - smoothed[39]) < 1e-9);
      assert.notEqual(line.data[39].y, values[39]);
      assert.equal(await p.page.textContent('[data-role="smoothing-value"]'), "0.95");
      assert.equal((await p.state()) && ((await p.state()) as { view: { smoothing: number } }).view.smoothing, 0.95);
    });
  });

  test("x axis: steps, updates, relative and wall time", async () => {
    await withPage(async (p) => {
      const rows = makeRows({ n: 10 });
      await p.send({ type: "snapshot", runs: [makeRun("run-1", rows, { startedAt: 1_800_000_000_000 })] });
      const setAxis = (v: string) =>
        p.page.evaluate((value) => {
          const s = document.querySelector('[data-control="x-axis"]') as HTMLElement & { value: string };
          s.value = value;
          s.dispatchEvent(new Event("change"));
        }, v);
      const firstX = async () => (await p.describe("entropy"))!.datasets.find((d) => d.role === "line")!.data[0].x;
      assert.equal(await firstX(), rows[0].total_timesteps);
      await setAxis("update");
      assert.equal(await firstX(), 1);
      await setAxis("relative");
      assert.equal(await firstX(), rows[0].wall_seconds);
      await setAxis("wall");
      assert.equal(await firstX(), 1_800_000_000 + (rows[0].wall_seconds as number));
    });
  });

  test("log scale per chart and the ignore-outliers y range", async () => {
    await withPage(async (p) => {
      const rows = makeRows({ n: 200 });
      rows[100].value_loss = 1e6; // one outlier
      await p.send({ type: "snapshot", runs: [makeRun("run-1", rows)] });
      await p.page.click('.card[data-card="value_loss"] [data-action="log"]');
      assert.equal((await p.describe("value_loss"))!.yType, "logarithmic");
      assert.equal((await p.describe("grad_norm"))!.yType, "linear", "only that chart");

      await p.page.click('.card[data-card="value_loss"] [data-action="log"]');
      await p.page.click('[data-control="ignore-outliers"]');
      const card = (await p.describe("value_loss"))!;
      assert.equal(card.yType, "linear");
      assert.ok(card.yMax !== undefined && card.yMax < 100, `y max ${card.yMax} ignores the outlier`);
    });
  });

  test("compare overlays two runs in stable colours, with a legend toggle and the config differences", async () => {
    await withPage(async (p) => {
      const a = makeRun("run-a", makeRows({ n: 30, seed: 1 }), { runId: "20261129-120000-cartpole-v1-aaaaaa" });
      const b = makeRun("run-b", makeRows({ n: 20, seed: 2, target: 300 }), {
        runId: "20261129-130000-cartpole-v1-bbbbbb",
        live: false,
        status: "finished",
        config: { ...a.info.config, learningRate: 1e-3, nEnvs: 4 },
        sources: { ...a.info.sources, learningRate: "flag" },
      });
      await p.send({ type: "snapshot", runs: [a, b] });
      let card = (await p.describe("ep_rew_mean"))!;
      const lines = card.datasets.filter((d) => d.role === "line");
      assert.deepEqual(lines.map((d) => [d.run, d.points]), [
        ["run-a", 30],
        ["run-b", 20],
      ]);
      assert.notEqual(lines[0].color, lines[1].color, "one colour per run");
      const palette = Object.entries(THEMES.dark.vars)
        .filter(([k]) => k.startsWith("--vscode-charts-") && !/foreground|lines/.test(k))
        .map(([, v]) => v);
      for (const l of lines) assert.ok(palette.includes(l.color), `${l.color} is a theme chart colour`);

      // The tooltip lists every run at the x nearest the cursor, the run nearest in y first.
      const box = (await p.page.locator('.card[data-card="ep_rew_mean"] canvas').boundingBox())!;
      await p.hover(box.x + box.width * 0.6, box.y + box.height * 0.1);
      const tip = (await p.describe("ep_rew_mean"))!.tooltip;
      assert.deepEqual(tip, ["run-a", "run-b"], "both runs, the higher one (nearer the cursor at the top) first");
      await p.hover(box.x + box.width * 0.6, box.y + box.height * 0.8);
      assert.deepEqual((await p.describe("ep_rew_mean"))!.tooltip, ["run-b", "run-a"]);
      await p.hover(0, 0);

      await p.screenshot("dashboard-compare-dark.png");

      // The legend hides a run everywhere, and the choice is saved.
      await p.page.click('.legend vscode-checkbox[data-run="run-b"]');
      card = (await p.describe("ep_rew_mean"))!;
      assert.deepEqual([...new Set(card.datasets.map((d) => d.run))], ["run-a"]);
      assert.deepEqual(((await p.state()) as { view: { hiddenRuns: string[] } }).view.hiddenRuns, [b.info.runId]);

      const diffKeys = await p.page.$$eval('[data-section="config-diff"] tr[data-key]', (trs) => trs.map((t) => (t as HTMLElement).dataset.key));
      assert.deepEqual(diffKeys, ["learningRate", "nEnvs"]);
      const headerCount = await p.page.$$eval(".run-header", (els) => els.length);
      assert.equal(headerCount, 2);

      // The same run keeps its colour in another panel, alone or in another order.
      const alone = await harness.open();
      try {
        await alone.send({ type: "snapshot", runs: [b, a] });
        const again = (await alone.describe("ep_rew_mean"))!.datasets.filter((d) => d.role === "line");
        assert.equal(again.find((d) => d.run === "run-b")!.color, lines[1].color);
      } finally {
        await alone.close();
      }
    });
  });

  test("a theme switch re-reads the colours", async () => {
    await withPage(async (p) => {
      await p.send({ type: "snapshot", runs: [makeRun("run-1", makeRows({ n: 20 }))] });
      const before = (await p.describe("entropy"))!.datasets.find((d) => d.role === "line")!.color;
      const slot = Object.values(THEMES.dark.vars).indexOf(before);
      assert.ok(slot >= 0, "a dark theme chart colour");
      const varName = Object.keys(THEMES.dark.vars)[slot];

      await p.setTheme("light");
      const light = (await p.describe("entropy"))!.datasets.find((d) => d.role === "line")!.color;
      assert.equal(light, THEMES.light.vars[varName], `${varName} of the light theme`);
      const theme = await p.page.evaluate(() => (window as unknown as { ppoLabDashboard: { theme(): { kind: string; background: string } } }).ppoLabDashboard.theme());
      assert.deepEqual([theme.kind, theme.background], ["light", "#ffffff"]);

      await p.setTheme("high-contrast");
      const hc = (await p.describe("entropy"))!.datasets.find((d) => d.role === "line")!.color;
      assert.equal(hc, THEMES["high-contrast"].vars[varName]);
      const bg = await p.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(bg, "rgb(0, 0, 0)");
    });
  });

  test("exports a chart's data as CSV and JSON with one row per update, and the chart as PNG", async () => {
    await withPage(async (p) => {
      const rows = makeRows({ n: 40 });
      const more = makeRows({ n: 5, from: 41 });
      await p.send({ type: "snapshot", runs: [makeRun("run-1", rows)] });
      await p.send({ type: "update", runs: [{ key: "run-1", rows: more, episodes: [] }] });
      await p.page.click('.card[data-card="ep_rew_mean"] [data-action="export-csv"]');
      await waitFor(async () => (await exports(p)).length === 1, "the CSV export message");
      const [csv] = await exports(p);
      assert.equal(csv.format, "csv");
      assert.equal(csv.key, "run-1");
      assert.match(csv.fileName, /^20261129-120000-cartpole-v1-\w+-ep_rew_mean\.csv$/);
      const table = parseCsv(csv.data);
      assert.deepEqual(table[0], ["run", "run_id", "step", "update", "wall_seconds", "ep_rew_mean", "ep_rew_mean_smoothed", "ep_rew_min", "ep_rew_max"]);
      assert.equal(table.length, 1 + 45, "a header and one row per update");
      const all = [...rows, ...more];
      for (const i of [0, 20, 44]) {
        const r = table[i + 1];
        assert.equal(Number(r[2]), all[i].total_timesteps);
        assert.equal(Number(r[3]), all[i].update);
        assert.equal(Number(r[5]), all[i].ep_rew_mean);
        assert.equal(Number(r[7]), all[i].ep_rew_min);
      }
      const smoothed = tensorboardSmoothing(
        all.map((r) => r.ep_rew_mean as number),
        0.6,
      );
      assert.ok(Math.abs(Number(table[45][6]) - smoothed[44]) < 1e-9);

      await p.page.click('.card[data-card="ep_rew_mean"] [data-action="export-json"]');
      await p.page.click('.card[data-card="ep_rew_mean"] [data-action="export-png"]');
      await waitFor(async () => (await exports(p)).length === 3, "the JSON and PNG export messages");
      const [, json, png] = await exports(p);
      const parsed = JSON.parse(json.data) as { chart: string; rows: Record<string, number>[] };
      assert.equal(parsed.chart, "ep_rew_mean");
      assert.equal(parsed.rows.length, 45);
      assert.equal(parsed.rows[44].update, 45);
      assert.equal(png.format, "png");
      assert.match(png.data, /^data:image\/png;base64,[A-Za-z0-9+/]{100,}/);
      assert.match(png.fileName, /\.png$/);
    });
  });

  test("header: status, progress and the run commands", async () => {
    await withPage(async (p) => {
      const run = makeRun("run-1", makeRows({ n: 10 }));
      await p.send({ type: "snapshot", runs: [run] });
      assert.equal((await p.page.textContent('[data-role="status-text"]'))?.trim(), "running");
      assert.match((await p.page.textContent('[data-role="eta"]')) ?? "", /^ETA /);
      await p.page.click('vscode-button[data-command="stop"]');
      await p.page.click('vscode-button[data-command="pause"]');
      await p.page.click('vscode-button[data-command="checkpoint"]');
      await p.page.click('vscode-button[data-command="openReplays"]');
      await p.page.click('vscode-button[data-command="openRunDir"]');
      const commands = (await p.posted()).filter((m) => m.type === "command");
      assert.deepEqual(
        commands.map((m) => m.type === "command" && [m.command, m.key]),
        [
          ["stop", "run-1"],
          ["pause", "run-1"],
          ["checkpoint", "run-1"],
          ["openReplays", "run-1"],
          ["openRunDir", "run-1"],
        ],
      );

      await p.send({ type: "runInfo", info: { ...run.info, status: "paused" } });
      assert.ok(await p.page.$('vscode-button[data-command="resume"]'), "Resume replaces Pause");
      assert.equal(await p.page.$('vscode-button[data-command="pause"]'), null);
      assert.equal(await p.page.$('[data-role="eta"]'), null, "no ETA while paused");

      await p.send({ type: "runInfo", info: { ...run.info, status: "failed", live: false, error: "the trainer process exited with code 1" } });
      const buttons = await p.page.$$eval(".run-header vscode-button", (bs) => bs.map((b) => (b as HTMLElement).dataset.command));
      assert.deepEqual(buttons, ["openReplays", "openRunDir"]);
      assert.match((await p.page.textContent(".run-header pre.error")) ?? "", /exited with code 1/);
    });
  });

  test("episodes: histogram of the recent window and a table of the last ones", async () => {
    await withPage(async (p) => {
      const episodes = makeEpisodes(150);
      await p.send({ type: "snapshot", runs: [makeRun("run-1", makeRows({ n: 10 }), {}, episodes)] });
      await p.flush();
      const rowsShown = await p.page.$$eval(".episodes-table tbody tr", (trs) => trs.length);
      assert.equal(rowsShown, 20);
      const counts = await p.page.evaluate(() => {
        const canvas = document.querySelector('[data-card="episode_returns"] canvas') as HTMLCanvasElement;
        return canvas.height > 0;
      });
      assert.ok(counts, "the histogram is drawn");
      assert.match((await p.page.textContent('[data-card="episode_returns"] .card-title')) ?? "", /100 episodes/);

      await p.send({ type: "update", runs: [{ key: "run-1", rows: [], episodes: [{ return: 499, length: 500, step: 123_456 }] }] });
      await p.flush();
      const first = await p.page.$$eval(".episodes-table tbody tr:first-child td", (tds) => tds.map((t) => t.textContent));
      assert.deepEqual(first, ["123,456", "499", "500"], "whole returns print without decimals (fmtColumn)");
    });
  });

  test("episodes redraw by themselves when scrolled into view, also next to a metric named episodes", async () => {
    await withPage(async (p) => {
      // makeRows logs an `episodes` metric (finished episodes per update), as the trainer does: its card under
      // Other metrics must not take the place of the Episodes section's redraw. No flush(): the lazy path is tested.
      await p.send({ type: "snapshot", runs: [makeRun("run-1", makeRows({ n: 10 }), {}, makeEpisodes(150))] });
      await p.page.evaluate(() => document.querySelector('[data-section="episodes"]')!.scrollIntoView());
      await p.page.waitForFunction(
        () => /100 episodes/.test(document.querySelector('[data-card="episode_returns"] .card-title')?.textContent ?? ""),
        undefined,
        { timeout: 10_000 },
      );
      assert.equal(await p.page.$$eval(".episodes-table tbody tr", (trs) => trs.length), 20);
    });
  });

  test("hyperparameters with their sources", async () => {
    await withPage(async (p) => {
      await p.send({ type: "snapshot", runs: [makeRun("run-1", makeRows({ n: 3 }))] });
      const rows = await p.page.$$eval('[data-section="config"] tr[data-key]', (trs) =>
        trs.map((t) => [(t as HTMLElement).dataset.key, t.querySelector(".value")?.textContent, t.querySelector(".source")?.textContent]),
      );
      assert.deepEqual(rows.find((r) => r[0] === "nEnvs"), ["nEnvs", "8", "preset"]);
      assert.deepEqual(rows.find((r) => r[0] === "seed"), ["seed", "1", "flag"]);
      assert.deepEqual(rows.find((r) => r[0] === "learningRate"), ["learningRate", "0.0003", "default"]);
      assert.equal(rows[rows.length - 1][2], "default", "non-defaults first");
    });
  });

  test("pins and collapses cards; view settings survive a reload (vscode.setState)", async () => {
    let saved: unknown;
    await withPage(async (p) => {
      await p.send({ type: "snapshot", runs: [makeRun("run-1", makeRows({ n: 10 }))] });
      await p.page.click('.card[data-card="approx_kl"] [data-action="pin"]');
      const pinned = await p.page.$$eval('[data-section="pinned"] .card', (cs) => cs.map((c) => (c as HTMLElement).dataset.card));
      assert.deepEqual(pinned, ["approx_kl"]);
      await p.page.click('.card[data-card="entropy"] [data-action="collapse"]');
      assert.equal(await p.page.isVisible('.card[data-card="entropy"] canvas'), false);
      saved = await p.state();
      assert.deepEqual((saved as { runDirs: string[] }).runDirs, ["/ws/.ppo-lab/runs/20261129-120000-cartpole-v1-00run1"]);
    });
    await withPage(
      async (p) => {
        await p.send({ type: "snapshot", runs: [makeRun("run-1", makeRows({ n: 10 }))] });
        const pinned = await p.page.$$eval('[data-section="pinned"] .card', (cs) => cs.map((c) => (c as HTMLElement).dataset.card));
        assert.deepEqual(pinned, ["approx_kl"]);
        assert.equal(await p.page.isVisible('.card[data-card="entropy"] canvas'), false);
      },
      { state: saved },
    );
  });

  for (const theme of ["dark", "light", "high-contrast"] as const) {
    test(`screenshot: ${theme} theme`, async () => {
      await withPage(
        async (p) => {
          const rows = makeRows({ n: 400, stepsPerUpdate: 1500 });
          await p.send({ type: "snapshot", runs: [makeRun("run-1", rows, {}, makeEpisodes(200, 3, 600_000))] });
          await p.hover(200, 400);
          const file = await p.screenshot(`dashboard-${theme}.png`);
          assert.ok(file.endsWith(".png"));
        },
        { theme, width: 1280, height: 900 },
      );
    });
  }
});

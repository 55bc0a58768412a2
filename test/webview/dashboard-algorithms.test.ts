/**
 * The dashboard with the "Beyond PPO-Clip" runs: GRPO and learned-reward runs are named in the run header, their
 * metrics (zero_advantage_fraction, kl_coef, kl_to_reference, non_score_reward, true_ep_rew_mean) get proper cards,
 * critic cards leave GRPO runs out, and metrics without a finite value give no empty chart.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { MetricsMessageRow } from "../../src/protocol";
import { makeRows, makeRun } from "./fixtures";
import { Harness, skipReason, type DashboardPage } from "./harness";

const skip = skipReason();
if (skip) console.log(`# ${skip}`);

/** GRPO rows: PPO's metrics plus GRPO's, with the critic's metrics as the trainer may still log them (zeros). */
function grpoRows(n: number, from = 1): MetricsMessageRow[] {
  return makeRows({ n, from, seed: 3 }).map((r, i) => ({
    ...r,
    value_loss: 0,
    explained_variance: null,
    value_mean: 0,
    zero_advantage_fraction: 0.5 / (1 + i),
    kl_coef: 0.04,
    kl_to_reference: 0.001 * (i + 1),
  }));
}

describe("dashboard webview: GRPO, KL and learned-reward runs", { skip }, () => {
  let harness: Harness;
  before(async () => {
    harness = await Harness.start();
  });
  after(async () => {
    await harness?.close();
  });

  async function withPage(fn: (p: DashboardPage) => Promise<void>): Promise<void> {
    const p = await harness.open();
    try {
      await fn(p);
      assert.deepEqual(p.errors, [], "the page logged errors");
    } finally {
      await p.close();
    }
  }

  const kinds = (p: DashboardPage) => p.page.$$eval('.run-header [data-role="algorithm"]', (els) => els.map((e) => e.textContent));
  const section = (p: DashboardPage, id: string) => p.page.$$eval(`[data-section="${id}"] .card:not([hidden])`, (els) => els.map((e) => (e as HTMLElement).dataset.card));

  test("the run header names the algorithm and a learned reward", async () => {
    await withPage(async (p) => {
      const ppo = makeRun("run-a", makeRows({ n: 3 }), { config: { algorithm: "ppo" } });
      const grpo = makeRun("run-b", grpoRows(3), { config: { algorithm: "grpo" } });
      const rlhf = makeRun("run-c", makeRows({ n: 3 }), { config: { algorithm: "ppo", rewardModel: "/ws/.ppo-lab/runs/x/reward-model.json" } });
      await p.send({ type: "snapshot", runs: [ppo, grpo, rlhf] });
      assert.deepEqual(await kinds(p), ["PPO", "GRPO", "PPO (learned reward)"]);
      // A queued run has no resolved config yet: the host names its kind from the options it was started with.
      await p.send({ type: "snapshot", runs: [makeRun("run-q", [], { config: undefined, kind: "GRPO", status: "queued" })] });
      assert.deepEqual(await kinds(p), ["GRPO"]);
      // A run whose config arrives later (queued, then started as GRPO) is relabelled.
      await p.send({ type: "snapshot", runs: [makeRun("run-d", [], { config: undefined, status: "queued" })] });
      assert.deepEqual(await kinds(p), ["PPO"]);
      assert.equal(await p.page.textContent('[data-role="notice"]'), "Waiting for the first PPO update...");
      await p.send({ type: "runInfo", info: { ...grpo.info, key: "run-d" } });
      assert.deepEqual(await kinds(p), ["GRPO"]);
      assert.equal(await p.page.textContent('[data-role="notice"]'), "Waiting for the first GRPO update...");
    });
  });

  test("GRPO and KL metrics have catalogue cards with units, not 'Other metrics' ones", async () => {
    await withPage(async (p) => {
      const rows = grpoRows(5).map((r) => ({ ...r, non_score_reward: -0.002, true_ep_rew_mean: 100 }));
      await p.send({ type: "snapshot", runs: [makeRun("run-1", rows, { config: { algorithm: "grpo", rewardModel: "rm.json" } })] });
      const rollout = await section(p, "rollout");
      for (const id of ["zero_advantage_fraction", "non_score_reward", "true_ep_rew_mean"]) assert.ok(rollout.includes(id), `${id} in Rollout: ${rollout}`);
      const policy = await section(p, "policy");
      for (const id of ["kl_coef", "kl_to_reference"]) assert.ok(policy.includes(id), `${id} in Policy: ${policy}`);
      const other = await section(p, "other");
      for (const id of ["zero_advantage_fraction", "non_score_reward", "kl_coef", "kl_to_reference", "true_ep_rew_mean"]) assert.ok(!other.includes(id), `${id} not under Other`);
      const unit = await p.page.textContent('.card[data-card="zero_advantage_fraction"] [data-role="unit"]');
      assert.equal(unit, "share of groups, 0-1");
      const help = await p.page.getAttribute('.card[data-card="zero_advantage_fraction"] .card-title', "title");
      assert.match(help ?? "", /same return/);
      assert.equal(await p.page.textContent('.card[data-card="kl_to_reference"] [data-role="unit"]'), "nats per step");
      const card = (await p.describe("zero_advantage_fraction"))!;
      assert.equal(card.datasets.find((d) => d.role === "line")!.points, 5);
      assert.ok(card.yDrawn[0] <= 0 && card.yDrawn[1] >= 1, `a share's axis shows 0..1: ${card.yDrawn}`);
      const kl = (await p.describe("kl_to_reference"))!;
      assert.ok(kl.yDrawn[1] < 0.1, `an unbounded metric's axis fits its data: ${kl.yDrawn}`);
    });
  });

  test("critic cards: no value cards for a GRPO run; in a PPO/GRPO comparison only PPO's lines", async () => {
    await withPage(async (p) => {
      await p.send({ type: "snapshot", runs: [makeRun("run-g", grpoRows(6), { config: { algorithm: "grpo" } })] });
      const cards = await p.cards();
      for (const id of ["value_loss", "explained_variance", "value_mean"]) assert.ok(!cards.includes(id), `no ${id} card for GRPO: ${cards}`);
      assert.equal(await p.page.$eval('[data-section="value"]', (e) => (e as HTMLElement).hidden), true, "the empty Value group is hidden");

      const ppo = makeRun("run-p", makeRows({ n: 6 }), { config: { algorithm: "ppo" }, runId: "20261129-120000-cartpole-v1-pppppp" });
      const grpo = makeRun("run-g", grpoRows(6), { config: { algorithm: "grpo" }, runId: "20261129-120000-cartpole-v1-gggggg" });
      await p.send({ type: "snapshot", runs: [ppo, grpo] });
      const card = (await p.describe("value_loss"))!;
      assert.deepEqual([...new Set(card.datasets.map((d) => d.run))], ["run-p"]);
      const values = await p.page.$$eval('.card[data-card="value_loss"] .run-value', (els) => els.map((e) => (e as HTMLElement).dataset.run));
      assert.deepEqual(values, ["run-p"]);
    });
  });

  test("config differences: a value and its source are separate cells, never one text", async () => {
    await withPage(async (p) => {
      const a = makeRun("run-a", makeRows({ n: 2 }), { runId: "20261129-120000-cartpole-v1-aaaaaa" });
      a.info.config = { ...a.info.config, algorithm: "ppo" };
      a.info.sources = { ...a.info.sources, algorithm: "flag" };
      const b = makeRun("run-b", makeRows({ n: 2 }), { runId: "20261129-120000-cartpole-v1-bbbbbb" });
      b.info.config = { ...b.info.config, algorithm: "grpo" };
      b.info.sources = { ...b.info.sources, algorithm: "flag" };
      await p.send({ type: "snapshot", runs: [a, b] });
      const row = await p.page.$eval('[data-section="config-diff"] tr[data-key="algorithm"]', (tr) => ({
        values: [...tr.querySelectorAll("td.value")].map((td) => td.textContent),
        sources: [...tr.querySelectorAll("td.source")].map((td) => td.textContent),
      }));
      assert.deepEqual(row, { values: ["ppo", "grpo"], sources: ["flag", "flag"] });
      const heads = await p.page.$$eval('[data-section="config-diff"] thead tr:last-child th', (ths) => ths.map((t) => t.textContent));
      assert.deepEqual(heads, ["value", "source", "value", "source"]);
    });
  });

  test("hyperparameters a run's algorithm does not read are marked unused (with the reason) and listed last", async () => {
    await withPage(async (p) => {
      const g = makeRun("run-g", grpoRows(2), { runId: "20261129-120000-cartpole-v1-gggggg" });
      g.info.config = { ...g.info.config, algorithm: "grpo", gaeLambda: 0.95, vfCoef: 0.5, grpo: { groupSize: 8 } };
      g.info.sources = { algorithm: "flag" };
      await p.send({ type: "snapshot", runs: [g] });
      const rows = await p.page.$$eval('[data-section="config"] tr[data-key]', (trs) =>
        trs.map((t) => ({ key: (t as HTMLElement).dataset.key, tag: t.querySelector('[data-role="unused"]')?.getAttribute("title") ?? null })),
      );
      const unused = rows.filter((r) => r.tag !== null).map((r) => r.key);
      assert.deepEqual(unused, ["gaeLambda", "gamma", "vfCoef"], `GRPO's unused critic and discount settings: ${JSON.stringify(rows)}`);
      assert.deepEqual(rows.slice(-3).map((r) => r.key), unused, "listed after the settings it reads");
      assert.match(rows.find((r) => r.key === "vfCoef")!.tag!, /no critic/);
      assert.equal(rows[0].key, "algorithm", "the non-default setting still comes first");
      // In a PPO/GRPO comparison, the marks are per run: GRPO's gamma is unused, PPO's grpo block is.
      const a = makeRun("run-a", makeRows({ n: 2 }), { runId: "20261129-120000-cartpole-v1-aaaaaa" });
      a.info.config = { ...a.info.config, algorithm: "ppo", gamma: 0.98, grpo: { groupSize: 4 } };
      await p.send({ type: "snapshot", runs: [a, g] });
      const cells = await p.page.$$eval('[data-section="config-diff"] tr[data-key] td.value', (tds) =>
        tds.map((td) => `${(td.closest("tr") as HTMLElement).dataset.key}/${(td as HTMLElement).dataset.run}:${td.querySelector('[data-role="unused"]') ? "unused" : "used"}`),
      );
      for (const c of ["gamma/run-a:used", "gamma/run-g:unused", "grpo/run-a:unused", "grpo/run-g:used", "algorithm/run-g:used"]) assert.ok(cells.includes(c), `${c} in ${cells.join(", ")}`);
    });
  });

  test("a PPO/GRPO comparison names each run with its kind: legend, card values, episode table, config columns", async () => {
    await withPage(async (p) => {
      const ep = (r: number) => [{ return: r, length: 50, step: 1000 }];
      const a = makeRun("run-a", makeRows({ n: 3, seed: 1 }), { runId: "20261129-120000-cartpole-v1-9ebd20", config: { algorithm: "ppo" } }, ep(109));
      const b = makeRun("run-b", grpoRows(3), { runId: "20261129-120000-cartpole-v1-0e45b1", config: { algorithm: "grpo" } }, ep(94));
      await p.send({ type: "snapshot", runs: [a, b] });
      const names = ["PPO · CartPole-v1 · 9ebd20", "GRPO · CartPole-v1 · 0e45b1"];
      assert.deepEqual(await p.page.$$eval(".legend vscode-checkbox", (els) => els.map((e) => (e as HTMLElement & { label: string }).label)), names);
      const values = await p.page.$$eval('.card[data-card="ep_rew_mean"] .run-value', (els) => els.map((e) => [e.querySelector('[data-role="run-kind"]')?.textContent, (e as HTMLElement).title]));
      assert.deepEqual(values.map((v) => v[0]), ["PPO", "GRPO"]);
      assert.ok(values[1][1]?.startsWith(`${names[1]}: `), `the value's tooltip names the run: ${values[1][1]}`);
      const cells = await p.page.$$eval(".episodes-table .run-cell", (tds) => tds.map((t) => t.textContent));
      assert.deepEqual([...new Set(cells)].sort(), [...names].sort());
      const returns = await p.page.$$eval(".episodes-table tbody tr", (trs) => trs.map((t) => t.querySelectorAll("td")[2]?.textContent));
      assert.deepEqual(returns.sort(), ["109", "94"], "one format for every return in the table");
      const cols = await p.page.$$eval('[data-section="config-diff"] th.run-col', (ths) => ths.map((t) => t.textContent));
      assert.deepEqual(cols, names);
      // The run header keeps the kind in its badge, not twice.
      assert.deepEqual(await p.page.$$eval(".run-header .run-title", (hs) => hs.map((h) => h.textContent)), ["CartPole-v1 · 9ebd20", "CartPole-v1 · 0e45b1"]);
      // Two runs of one kind: the values carry no kind tag (the legend still names them).
      await p.send({ type: "snapshot", runs: [a, { ...b, info: { ...b.info, config: { algorithm: "ppo" } } }] });
      assert.equal(await p.page.$$eval('.card[data-card="ep_rew_mean"] [data-role="run-kind"]', (els) => els.length), 0);
    });
  });

  test("a narrow panel: card titles wrap instead of being cut, a wrapped Runs legend line starts under its first run", async () => {
    const p = await harness.open({ width: 520, height: 900 });
    try {
      const a = makeRun("run-a", makeRows({ n: 3, seed: 1 }), { runId: "20261129-120000-cartpole-v1-9ebd20", config: { algorithm: "ppo" } });
      const b = makeRun("run-b", grpoRows(3), { runId: "20261129-120000-cartpole-v1-0e45b1", config: { algorithm: "grpo" } });
      await p.send({ type: "snapshot", runs: [a, b] });
      await p.frames();
      const title = await p.page.$eval('.card[data-card="zero_advantage_fraction"] .card-title', (t) => {
        const tools = t.parentElement!.querySelector(".card-tools")!.getBoundingClientRect();
        const r = t.getBoundingClientRect();
        return { text: t.textContent, cut: t.scrollWidth > t.clientWidth + 1, right: r.right, toolsLeft: tools.left, lines: Math.round(r.height / parseFloat(getComputedStyle(t).lineHeight || "16")), tip: (t as HTMLElement).title };
      });
      assert.equal(title.text, "zero_advantage_fraction");
      assert.equal(title.cut, false, `the title is not cut: ${JSON.stringify(title)}`);
      assert.ok(title.right <= title.toolsLeft + 1, `the title does not run under the card's buttons: ${JSON.stringify(title)}`);
      assert.match(title.tip, /^zero_advantage_fraction\n/, "the tooltip names the metric");
      const legend = await p.page.$$eval(".legend .legend-item", (items) => items.map((i) => { const r = i.getBoundingClientRect(); return { left: Math.round(r.left), top: Math.round(r.top) }; }));
      const runsTitle = await p.page.$eval(".legend .legend-title", (t) => t.getBoundingClientRect().right);
      assert.equal(legend.length, 2);
      assert.ok(legend[1].top > legend[0].top, `the legend wraps at this width (else the test checks nothing): ${JSON.stringify(legend)}`);
      assert.equal(legend[1].left, legend[0].left, `the second line starts under the first run: ${JSON.stringify(legend)}`);
      assert.ok(legend[1].left > runsTitle, "not under the 'Runs' title");
      assert.deepEqual(p.errors, [], "the page logged errors");
    } finally {
      await p.close();
    }
  });

  test("two-run comparison: the episode histogram and table follow every live batch of both runs", async () => {
    const p = await harness.open({ height: 1600 });
    try {
      type Episodes = { datasets: { label: string; counts: number[] }[]; rows: number };
      const episodes = () => p.page.evaluate(() => (window as unknown as { ppoLabDashboard: { episodes(): Episodes } }).ppoLabDashboard.episodes());
      const oneFrame = () => p.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
      const a = makeRun("run-a", makeRows({ n: 30, seed: 1 }), { runId: "20261129-120000-cartpole-v1-aaaaaa", config: { algorithm: "ppo" } });
      const b = makeRun("run-b", makeRows({ n: 30, seed: 2 }), { runId: "20261129-120000-cartpole-v1-bbbbbb", config: { algorithm: "grpo" } });
      await p.send({ type: "snapshot", runs: [a, b] });
      // The user looks at the Episodes section, with chart cards above it on screen too (they redraw on every batch).
      await p.page.evaluate(() => document.querySelector('[data-section="episodes"]')!.scrollIntoView({ block: "end" }));
      await p.frames();
      const counts = { a: 0, b: 0 };
      for (let k = 0; k < 6; k++) {
        // Episodes for both runs in even batches, for run-b alone in odd ones; metric rows for both every time.
        const epA = k % 2 === 0 ? [{ return: 100 + k, length: 100, step: 70_000 + 1000 * k }] : [];
        const epB = [{ return: 200 + k, length: 200, step: 90_000 + 1000 * k }, { return: 210 + k, length: 210, step: 90_500 + 1000 * k }];
        counts.a += epA.length;
        counts.b += epB.length;
        await p.send({
          type: "update",
          runs: [
            { key: "run-a", rows: makeRows({ n: 1, from: 31 + k, seed: 1 }), episodes: epA },
            { key: "run-b", rows: makeRows({ n: 1, from: 31 + k, seed: 2 }), episodes: epB },
          ],
        });
        await oneFrame();
        const e = await episodes();
        const totals = e.datasets.map((d) => d.counts.reduce((s, c) => s + c, 0));
        assert.deepEqual(totals, [counts.a, counts.b], `batch ${k}: histogram counts per run (drawn in the frame after the batch)`);
        const top = await p.page.$$eval(".episodes-table tbody tr", (trs) => trs.slice(0, 2).map((t) => [(t as HTMLElement).dataset.run, t.querySelectorAll("td")[1]?.textContent]));
        assert.ok(
          top.some(([run, step]) => run === "run-b" && step === (90_500 + 1000 * k).toLocaleString("en-US")),
          `batch ${k}: run-b's newest episode is at the top of the table: ${JSON.stringify(top)}`,
        );
      }
      assert.deepEqual(p.errors, [], "the page logged errors");
    } finally {
      await p.close();
    }
  });

  test("a metric logged only as null gets a card once it has a value, not before", async () => {
    await withPage(async (p) => {
      const rows = makeRows({ n: 3 }).map((r) => ({ ...r, kl_coef: null }));
      await p.send({ type: "snapshot", runs: [makeRun("run-1", rows)] });
      assert.ok(!(await p.cards()).includes("kl_coef"), "no empty kl_coef chart");
      await p.send({ type: "update", runs: [{ key: "run-1", rows: makeRows({ n: 1, from: 4 }).map((r) => ({ ...r, kl_coef: 0.2 })), episodes: [] }] });
      assert.ok((await p.cards()).includes("kl_coef"));
    });
  });
});

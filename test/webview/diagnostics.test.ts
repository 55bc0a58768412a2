/**
 * The dashboard's diagnostics in headless Chromium (see harness.ts): the strip's counts by severity, one card per
 * finding (evidence chart with the threshold line, suggestion buttons that post the copy message, "Open config"),
 * live findings, and the markers chart cards draw at the updates where findings fired. A dark-theme screenshot goes
 * to test-artifacts/. The pure helpers (webview/dashboard/findings.ts) are tested in node first.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { DiagnosticFinding } from "../../src/core/diagnostics/types";
import type { FromDashboardMessage } from "../../src/protocol";
import { codeParts, configChange, countBySeverity, evidenceSummary, evidenceUpdates } from "../../webview/dashboard/findings";
import { makeRows, makeRun } from "./fixtures";
import { Harness, skipReason, type CardView, type DashboardPage } from "./harness";

const skip = skipReason();
if (skip) console.log(`# ${skip}`);

/** A finding as the trainer sends it; `update` is where it fired, the evidence covers the 5 updates before it. */
function makeFinding(patch: Partial<DiagnosticFinding> & { update: number }, stepsPerUpdate = 2048): DiagnosticFinding {
  const update = patch.update;
  const values = [0.03, 0.06, 0.09, 0.12, 0.15];
  return {
    id: "kl.exploding",
    severity: "warning",
    title: "the policy changes too much per update (approx_kl far above its usual range)",
    explanation:
      "approx_kl estimates how far each update moves the policy. Values well above 0.05 mean the update steps are too large: " +
      "the clipped objective no longer keeps the new policy close to the old one, and learning becomes unstable.",
    evidence: {
      metric: "approx_kl",
      values,
      updates: { from: update - values.length + 1, to: update },
      value: 0.12,
      threshold: 0.05,
      comparison: "above",
      smoothing: "median of the last 5 updates",
      context: { learningRate: 3e-4 },
    },
    suggestions: ["lower `learningRate` to 1e-4 (now 3e-4)", "set `targetKl: 0.02` to cap each update's size", "run fewer epochs per update: `nEpochs: 5`"],
    totalTimesteps: update * stepsPerUpdate,
    source: "[ANDRY] approx_kl > 0.05 is large",
    ...patch,
  };
}

function nanRewardFinding(update: number): DiagnosticFinding {
  return makeFinding({
    id: "reward.nonfinite",
    severity: "error",
    update,
    title: "the env returned a NaN reward",
    explanation: "The reward of a step was NaN. One NaN reaches the advantages and then every weight of the networks.",
    evidence: { metric: "reward", values: [1, 1, null], updates: { from: update - 2, to: update }, value: null, threshold: 0, comparison: "above", smoothing: "any non-finite value", context: { raw: "NaN" } },
    suggestions: ["check the reward in the env's `step`: is it computed from the new state, and returned?"],
    location: { file: "/ws/examples/cartpole.ts", line: 42, column: 3, method: "step" },
  });
}

describe("diagnostics helpers (node)", () => {
  test("configChange: the `key: value` span, or `key` ... to <number>, else the suggestion", () => {
    assert.equal(configChange("add an entropy bonus: `entCoef: 0.01`"), "entCoef: 0.01");
    assert.equal(configChange('anneal the learning rate: `lrSchedule: "linear"`, or lower `learningRate` to 1e-4'), 'lrSchedule: "linear"');
    assert.equal(configChange("lower `learningRate` to 1e-4 (now 3e-4)"), "learningRate: 1e-4");
    assert.equal(configChange("raise `entCoef` (now 0.01) to 0.03"), "entCoef: 0.03");
    assert.equal(configChange("check that the reward depends on the action"), "check that the reward depends on the action");
    assert.equal(configChange("lower `learningRate`"), "lower `learningRate`");
  });

  test("codeParts, counts, evidence x values and summary", () => {
    assert.deepEqual(codeParts("set `a: 1` now"), [
      { code: false, text: "set " },
      { code: true, text: "a: 1" },
      { code: false, text: " now" },
    ]);
    const f = makeFinding({ update: 9 });
    assert.deepEqual(evidenceUpdates(f.evidence), [5, 6, 7, 8, 9]);
    assert.deepEqual(evidenceUpdates({ ...f.evidence, values: [1, 2, 3], updates: { from: 1, to: 9 } }), [1, 5, 9]);
    assert.equal(evidenceSummary(f.evidence), "approx_kl 0.12 > 0.05 (median of the last 5 updates), updates 5-9");
    assert.equal(evidenceSummary({ ...f.evidence, value: 1.23456e-5, threshold: 1e-4, comparison: "below" }), "approx_kl 1.2e-5 < 1e-4 (median of the last 5 updates), updates 5-9");
    assert.equal(evidenceSummary(nanRewardFinding(4).evidence), "reward = NaN, updates 2-4");
    assert.deepEqual(countBySeverity([f, nanRewardFinding(3), f]), { error: 1, warning: 2, info: 0 });
  });
});

type MarkerView = { x: number; id: string; severity: string; strong: boolean; color: string; px: number; inArea: boolean };
type EvidenceView = {
  key: string;
  id: string;
  severity: string;
  datasets: { role: string; label: string; color: string; data: { x: number; y: number }[]; dashed: boolean; fill: string | boolean }[];
  markers: number[];
};

describe("dashboard diagnostics", { skip }, () => {
  let harness: Harness;
  before(async () => {
    harness = await Harness.start();
  });
  after(async () => {
    await harness?.close();
  });

  async function withPage(fn: (p: DashboardPage) => Promise<void>, opts: Parameters<Harness["open"]>[0] = {}): Promise<void> {
    const p = await harness.open(opts);
    try {
      await fn(p);
      assert.deepEqual(p.errors, [], "the page logged errors");
    } finally {
      await p.close();
    }
  }

  const counts = (p: DashboardPage) =>
    p.page.$$eval(".diag-count", (cs) => Object.fromEntries(cs.map((c) => [(c as HTMLElement).dataset.severity, Number((c as HTMLElement).dataset.count)])));
  const findingCards = (p: DashboardPage) =>
    p.page.$$eval("article.finding", (as) => as.map((a) => [(a as HTMLElement).dataset.finding, (a as HTMLElement).dataset.severity, (a as HTMLElement).dataset.update]));
  const evidence = (p: DashboardPage) => p.page.evaluate(() => (window as unknown as { ppoLabDashboard: { findings(): EvidenceView[] } }).ppoLabDashboard.findings());
  const markers = async (p: DashboardPage, card: string) => ((await p.describe(card)) as (CardView & { markers: MarkerView[] }) | undefined)?.markers ?? [];

  test("a snapshot with 2 findings: the strip counts them by severity, one card each (errors first)", async () => {
    await withPage(async (p) => {
      const rows = makeRows({ n: 30 });
      await p.send({ type: "snapshot", runs: [{ ...makeRun("run-1", rows), findings: [makeFinding({ update: 12 }), nanRewardFinding(20)] }] });
      assert.equal(await p.page.isVisible('[data-section="diagnostics"]'), true);
      assert.deepEqual(await counts(p), { error: 1, warning: 1, info: 0 });
      assert.match((await p.page.textContent(".diag-counts")) ?? "", /1 error.*1 warning.*0 info/);
      assert.deepEqual(await findingCards(p), [
        ["reward.nonfinite", "error", "20"],
        ["kl.exploding", "warning", "12"],
      ]);
      const card = '.finding[data-finding="kl.exploding"]';
      assert.match((await p.page.textContent(`${card} [data-role="title"]`)) ?? "", /changes too much per update/);
      assert.match((await p.page.textContent(`${card} [data-role="explanation"]`)) ?? "", /approx_kl estimates/);
      assert.match((await p.page.textContent(`${card} [data-role="evidence"]`)) ?? "", /approx_kl 0\.12 > 0\.05/);
      assert.equal(await p.page.$$eval(`${card} button.suggestion`, (bs) => bs.length), 3);
      assert.equal(await p.page.$$eval(`${card} button.suggestion code`, (cs) => cs[0].textContent), "learningRate", "code spans are rendered as code");
    });
  });

  test("a run without findings shows the strip with no cards", async () => {
    await withPage(async (p) => {
      await p.send({ type: "snapshot", runs: [makeRun("run-1", makeRows({ n: 5 }))] });
      assert.equal(await p.page.textContent('[data-role="no-findings"]'), "No findings so far");
      assert.equal(await p.page.$$eval("article.finding", (as) => as.length), 0);
    });
  });

  test("compare: each card names its run, in the run's colour", async () => {
    await withPage(async (p) => {
      await p.send({
        type: "snapshot",
        runs: [
          { ...makeRun("run-a", makeRows({ n: 10 }), { runId: "20261129-120000-cartpole-v1-aaaaaa" }), findings: [makeFinding({ update: 8 })] },
          { ...makeRun("run-b", makeRows({ n: 10 }), { runId: "20261129-120000-cartpole-v1-bbbbbb", live: false, status: "finished" }), findings: [nanRewardFinding(9)] },
        ],
      });
      const labels = await p.page.$$eval("article.finding", (as) => as.map((a) => [(a as HTMLElement).dataset.run, a.querySelector(".finding-run")?.textContent]));
      assert.deepEqual(labels, [
        ["run-b", "PPO · CartPole-v1 · bbbbbb"],
        ["run-a", "PPO · CartPole-v1 · aaaaaa"],
      ]);
      assert.deepEqual(await counts(p), { error: 1, warning: 1, info: 0 });
    });
  });

  test("a live findings message adds a card and updates the counts (a repeated one does not)", async () => {
    await withPage(async (p) => {
      await p.send({ type: "snapshot", runs: [{ ...makeRun("run-1", makeRows({ n: 10 })), findings: [makeFinding({ update: 8 })] }] });
      assert.equal((await findingCards(p)).length, 1);
      await p.send({ type: "update", runs: [{ key: "run-1", rows: makeRows({ n: 5, from: 11 }), episodes: [] }] });
      const live = makeFinding({ id: "value.not-learning", severity: "info", update: 15, title: "the value function explains none of the returns" });
      await p.send({ type: "findings", key: "run-1", findings: [live] });
      assert.deepEqual(await findingCards(p), [
        ["kl.exploding", "warning", "8"],
        ["value.not-learning", "info", "15"],
      ]);
      assert.deepEqual(await counts(p), { error: 0, warning: 1, info: 1 });
      await p.send({ type: "findings", key: "run-1", findings: [live] });
      assert.equal((await findingCards(p)).length, 2, "the same finding twice is one card");
      await p.send({ type: "findings", key: "no-such-run", findings: [nanRewardFinding(3)] });
      assert.equal((await findingCards(p)).length, 2);
    });
  });

  test("a suggestion button posts the copy message; Open config posts the finding's location", async () => {
    await withPage(async (p) => {
      await p.send({ type: "snapshot", runs: [{ ...makeRun("run-1", makeRows({ n: 30 })), findings: [makeFinding({ update: 12 }), nanRewardFinding(20)] }] });
      await p.page.click('.finding[data-finding="kl.exploding"] button.suggestion[data-index="1"]');
      await p.page.click('.finding[data-finding="kl.exploding"] button.suggestion[data-index="0"]');
      await p.page.click('.finding[data-finding="reward.nonfinite"] button.suggestion');
      const copies = (await p.posted()).filter((m): m is Extract<FromDashboardMessage, { type: "copySuggestion" }> => m.type === "copySuggestion");
      assert.deepEqual(copies, [
        { type: "copySuggestion", key: "run-1", findingId: "kl.exploding", suggestion: "set `targetKl: 0.02` to cap each update's size", text: "targetKl: 0.02" },
        { type: "copySuggestion", key: "run-1", findingId: "kl.exploding", suggestion: "lower `learningRate` to 1e-4 (now 3e-4)", text: "learningRate: 1e-4" },
        {
          type: "copySuggestion",
          key: "run-1",
          findingId: "reward.nonfinite",
          suggestion: "check the reward in the env's `step`: is it computed from the new state, and returned?",
          text: "check the reward in the env's `step`: is it computed from the new state, and returned?",
        },
      ]);

      await p.page.click('.finding[data-finding="reward.nonfinite"] vscode-button[data-action="open-config"]');
      await p.page.click('.finding[data-finding="kl.exploding"] vscode-button[data-action="open-config"]');
      const opens = (await p.posted()).filter((m) => m.type === "openConfig");
      assert.deepEqual(opens, [
        { type: "openConfig", key: "run-1", findingId: "reward.nonfinite", location: { file: "/ws/examples/cartpole.ts", line: 42, column: 3 } },
        { type: "openConfig", key: "run-1", findingId: "kl.exploding" },
      ]);
    });
  });

  test("the evidence chart draws the metric over the evidence's updates and the threshold as a horizontal line", async () => {
    await withPage(async (p) => {
      const f = makeFinding({ update: 12 });
      await p.send({ type: "snapshot", runs: [{ ...makeRun("run-1", makeRows({ n: 30 })), findings: [f] }] });
      const [chart] = await evidence(p);
      assert.equal(chart.id, "kl.exploding");
      const line = chart.datasets.find((d) => d.role === "evidence")!;
      assert.deepEqual(
        line.data.map((d) => [d.x, d.y]),
        [8, 9, 10, 11, 12].map((u, i) => [u, f.evidence.values[i]]),
      );
      const threshold = chart.datasets.find((d) => d.role === "threshold")!;
      assert.ok(threshold, "a threshold dataset");
      assert.deepEqual(
        threshold.data.map((d) => d.y),
        [0.05, 0.05],
        "horizontal at the threshold",
      );
      const [x0, x1] = threshold.data.map((d) => d.x);
      assert.ok(x0 <= 8 && x0 > 7.5 && x1 >= 12 && x1 < 12.5, `across the evidence's update range: ${x0}..${x1}`);
      assert.ok(threshold.dashed);
      assert.equal(threshold.fill, "end", "the side above the threshold (where it fires) is shaded");
      assert.equal(threshold.color, "#cca700", "in the warning colour");
      assert.deepEqual(chart.markers, []);
      // The canvas is really drawn (not a 0x0 chart).
      const size = await p.page.$eval('.finding[data-finding="kl.exploding"] canvas', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
      assert.ok(size[0] > 100 && size[1] > 50, `canvas ${size}`);

      // A non-finite value: a marker at its update, the threshold line without shading.
      await p.send({ type: "findings", key: "run-1", findings: [nanRewardFinding(20)] });
      const nan = (await evidence(p)).find((c) => c.id === "reward.nonfinite")!;
      assert.deepEqual(nan.markers, [20]);
      const nanThreshold = nan.datasets.find((d) => d.role === "threshold")!;
      assert.equal(nanThreshold.fill, false);
      assert.equal(nanThreshold.color, "#f85149", "in the error colour (the theme's errorForeground)");
    });
  });

  test("chart cards mark the update where a finding fired (solid on the finding's metric, dashed elsewhere)", async () => {
    await withPage(async (p) => {
      const rows = makeRows({ n: 30 });
      await p.send({ type: "snapshot", runs: [{ ...makeRun("run-1", rows), findings: [makeFinding({ update: 12 })] }] });
      const kl = await markers(p, "approx_kl");
      assert.equal(kl.length, 1);
      assert.equal(kl[0].id, "kl.exploding");
      assert.equal(kl[0].x, rows[11].total_timesteps, "at the step of update 12");
      assert.equal(kl[0].strong, true);
      assert.ok(kl[0].inArea, "inside the plot area");
      const rew = await markers(p, "ep_rew_mean");
      assert.equal(rew.length, 1);
      assert.equal(rew[0].strong, false);
      assert.equal(rew[0].x, kl[0].x, "at the same update on every card");
      assert.ok(rew[0].inArea);

      // A live finding adds a marker; the update axis puts it at the update number.
      await p.send({ type: "findings", key: "run-1", findings: [nanRewardFinding(20)] });
      assert.deepEqual(
        (await markers(p, "approx_kl")).map((m) => [m.id, m.x]),
        [
          ["reward.nonfinite", rows[19].total_timesteps],
          ["kl.exploding", rows[11].total_timesteps],
        ],
      );
      await p.page.evaluate(() => {
        const select = document.querySelector('[data-control="x-axis"]') as HTMLElement & { value: string };
        select.value = "update";
        select.dispatchEvent(new Event("change"));
      });
      const byUpdate = await markers(p, "approx_kl");
      assert.deepEqual(byUpdate.map((m) => m.x).sort((a, b) => a - b), [12, 20]);
    });
  });

  test("screenshot: dark theme with findings", async () => {
    await withPage(
      async (p) => {
        const rows = makeRows({ n: 120, stepsPerUpdate: 2048 });
        const kl = makeFinding({ update: 60 });
        kl.evidence.values = rows.slice(55, 60).map((r, i) => (r.approx_kl as number) * (3 + i));
        kl.evidence.value = 0.08;
        const value = makeFinding({
          id: "value.not-learning",
          severity: "info",
          update: 30,
          title: "the value function explains little of the returns",
          explanation: "explained_variance stayed at or below 0: the critic predicts the returns no better than a constant, so the advantages are mostly noise.",
          evidence: { ...kl.evidence, metric: "explained_variance", values: [-0.2, -0.1, 0, -0.05, 0.02], updates: { from: 26, to: 30 }, value: -0.05, threshold: 0, comparison: "below" },
          suggestions: ["raise `vfCoef` to 1", "normalise the observations: `normalizeObservation: true`"],
        });
        await p.send({ type: "snapshot", runs: [{ ...makeRun("run-1", rows), findings: [kl, nanRewardFinding(90), value] }] });
        const file = await p.screenshot("dashboard-diagnostics-dark.png");
        assert.ok(file.endsWith(".png"));
      },
      { theme: "dark", width: 1280, height: 1000 },
    );
  });
});

/**
 * Webview benchmark (`npm run bench:webview`): the built dashboard in headless Chromium (see harness.ts) with a
 * 1M-step run of 2,000 updates and 30 metrics (all 30 charts on screen), then live updates at the host's maximum
 * rate (10 messages per second), a smoothing drag, and a 3-run compare. Reports the time of every chart redraw:
 * `update` is `chart.update('none')` (layout + draw, synchronous with animations off), `total` adds the data
 * preparation (smoothing over the full series, LTTB downsampling, datasets). Also counts long tasks (> 50 ms).
 * Writes test-artifacts/webview-bench.json. Never asserted in tests.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RedrawTiming } from "../../webview/dashboard/chart-card";
import { makeEpisodes, makeRows, makeRun, METRICS } from "./fixtures";
import { ARTIFACTS, Harness, skipReason, waitFor, type DashboardPage } from "./harness";

const UPDATES = 2000;
const STEPS_PER_UPDATE = 500; // 2,000 updates x 500 = 1,000,000 steps
const LIVE_SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 10);
const LIVE_RATE = 10; // messages per second: the host's batching cap

interface Stats {
  n: number;
  median: number;
  p95: number;
  max: number;
}

function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))] : NaN);
  const r = (v: number) => Math.round(v * 100) / 100;
  return { n: s.length, median: r(q(0.5)), p95: r(q(0.95)), max: r(s[s.length - 1] ?? NaN) };
}

/**
 * Over all redraws, and per chart: on a busy machine the tail is mostly time the renderer was not scheduled, so the
 * per-chart medians and minimums (the chart's own cost) are reported next to the overall percentiles.
 */
function summarise(t: RedrawTiming[]): {
  update: Stats;
  total: Stats;
  pointsPerChart: number;
  worstChart: { card: string; medianTotal: number; minTotal: number };
  /** Each chart's fastest redraw (its cost when the renderer is not interrupted): the median and the largest. */
  perChartBest: { median: number; max: number };
} {
  const byCard = new Map<string, number[]>();
  for (const x of t) byCard.set(x.card, [...(byCard.get(x.card) ?? []), x.prepMs + x.updateMs]);
  let worst = { card: "", medianTotal: 0, minTotal: 0 };
  const bests: number[] = [];
  for (const [card, v] of byCard) {
    const s = stats(v);
    const best = Math.round(Math.min(...v) * 100) / 100;
    bests.push(best);
    if (s.median > worst.medianTotal) worst = { card, medianTotal: s.median, minTotal: best };
  }
  const b = stats(bests);
  return {
    update: stats(t.map((x) => x.updateMs)),
    total: stats(t.map((x) => x.prepMs + x.updateMs)),
    pointsPerChart: Math.round(t.reduce((s, x) => s + x.points, 0) / Math.max(1, t.length)),
    worstChart: worst,
    perChartBest: { median: b.median, max: b.max },
  };
}

type Api = {
  ppoLabDashboard: { timings(): RedrawTiming[]; clearTimings(): void; pending(): number; cards(): string[] };
  __longTasks: number[];
};

async function timings(p: DashboardPage): Promise<RedrawTiming[]> {
  return p.page.evaluate(() => (window as unknown as Api).ppoLabDashboard.timings());
}

async function clear(p: DashboardPage): Promise<void> {
  await p.page.evaluate(() => {
    const w = window as unknown as Api;
    w.ppoLabDashboard.clearTimings();
    w.__longTasks = [];
  });
}

/** Waits until no redraw is queued (the scheduler drew everything on screen). */
async function settled(p: DashboardPage): Promise<void> {
  await waitFor(() => p.page.evaluate(() => (window as unknown as Api).ppoLabDashboard.pending() === 0), "the charts to be drawn", 60_000);
  await p.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

async function longTasks(p: DashboardPage): Promise<number[]> {
  return p.page.evaluate(() => (window as unknown as Api).__longTasks ?? []);
}

async function main(): Promise<void> {
  const skip = skipReason();
  if (skip) {
    console.log(skip);
    return;
  }
  const harness = await Harness.start();
  const result: Record<string, unknown> = {
    scenario: `1 run, ${UPDATES} updates, ${UPDATES * STEPS_PER_UPDATE} steps, ${METRICS.length} metrics; live ${LIVE_RATE} msg/s for ${LIVE_SECONDS} s`,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg().map((l) => +l.toFixed(2)) },
  };
  try {
    // Every group open, a tall viewport: all charts are on screen and redraw on every update (the worst case).
    const p = await harness.open({ width: 1280, height: 6000, state: { view: { openGroups: { other: true, config: false } } } });
    await p.page.evaluate(() => {
      const w = window as unknown as Api;
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration);
      }).observe({ type: "longtask", buffered: false });
    });
    const rows = makeRows({ n: UPDATES, stepsPerUpdate: STEPS_PER_UPDATE });
    const t0 = Date.now();
    await p.send({ type: "snapshot", runs: [makeRun("run-1", rows, { totalTimesteps: 2 * UPDATES * STEPS_PER_UPDATE }, makeEpisodes(1000, 3, UPDATES * STEPS_PER_UPDATE))] });
    await settled(p);
    const snapshotMs = Date.now() - t0;
    const charts = (await p.cards()).length;
    result.snapshot = { charts, wallMs: snapshotMs, ...summarise(await timings(p)), longTasksMs: await longTasks(p) };

    // Live: one row per message at the host's cap of 10 messages per second.
    await clear(p);
    let update = UPDATES;
    for (let i = 0; i < LIVE_SECONDS * LIVE_RATE; i++) {
      const started = Date.now();
      update++;
      await p.send({ type: "update", runs: [{ key: "run-1", rows: makeRows({ n: 1, from: update, stepsPerUpdate: STEPS_PER_UPDATE }), episodes: makeEpisodes(2, update) }] });
      const wait = 1000 / LIVE_RATE - (Date.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await settled(p);
    const live = await timings(p);
    result.live = { messages: LIVE_SECONDS * LIVE_RATE, redraws: live.length, ...summarise(live), longTasksMs: await longTasks(p) };

    // Dragging the smoothing slider: 30 values as fast as input events come.
    await clear(p);
    for (let i = 0; i < 30; i++) {
      await p.page.evaluate((v) => {
        const r = document.querySelector<HTMLInputElement>('[data-control="smoothing"]')!;
        r.value = String(v);
        r.dispatchEvent(new Event("input"));
      }, 0.3 + i * 0.02);
    }
    await settled(p);
    result.smoothingDrag = { ...summarise(await timings(p)), longTasksMs: await longTasks(p) };
    await p.close();

    // Compare: three runs of 2,000 updates each, then live updates to all three.
    const c = await harness.open({ width: 1280, height: 6000, state: { view: { openGroups: { other: true } } } });
    const runs = [1, 2, 3].map((k) =>
      makeRun(`run-${k}`, makeRows({ n: UPDATES, seed: k, stepsPerUpdate: STEPS_PER_UPDATE, target: 300 + 100 * k }), { runId: `20261129-12000${k}-cartpole-v1-bench${k}` }),
    );
    await c.send({ type: "snapshot", runs });
    await settled(c);
    await clear(c);
    for (let i = 0; i < 30; i++) {
      const from = UPDATES + 1 + i;
      await c.send({ type: "update", runs: runs.map((r, k) => ({ key: r.info.key, rows: makeRows({ n: 1, from, seed: k + 1 }), episodes: [] })) });
      await new Promise((r) => setTimeout(r, 1000 / LIVE_RATE));
    }
    await settled(c);
    result.compare3Live = { ...summarise(await timings(c)) };
    await c.close();
  } finally {
    await harness.close();
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const out = path.join(ARTIFACTS, "webview-bench.json");
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 2));
  const live = result.live as ReturnType<typeof summarise>;
  console.log(
    `\nchart redraw during live updates (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs): ` +
      `chart.update median ${live.update.median} ms, p95 ${live.update.p95} ms, max ${live.update.max} ms; ` +
      `with data preparation median ${live.total.median} ms, p95 ${live.total.p95} ms, max ${live.total.max} ms; ` +
      `slowest chart ${live.worstChart.card}: median ${live.worstChart.medianTotal} ms; ` +
      `each chart's best redraw: median ${live.perChartBest.median} ms, slowest ${live.perChartBest.max} ms (${out})`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

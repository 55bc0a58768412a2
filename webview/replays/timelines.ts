/**
 * Synchronised timelines under a replay's frame (Chart.js, theme colours): reward per step, cumulative return,
 * V(s), entropy and the action distribution over the episode (discrete: the probability of each action, the taken
 * action's as points; continuous: mean with a +/- std band, the taken action as points), plus the distribution at
 * the current step as bars (taken action highlighted; continuous: mean +/- std as floating bars). Every timeline
 * draws a cursor line at the current step; clicking one seeks there.
 */
import type { ChartDataset, Plugin } from "chart.js";
import { Chart, registerChartParts, type Pt } from "../dashboard/chart-setup";
import { withAlpha, type Theme } from "../dashboard/theme";
import type { LoadedReplay } from "./client";

/** The cursor step of each timeline chart (read by the plugin at draw time, so moving it needs no update). */
const cursors = new WeakMap<Chart, { step: number; color: string }>();

const cursorPlugin: Plugin = {
  id: "ppoReplayCursor",
  afterDatasetsDraw(chart) {
    const c = cursors.get(chart as Chart);
    const x = chart.scales.x;
    if (!c || !x) return;
    const px = Math.round(x.getPixelForValue(c.step)) + 0.5;
    const area = chart.chartArea;
    if (!Number.isFinite(px) || px < area.left - 1 || px > area.right + 1) return;
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = c.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(px, area.top);
    ctx.lineTo(px, area.bottom);
    ctx.stroke();
    ctx.restore();
  },
};

let pluginRegistered = false;

/** The flat labels of the action distribution's components (one per probability or per action dimension). */
export function distributionLabels(replay: LoadedReplay): string[] {
  const sp = replay.header.spaces;
  const nvec = sp.actionNvec ?? [];
  if (sp.actionKind === "discrete" && nvec.length > 0) {
    const out: string[] = [];
    let k = 0;
    nvec.forEach((n, c) => {
      for (let a = 0; a < n; a++, k++) out.push(sp.actionLabels[k] ?? (nvec.length > 1 ? `a${c}=${a}` : `${a}`));
    });
    return out;
  }
  const dims = replay.steps.action[0]?.length ?? sp.actionLabels.length;
  return Array.from({ length: dims }, (_, i) => sp.actionLabels[i] ?? `a[${i}]`);
}

/** Whether flat probability `k` of a categorical distribution is the action taken (for multi-component actions too). */
function isTaken(nvec: number[], action: number[], k: number, start: number[] = []): boolean {
  let base = 0;
  for (let c = 0; c < nvec.length; c++) {
    if (k < base + nvec[c]) return action[c] - (start[c] ?? 0) === k - base;
    base += nvec[c];
  }
  return false;
}

interface ChartSpec {
  id: string;
  title: string;
  build(replay: LoadedReplay, theme: Theme): ChartDataset<"line", Pt[]>[];
}

const line = (label: string, data: Pt[], color: string, extra: Partial<ChartDataset<"line", Pt[]>> = {}): ChartDataset<"line", Pt[]> => ({
  label,
  data,
  borderColor: color,
  backgroundColor: color,
  borderWidth: 1.5,
  pointRadius: 0,
  ...extra,
});

const series = (values: number[]): Pt[] => values.map((y, x) => ({ x, y: Number.isFinite(y) ? y : NaN }));

const SPECS: ChartSpec[] = [
  { id: "reward", title: "Reward", build: (r, t) => [line("reward", series(r.steps.reward), t.palette[0], { stepped: "middle" })] },
  { id: "return", title: "Cumulative return", build: (r, t) => [line("return", series(r.steps.cumulative), t.palette[2])] },
  { id: "value", title: "V(s)", build: (r, t) => [line("V(s)", series(r.steps.value), t.palette[1])] },
  { id: "entropy", title: "Entropy", build: (r, t) => [line("entropy", series(r.steps.entropy), t.palette[3])] },
  {
    id: "action",
    title: "Action distribution",
    build: (r, t) => {
      const labels = distributionLabels(r);
      const s = r.steps;
      const out: ChartDataset<"line", Pt[]>[] = [];
      const first = s.distribution[0];
      if (!first) return out;
      if (first.kind === "gaussian") {
        labels.forEach((label, d) => {
          const color = t.palette[d % t.palette.length];
          const mean = s.distribution.map((dist, x) => ({ x, y: dist.kind === "gaussian" ? dist.mean[d] : NaN }));
          const lo = s.distribution.map((dist, x) => ({ x, y: dist.kind === "gaussian" ? dist.mean[d] - dist.std[d] : NaN }));
          const hi = s.distribution.map((dist, x) => ({ x, y: dist.kind === "gaussian" ? dist.mean[d] + dist.std[d] : NaN }));
          const base = out.length;
          out.push(line(`${label} -std`, lo, withAlpha(color, 0.2), { borderWidth: 0 }));
          out.push(line(`${label} +std`, hi, withAlpha(color, 0.2), { borderWidth: 0, fill: { target: base }, backgroundColor: withAlpha(color, 0.18) }));
          out.push(line(`${label} mean`, mean, color));
          out.push(line(`${label} taken`, s.action.map((a, x) => ({ x, y: a[d] })), color, { showLine: false, pointRadius: 1.5 }));
        });
      } else {
        const flat = (dist: (typeof s.distribution)[number]): number[] => (dist.kind === "categorical" ? dist.probs.flat() : dist.kind === "bernoulli" ? dist.probs : []);
        labels.forEach((label, k) => {
          out.push(line(`P(${label})`, s.distribution.map((dist, x) => ({ x, y: flat(dist)[k] ?? NaN })), t.palette[k % t.palette.length]));
        });
        if (first.kind === "categorical") {
          const nvec = r.header.spaces.actionNvec ?? first.probs.map((p) => p.length);
          const taken = s.distribution.map((dist, x) => {
            const probs = flat(dist);
            const k = probs.findIndex((_, j) => isTaken(nvec, s.action[x] ?? [], j, r.header.spaces.actionStart));
            return { x, y: k >= 0 ? probs[k] : NaN };
          });
          out.push(line("taken", taken, t.foreground, { showLine: false, pointRadius: 1.5 }));
        }
      }
      return out;
    },
  },
];

/** What a test or the debug API sees of a timeline. */
export interface TimelineView {
  id: string;
  points: number;
  cursor: number | undefined;
}

export class Timelines {
  readonly el: HTMLElement;
  private readonly charts = new Map<string, Chart<"line", Pt[]>>();
  private dist: Chart<"bar"> | undefined;
  private readonly distCanvas: HTMLCanvasElement;
  private readonly distNote: HTMLElement;
  private replay: LoadedReplay | undefined;
  private cursor = 0;

  constructor(
    private theme: Theme,
    private readonly onSeek: (step: number) => void,
  ) {
    registerChartParts();
    if (!pluginRegistered) {
      Chart.register(cursorPlugin);
      pluginRegistered = true;
    }
    this.el = document.createElement("div");
    this.el.className = "timelines";
    const distBox = document.createElement("div");
    distBox.className = "timeline dist";
    const title = document.createElement("div");
    title.className = "timeline-title";
    title.textContent = "Policy at this step";
    this.distNote = document.createElement("span");
    this.distNote.className = "muted dist-note";
    title.append(" ", this.distNote);
    this.distCanvas = document.createElement("canvas");
    const wrap = document.createElement("div");
    wrap.className = "chart-box";
    wrap.append(this.distCanvas);
    distBox.append(title, wrap);
    for (const spec of SPECS) {
      const box = document.createElement("div");
      box.className = "timeline";
      box.dataset.timeline = spec.id;
      const t = document.createElement("div");
      t.className = "timeline-title";
      t.textContent = spec.title;
      const cw = document.createElement("div");
      cw.className = "chart-box";
      const canvas = document.createElement("canvas");
      canvas.dataset.timeline = spec.id;
      cw.append(canvas);
      box.append(t, cw);
      this.el.append(box);
      canvas.addEventListener("click", (e) => this.click(spec.id, e));
    }
    this.el.append(distBox);
  }

  private click(id: string, e: MouseEvent): void {
    const chart = this.charts.get(id);
    if (!chart || !this.replay) return;
    const rect = chart.canvas.getBoundingClientRect();
    const v = chart.scales.x.getValueForPixel(e.clientX - rect.left);
    if (v === undefined || !Number.isFinite(v)) return;
    this.onSeek(Math.max(0, Math.min(this.replay.length - 1, Math.round(v))));
  }

  setReplay(replay: LoadedReplay): void {
    this.replay = replay;
    this.rebuild();
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.rebuild();
  }

  /** Redraws every chart from the replay's loaded steps (after a chunk arrived or a theme change). */
  rebuild(): void {
    const r = this.replay;
    if (!r) return;
    const t = this.theme;
    for (const spec of SPECS) {
      const canvas = this.el.querySelector<HTMLCanvasElement>(`canvas[data-timeline="${spec.id}"]`);
      if (!canvas) continue;
      const datasets = spec.build(r, t);
      const existing = this.charts.get(spec.id);
      const xMax = Math.max(1, r.length - 1);
      if (existing) {
        existing.data.datasets = datasets;
        const x = existing.options.scales?.x;
        if (x) x.max = xMax;
        this.style(existing);
        existing.update("none");
      } else {
        const chart = new Chart<"line", Pt[]>(canvas, {
          type: "line",
          data: { datasets },
          options: {
            animation: false,
            parsing: false,
            normalized: true,
            responsive: true,
            maintainAspectRatio: false,
            spanGaps: false,
            events: [],
            elements: { point: { radius: 0 }, line: { tension: 0 } },
            layout: { padding: { top: 2, right: 6 } },
            scales: {
              x: { type: "linear", min: 0, max: xMax, ticks: { maxTicksLimit: 6, maxRotation: 0 } },
              y: { type: "linear", ticks: { maxTicksLimit: 3 } },
            },
            plugins: { legend: { display: false }, tooltip: { enabled: false } },
          },
        });
        this.style(chart);
        chart.update("none");
        this.charts.set(spec.id, chart);
      }
    }
    this.setCursor(this.cursor);
  }

  private style(chart: Chart<"line", Pt[]> | Chart<"bar">): void {
    const t = this.theme;
    const o = chart.options;
    Chart.defaults.font.family = t.fontFamily;
    for (const axis of Object.values(o.scales ?? {})) {
      if (!axis) continue;
      axis.ticks = { ...axis.ticks, color: t.muted, font: { size: t.fontSize - 1 } };
      axis.grid = { ...axis.grid, color: t.grid };
      axis.border = { ...axis.border, color: t.grid };
    }
    (o as { plugins?: Record<string, unknown> }).plugins = { ...o.plugins, ppoBackground: { color: t.background } };
  }

  /** Moves the cursor of every timeline to `step` and shows the policy at that step. */
  setCursor(step: number): void {
    this.cursor = step;
    for (const chart of this.charts.values()) {
      cursors.set(chart as unknown as Chart, { step, color: this.theme.foreground });
      chart.draw();
    }
    this.drawDistribution(step);
  }

  private drawDistribution(step: number): void {
    const r = this.replay;
    const dist = r?.steps.distribution[step];
    if (!r || !dist) return;
    const t = this.theme;
    const labels = distributionLabels(r);
    const action = r.steps.action[step] ?? [];
    let data: (number | [number, number])[];
    let colors: string[];
    if (dist.kind === "gaussian") {
      data = dist.mean.map((m, d) => [m - dist.std[d], m + dist.std[d]] as [number, number]);
      colors = labels.map((_, d) => withAlpha(t.palette[d % t.palette.length], 0.6));
      this.distNote.textContent = dist.mean.map((m, d) => `${labels[d]}: ${m.toFixed(3)} ± ${dist.std[d].toFixed(3)} (took ${(action[d] ?? NaN).toFixed(3)})`).join(" · ");
    } else {
      const probs = dist.kind === "categorical" ? dist.probs.flat() : dist.probs;
      const nvec = r.header.spaces.actionNvec ?? (dist.kind === "categorical" ? dist.probs.map((p) => p.length) : []);
      const taken = probs.map((_, k) => (dist.kind === "categorical" ? isTaken(nvec, action, k, r.header.spaces.actionStart) : action[k] === 1));
      data = probs;
      // Each action in its timeline colour; the taken one solid, the others faded.
      colors = taken.map((tk, k) => (tk ? t.palette[k % t.palette.length] : withAlpha(t.palette[k % t.palette.length], 0.3)));
      const k = taken.indexOf(true);
      this.distNote.textContent = k >= 0 ? `took ${labels[k] ?? k} (p = ${probs[k].toFixed(3)})` : "";
      this.distNote.dataset.taken = taken.map((tk, j) => (tk ? j : -1)).filter((j) => j >= 0).join(",");
    }
    if (dist.kind === "gaussian") this.distNote.dataset.taken = "";
    if (!this.dist) {
      this.dist = new Chart<"bar">(this.distCanvas, {
        type: "bar",
        data: { labels, datasets: [{ data: data as number[], backgroundColor: colors, borderWidth: 0 }] },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          events: [],
          scales: { x: { type: "category" }, y: { type: "linear", ...(dist.kind === "gaussian" ? {} : { min: 0, max: 1 }), ticks: { maxTicksLimit: 3 } } },
          plugins: { legend: { display: false }, tooltip: { enabled: false } },
        },
      });
      this.style(this.dist);
      this.dist.update("none");
    } else {
      this.dist.data.labels = labels;
      this.dist.data.datasets[0].data = data as number[];
      this.dist.data.datasets[0].backgroundColor = colors;
      this.dist.update("none");
    }
  }

  describe(): TimelineView[] {
    return [...this.charts.entries()].map(([id, chart]) => ({
      id,
      points: chart.data.datasets[0]?.data.length ?? 0,
      cursor: cursors.get(chart as unknown as Chart)?.step,
    }));
  }

  /** The pixel x of the cursor on a timeline, in page coordinates (for tests). */
  cursorPixel(id: string): number | undefined {
    const chart = this.charts.get(id);
    const c = chart && cursors.get(chart as unknown as Chart);
    if (!chart || !c) return undefined;
    return chart.canvas.getBoundingClientRect().left + chart.scales.x.getPixelForValue(c.step);
  }

  destroy(): void {
    for (const c of this.charts.values()) c.destroy();
    this.charts.clear();
    this.dist?.destroy();
    this.dist = undefined;
  }
}

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
import { drawPolicyBars, type PolicyBars } from "./policy-bars";

/** The cursor step of each timeline chart. */
const cursors = new WeakMap<Chart, { step: number; color: string }>();
/** The transparent canvas over each chart that the cursor line is drawn on (moving it never redraws the chart). */
const overlays = new WeakMap<Chart, HTMLCanvasElement>();

/** Draws the cursor of `chart` on its overlay, matching the chart's size and devicePixelRatio. */
function drawCursor(chart: Chart): void {
  const overlay = overlays.get(chart);
  const c = cursors.get(chart);
  const x = chart.scales.x;
  if (!overlay || !x) return;
  const dpr = chart.currentDevicePixelRatio || window.devicePixelRatio || 1;
  const w = Math.round(chart.width * dpr);
  const h = Math.round(chart.height * dpr);
  if (overlay.width !== w || overlay.height !== h) {
    overlay.width = w;
    overlay.height = h;
    overlay.style.width = `${chart.width}px`;
    overlay.style.height = `${chart.height}px`;
  }
  const ctx = overlay.getContext("2d");
  if (!ctx) return;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w, h);
  if (!c) return;
  const area = chart.chartArea;
  const px = Math.round(x.getPixelForValue(c.step) * dpr) / dpr + 0.5 / dpr;
  if (!Number.isFinite(px) || px < area.left - 1 || px > area.right + 1) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.strokeStyle = c.color;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(px, area.top);
  ctx.lineTo(px, area.bottom);
  ctx.stroke();
}

/** Redraws the cursor whenever Chart.js has redrawn (resize, new data). */
const cursorPlugin: Plugin = {
  id: "ppoReplayCursor",
  afterRender(chart) {
    drawCursor(chart as Chart);
  },
};

let pluginRegistered = false;

/**
 * False when the replay records no V(s): a run without a trained critic (GRPO) stores NaN (null after postMessage)
 * for every step. Decided from the steps loaded so far; true while none are loaded.
 */
export function replayHasValues(replay: Pick<LoadedReplay, "loaded" | "steps">): boolean {
  const n = Math.min(replay.loaded, replay.steps.value.length);
  if (n === 0) return true;
  for (let i = 0; i < n; i++) {
    const v: unknown = replay.steps.value[i];
    if (typeof v === "number" && Number.isFinite(v)) return true;
  }
  return false;
}

/**
 * The flat labels of the action distribution's components (one per probability, or per action dimension for a
 * Gaussian or Bernoulli policy).
 *
 * The recorder (src/core/replay/recorder.ts `replaySpaces`) stores `actionLabels` per action *component*: one for a
 * Discrete action ("action", or the space's own label), one per MultiDiscrete component, one per Box/MultiBinary
 * dimension. A categorical probability is then labelled by the action *value* it stands for, `actionStart[c] + k`
 * ("0", "1"; "-1", "0", "1" for a Discrete with start -1), prefixed by the component's label when there are several
 * components ("gear=2"). Labels given one per value (as many as probabilities) are used as they are.
 */
export function distributionLabels(replay: LoadedReplay): string[] {
  const sp = replay.header.spaces;
  const nvec = sp.actionNvec ?? [];
  if (sp.actionKind === "discrete" && nvec.length > 0) {
    const values = nvec.reduce((a, n) => a + n, 0);
    if (values > nvec.length && sp.actionLabels.length === values) return sp.actionLabels.slice();
    const start = sp.actionStart ?? [];
    const out: string[] = [];
    nvec.forEach((n, c) => {
      const name = sp.actionLabels[c] ?? `a${c}`;
      for (let k = 0; k < n; k++) {
        const value = (start[c] ?? 0) + k;
        out.push(nvec.length > 1 ? `${name}=${value}` : String(value));
      }
    });
    return out;
  }
  const dims = replay.steps.action[0]?.length ?? sp.actionLabels.length;
  return Array.from({ length: dims }, (_, i) => sp.actionLabels[i] ?? `a[${i}]`);
}

/** Whether flat probability `k` of a categorical distribution is the action taken (for multi-component actions too). */
export function isTaken(nvec: number[], action: number[], k: number, start: number[] = []): boolean {
  let base = 0;
  for (let c = 0; c < nvec.length; c++) {
    if (k < base + nvec[c]) return action[c] - (start[c] ?? 0) === k - base;
    base += nvec[c];
  }
  return false;
}

/**
 * The discrete policy at `step` as the bars show it: the labels, the flat probabilities, which of them the recorded
 * action of that same step took (`steps.action[step]` was sampled from `steps.distribution[step]`), and the note
 * "took <label> (p = ...)" naming every taken component. Undefined for a Gaussian policy or a step not loaded.
 */
export function takenAction(replay: LoadedReplay, step: number): { labels: string[]; probs: number[]; taken: boolean[]; note: string } | undefined {
  const dist = replay.steps.distribution[step];
  if (!dist || dist.kind === "gaussian") return undefined;
  const labels = distributionLabels(replay);
  const action = replay.steps.action[step] ?? [];
  const probs = dist.kind === "categorical" ? dist.probs.flat() : dist.probs;
  const sp = replay.header.spaces;
  const nvec = sp.actionNvec ?? (dist.kind === "categorical" ? dist.probs.map((p) => p.length) : []);
  const taken = probs.map((_, k) => (dist.kind === "categorical" ? isTaken(nvec, action, k, sp.actionStart) : action[k] === 1));
  const parts = taken.flatMap((t, k) => (t ? [`${labels[k] ?? k} (p = ${probs[k].toFixed(3)})`] : []));
  return { labels, probs, taken, note: parts.length > 0 ? `took ${parts.join(", ")}` : "" };
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
          // The sampled actions as faint dots, so the mean and its band stay readable behind them.
          out.push(line(`${label} taken`, s.action.map((a, x) => ({ x, y: a[d] })), withAlpha(t.foreground, 0.45), { showLine: false, pointRadius: 1.2 }));
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
  private readonly distCanvas: HTMLCanvasElement;
  /** The policy bars canvas' CSS size (from a ResizeObserver, so drawing a step forces no layout). */
  private distBox = { width: 0, height: 0 };
  private readonly distObserver: ResizeObserver;
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
      const overlay = document.createElement("canvas");
      overlay.className = "cursor-overlay";
      overlay.dataset.cursor = spec.id;
      cw.append(canvas, overlay);
      box.append(t, cw);
      this.el.append(box);
      canvas.addEventListener("click", (e) => this.click(spec.id, e));
    }
    this.el.append(distBox);
    this.distObserver = new ResizeObserver((entries) => {
      const r = entries[entries.length - 1].contentRect;
      this.distBox = { width: r.width, height: r.height };
      this.drawDistribution(this.cursor);
    });
    this.distObserver.observe(this.distCanvas);
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
    // No critic, no V(s) timeline (GRPO replays record no values).
    const valueBox = this.el.querySelector<HTMLElement>('.timeline[data-timeline="value"]');
    if (valueBox) valueBox.hidden = !replayHasValues(r);
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
              x: { type: "linear", min: 0, max: xMax, ticks: { maxTicksLimit: 6, maxRotation: 0, precision: 0, includeBounds: false } },
              y: { type: "linear", ticks: { maxTicksLimit: 3 } },
            },
            plugins: { legend: { display: false }, tooltip: { enabled: false } },
          },
        });
        const overlay = this.el.querySelector<HTMLCanvasElement>(`canvas[data-cursor="${spec.id}"]`);
        if (overlay) overlays.set(chart as unknown as Chart, overlay);
        this.style(chart);
        chart.update("none");
        this.charts.set(spec.id, chart);
      }
    }
    this.setCursor(this.cursor);
  }

  private style(chart: Chart<"line", Pt[]>): void {
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
      drawCursor(chart as unknown as Chart);
    }
    this.drawDistribution(step);
  }

  private drawDistribution(step: number): void {
    const r = this.replay;
    const dist = r?.steps.distribution[step];
    if (!r || !dist) return;
    const labels = distributionLabels(r);
    const action = r.steps.action[step] ?? [];
    let bars: PolicyBars;
    if (dist.kind === "gaussian") {
      const [low, high] = this.gaussianRange(r);
      bars = { kind: "gaussian", labels, mean: dist.mean, std: dist.std, action, low, high };
      this.distNote.textContent = dist.mean.map((m, d) => `${labels[d]}: ${m.toFixed(3)} ± ${dist.std[d].toFixed(3)} (took ${(action[d] ?? NaN).toFixed(3)})`).join(" · ");
      this.distNote.dataset.taken = "";
    } else {
      const { probs, taken, note } = takenAction(r, step)!;
      bars = { kind: "probs", labels, probs, taken };
      this.distNote.textContent = note;
      this.distNote.dataset.taken = taken.map((tk, j) => (tk ? j : -1)).filter((j) => j >= 0).join(",");
    }
    if (this.distBox.width === 0) {
      const rect = this.distCanvas.getBoundingClientRect();
      this.distBox = { width: rect.width, height: rect.height };
    }
    drawPolicyBars(this.distCanvas, this.distBox, bars, this.theme);
  }

  /** The fixed axis of the continuous policy bars: the action bounds when finite, else the episode's mean ± std range. */
  private gaussianRange(r: LoadedReplay): [number, number] {
    const sp = r.header.spaces;
    const lows = sp.actionLow ?? [];
    const highs = sp.actionHigh ?? [];
    let lo = Math.min(...lows);
    let hi = Math.max(...highs);
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
      lo = Infinity;
      hi = -Infinity;
      for (const d of r.steps.distribution) {
        if (d.kind !== "gaussian") continue;
        d.mean.forEach((m, k) => {
          lo = Math.min(lo, m - d.std[k]);
          hi = Math.max(hi, m + d.std[k]);
        });
      }
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) return [-1, 1];
    }
    return [lo, hi];
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
    this.distObserver.disconnect();
    for (const c of this.charts.values()) c.destroy();
    this.charts.clear();
  }
}

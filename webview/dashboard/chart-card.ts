/**
 * One chart card: a header (title, the last value large, toolbar: log scale, pin, export CSV/JSON/PNG, collapse) and
 * a Chart.js line chart of one or two metrics for every shown run: the smoothed line over the faint raw one, plus a
 * min..max band where the card has one. Data arrays are rebuilt (never pushed; Chart.js #11929) from the run
 * stores, smoothed over the full series and then downsampled (LTTB) to about one point per pixel of width.
 */
import type { DashboardExportFormat } from "../../src/protocol";
import { el, toolbarButton, type VscodeToolbarButton } from "../ui/elements";
import type { CardSpec } from "./catalog";
import type { ChartOptions } from "chart.js";
import { Chart, getMarkers, setMarkers, type ChartMarker, type Pt, type TaggedDataset } from "./chart-setup";
import { fmtClock, fmtDuration, fmtSteps, fmtValue } from "./format";
import { runKindText, runLabel, type RunStore, type XAxisKind } from "./run-store";
import { classicSmoothing, lttbIndices, percentileRange } from "./series";
import { withAlpha, type Theme } from "./theme";
import { hasCritic } from "../../src/run-kind";
import type { ViewSettings } from "./view-state";

/** What a card draws with: the runs shown (legend toggles applied), their colours, the view settings, the theme. */
export interface CardContext {
  runs: RunStore[];
  /** Every run of the panel (a card exists when any of them logs its metric). */
  allRuns: RunStore[];
  colors: Map<string, string>;
  view: ViewSettings;
  theme: Theme;
}

export interface CardActions {
  togglePin(card: ChartCard): void;
  toggleLog(card: ChartCard): void;
  toggleCollapsed(card: ChartCard): void;
  exportCard(card: ChartCard, format: DashboardExportFormat): void;
}

/** Timing of one redraw, in milliseconds. */
export interface RedrawTiming {
  card: string;
  /** Smoothing, downsampling and building the datasets. */
  prepMs: number;
  /** `chart.update('none')`: layout and drawing (synchronous with animations off). */
  updateMs: number;
  points: number;
}

const AXIS_TITLES: Record<XAxisKind, string> = { step: "step", update: "update", wall: "wall time", relative: "relative time" };

function xTick(kind: XAxisKind, v: number): string {
  switch (kind) {
    case "step":
      return fmtSteps(v);
    case "update":
      return String(Math.round(v));
    case "wall":
      return fmtClock(v);
    case "relative":
      return fmtDuration(v);
  }
}

function yTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 1e4) return fmtSteps(v);
  if (a < 1e-3) return v.toExponential(0);
  return String(+v.toPrecision(3));
}

export class ChartCard {
  readonly el: HTMLElement;
  private readonly valueEl: HTMLElement;
  private readonly body: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly logButton: VscodeToolbarButton;
  private readonly pinButton: VscodeToolbarButton;
  private readonly collapseButton: VscodeToolbarButton;
  private chart: Chart<"line", Pt[]> | undefined;
  /** On screen (IntersectionObserver) and not collapsed. */
  visible = false;
  /** Data or settings changed since the last redraw. */
  dirty = true;

  constructor(
    readonly spec: CardSpec,
    actions: CardActions,
  ) {
    this.el = el("div", { class: "card", "data-card": spec.id, "data-metric": spec.lines[0] });
    const head = el("div", { class: "card-head" });
    // The tooltip starts with the metric's name (a narrow card wraps it); a line break may follow each "_".
    const title = el("div", { class: "card-title", title: `${spec.title}\n${spec.unit ? `${spec.description}\nUnit: ${spec.unit}.` : spec.description}` });
    spec.title.split("_").forEach((part, i, parts) => title.append(part + (i < parts.length - 1 ? "_" : ""), ...(i < parts.length - 1 ? [el("wbr")] : [])));
    this.valueEl = el("div", { class: "card-value", "data-role": "last-value" }, "-");
    const tools = el("div", { class: "card-tools" });
    this.logButton = toolbarButton("symbol-numeric", "Logarithmic y axis", () => actions.toggleLog(this), { "data-action": "log", toggleable: "" });
    this.pinButton = toolbarButton("pin", "Pin to the top", () => actions.togglePin(this), { "data-action": "pin" });
    tools.append(
      this.logButton,
      this.pinButton,
      toolbarButton("table", "Export data as CSV", () => actions.exportCard(this, "csv"), { "data-action": "export-csv" }),
      toolbarButton("json", "Export data as JSON", () => actions.exportCard(this, "json"), { "data-action": "export-json" }),
      toolbarButton("file-media", "Export chart as PNG", () => actions.exportCard(this, "png"), { "data-action": "export-png" }),
    );
    this.collapseButton = toolbarButton("chevron-down", "Collapse", () => actions.toggleCollapsed(this), { "data-action": "collapse" });
    tools.append(this.collapseButton);
    head.append(title, this.valueEl, tools);
    // The unit on its own line under the title, so a long title's ellipsis never hides it.
    if (spec.unit) head.append(el("div", { class: "card-unit", "data-role": "unit" }, spec.unit));
    this.body = el("div", { class: "card-body" });
    this.canvas = el("canvas", { role: "img", "aria-label": `${spec.title} chart` });
    this.body.append(this.canvas);
    this.el.append(head, this.body);
  }

  get id(): string {
    return this.spec.id;
  }

  /**
   * The runs this card draws: all of them, except that a critic card (value_loss, explained_variance, value_mean)
   * leaves out runs without a critic (GRPO), whose value metrics mean nothing.
   */
  runsOf(runs: RunStore[]): RunStore[] {
    return this.spec.critic ? runs.filter((r) => hasCritic(r.info.config)) : runs;
  }

  /**
   * True when a run the card draws has a finite value of one of its metrics (TensorBoard hides empty cards): a
   * metric logged only as null/NaN, or only by runs the card leaves out, gives no card rather than an empty chart.
   */
  hasData(runs: RunStore[]): boolean {
    return this.runsOf(runs).some((r) => this.spec.lines.some((m) => r.last(m) !== undefined));
  }

  /** Applies the toggles' states (log, pin, collapsed) to the header and body. */
  applyFlags(view: ViewSettings): void {
    const log = view.logScale.includes(this.id);
    const pinned = view.pinned.includes(this.id);
    const collapsed = view.collapsed.includes(this.id);
    this.logButton.checked = log;
    this.pinButton.icon = pinned ? "pinned" : "pin";
    this.pinButton.label = this.pinButton.title = pinned ? "Unpin" : "Pin to the top";
    this.collapseButton.icon = collapsed ? "chevron-right" : "chevron-down";
    this.collapseButton.label = this.collapseButton.title = collapsed ? "Expand" : "Collapse";
    this.el.classList.toggle("collapsed", collapsed);
    this.el.classList.toggle("pinned", pinned);
  }

  get collapsed(): boolean {
    return this.el.classList.contains("collapsed");
  }

  /** The header's last value(s): large for one run, one coloured value per run when comparing. */
  updateValues(ctx: CardContext): void {
    const parts: HTMLElement[] = [];
    // In a comparison of runs of different kinds (PPO vs GRPO) each value says its run's kind; the tooltip names the run.
    const mixedKinds = new Set(ctx.allRuns.map((r) => runKindText(r.info))).size > 1;
    for (const run of this.runsOf(ctx.runs)) {
      const values = this.spec.lines.map((m) => fmtValue(run.last(m)));
      const span = el("span", { class: "run-value", "data-run": run.info.key });
      if (mixedKinds) span.append(el("span", { class: "run-value-kind", "data-role": "run-kind" }, runKindText(run.info)), " ");
      span.append(values.join(" / "));
      if (ctx.allRuns.length > 1) {
        span.style.setProperty("--run-color", ctx.colors.get(run.colorKey) ?? "");
        span.title = `${runLabel(run.info)}: ${values.join(" / ")}`;
      }
      parts.push(span);
    }
    this.valueEl.classList.toggle("compare", ctx.allRuns.length > 1);
    const text = parts.map((p) => p.textContent).join("|");
    if (text !== this.valueEl.dataset.text) {
      this.valueEl.dataset.text = text;
      this.valueEl.replaceChildren(...(parts.length > 0 ? parts : [el("span", { class: "run-value" }, "-")]));
    }
  }

  /** Rebuilds the datasets from the run stores and redraws. */
  redraw(ctx: CardContext): RedrawTiming {
    const t0 = performance.now();
    const { view, theme } = ctx;
    const log = view.logScale.includes(this.id);
    const weight = view.smoothing;
    const target = Math.max(100, Math.min(1000, Math.round(this.canvas.clientWidth || this.body.clientWidth || 500)));
    const lines: TaggedDataset[] = [];
    const raws: TaggedDataset[] = [];
    const bands: TaggedDataset[] = [];
    const rangeValues: number[] = [];
    let points = 0;
    const positive = (v: number) => (v > 0 ? v : NaN);
    for (const run of this.runsOf(ctx.runs)) {
      const color = ctx.colors.get(run.colorKey) ?? theme.palette[0];
      const label = runLabel(run.info);
      const x = run.x(view.xAxis);
      this.spec.lines.forEach((metric, li) => {
        const column = run.column(metric);
        if (!column) return;
        const y = log ? column.map(positive) : column;
        if (view.ignoreOutliers) for (const v of y) rangeValues.push(v);
        const smooth = weight > 0 ? classicSmoothing(y, weight) : y;
        const idx = lttbIndices(x, smooth, target);
        const data = idx.map((i) => ({ x: x[i], y: smooth[i] }));
        points += data.length;
        lines.push({
          data,
          label: `${label} ${metric}`,
          borderColor: color,
          backgroundColor: color,
          borderWidth: theme.lineWidth,
          borderDash: li > 0 ? [5, 3] : undefined,
          order: 0,
          ppo: { role: "line", runKey: run.info.key, runLabel: label, metric, rawAt: idx.map((i) => y[i]) },
        });
        if (weight > 0) {
          const rawIdx = lttbIndices(x, y, target);
          const rawData = rawIdx.map((i) => ({ x: x[i], y: y[i] }));
          points += rawData.length;
          raws.push({
            data: rawData,
            label: `${label} ${metric} (raw)`,
            borderColor: withAlpha(color, theme.rawAlpha),
            borderWidth: 1,
            borderDash: li > 0 ? [5, 3] : undefined,
            order: 1,
            ppo: { role: "raw", runKey: run.info.key, runLabel: label, metric },
          });
        }
      });
      const band = this.spec.band;
      const lo = band && run.column(band[0]);
      const hi = band && run.column(band[1]);
      if (band && lo && hi) {
        const mid = lo.map((v, i) => (v + hi[i]) / 2);
        const idx = lttbIndices(x, mid, target);
        const f = log ? positive : (v: number) => v;
        const common = { borderWidth: 0, pointRadius: 0, order: 2 } as const;
        bands.push(
          {
            ...common,
            data: idx.map((i) => ({ x: x[i], y: f(lo[i]) })),
            label: `${label} ${band[0]}`,
            borderColor: "transparent",
            fill: false,
            ppo: { role: "band-low", runKey: run.info.key, runLabel: label, metric: band[0] },
          },
          {
            ...common,
            data: idx.map((i) => ({ x: x[i], y: f(hi[i]) })),
            label: `${label} ${band[1]}`,
            borderColor: "transparent",
            backgroundColor: withAlpha(color, theme.kind.startsWith("high") ? 0.22 : 0.12),
            fill: "-1",
            ppo: { role: "band-high", runKey: run.info.key, runLabel: label, metric: band[1] },
          },
        );
        points += idx.length * 2;
      }
    }
    const range = view.ignoreOutliers ? percentileRange(rangeValues) : undefined;
    const t1 = performance.now();
    // Datasets are replaced, never mutated in place: band pairs must stay adjacent for `fill: "-1"`.
    const datasets = [...lines, ...raws, ...bands];
    // The first redraw builds the chart with its data and options (one layout and draw instead of two).
    const opts = this.chart ? this.chart.options : ChartCard.baseOptions();
    const xScale = opts.scales!.x!;
    const yScale = opts.scales!.y!;
    let xMin = Infinity;
    let xMax = -Infinity;
    for (const d of lines) {
      if (d.data.length === 0) continue;
      xMin = Math.min(xMin, d.data[0].x);
      xMax = Math.max(xMax, d.data[d.data.length - 1].x);
    }
    xScale.min = xMin < xMax ? xMin : undefined;
    xScale.max = xMin < xMax ? xMax : undefined;
    xScale.ticks!.callback = (v) => xTick(view.xAxis, Number(v));
    xScale.ticks!.color = theme.muted;
    xScale.grid!.color = theme.grid;
    xScale.border!.color = theme.grid;
    yScale.type = log ? "logarithmic" : "linear";
    yScale.min = range && !(log && range.min <= 0) ? range.min : undefined;
    yScale.max = range ? range.max : undefined;
    // A bounded quantity (a share, 0-1) keeps its whole range in view unless the values leave it.
    yScale.suggestedMin = !log && !range ? this.spec.bounds?.[0] : undefined;
    yScale.suggestedMax = !log && !range ? this.spec.bounds?.[1] : undefined;
    yScale.ticks!.color = theme.muted;
    yScale.grid!.color = theme.grid;
    yScale.border!.color = theme.grid;
    const tooltip = opts.plugins!.tooltip!;
    tooltip.backgroundColor = theme.tooltipBackground;
    tooltip.titleColor = theme.tooltipForeground;
    tooltip.bodyColor = theme.tooltipForeground;
    tooltip.borderColor = theme.tooltipBorder;
    tooltip.callbacks!.title = (items) => (items.length ? `${AXIS_TITLES[view.xAxis]} ${xTick(view.xAxis, items[0].parsed.x ?? NaN)}` : "");
    tooltip.callbacks!.label = (item) => {
      const tag = (item.dataset as TaggedDataset).ppo;
      const raw = tag.rawAt?.[item.dataIndex];
      const who = ctx.allRuns.length > 1 ? `${tag.runLabel} ` : "";
      const smoothed = fmtValue(item.parsed.y);
      return weight > 0 ? `${who}${tag.metric}: ${smoothed} (raw ${fmtValue(raw)})` : `${who}${tag.metric}: ${smoothed}`;
    };
    (opts.plugins as Record<string, unknown>).ppoBackground = { color: theme.background };
    opts.font = { family: theme.fontFamily, size: theme.fontSize };
    opts.color = theme.foreground;
    setMarkers(this.canvas, this.markers(ctx));
    if (!this.chart) {
      this.chart = new Chart<"line", Pt[]>(this.canvas, { type: "line", data: { datasets }, options: opts });
    } else {
      this.chart.data.datasets = datasets;
      this.chart.update("none");
    }
    const t2 = performance.now();
    this.dirty = false;
    return { card: this.id, prepMs: t1 - t0, updateMs: t2 - t1, points };
  }

  /**
   * A marker per diagnostics finding of the shown runs, at the update it fired after: solid where the finding is about
   * one of this card's metrics, dashed elsewhere.
   */
  private markers(ctx: CardContext): ChartMarker[] {
    const out: ChartMarker[] = [];
    const own = new Set([...this.spec.lines, ...(this.spec.band ?? [])]);
    for (const run of ctx.runs) {
      for (const f of run.findings) {
        const x = run.xAtUpdate(ctx.view.xAxis, f.update, f.totalTimesteps);
        if (x === undefined) continue;
        out.push({ x, color: ctx.theme.severity[f.severity] ?? ctx.theme.severity.info, strong: own.has(f.evidence.metric), id: f.id, severity: f.severity });
      }
    }
    // Strong markers last, so they are drawn on top.
    return out.sort((a, b) => Number(a.strong) - Number(b.strong));
  }

  /** Options that do not change between redraws; redraw() fills in axes, colours and callbacks. */
  private static baseOptions(): ChartOptions<"line"> {
    return {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      spanGaps: true,
      elements: { point: { radius: 0, hoverRadius: 3, hitRadius: 4 }, line: { tension: 0 } },
      interaction: { mode: "ppoNearest", intersect: false },
      layout: { padding: { top: 4, right: 8 } },
      scales: {
        // min/max are set to the data's x range (redraw), with round ticks inside it, not at its ends.
        x: { type: "linear", ticks: { includeBounds: false, minRotation: 0, maxRotation: 0, maxTicksLimit: 6, autoSkipPadding: 12 }, grid: {}, border: {} },
        y: { type: "linear", ticks: { maxTicksLimit: 5 }, grid: {}, border: {} },
      },
      plugins: {
        legend: { display: false },
        tooltip: { mode: "ppoNearest", intersect: false, borderWidth: 1, displayColors: true, callbacks: {} },
      },
    };
  }

  /** The chart as a PNG data URL (undefined while it has never been drawn or is collapsed). */
  toPng(): string | undefined {
    if (!this.chart || this.collapsed || this.chart.width === 0) return undefined;
    return this.chart.toBase64Image("image/png", 1);
  }

  /** What is drawn, for tests and the benchmark. */
  describe():
    | {
        id: string;
        datasets: { label: string; role: string; run: string; metric: string; color: string; points: number; data: Pt[] }[];
        yType: string;
        yMin?: number;
        yMax?: number;
        /** The y range as drawn (after Chart.js fitted the data and any suggested bounds). */
        yDrawn: [number, number];
        /** The runs the tooltip lists now, in its order. */
        tooltip: string[];
        /** The diagnostics markers drawn, with their pixel x in the plot area. */
        markers: (ChartMarker & { px: number; inArea: boolean })[];
      }
    | undefined {
    if (!this.chart) return undefined;
    const chart = this.chart;
    const y = chart.options.scales?.y as { type?: string; min?: number; max?: number } | undefined;
    return {
      id: this.id,
      tooltip: (chart.tooltip?.getActiveElements() ?? []).map((e) => (chart.data.datasets[e.datasetIndex] as TaggedDataset).ppo.runKey),
      datasets: (this.chart.data.datasets as TaggedDataset[]).map((d) => ({
        label: d.label ?? "",
        role: d.ppo.role,
        run: d.ppo.runKey,
        metric: d.ppo.metric,
        color: String(d.borderColor),
        points: d.data.length,
        data: d.data,
      })),
      yType: y?.type ?? "linear",
      yMin: y?.min,
      yMax: y?.max,
      yDrawn: [chart.scales.y.min, chart.scales.y.max],
      markers: getMarkers(this.canvas).map((m) => {
        const px = chart.scales.x.getPixelForValue(m.x);
        return { ...m, px, inArea: px >= chart.chartArea.left - 1 && px <= chart.chartArea.right + 1 };
      }),
    };
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = undefined;
  }
}

/**
 * Episodes: a histogram of the returns of the recent window (per run, shared bins) and a table of the last episodes
 * (return, length, step).
 */
import type { DashboardEpisode } from "../../src/protocol";
import { el } from "../ui/elements";
import { Chart } from "./chart-setup";
import { fmtColumn, fmtInt, fmtSteps, fmtValue } from "./format";
import { runLabel, type RunStore } from "./run-store";
import { histogram } from "./series";
import { withAlpha, type Theme } from "./theme";

/** Episodes per run in the histogram (the `ep_rew_mean` window by default). */
export const HISTOGRAM_WINDOW = 100;
/** Rows per run in the table. */
export const TABLE_ROWS = 20;
const BINS = 20;

/** A bin centre as an axis label: 3 significant digits. */
function fmtTick(v: number): string {
  return Math.abs(v) >= 1e4 ? fmtSteps(v) : String(+v.toPrecision(3));
}

/**
 * The table's rows: the last TABLE_ROWS episodes of each run, newest first, the runs interleaved (each run's newest,
 * then each run's second newest, ...). So a compared run's new episodes show at the top of the scrolling table
 * instead of below another run's whole block.
 */
export function newestFirst<R extends { episodes: DashboardEpisode[] }>(runs: R[]): { r: R; e: DashboardEpisode }[] {
  const recent = runs.map((r) => r.episodes.slice(-TABLE_ROWS).reverse());
  const out: { r: R; e: DashboardEpisode }[] = [];
  for (let i = 0; i < TABLE_ROWS; i++) recent.forEach((list, j) => i < list.length && out.push({ r: runs[j], e: list[i] }));
  return out;
}

export class EpisodesView {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly caption: HTMLElement;
  private readonly tableBox: HTMLElement;
  private readonly histCard: HTMLElement;
  private chart: Chart<"bar", number[], string> | undefined;
  visible = false;
  dirty = true;

  constructor() {
    this.el = el("div", { class: "episodes" });
    const histCard = el("div", { class: "card episodes-hist", "data-card": "episode_returns" });
    this.histCard = histCard;
    const head = el("div", { class: "card-head" });
    this.caption = el("div", { class: "card-title" }, "Episode returns");
    head.append(this.caption);
    const body = el("div", { class: "card-body" });
    this.canvas = el("canvas", { role: "img", "aria-label": "Histogram of recent episode returns" });
    body.append(this.canvas);
    histCard.append(head, body);
    this.tableBox = el("div", { class: "episodes-table-box" });
    this.el.append(histCard, this.tableBox);
  }

  redraw(runs: RunStore[], colors: Map<string, string>, theme: Theme, compare: boolean): void {
    const windows = runs.map((r) => r.episodes.slice(-HISTOGRAM_WINDOW).map((e) => (e.return === null ? NaN : e.return)));
    const count = windows.reduce((s, w) => s + w.length, 0);
    this.caption.textContent = `Episode returns (last ${HISTOGRAM_WINDOW} per run, ${count} episodes)`;
    this.histCard.hidden = count === 0;
    const { edges, counts } = histogram(windows, BINS);
    const labels = edges.slice(0, -1).map((lo, i) => fmtTick((lo + edges[i + 1]) / 2));
    const ranges = edges.slice(0, -1).map((lo, i) => `return ${fmtValue(lo)} .. ${fmtValue(edges[i + 1])}`);
    const datasets = runs.map((r, i) => {
      const color = colors.get(r.colorKey) ?? theme.palette[0];
      return {
        label: runLabel(r.info),
        data: counts[i],
        backgroundColor: withAlpha(color, compare ? 0.55 : 0.7),
        borderColor: color,
        borderWidth: 1,
        barPercentage: 1,
        categoryPercentage: 0.95,
      };
    });
    if (!this.chart) {
      this.chart = new Chart<"bar", number[], string>(this.canvas, {
        type: "bar",
        data: { labels: [], datasets: [] },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { display: false }, tooltip: { mode: "index", intersect: false } },
          scales: {
            x: { ticks: { maxRotation: 0, minRotation: 0, autoSkip: true, maxTicksLimit: 5 } },
            y: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 5 } },
          },
        },
      });
    }
    const chart = this.chart;
    chart.data.labels = labels;
    chart.data.datasets = datasets;
    const o = chart.options;
    o.font = { family: theme.fontFamily, size: theme.fontSize };
    o.color = theme.foreground;
    for (const axis of [o.scales!.x!, o.scales!.y!]) {
      axis.ticks!.color = theme.muted;
      axis.grid!.color = theme.grid;
      axis.border!.color = theme.grid;
    }
    const tooltip = o.plugins!.tooltip!;
    tooltip.backgroundColor = theme.tooltipBackground;
    tooltip.titleColor = theme.tooltipForeground;
    tooltip.bodyColor = theme.tooltipForeground;
    tooltip.borderColor = theme.tooltipBorder;
    tooltip.borderWidth = 1;
    tooltip.callbacks = { ...tooltip.callbacks, title: (items) => (items.length ? ranges[items[0].dataIndex] : "") };
    (o.plugins as Record<string, unknown>).ppoBackground = { color: theme.background };
    chart.update("none");
    this.renderTable(runs, colors, compare);
    this.dirty = false;
  }

  private renderTable(runs: RunStore[], colors: Map<string, string>, compare: boolean): void {
    const table = el("table", { class: "data-table episodes-table" });
    const head = el("tr");
    if (compare) head.append(el("th", {}, "run"));
    head.append(el("th", { class: "num" }, "step"), el("th", { class: "num" }, "return"), el("th", { class: "num" }, "length"));
    table.append(el("thead"), el("tbody"));
    table.tHead!.append(head);
    let rows = 0;
    const shown = newestFirst(runs);
    const returns = fmtColumn(shown.map(({ e }) => e.return));
    for (const { r, e } of shown) {
      const tr = el("tr", { "data-run": r.info.key });
      if (compare) {
        const td = el("td", { class: "run-cell" }, runLabel(r.info));
        td.style.setProperty("--run-color", colors.get(r.colorKey) ?? "");
        tr.append(td);
      }
      tr.append(el("td", { class: "num" }, fmtInt(e.step)), el("td", { class: "num" }, returns[rows]), el("td", { class: "num" }, fmtInt(e.length)));
      table.tBodies[0].append(tr);
      rows++;
    }
    if (rows === 0) this.tableBox.replaceChildren(el("p", { class: "muted" }, "No finished episodes yet."));
    else this.tableBox.replaceChildren(el("div", { class: "table-caption" }, `Last ${TABLE_ROWS} episodes${compare ? " per run, the runs' newest first" : ""}`), table);
  }

  /** What the histogram holds now (tests): its bin labels and, per run, the counts of each bin. */
  describe(): { labels: string[]; datasets: { label: string; counts: number[] }[]; rows: number } {
    const chart = this.chart;
    return {
      labels: chart ? [...(chart.data.labels ?? [])] : [],
      datasets: chart ? chart.data.datasets.map((d) => ({ label: String(d.label), counts: [...d.data] })) : [],
      rows: this.tableBox.querySelectorAll("tbody tr").length,
    };
  }

  toPng(): string | undefined {
    return this.chart?.toBase64Image("image/png", 1);
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = undefined;
  }
}

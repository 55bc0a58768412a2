/**
 * The diagnostics strip at the top of the dashboard: counts by severity, then one card per finding (title,
 * explanation, a small chart of the triggering metric over the evidence's updates with the threshold as a horizontal
 * line, suggestions as buttons that copy the config change, "Open config"). Cards are kept across updates (keyed by
 * run, rule id and update); only new findings build new cards.
 */
import type { DiagnosticFinding, DiagnosticSeverity } from "../../src/core/diagnostics/types";
import type { ChartOptions } from "chart.js";
import { button, el, icon, toolbarButton, type VscodeToolbarButton } from "../ui/elements";
import { Chart, getMarkers, setMarkers, type Pt, type TaggedDataset } from "./chart-setup";
import { codeParts, compareFindings, configChange, countBySeverity, evidenceSummary, evidenceUpdates, findingKey, fmtShort, SEVERITIES } from "./findings";
import { fmtSteps } from "./format";
import { runLabel, type RunStore } from "./run-store";
import { withAlpha, type Theme } from "./theme";

export interface DiagnosticsActions {
  copy(run: RunStore, finding: DiagnosticFinding, suggestion: string, text: string): void;
  openConfig(run: RunStore, finding: DiagnosticFinding): void;
  toggleOpen(open: boolean): void;
}

const SEVERITY_ICONS: Record<DiagnosticSeverity, string> = { error: "error", warning: "warning", info: "info" };
const SEVERITY_LABELS: Record<DiagnosticSeverity, [string, string]> = {
  error: ["error", "errors"],
  warning: ["warning", "warnings"],
  info: ["info", "info"],
};

/** What an evidence chart draws, for tests. */
export interface EvidenceView {
  key: string;
  id: string;
  severity: DiagnosticSeverity;
  datasets: { role: string; label: string; color: string; data: Pt[]; dashed: boolean; fill: string | boolean }[];
  /** Updates marked as non-finite. */
  markers: number[];
}

class FindingCard {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private chart: Chart<"line", Pt[]> | undefined;
  private readonly runEl: HTMLElement;

  constructor(
    readonly key: string,
    readonly run: RunStore,
    readonly finding: DiagnosticFinding,
    actions: DiagnosticsActions,
  ) {
    const f = finding;
    this.el = el("article", { class: `finding finding-${f.severity}`, "data-finding": f.id, "data-severity": f.severity, "data-update": String(f.update), "data-run": run.info.key });
    const head = el("div", { class: "finding-head" });
    const titleBox = el("div", { class: "finding-title-box" });
    titleBox.append(
      el("div", { class: "finding-title", "data-role": "title" }, f.title),
      this.meta(f),
    );
    this.runEl = el("span", { class: "finding-run", hidden: "" });
    const open = button("Open config", {
      icon: "go-to-file",
      secondary: true,
      onClick: () => actions.openConfig(run, f),
      attrs: { "data-action": "open-config", title: f.location ? `Open ${basename(f.location.file)} at line ${f.location.line}` : "Open the env file" },
    });
    head.append(icon(SEVERITY_ICONS[f.severity] ?? "info", { class: "finding-icon" }), titleBox, open);

    const explanation = el("p", { class: "finding-explanation", "data-role": "explanation" }, f.explanation);

    const evidence = el("div", { class: "finding-evidence" });
    const chartBox = el("div", { class: "evidence-chart" });
    this.canvas = el("canvas", { role: "img", "aria-label": `${f.evidence.metric} over updates ${f.evidence.updates.from} to ${f.evidence.updates.to}, threshold ${f.evidence.threshold}` });
    chartBox.append(this.canvas);
    evidence.append(chartBox, el("div", { class: "evidence-caption", "data-role": "evidence" }, evidenceSummary(f.evidence)));

    const suggestions = el("div", { class: "finding-suggestions" });
    if (f.suggestions.length > 0) suggestions.append(el("div", { class: "finding-label" }, "Try"));
    f.suggestions.forEach((s, i) => {
      const text = configChange(s);
      const b = el("button", { class: "suggestion", type: "button", "data-role": "suggestion", "data-index": String(i), title: `Copy ${text === s ? "this suggestion" : `"${text}"`} to the clipboard` });
      const label = el("span", { class: "suggestion-text" });
      for (const part of codeParts(s)) label.append(part.code ? el("code", {}, part.text) : document.createTextNode(part.text));
      b.append(icon("copy", { class: "suggestion-icon" }), label);
      b.addEventListener("click", () => actions.copy(run, f, s, text));
      suggestions.append(b);
    });

    this.el.append(head, this.runEl, explanation, evidence, suggestions);
  }

  private meta(f: DiagnosticFinding): HTMLElement {
    const parts = [f.id, f.update > 0 ? `after update ${f.update}` : "before the first update", `${fmtSteps(f.totalTimesteps)} steps`];
    if (f.location) parts.push(`${basename(f.location.file)}:${f.location.line}`);
    const meta = el("div", { class: "finding-meta", "data-role": "meta", title: f.source });
    meta.append(...parts.map((p, i) => el(i === 0 ? "code" : "span", {}, p)));
    return meta;
  }

  /** Shows which run the finding belongs to (compare mode only). */
  setRun(color: string | undefined): void {
    this.runEl.hidden = color === undefined;
    if (color !== undefined) {
      this.runEl.textContent = runLabel(this.run.info);
      this.runEl.style.setProperty("--run-color", color);
    }
  }

  /** (Re)draws the evidence chart in the theme's colours. */
  draw(theme: Theme): void {
    const e = this.finding.evidence;
    const xs = evidenceUpdates(e);
    const color = theme.severity[this.finding.severity] ?? theme.severity.info;
    const values: Pt[] = e.values.map((v, i) => ({ x: xs[i], y: v === null ? NaN : v }));
    // A little room on both sides so the end points are not cut in half; one update gets a unit-wide range.
    const pad = e.updates.to > e.updates.from ? Math.max(0.08, (e.updates.to - e.updates.from) * 0.02) : 0.5;
    const lo = e.updates.from - pad;
    const hi = e.updates.to + pad;
    const datasets: TaggedDataset[] = [
      {
        data: values,
        label: e.metric,
        borderColor: theme.foreground,
        backgroundColor: theme.foreground,
        borderWidth: theme.lineWidth,
        pointRadius: values.length <= 40 ? 2 : 0,
        order: 0,
        ppo: { role: "evidence", runKey: this.run.info.key, runLabel: runLabel(this.run.info), metric: e.metric },
      },
      {
        data: [
          { x: lo, y: e.threshold },
          { x: hi, y: e.threshold },
        ],
        label: `threshold ${fmtShort(e.threshold)}`,
        borderColor: color,
        backgroundColor: withAlpha(color, 0.15),
        borderWidth: 1.5,
        borderDash: [6, 4],
        pointRadius: 0,
        pointHoverRadius: 0,
        // Shade the side that fires; a non-finite value has no side (the markers show where it happened).
        fill: e.value === null ? false : e.comparison === "above" ? "end" : "start",
        order: 1,
        ppo: { role: "threshold", runKey: this.run.info.key, runLabel: runLabel(this.run.info), metric: e.metric },
      },
    ];
    const opts: ChartOptions<"line"> = {
      animation: false,
      parsing: false,
      responsive: true,
      maintainAspectRatio: false,
      spanGaps: false,
      elements: { line: { tension: 0 }, point: { hoverRadius: 4, hitRadius: 6 } },
      layout: { padding: { top: 4, right: 6 } },
      interaction: { mode: "nearest", axis: "x", intersect: false },
      font: { family: theme.fontFamily, size: theme.fontSize },
      color: theme.foreground,
      scales: {
        x: {
          type: "linear",
          min: lo,
          max: hi,
          ticks: { color: theme.muted, maxTicksLimit: 7, precision: 0, includeBounds: false, minRotation: 0, maxRotation: 0, callback: (v) => (Number.isInteger(Number(v)) ? String(v) : "") },
          grid: { color: theme.grid },
          border: { color: theme.grid },
          title: { display: true, text: "update", color: theme.muted, padding: 0 },
        },
        y: {
          type: "linear",
          grace: "8%",
          ticks: { color: theme.muted, maxTicksLimit: 4, callback: (v) => fmtShort(Number(v)) },
          grid: { color: theme.grid },
          border: { color: theme.grid },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          filter: (item) => (item.dataset as TaggedDataset).ppo.role === "evidence",
          backgroundColor: theme.tooltipBackground,
          titleColor: theme.tooltipForeground,
          bodyColor: theme.tooltipForeground,
          borderColor: theme.tooltipBorder,
          borderWidth: 1,
          displayColors: false,
          callbacks: {
            title: (items) => (items.length ? `update ${Math.round(items[0].parsed.x ?? NaN)}` : ""),
            label: (item) => `${e.metric}: ${fmtShort(item.parsed.y)} (threshold ${fmtShort(e.threshold)})`,
          },
        },
        ...({ ppoBackground: { color: theme.background } } as Record<string, unknown>),
      },
    };
    // Undefined (NaN or infinite) values: a marker at their update, in the severity's colour.
    setMarkers(
      this.canvas,
      values.filter((v) => Number.isNaN(v.y)).map((v) => ({ x: v.x, color, strong: true, id: this.finding.id, severity: this.finding.severity })),
    );
    if (!this.chart) {
      this.chart = new Chart<"line", Pt[]>(this.canvas, { type: "line", data: { datasets }, options: opts });
    } else {
      this.chart.data.datasets = datasets;
      this.chart.options = opts;
      this.chart.update("none");
    }
  }

  describe(): EvidenceView {
    const datasets = (this.chart?.data.datasets ?? []) as TaggedDataset[];
    return {
      key: this.key,
      id: this.finding.id,
      severity: this.finding.severity,
      datasets: datasets.map((d) => ({
        role: d.ppo.role,
        label: d.label ?? "",
        color: String(d.borderColor),
        data: d.data,
        dashed: Array.isArray(d.borderDash) && d.borderDash.length > 0,
        fill: typeof d.fill === "string" || typeof d.fill === "boolean" ? d.fill : false,
      })),
      markers: getMarkers(this.canvas).map((m) => m.x),
    };
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.el.remove();
  }
}

function basename(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

export class DiagnosticsView {
  readonly el: HTMLElement;
  private readonly counts: HTMLElement;
  private readonly list: HTMLElement;
  private readonly toggle: VscodeToolbarButton;
  private readonly cards = new Map<string, FindingCard>();
  private open: boolean;
  private theme: Theme | undefined;

  constructor(
    private readonly actions: DiagnosticsActions,
    open: boolean,
  ) {
    this.open = open;
    this.el = el("section", { class: "diagnostics", "data-section": "diagnostics", hidden: "" });
    const strip = el("div", { class: "diag-strip", "data-role": "diag-strip" });
    this.toggle = toolbarButton("chevron-down", "Hide the findings", () => this.setOpen(!this.open), { "data-action": "toggle-findings" });
    this.counts = el("div", { class: "diag-counts" });
    strip.append(el("span", { class: "diag-heading" }, "Diagnostics"), this.counts, this.toggle);
    this.list = el("div", { class: "finding-grid", "data-role": "findings" });
    this.el.append(strip, this.list);
    this.applyOpen();
  }

  private setOpen(open: boolean): void {
    this.open = open;
    this.applyOpen();
    this.actions.toggleOpen(open);
    // Charts built while the list was hidden have no size yet; Chart.js resizes them when they are shown.
  }

  private applyOpen(): void {
    this.list.hidden = !this.open || this.cards.size === 0;
    this.toggle.hidden = this.cards.size === 0;
    this.toggle.icon = this.open ? "chevron-down" : "chevron-right";
    this.toggle.label = this.toggle.title = this.open ? "Hide the findings" : "Show the findings";
  }

  /**
   * Shows the findings of `runs` (all of the panel's runs): new cards for new findings, cards of findings no longer
   * held removed, order by severity then update. `colors` is set when comparing runs (each card names its run).
   */
  update(runs: RunStore[], colors: Map<string, string> | undefined, theme: Theme): void {
    const themeChanged = this.theme !== theme;
    this.theme = theme;
    const items: { key: string; run: RunStore; finding: DiagnosticFinding }[] = [];
    for (const run of runs) for (const f of run.findings) items.push({ key: findingKey(run.info.key, f), run, finding: f });
    items.sort((a, b) => compareFindings(a.finding, b.finding) || a.run.info.key.localeCompare(b.run.info.key));
    const keep = new Set(items.map((i) => i.key));
    for (const [key, card] of this.cards) {
      if (keep.has(key)) continue;
      card.destroy();
      this.cards.delete(key);
    }
    const ordered: FindingCard[] = [];
    const fresh: FindingCard[] = [];
    for (const item of items) {
      let card = this.cards.get(item.key);
      if (!card || card.run !== item.run) {
        card?.destroy();
        card = new FindingCard(item.key, item.run, item.finding, this.actions);
        this.cards.set(item.key, card);
        fresh.push(card);
      }
      card.setRun(colors?.get(item.run.colorKey));
      ordered.push(card);
    }
    const current = [...this.list.children];
    if (ordered.length !== current.length || ordered.some((c, i) => c.el !== current[i])) this.list.replaceChildren(...ordered.map((c) => c.el));
    // Charts are built once attached (Chart.js measures the container); all of them again on a theme change.
    for (const card of themeChanged ? ordered : fresh) card.draw(theme);

    const counts = countBySeverity(items.map((i) => i.finding));
    const text = `${SEVERITIES.map((s) => counts[s]).join("|")}|${runs.some((r) => r.info.live)}`;
    if (this.counts.dataset.text !== text) {
      this.counts.dataset.text = text;
      this.counts.replaceChildren(
        ...(items.length === 0
          ? [el("span", { class: "muted", "data-role": "no-findings" }, runs.some((r) => r.info.live) ? "No findings so far" : "No findings")]
          : SEVERITIES.map((s) => {
              const n = counts[s];
              const chip = el("span", { class: `diag-count diag-count-${s}${n === 0 ? " zero" : ""}`, "data-severity": s, "data-count": String(n) });
              chip.append(icon(SEVERITY_ICONS[s], { class: "diag-count-icon" }), el("span", { class: "diag-count-text" }, `${n} ${SEVERITY_LABELS[s][n === 1 ? 0 : 1]}`));
              return chip;
            })),
      );
    }
    this.el.hidden = runs.length === 0;
    this.applyOpen();
  }

  /** The cards' evidence charts, in page order. */
  describe(): EvidenceView[] {
    const byEl = new Map([...this.cards.values()].map((c) => [c.el as Element, c]));
    return [...this.list.children].map((e) => byEl.get(e)).filter((c): c is FindingCard => c !== undefined).map((c) => c.describe());
  }
}

/**
 * The dashboard: run headers, the compare legend, chart cards in groups (plus Pinned), episodes, config tables.
 * Applies the host's snapshot and batched updates to the run stores and redraws what changed, visible charts
 * first, spread over animation frames. Holds view state only; the host holds the history.
 */
import type { DashboardExportFormat, FromDashboardMessage, ToDashboardMessage } from "../../src/protocol";
import { collapsible, el, type VscodeCollapsible } from "../ui/elements";
import type { VsCodeApi } from "../shared/vscode-api";
import { AXIS_COLUMNS, CARDS, CATALOGUED, GROUPS, otherCard, type GroupId } from "./catalog";
import { ChartCard, type CardContext, type RedrawTiming } from "./chart-card";
import { registerChartParts } from "./chart-setup";
import { configTable, diffTable } from "./config-view";
import { DiagnosticsView } from "./diagnostics-view";
import { EpisodesView } from "./episodes-view";
import { exportFileName, exportTable, toCsv, toJson } from "./export";
import { Legend, RunHeader } from "./header";
import { RedrawScheduler, type Drawable } from "./redraw-scheduler";
import { runLabel, RunStore } from "./run-store";
import { assignRunColors, readTheme, sameTheme, type Theme } from "./theme";
import { buildToolbar } from "./toolbar";
import { runKind, runKindLabel } from "../../src/run-kind";
import { parseView, toggleIn, type SavedState, type ViewSettings } from "./view-state";

const TIMING_CAPACITY = 5000;

interface Section {
  box: VscodeCollapsible;
  grid: HTMLElement;
}

export class Dashboard {
  private readonly runs = new Map<string, RunStore>();
  private view: ViewSettings;
  private theme: Theme;
  private colors = new Map<string, string>();
  private readonly cards = new Map<string, ChartCard>();
  private readonly headers = new Map<string, RunHeader>();
  private readonly sections = new Map<GroupId | "pinned", Section>();
  private readonly headerBox = el("div", { class: "run-headers" });
  private readonly legend = new Legend((key, shown) => this.setView({ hiddenRuns: toggleIn(this.view.hiddenRuns, key, !shown) }));
  private readonly notice = el("p", { class: "muted notice", "data-role": "notice" }, "Loading run...");
  private readonly episodes = new EpisodesView();
  private readonly diagnostics: DiagnosticsView;
  private readonly episodesSection: VscodeCollapsible;
  private readonly diffSection: VscodeCollapsible;
  private readonly configSection: VscodeCollapsible;
  private readonly scheduler = new RedrawScheduler();
  private readonly observer: IntersectionObserver;
  private readonly drawables = new Map<string, Drawable>();
  /**
   * The episodes section's drawable, kept apart from `drawables` (keyed by card id): a run logs a metric named
   * `episodes`, whose card under Other metrics would otherwise replace it, and the histogram and table never redraw.
   */
  private readonly episodesDrawable: Drawable = { canDraw: () => this.episodes.visible, draw: () => this.drawEpisodes() };
  /** Recent redraw timings (tests and the benchmark read them). */
  readonly timings: RedrawTiming[] = [];
  private configKey = "";

  constructor(
    private readonly root: HTMLElement,
    private readonly api: VsCodeApi<FromDashboardMessage>,
  ) {
    registerChartParts();
    const saved = api.getState() as Partial<SavedState> | undefined;
    this.view = parseView(saved?.view);
    this.theme = readTheme();
    this.observer = new IntersectionObserver((entries) => this.onIntersect(entries), { rootMargin: "300px 0px" });

    const toolbar = buildToolbar(this.view, {
      smoothing: (v) => this.setView({ smoothing: v }),
      xAxis: (x) => this.setView({ xAxis: x }),
      ignoreOutliers: (on) => this.setView({ ignoreOutliers: on }),
    });
    this.diagnostics = new DiagnosticsView(
      {
        copy: (run, f, suggestion, text) => this.api.postMessage({ type: "copySuggestion", key: run.info.key, findingId: f.id, suggestion, text }),
        openConfig: (run, f) =>
          this.api.postMessage({
            type: "openConfig",
            key: run.info.key,
            findingId: f.id,
            location: f.location ? { file: f.location.file, line: f.location.line, column: f.location.column } : undefined,
          }),
        toggleOpen: (open) => {
          this.view.openGroups.diagnostics = open;
          this.saveState();
        },
      },
      this.view.openGroups.diagnostics ?? true,
    );
    const pinned = this.section("pinned", "Pinned", true);
    pinned.box.hidden = true;
    const groups = GROUPS.map((g) => this.section(g.id, g.title, this.view.openGroups[g.id] ?? g.open).box);
    this.episodesSection = collapsible("Episodes", this.view.openGroups.episodes ?? true, { "data-section": "episodes" });
    this.episodesSection.append(this.episodes.el);
    this.trackOpen(this.episodesSection, "episodes", () => this.requestEpisodes());
    this.observer.observe(this.episodes.el);
    this.diffSection = collapsible("Config differences", true, { "data-section": "config-diff" });
    this.diffSection.hidden = true;
    this.configSection = collapsible("Hyperparameters", this.view.openGroups.config ?? false, { "data-section": "config" });
    this.trackOpen(this.configSection, "config");
    root.replaceChildren(toolbar, this.headerBox, this.legend.el, this.diagnostics.el, this.notice, pinned.box, ...groups, this.episodesSection, this.diffSection, this.configSection);
  }

  private section(id: GroupId | "pinned", title: string, open: boolean): Section {
    const box = collapsible(title, open, { "data-section": id });
    const grid = el("div", { class: "card-grid" });
    box.append(grid);
    if (id !== "pinned") this.trackOpen(box, id);
    const s = { box, grid };
    this.sections.set(id, s);
    return s;
  }

  private trackOpen(box: VscodeCollapsible, id: string, onOpen?: () => void): void {
    box.addEventListener("vsc-collapsible-toggle", (e) => {
      this.view.openGroups[id] = (e as CustomEvent<{ open: boolean }>).detail.open;
      this.saveState();
      if (box.open) onOpen?.();
    });
  }

  onMessage(msg: ToDashboardMessage): void {
    switch (msg.type) {
      case "snapshot": {
        this.runs.clear();
        for (const h of this.headers.values()) h.el.remove();
        this.headers.clear();
        for (const r of msg.runs) {
          const store = new RunStore(r.info);
          store.append(r.rows);
          store.addEpisodes(r.episodes);
          store.addFindings(r.findings ?? []);
          this.runs.set(r.info.key, store);
        }
        this.runsChanged();
        this.saveState();
        break;
      }
      case "update": {
        let newMetric = false;
        let episodes = false;
        for (const u of msg.runs) {
          const store = this.runs.get(u.key);
          if (!store) continue;
          const known = store.metrics().length;
          store.append(u.rows);
          store.addEpisodes(u.episodes);
          newMetric ||= store.metrics().length !== known;
          episodes ||= u.episodes.length > 0;
        }
        if (newMetric) this.ensureCards();
        this.dataChanged(episodes);
        break;
      }
      case "findings": {
        const store = this.runs.get(msg.key);
        if (!store || store.addFindings(msg.findings) === 0) return;
        this.renderDiagnostics();
        // Every chart card marks the updates where findings fired.
        for (const card of this.cards.values()) this.invalidate(card);
        break;
      }
      case "runInfo": {
        const store = this.runs.get(msg.info.key);
        if (!store) return;
        store.info = msg.info;
        this.runsChanged();
        this.saveState();
        break;
      }
    }
  }

  /** Runs were added, removed or their info changed: colours, headers, legend, cards, config tables. */
  private runsChanged(): void {
    const all = [...this.runs.values()];
    this.colors = assignRunColors(
      all.map((r) => r.colorKey),
      this.theme.palette,
    );
    for (const run of all) {
      let h = this.headers.get(run.info.key);
      if (!h) {
        h = new RunHeader(run, (command, key) => this.api.postMessage({ type: "command", command, key }));
        this.headers.set(run.info.key, h);
        this.headerBox.append(h.el);
      }
    }
    this.ensureCards();
    this.renderConfig();
    this.renderDiagnostics();
    this.dataChanged(true);
  }

  private renderDiagnostics(): void {
    const all = [...this.runs.values()];
    this.diagnostics.update(all, all.length > 1 ? this.colors : undefined, this.theme);
  }

  /** New rows or episodes: headers, last values, and a redraw of every chart (visible ones now, others when shown). */
  private dataChanged(episodes: boolean): void {
    const all = [...this.runs.values()];
    const compare = all.length > 1;
    for (const run of all) this.headers.get(run.info.key)?.update(run, compare ? this.colors.get(run.colorKey) : undefined);
    this.legend.update(all, this.colors, this.view.hiddenRuns);
    const waiting = all.length > 0 && all.every((r) => r.length === 0);
    this.notice.hidden = !(all.length === 0 || waiting);
    const algorithms = [...new Set(all.map((r) => (r.info.kind ?? runKindLabel(runKind(r.info.config))).replace(/ \(.*\)$/, "")))];
    this.notice.textContent = all.length === 0 ? "No run to show." : `Waiting for the first ${algorithms.join(" / ")} update...`;
    const ctx = this.context();
    // A card whose first finite value just arrived (or a run info change that leaves it without one) is placed again.
    if ([...this.cards.values()].some((card) => card.el.hidden === card.hasData(all))) this.placeCards();
    for (const card of this.cards.values()) {
      card.updateValues(ctx);
      this.invalidate(card);
    }
    if (episodes) this.requestEpisodes();
  }

  private context(): CardContext {
    const allRuns = [...this.runs.values()];
    return { runs: allRuns.filter((r) => !this.view.hiddenRuns.includes(r.colorKey)), allRuns, colors: this.colors, view: this.view, theme: this.theme };
  }

  /** Creates cards for metrics seen for the first time and places every card in its group or in Pinned. */
  private ensureCards(): void {
    const all = [...this.runs.values()];
    const specs = [...CARDS];
    const others = new Set<string>();
    for (const r of all) for (const m of r.metrics()) if (!CATALOGUED.has(m) && !AXIS_COLUMNS.has(m)) others.add(m);
    for (const m of [...others].sort()) specs.push(otherCard(m));
    for (const spec of specs) {
      if (this.cards.has(spec.id)) continue;
      const card = new ChartCard(spec, {
        togglePin: (c) => this.setView({ pinned: toggleIn(this.view.pinned, c.id, !this.view.pinned.includes(c.id)) }),
        toggleLog: (c) => this.setView({ logScale: toggleIn(this.view.logScale, c.id, !this.view.logScale.includes(c.id)) }),
        toggleCollapsed: (c) => this.setView({ collapsed: toggleIn(this.view.collapsed, c.id, !this.view.collapsed.includes(c.id)) }),
        exportCard: (c, format) => this.exportCard(c, format),
      });
      this.cards.set(spec.id, card);
      this.drawables.set(spec.id, { canDraw: () => card.visible && !card.collapsed, draw: () => this.drawCard(card) });
      this.observer.observe(card.el);
    }
    this.placeCards();
  }

  private placeCards(): void {
    const all = [...this.runs.values()];
    const byGroup = new Map<string, HTMLElement[]>();
    for (const card of this.cards.values()) {
      card.applyFlags(this.view);
      card.el.hidden = !card.hasData(all);
      if (this.view.pinned.includes(card.id)) continue;
      const list = byGroup.get(card.spec.group) ?? [];
      list.push(card.el);
      byGroup.set(card.spec.group, list);
    }
    for (const g of GROUPS) {
      const s = this.sections.get(g.id)!;
      const els = byGroup.get(g.id) ?? [];
      s.grid.replaceChildren(...els);
      s.box.hidden = !els.some((e) => !e.hidden);
      const shown = els.filter((e) => !e.hidden).length;
      s.box.description = `${shown} chart${shown === 1 ? "" : "s"}`;
    }
    const pinned = this.sections.get("pinned")!;
    const pins = this.view.pinned.map((id) => this.cards.get(id)).filter((c): c is ChartCard => c !== undefined);
    pinned.grid.replaceChildren(...pins.map((c) => c.el));
    pinned.box.hidden = pins.length === 0;
  }

  private invalidate(card: ChartCard): void {
    card.dirty = true;
    if (card.visible && !card.collapsed) this.scheduler.request(this.drawables.get(card.id)!);
  }

  private drawCard(card: ChartCard): void {
    const timing = card.redraw(this.context());
    this.timings.push(timing);
    if (this.timings.length > TIMING_CAPACITY) this.timings.splice(0, this.timings.length - TIMING_CAPACITY);
  }

  /** New episodes: the histogram and table redraw first in the next frame, before the charts the batch invalidated. */
  private requestEpisodes(): void {
    this.episodes.dirty = true;
    if (this.episodes.visible) this.scheduler.request(this.episodesDrawable, true);
  }

  private drawEpisodes(): void {
    const ctx = this.context();
    this.episodes.redraw(ctx.runs, this.colors, this.theme, ctx.allRuns.length > 1);
  }

  private onIntersect(entries: IntersectionObserverEntry[]): void {
    for (const e of entries) {
      if (e.target === this.episodes.el) {
        this.episodes.visible = e.isIntersecting;
        if (e.isIntersecting && this.episodes.dirty) this.scheduler.request(this.episodesDrawable, true);
        continue;
      }
      const id = (e.target as HTMLElement).dataset.card;
      const card = id !== undefined ? this.cards.get(id) : undefined;
      if (!card) continue;
      card.visible = e.isIntersecting;
      if (card.visible && card.dirty && !card.collapsed) this.scheduler.request(this.drawables.get(card.id)!);
    }
  }

  private renderConfig(): void {
    const all = [...this.runs.values()];
    const key = JSON.stringify(all.map((r) => [r.info.key, r.info.runId, r.info.config, r.info.sources, this.colors.get(r.colorKey)]));
    if (key === this.configKey) return;
    this.configKey = key;
    this.diffSection.hidden = all.length < 2;
    if (all.length >= 2) this.diffSection.replaceChildren(diffTable(all, this.colors));
    const tables = all.map((r) => {
      if (all.length === 1) return configTable(r);
      const box = el("div", { class: "config-run" });
      box.append(el("h4", {}, runLabel(r.info)), configTable(r));
      return box;
    });
    this.configSection.replaceChildren(...tables);
  }

  private setView(patch: Partial<ViewSettings>): void {
    this.view = { ...this.view, ...patch };
    this.saveState();
    if (patch.pinned || patch.collapsed || patch.logScale) this.placeCards();
    if (patch.hiddenRuns) this.dataChanged(true);
    else {
      for (const card of this.cards.values()) this.invalidate(card);
      if (patch.pinned || patch.collapsed) this.scheduler.flush();
    }
  }

  /** Re-reads the theme variables; redraws everything when they changed. */
  onThemeChange(): void {
    const next = readTheme();
    if (sameTheme(next, this.theme)) return;
    this.theme = next;
    this.runsChanged();
  }

  private exportCard(card: ChartCard, format: DashboardExportFormat): void {
    const ctx = this.context();
    let data: string | undefined;
    if (format === "png") {
      if (card.dirty && !card.collapsed) this.drawCard(card);
      data = card.toPng();
    } else {
      const table = exportTable(card.spec, card.runsOf(ctx.runs), this.view);
      data = format === "csv" ? toCsv(table) : toJson(card.spec, table, this.view);
    }
    if (data === undefined) return;
    const key = ctx.runs.length === 1 ? ctx.runs[0].info.key : undefined;
    this.api.postMessage({ type: "export", format, fileName: exportFileName(card.spec, ctx.runs, format), data, key });
  }

  private saveState(): void {
    const runDirs = [...this.runs.values()].map((r) => r.info.runDir).filter((d): d is string => Boolean(d));
    const state: SavedState = { runDirs, view: this.view };
    this.api.setState(state);
  }

  /** Test and benchmark hooks (window.ppoLabDashboard). */
  debugApi() {
    return {
      /** Draws every dirty card now, visible or not (not collapsed ones). */
      flush: () => {
        for (const card of this.cards.values()) if (card.dirty && !card.collapsed && !card.el.hidden) this.drawCard(card);
        if (this.episodes.dirty) this.drawEpisodes();
      },
      describe: (id: string) => this.cards.get(id)?.describe(),
      cards: () => [...this.cards.values()].filter((c) => !c.el.hidden).map((c) => c.id),
      timings: () => this.timings.slice(),
      clearTimings: () => void this.timings.splice(0),
      pending: () => this.scheduler.pending,
      view: () => ({ ...this.view }),
      theme: () => ({ ...this.theme }),
      colors: () => Object.fromEntries(this.colors),
      /** The episode histogram's bins and per-run counts, and the table's row count, as last drawn. */
      episodes: () => this.episodes.describe(),
      /** The diagnostics cards' evidence charts, in their order on the page. */
      findings: () => this.diagnostics.describe(),
    };
  }
}

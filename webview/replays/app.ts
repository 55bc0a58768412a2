/**
 * The Replays webview: the run's header (Record next episode, Open dashboard), the list of recorded episodes, the
 * player (one replay, or two side by side in lockstep) with its controls and keyboard shortcuts, and the exports.
 */
import type { ReplaySummary } from "../../src/core/replay/types";
import type { FromReplaysMessage, ReplayExportFormat, ReplaysRunInfo, ToReplaysMessage } from "../../src/protocol";
import { readTheme, type Theme } from "../dashboard/theme";
import type { VsCodeApi } from "../shared/vscode-api";
import { button, checkbox, el, singleSelect, toolbarButton, type VscodeButton, type VscodeToolbarButton } from "../ui/elements";
import { LoadedReplay, ReplayClient } from "./client";
import { encodeGif, encodeWebm, replayCsv, bytesToBase64, webmType } from "./export";
import { BASE_FPS, fmt, Playback, ReplayView, SPEEDS } from "./player";
import { RateBar } from "./rate-bar";

/** What the panel keeps across reloads (VS Code's webview state; the host's serializer reads `runDir`). */
interface SavedState {
  runDir?: string;
  selected?: string;
  compare?: string;
  speed?: number;
  loop?: boolean;
  /** Rate mode is on. */
  rate?: boolean;
}

export class ReplaysApp {
  private readonly client: ReplayClient;
  private theme: Theme;
  private run: ReplaysRunInfo | undefined;
  private replays: ReplaySummary[] = [];
  private views: ReplayView[] = [];
  private readonly playback: Playback;
  private readonly header = el("header", { class: "replays-header" });
  private readonly message = el("div", { class: "message", hidden: "" });
  private readonly list = el("div", { class: "replay-list" });
  private readonly controls = el("div", { class: "controls sticky-bar", hidden: "" });
  private readonly viewsEl = el("div", { class: "views" });
  private readonly scrub: HTMLInputElement;
  private readonly stepLabel = el("span", { class: "step-label", "data-role": "step-label" });
  private readonly playButton: VscodeToolbarButton;
  private readonly exportStatus = el("span", { class: "muted export-status" });
  private state: SavedState;
  private loadToken = 0;
  private exporting = false;
  /** "Record next episode" was sent: the next new requested replay is opened when it arrives. */
  private awaitingRecord = false;
  /** Rate mode (RLHF in miniature): two episodes side by side and the rating buttons. */
  private readonly rateBar: RateBar;

  constructor(
    private readonly root: HTMLElement,
    private readonly api: VsCodeApi<FromReplaysMessage>,
  ) {
    this.client = new ReplayClient((m) => api.postMessage(m));
    this.rateBar = new RateBar((m) => api.postMessage(m));
    this.theme = readTheme();
    this.state = (api.getState() as SavedState | undefined) ?? {};
    this.playback = new Playback(
      (step) => this.showStep(step),
      () => this.updateControls(),
    );
    this.playback.speed = SPEEDS.includes(this.state.speed ?? 1) ? (this.state.speed ?? 1) : 1;
    this.playback.loop = this.state.loop === true;

    this.scrub = el("input", { type: "range", min: "0", max: "0", value: "0", class: "scrub", "aria-label": "Step" });
    this.scrub.addEventListener("input", () => {
      this.playback.pause();
      this.playback.seek(Number(this.scrub.value));
    });
    this.playButton = toolbarButton("debug-start", "Play (Space)", () => this.playback.toggle(), { "data-control": "play" });
    const back = toolbarButton("chevron-left", "Step back (Left)", () => this.playback.stepBy(-1), { "data-control": "back" });
    const fwd = toolbarButton("chevron-right", "Step forward (Right)", () => this.playback.stepBy(1), { "data-control": "forward" });
    const speed = singleSelect(
      SPEEDS.map((s) => ({ value: String(s), label: `${s}x` })),
      String(this.playback.speed),
      (v) => {
        this.playback.speed = Number(v);
        this.save({ speed: this.playback.speed });
      },
      { "data-control": "speed", class: "speed" },
    );
    const loop = checkbox("Loop", this.playback.loop, (on) => {
      this.playback.loop = on;
      this.save({ loop: on });
    }, { "data-control": "loop" });
    const exports = el("span", { class: "exports" });
    exports.append(
      button("GIF", { icon: "file-media", secondary: true, onClick: () => void this.export("gif"), attrs: { "data-export": "gif" } }),
      button("WebM", { icon: "device-camera-video", secondary: true, onClick: () => void this.export("webm"), attrs: { "data-export": "webm" } }),
      button("CSV", { icon: "table", secondary: true, onClick: () => void this.export("csv"), attrs: { "data-export": "csv" } }),
      this.exportStatus,
    );
    this.controls.append(back, this.playButton, fwd, this.scrub, this.stepLabel, speed, loop, exports);

    root.replaceChildren(this.header, this.message, this.list, this.controls, this.rateBar.el, this.viewsEl);
    // Capture phase: a focused button must not also act on Space/arrows.
    document.addEventListener("keydown", (e) => this.onKey(e), { capture: true });
    document.addEventListener("keyup", (e) => {
      if (e.key === " " && this.views.length > 0 && !(e.target as HTMLElement | null)?.closest("vscode-checkbox, vscode-single-select, textarea, input:not([type=range])")) e.preventDefault();
    }, { capture: true });
    window.addEventListener("resize", () => this.showStep(this.playback.step));
  }

  onMessage(m: ToReplaysMessage): void {
    if (this.client.onMessage(m)) return;
    switch (m.type) {
      case "init":
      case "replays": {
        const known = new Set(this.replays.map((r) => r.id));
        const fresh = m.type === "replays" && this.awaitingRecord ? m.replays.find((r) => r.kind === "requested" && !known.has(r.id)) : undefined;
        this.run = m.run;
        this.replays = m.replays;
        this.save({ runDir: m.run.runDir });
        this.renderHeader();
        this.renderList();
        this.showMessage(m.error);
        if (m.type === "init" && this.state.rate) this.rateBar.show(true);
        if (m.type === "init" || this.views.length === 0) {
          const pick = m.replays.find((r) => r.id === this.state.selected) ?? m.replays[m.replays.length - 1];
          const cmp = m.replays.find((r) => r.id === this.state.compare && r.id !== pick?.id);
          if (pick) void this.open(pick.id, cmp?.id);
        } else if (fresh) {
          // The episode the user asked for has arrived: play it.
          this.awaitingRecord = false;
          this.showMessage(undefined);
          void this.open(fresh.id, undefined);
        }
        return;
      }
      case "recordState":
        this.awaitingRecord = m.state === "sent";
        this.showMessage(m.message, m.state === "unavailable" ? "warning" : "info");
        return;
      case "select":
        if (this.replays.some((r) => r.id === m.id)) void this.open(m.id, undefined);
        return;
      case "rating": {
        this.rateBar.update(m.state);
        const next = m.state.next;
        if (this.rateBar.active && next) {
          this.rateBar.pair = next;
          if (this.views[0]?.replay.id !== next[0] || this.views[1]?.replay.id !== next[1]) void this.open(next[0], next[1]);
        }
        return;
      }
      case "response":
        return;
    }
  }

  onThemeChange(): void {
    this.theme = readTheme();
    for (const v of this.views) v.setTheme(this.theme);
    this.showStep(this.playback.step);
  }

  private save(patch: Partial<SavedState>): void {
    this.state = { ...this.state, ...patch };
    this.api.setState(this.state);
  }

  private showMessage(text: string | undefined, level: "error" | "warning" | "info" = "error"): void {
    this.message.hidden = !text;
    this.message.textContent = text ?? "";
    this.message.dataset.level = level;
  }

  private renderHeader(): void {
    const run = this.run;
    if (!run) return;
    const title = el("h2", { class: "run-title" }, `Replays · ${run.envName}`);
    const meta = el("span", { class: "muted" }, `${run.runId} · ${run.status} · ${this.replays.length} replay${this.replays.length === 1 ? "" : "s"}`);
    let deterministic = false;
    const record = button("Record next episode", { icon: "record", onClick: () => this.api.postMessage({ type: "recordNext", deterministic }), attrs: { "data-command": "recordNext" } });
    record.disabled = !run.live;
    record.title = run.live ? "Record the trainer's next episode with the current policy" : "Only a run training in this window can record";
    const det = checkbox("Deterministic", false, (on) => (deterministic = on), { "data-control": "deterministic" });
    det.disabled = !run.live;
    const dash = button("Dashboard", { icon: "graph-line", secondary: true, onClick: () => this.api.postMessage({ type: "openDashboard" }), attrs: { "data-command": "openDashboard" } });
    const rate = button(this.rateBar.active ? "Stop rating" : "Rate", {
      icon: "feedback",
      secondary: true,
      onClick: () => this.toggleRate(),
      attrs: { "data-command": "rate", title: "Rate pairs of episodes (RLHF in miniature): ratings go to preferences.jsonl" },
    });
    const buttons = el("div", { class: "buttons" });
    buttons.append(record, det, dash, rate);
    const top = el("div", { class: "title-row" });
    top.append(title, meta);
    this.header.replaceChildren(top, buttons);
  }

  /** Turns Rate mode on or off (the host then sends the next pair to rate). */
  private toggleRate(): void {
    const on = !this.rateBar.active;
    this.rateBar.show(on);
    if (!on) this.rateBar.pair = undefined;
    this.save({ rate: on });
    this.renderHeader();
  }

  private renderList(): void {
    if (this.replays.length === 0) {
      this.list.replaceChildren(el("p", { class: "muted" }, this.run?.live ? "No replays yet: one is recorded every few updates, or press Record next episode." : "This run has no recorded replays."));
      return;
    }
    const table = el("table", { class: "replay-table" });
    const head = el("tr");
    for (const h of ["", "Kind", "Update", "Step", "Return", "Length", "End", ""]) head.append(el("th", {}, h));
    table.append(el("thead"), el("tbody"));
    table.tHead!.append(head);
    const a = this.views[0]?.replay.id;
    const b = this.views[1]?.replay.id;
    for (const r of [...this.replays].reverse()) {
      const tr = el("tr", { "data-replay": r.id, tabindex: "0", title: `${r.id} · seed ${r.seed} · ${r.frameType} frames · ${(r.bytes / 1024).toFixed(0)} KB · ${r.createdAt}` });
      if (r.id === a) tr.classList.add("selected");
      if (r.id === b) tr.classList.add("compared");
      const mark = r.id === a ? "A" : r.id === b ? "B" : "";
      tr.append(
        el("td", { class: "mark" }, mark),
        el("td", {}, r.kind + (r.deterministic ? " (det.)" : "")),
        el("td", { class: "num" }, String(r.update)),
        el("td", { class: "num" }, String(r.step)),
        el("td", { class: "num" }, fmt(r.return)),
        el("td", { class: "num" }, String(r.length)),
        el("td", {}, r.terminated ? "terminated" : "truncated"),
      );
      const cmpCell = el("td");
      if (a && r.id !== a) {
        const cmp = toolbarButton("split-horizontal", r.id === b ? "Stop comparing" : "Compare side by side with A", () => void this.open(a, r.id === b ? undefined : r.id), { "data-compare": r.id });
        cmpCell.append(cmp);
      }
      tr.append(cmpCell);
      tr.addEventListener("click", (e) => {
        if ((e.target as HTMLElement).closest("[data-compare]")) return;
        void this.open(r.id, this.views[1]?.replay.id === r.id ? undefined : this.views[1]?.replay.id);
      });
      tr.addEventListener("keydown", (e) => {
        if (e.key === "Enter") void this.open(r.id, undefined);
      });
      table.tBodies[0].append(tr);
    }
    this.list.replaceChildren(table);
  }

  /** Opens replay `id` (and `compareId` beside it): headers first, then steps and frames as they play. */
  async open(id: string, compareId: string | undefined): Promise<void> {
    const token = ++this.loadToken;
    this.playback.pause();
    this.showMessage(undefined);
    let loaded: LoadedReplay[];
    try {
      const ids = compareId ? [id, compareId] : [id];
      loaded = await Promise.all(ids.map((x) => this.views.find((v) => v.replay.id === x)?.replay ?? LoadedReplay.open(this.client, x)));
    } catch (e) {
      if (token === this.loadToken) this.showMessage(`Could not open the replay: ${(e as Error).message}`);
      return;
    }
    if (token !== this.loadToken) return;
    for (const v of this.views) v.destroy();
    this.views = loaded.map((r, k) => {
      const view = new ReplayView(r, this.theme, (step) => {
        this.playback.pause();
        this.playback.seek(step);
      }, k === 0 ? "a" : "b");
      r.onData = () => {
        view.timelines.rebuild();
        this.showStep(this.playback.step);
      };
      return view;
    });
    this.viewsEl.replaceChildren(...this.views.map((v) => v.el));
    this.viewsEl.classList.toggle("compare", this.views.length > 1);
    this.save({ selected: id, compare: compareId });
    this.renderList();
    this.controls.hidden = false;
    const length = Math.max(...loaded.map((r) => r.length));
    this.scrub.max = String(Math.max(0, length - 1));
    this.playback.setLength(length);
    this.playback.seek(0);
    for (const v of this.views) v.timelines.setReplay(v.replay);
    await Promise.all(loaded.map((r) => r.loadSteps()));
  }

  private showStep(step: number): void {
    for (const v of this.views) v.show(step);
    this.scrub.value = String(step);
    // Steps are 0-based everywhere (timelines, CSV): "step / last step".
    this.stepLabel.textContent = this.playback.length ? `${step} / ${this.playback.length - 1}` : "";
  }

  private updateControls(): void {
    this.playButton.icon = this.playback.playing ? "debug-pause" : "debug-start";
    this.playButton.label = this.playback.playing ? "Pause (Space)" : "Play (Space)";
    this.playButton.title = this.playButton.label;
    this.playButton.dataset.playing = String(this.playback.playing);
  }

  private onKey(e: KeyboardEvent): void {
    if (this.views.length === 0 || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const target = e.target as HTMLElement | null;
    if (target && (target.tagName === "INPUT" && (target as HTMLInputElement).type !== "range")) return;
    if (this.rateBar.onKey(e.key)) {
      e.preventDefault();
      e.stopPropagation();
      return;
    }
    switch (e.key) {
      case " ":
        // Space is play/pause wherever the focus is, except on controls that use it themselves.
        if (target?.closest("vscode-checkbox, vscode-single-select, textarea")) return;
        this.playback.toggle();
        break;
      case "ArrowRight":
        this.playback.stepBy(e.shiftKey ? 10 : 1);
        break;
      case "ArrowLeft":
        this.playback.stepBy(e.shiftKey ? -10 : -1);
        break;
      case "Home":
        this.playback.stepBy(-this.playback.length);
        break;
      case "End":
        this.playback.stepBy(this.playback.length);
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  /** Encodes the selected replay (A) and sends it to the host, which asks where to save it. */
  private async export(format: ReplayExportFormat): Promise<void> {
    const view = this.views[0];
    if (!view || this.exporting) return;
    this.exporting = true;
    this.playback.pause();
    const r = view.replay;
    const fps = BASE_FPS * this.playback.speed;
    const progress = (done: number, total: number) => (this.exportStatus.textContent = `${format.toUpperCase()} ${Math.round((100 * done) / total)}%`);
    const fileName = `${this.run?.runId ?? "run"}-${r.id}.${format}`;
    try {
      let data: string;
      if (format === "csv") {
        await r.loadSteps();
        data = replayCsv(r);
      } else {
        await r.loadSteps();
        const bars = (i: number) => view.barsAt(i);
        const bytes = format === "gif" ? await encodeGif(r, view.frame, bars, fps, progress) : await encodeWebm(r, view.frame, bars, fps, progress);
        data = bytesToBase64(bytes);
      }
      this.exportStatus.textContent = "";
      this.api.postMessage({ type: "export", format, fileName, data });
    } catch (e) {
      this.exportStatus.textContent = "";
      this.showMessage(`The ${format.toUpperCase()} export failed: ${(e as Error).message}`);
    } finally {
      this.exporting = false;
    }
  }

  /** For tests and debugging (window.ppoLabReplays). */
  debugApi() {
    return {
      state: () => ({
        step: this.playback.step,
        length: this.playback.length,
        playing: this.playback.playing,
        speed: this.playback.speed,
        loop: this.playback.loop,
        views: this.views.map((v) => ({ id: v.replay.id, shown: v.shown, loaded: v.replay.loaded, frameType: v.replay.header.summary.frameType })),
        replays: this.replays.map((r) => r.id),
      }),
      timelines: (k = 0) => this.views[k]?.timelines.describe() ?? [],
      cursorPixel: (k: number, id: string) => this.views[k]?.timelines.cursorPixel(id),
      requests: () => this.client.sent.slice(),
      seek: (i: number) => this.playback.seek(i),
      play: () => this.playback.play(),
      pause: () => this.playback.pause(),
      setSpeed: (s: number) => (this.playback.speed = s),
      open: (id: string, compare?: string) => this.open(id, compare),
      webmSupported: () => webmType() !== undefined,
      rating: () => ({ active: this.rateBar.active, pair: this.rateBar.pair, state: this.rateBar.state }),
    };
  }
}

export type { VscodeButton };

/**
 * The header of one run (algorithm, env, status, steps and % of total, steps/s, ETA, backend, seed, buttons Stop / Pause /
 * Resume / Checkpoint / Open run directory) and the compare legend (one toggle per run, in the run's colour).
 */
import type { FromDashboardMessage } from "../../src/protocol";
import { button, checkbox, el, icon, progressBar, type VscodeButton, type VscodeProgressBar } from "../ui/elements";
import { fmtDuration, fmtInt, fmtValue } from "./format";
import { runIdLabel, runLabel, type RunStore } from "./run-store";
import { runKind, runKindLabel } from "../../src/run-kind";

type Command = Extract<FromDashboardMessage, { type: "command" }>["command"];

const STATUS_ICONS: Record<string, string> = {
  running: "sync",
  paused: "debug-pause",
  finished: "pass",
  stopped: "circle-slash",
  failed: "error",
  queued: "watch",
  checking: "checklist",
  starting: "loading",
  stopping: "loading",
};

/** Why the header's steps/s differs from the steps_per_second chart and the status bar (an average since the start). */
const RATE_TOOLTIP = "Steps per second over the last 10 updates (the ETA uses it); the steps_per_second chart and the status bar show the average since the run started";

/** Steps per second over the last few updates (steadier than one update's figure), else the last logged one. */
export function recentRate(run: RunStore, window = 10): number | undefined {
  const steps = run.column("total_timesteps");
  const wall = run.column("wall_seconds");
  if (steps && wall && steps.length >= 2) {
    const n = steps.length;
    const k = Math.max(0, n - 1 - window);
    const dt = wall[n - 1] - wall[k];
    const ds = steps[n - 1] - steps[k];
    if (dt > 0 && ds > 0 && Number.isFinite(dt) && Number.isFinite(ds)) return ds / dt;
  }
  return run.last("steps_per_second");
}

export class RunHeader {
  readonly el: HTMLElement;
  private readonly status: HTMLElement;
  private readonly progress: VscodeProgressBar;
  private readonly meta: HTMLElement;
  private readonly buttons: HTMLElement;
  private readonly error: HTMLElement;
  private readonly title: HTMLElement;
  /** The run's kind: "PPO", "GRPO", "PPO (learned reward)" (src/run-kind.ts, as in the tab title and status bar). */
  private readonly kind: HTMLElement;
  private buttonsFor = "";

  constructor(
    run: RunStore,
    private readonly command: (command: Command, key: string) => void,
  ) {
    this.el = el("section", { class: "run-header", "data-key": run.info.key });
    const top = el("div", { class: "run-title-row" });
    this.title = el("h2", { class: "run-title" });
    this.kind = el("span", { class: "run-kind", "data-role": "algorithm" });
    this.status = el("span", { class: "status", "data-role": "status" });
    top.append(this.kind, this.title, this.status);
    this.progress = progressBar(0, 1);
    this.progress.classList.add("run-progress");
    this.meta = el("div", { class: "meta", "data-role": "meta" });
    this.buttons = el("div", { class: "buttons" });
    this.error = el("pre", { class: "error", hidden: "" });
    this.el.append(top, this.progress, this.meta, this.buttons, this.error);
    this.update(run, undefined);
  }

  update(run: RunStore, color: string | undefined): void {
    const { info } = run;
    this.el.style.setProperty("--run-color", color ?? "transparent");
    this.el.classList.toggle("compare", color !== undefined);
    this.title.textContent = color !== undefined ? runIdLabel(info) : info.envName;
    this.title.title = [info.envFile, info.runDir].filter(Boolean).join("\n");
    const kind = runKind(info.config);
    const label = info.kind ?? runKindLabel(kind);
    if (this.kind.textContent !== label) {
      this.kind.textContent = label;
      const grpo = label.startsWith("GRPO");
      this.kind.dataset.algorithm = grpo ? "grpo" : "ppo";
      this.kind.title =
        (grpo ? "GRPO: critic-free, group-normalised returns (algorithm: grpo)" : "PPO-Clip with a critic (algorithm: ppo)") +
        (label.includes("learned reward") ? `\nTrained on a learned reward model${kind.learnedReward ? ` (rewardModel: ${String(info.config?.rewardModel)})` : ""}` : "");
    }
    if (this.status.dataset.status !== info.status) {
      this.status.dataset.status = info.status;
      this.status.className = `status status-${info.status}`;
      this.status.replaceChildren(icon(STATUS_ICONS[info.status] ?? "circle", { class: "status-icon" }), el("span", { "data-role": "status-text" }, info.status));
    }

    const steps = run.last("total_timesteps") ?? 0;
    const total = info.totalTimesteps;
    const pct = total ? Math.min(100, (100 * steps) / total) : undefined;
    this.progress.hidden = !total;
    if (total) {
      this.progress.max = total;
      this.progress.value = Math.min(steps, total);
    }
    const rate = recentRate(run);
    const running = info.live && info.status === "running";
    const eta = running && total && rate && rate > 0 ? Math.max(0, (total - steps) / rate) : undefined;
    const updates = run.last("update");
    const parts: [string, string][] = [
      ["steps", `${fmtInt(steps)}${total ? ` / ${fmtInt(total)}` : ""} steps${pct !== undefined ? ` (${pct.toFixed(pct < 10 ? 1 : 0)}%)` : ""}`],
      ["rate", `${rate !== undefined ? fmtInt(rate) : "-"} steps/s`],
      ["eta", eta !== undefined ? `ETA ${fmtDuration(eta)}` : ""],
      ["updates", `${fmtInt(updates ?? run.length)} update${(updates ?? run.length) === 1 ? "" : "s"}`],
      ["backend", `backend ${info.backend ?? "-"}`],
      ["seed", `seed ${info.seed ?? "-"}`],
      ["env-file", info.envFile ? (info.envFile.split(/[\\/]/).pop() ?? "") : ""],
    ];
    const text = parts.map(([, t]) => t).join("|");
    if (this.meta.dataset.text !== text) {
      this.meta.dataset.text = text;
      this.meta.replaceChildren(
        ...parts.filter(([, t]) => t).map(([role, t]) => el("span", role === "rate" ? { "data-role": role, title: RATE_TOOLTIP } : { "data-role": role }, t)),
      );
    }
    if (this.meta.title !== (info.envFile ?? "")) this.meta.title = info.envFile ?? "";

    const key = `${info.live}|${info.status}|${info.runDir ?? ""}`;
    if (key !== this.buttonsFor) {
      this.buttonsFor = key;
      this.renderButtons(run);
    }
    this.error.hidden = !info.error;
    this.error.textContent = info.error ?? "";
  }

  private renderButtons(run: RunStore): void {
    const { info } = run;
    const list: VscodeButton[] = [];
    const cmd = (command: Command) => () => this.command(command, info.key);
    if (info.live) {
      const stop = button("Stop", { icon: "debug-stop", onClick: cmd("stop"), attrs: { "data-command": "stop" } });
      stop.disabled = info.status === "stopping";
      list.push(stop);
      if (info.status === "paused") list.push(button("Resume", { icon: "debug-continue", secondary: true, onClick: cmd("resume"), attrs: { "data-command": "resume" } }));
      else {
        const pause = button("Pause", { icon: "debug-pause", secondary: true, onClick: cmd("pause"), attrs: { "data-command": "pause" } });
        pause.disabled = info.status !== "running";
        list.push(pause);
      }
      const ckpt = button("Checkpoint", { icon: "save", secondary: true, onClick: cmd("checkpoint"), attrs: { "data-command": "checkpoint" } });
      ckpt.disabled = info.status !== "running" && info.status !== "paused";
      list.push(ckpt);
    }
    if (info.runDir) list.push(button("Replays", { icon: "play-circle", secondary: true, onClick: cmd("openReplays"), attrs: { "data-command": "openReplays" } }));
    if (info.runDir) list.push(button("Open run directory", { icon: "folder-opened", secondary: true, onClick: cmd("openRunDir"), attrs: { "data-command": "openRunDir" } }));
    this.buttons.replaceChildren(...list);
  }
}

/** One toggle per run, in its colour; unchecking hides the run from every chart. */
export class Legend {
  readonly el = el("div", { class: "legend", hidden: "" });
  private readonly values = new Map<string, HTMLElement>();
  private builtFor = "";

  constructor(private readonly onToggle: (colorKey: string, shown: boolean) => void) {}

  /** Rebuilds the toggles when the runs, their colours or the hidden set changed; else refreshes the values. */
  update(runs: RunStore[], colors: Map<string, string>, hidden: string[]): void {
    this.el.hidden = runs.length < 2;
    const key = JSON.stringify([runs.map((r) => [r.info.key, runLabel(r.info), colors.get(r.colorKey)]), hidden]);
    if (key !== this.builtFor) {
      this.builtFor = key;
      this.values.clear();
      const items =
        runs.length < 2
          ? []
          : runs.map((run) => {
              const item = el("div", { class: "legend-item", "data-run": run.info.key });
              item.style.setProperty("--run-color", colors.get(run.colorKey) ?? "");
              const box = checkbox(runLabel(run.info), !hidden.includes(run.colorKey), (shown) => this.onToggle(run.colorKey, shown), { "data-run": run.info.key });
              const value = el("span", { class: "legend-value" });
              this.values.set(run.info.key, value);
              item.append(el("span", { class: "swatch" }), box, value);
              return item;
            });
      // The items wrap inside their own box, so a second line starts under the first item, not under "Runs".
      const box = el("div", { class: "legend-items" });
      box.append(...items);
      this.el.replaceChildren(...(items.length ? [el("span", { class: "legend-title" }, "Runs"), box] : []));
    }
    for (const run of runs) {
      const v = this.values.get(run.info.key);
      const text = `R ${fmtValue(run.last("ep_rew_mean"))}`;
      if (v && v.textContent !== text) v.textContent = text;
    }
  }
}

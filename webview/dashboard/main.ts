/**
 * Dashboard webview: announces itself with `ready`, renders the snapshot the host answers with, then applies live
 * metric rows. Holds view state only.
 */
import type { DashboardRunInfo, FromDashboardMessage, MetricsMessageRow, ToDashboardMessage } from "../../src/protocol";

interface VsCodeApi {
  postMessage(msg: FromDashboardMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscodeApi = acquireVsCodeApi();

interface RunView {
  info: DashboardRunInfo;
  rows: MetricsMessageRow[];
}

const runs = new Map<string, RunView>();

const HEADLINE_METRICS = [
  "ep_rew_mean",
  "ep_len_mean",
  "approx_kl",
  "clip_fraction",
  "entropy",
  "std",
  "explained_variance",
  "value_loss",
  "policy_gradient_loss",
  "grad_norm",
  "learning_rate",
  "steps_per_second",
];

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "-";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return a >= 100 ? v.toFixed(1) : v.toFixed(4);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(label: string, command: Extract<FromDashboardMessage, { type: "command" }>["command"], key: string): HTMLButtonElement {
  const b = el("button", { "data-command": command }, label);
  b.addEventListener("click", () => vscodeApi.postMessage({ type: "command", command, key }));
  return b;
}

function renderRun(view: RunView): HTMLElement {
  const { info, rows } = view;
  const last = rows[rows.length - 1];
  const section = el("section", { class: "run", "data-key": info.key });
  const header = el("header");
  header.append(el("h2", {}, info.envName), el("span", { class: `status status-${info.status}`, "data-role": "status" }, info.status));
  const steps = last?.total_timesteps ?? 0;
  const total = info.totalTimesteps ?? 0;
  const pct = total > 0 ? ` (${Math.min(100, (100 * (steps ?? 0)) / total).toFixed(0)}%)` : "";
  const sps = last?.steps_per_second ?? null;
  const eta = sps && total > 0 && info.live ? ` · ETA ${Math.max(0, Math.round((total - (steps ?? 0)) / sps))} s` : "";
  const meta = el(
    "p",
    { class: "meta", "data-role": "meta" },
    `${steps ?? 0} steps${pct} · ${fmt(sps)} steps/s${eta} · backend ${info.backend ?? "-"} · seed ${info.seed ?? "-"}`,
  );
  const buttons = el("div", { class: "buttons" });
  if (info.live) {
    buttons.append(button("Stop", "stop", info.key));
    buttons.append(info.status === "paused" ? button("Resume", "resume", info.key) : button("Pause", "pause", info.key));
    buttons.append(button("Checkpoint", "checkpoint", info.key));
  }
  if (info.runDir) buttons.append(button("Open run directory", "openRunDir", info.key));
  section.append(header, meta, buttons);
  if (info.error) section.append(el("pre", { class: "error" }, info.error));
  const table = el("table", { class: "metrics" });
  for (const name of HEADLINE_METRICS) {
    const v = last?.[name];
    if (v === undefined) continue;
    const tr = el("tr", { "data-metric": name });
    tr.append(el("th", {}, name), el("td", {}, fmt(v)));
    table.append(tr);
  }
  section.append(el("p", { class: "muted" }, `${rows.length} updates`), table);
  return section;
}

/** Keeps the run directories so that a reloaded window can restore this panel. */
function saveState(): void {
  vscodeApi.setState({ runDirs: [...runs.values()].map((r) => r.info.runDir).filter((d): d is string => Boolean(d)) });
}

let scheduled = false;
function render(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    const app = document.getElementById("app");
    if (!app) return;
    app.replaceChildren(...[...runs.values()].map(renderRun));
  });
}

window.addEventListener("message", (event: MessageEvent<ToDashboardMessage>) => {
  const msg = event.data;
  switch (msg.type) {
    case "snapshot":
      runs.clear();
      for (const r of msg.runs) runs.set(r.info.key, { info: r.info, rows: r.rows });
      saveState();
      break;
    case "metrics": {
      const view = runs.get(msg.key);
      if (view) view.rows.push(msg.row);
      break;
    }
    case "runInfo": {
      const view = runs.get(msg.info.key);
      if (view) view.info = msg.info;
      saveState();
      break;
    }
  }
  render();
});

vscodeApi.postMessage({ type: "ready" });

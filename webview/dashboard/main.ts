/**
 * Dashboard webview entry: builds the dashboard, announces itself with `ready` (the host answers with a snapshot),
 * applies the host's messages, and re-reads the theme when VS Code changes it.
 */
import type { FromDashboardMessage, ToDashboardMessage } from "../../src/protocol";
import { vscodeApi } from "../shared/vscode-api";
import { Dashboard } from "./dashboard";

const api = vscodeApi<FromDashboardMessage>();
const root = document.getElementById("app") ?? document.body.appendChild(document.createElement("div"));
const dashboard = new Dashboard(root, api);

window.addEventListener("message", (event: MessageEvent<ToDashboardMessage>) => {
  const msg = event.data;
  if (msg && typeof msg === "object" && typeof msg.type === "string") dashboard.onMessage(msg);
});

// VS Code swaps the body class (vscode-dark / vscode-light / vscode-high-contrast...) and rewrites the --vscode-*
// variables on <html> when the theme changes; coalesce both into one re-read per frame.
let themeFrame = 0;
const themeObserver = new MutationObserver(() => {
  if (themeFrame) return;
  themeFrame = requestAnimationFrame(() => {
    themeFrame = 0;
    dashboard.onThemeChange();
  });
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ["class", "data-vscode-theme-kind"] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ["style", "class"] });

(window as unknown as { ppoLabDashboard: unknown }).ppoLabDashboard = dashboard.debugApi();

api.postMessage({ type: "ready" });

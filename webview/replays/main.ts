/**
 * Replays webview entry: builds the player, announces itself with `ready` (the host answers with the run and its
 * replay list), applies the host's messages, and re-reads the theme when VS Code changes it.
 */
import type { FromReplaysMessage, ToReplaysMessage } from "../../src/protocol";
import { vscodeApi } from "../shared/vscode-api";
import { ReplaysApp } from "./app";
import { sceneToCanvas } from "./scene";

const api = vscodeApi<FromReplaysMessage>();
const root = document.getElementById("app") ?? document.body.appendChild(document.createElement("div"));
const app = new ReplaysApp(root, api);

window.addEventListener("message", (event: MessageEvent<ToReplaysMessage>) => {
  const msg = event.data;
  if (msg && typeof msg === "object" && typeof msg.type === "string") app.onMessage(msg);
});

let themeFrame = 0;
const themeObserver = new MutationObserver(() => {
  if (themeFrame) return;
  themeFrame = requestAnimationFrame(() => {
    themeFrame = 0;
    app.onThemeChange();
  });
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ["class", "data-vscode-theme-kind"] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ["style", "class"] });

(window as unknown as { ppoLabReplays: unknown }).ppoLabReplays = { ...app.debugApi(), sceneToCanvas };

api.postMessage({ type: "ready" });

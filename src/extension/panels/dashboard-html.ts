/**
 * The dashboard webview's HTML (webview-html.ts: strict CSP, codicons, base + dashboard stylesheets, the bundle).
 * Free of the `vscode` module so the webview tests serve the same page.
 */
import { webviewHtml, type WebviewHtmlOptions } from "./webview-html";

export function dashboardHtml(o: WebviewHtmlOptions): string {
  return webviewHtml({ title: "PPO Lab dashboard", loading: "Loading run..." }, o);
}

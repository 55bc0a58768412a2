/**
 * The Replays webview's HTML: the same page as the dashboard's (webview-html.ts), plus `blob:` images and media for
 * the WebM preview the exporter records. Free of the `vscode` module so the webview tests serve the same page.
 */
import { webviewHtml, type WebviewHtmlOptions } from "./webview-html";

export function replaysHtml(o: WebviewHtmlOptions): string {
  return webviewHtml({ title: "PPO Lab replays", loading: "Loading replays...", blobMedia: true }, o);
}

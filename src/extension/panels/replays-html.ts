/**
 * The Replays webview's HTML: the same strict CSP as the dashboard (nothing remote; scripts only with the nonce),
 * plus `blob:` media for the WebM preview the exporter records. Free of the `vscode` module so the webview tests
 * serve the same page.
 */
import type { DashboardHtmlOptions } from "./dashboard-html";

export function replaysHtml(o: DashboardHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} data: blob:`,
    `media-src ${o.cspSource} blob:`,
    // Lit components adopt constructed stylesheets and Chart.js sets inline sizes: inline styles are needed.
    `style-src ${o.cspSource} 'unsafe-inline'`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${o.codiconUri}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${o.styleUri}">
<title>PPO Lab replays</title>
</head>
<body>
<div id="app"><p class="muted">Loading replays...</p></div>
<script nonce="${o.nonce}" src="${o.scriptUri}"></script>
</body>
</html>`;
}

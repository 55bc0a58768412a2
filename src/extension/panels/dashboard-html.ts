/**
 * The dashboard webview's HTML: a strict CSP (nothing remote; scripts only with the nonce; styles, fonts and images
 * from the extension's own folders), the codicon stylesheet that @vscode-elements' icons look up by id, the
 * dashboard stylesheet and the bundle. Free of the `vscode` module so the webview tests serve the same page.
 */

export interface DashboardHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random nonce per page. */
  nonce: string;
  /** URIs as the webview sees them (`webview.asWebviewUri`). */
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
}

export function dashboardHtml(o: DashboardHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} data:`,
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
<title>PPO Lab dashboard</title>
</head>
<body>
<div id="app"><p class="muted">Loading run...</p></div>
<script nonce="${o.nonce}" src="${o.scriptUri}"></script>
</body>
</html>`;
}

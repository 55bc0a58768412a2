/**
 * The HTML page of every PPO Lab webview (dashboard, replays): a strict CSP (nothing remote; scripts only with the
 * nonce; styles, fonts and images from the extension's own folders), the codicon stylesheet that @vscode-elements'
 * icons look up by id, the shared base stylesheet (media/base.css), the page's own stylesheet and its bundle. Free of
 * the `vscode` module so the webview tests serve the same pages.
 */

/** Where a page's resources are, as the webview sees them (`webview.asWebviewUri`), and its security tokens. */
export interface WebviewHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random nonce per page. */
  nonce: string;
  scriptUri: string;
  /** The shared base stylesheet (media/base.css: body, theme colours, common classes). */
  baseStyleUri: string;
  /** The page's own stylesheet (media/dashboard.css, media/replays.css). */
  styleUri: string;
  codiconUri: string;
}

/** What differs between pages. */
export interface WebviewPage {
  /** The document title. */
  title: string;
  /** The text shown until the bundle has rendered. */
  loading: string;
  /** Extra sources for images and media (the replays' WebM preview needs `blob:`). */
  blobMedia?: boolean;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The Content-Security-Policy of a page (without the trailing `;`). */
export function webviewCsp(o: Pick<WebviewHtmlOptions, "cspSource" | "nonce">, page: Pick<WebviewPage, "blobMedia">): string {
  return [
    "default-src 'none'",
    `img-src ${o.cspSource} data:${page.blobMedia ? " blob:" : ""}`,
    ...(page.blobMedia ? [`media-src ${o.cspSource} blob:`] : []),
    // Lit components adopt constructed stylesheets and Chart.js sets inline sizes: inline styles are needed.
    `style-src ${o.cspSource} 'unsafe-inline'`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
  ].join("; ");
}

/** The whole HTML document of a webview page. */
export function webviewHtml(page: WebviewPage, o: WebviewHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${webviewCsp(o, page)};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${o.codiconUri}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${o.baseStyleUri}">
<link rel="stylesheet" href="${o.styleUri}">
<title>${escapeHtml(page.title)}</title>
</head>
<body>
<div id="app"><p class="muted">${escapeHtml(page.loading)}</p></div>
<script nonce="${o.nonce}" src="${o.scriptUri}"></script>
</body>
</html>`;
}

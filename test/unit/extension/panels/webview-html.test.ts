/**
 * The one page builder behind the dashboard and replays webviews: same CSP and head, the shared base stylesheet
 * before the page's own, and only the replays page allows blob: images and media (its WebM preview).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { dashboardHtml } from "../../../../src/extension/panels/dashboard-html";
import { replaysHtml } from "../../../../src/extension/panels/replays-html";
import { webviewHtml } from "../../../../src/extension/panels/webview-html";

const o = { cspSource: "https://ext", nonce: "n0nce", scriptUri: "https://ext/app.js", baseStyleUri: "https://ext/base.css", styleUri: "https://ext/page.css", codiconUri: "https://ext/c.css" };
const csp = (html: string) => /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
const links = (html: string) => [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]);

test("dashboard and replays pages: the same strict CSP, replays adding blob: for images and media only", () => {
  assert.equal(
    csp(dashboardHtml(o)),
    "default-src 'none'; img-src https://ext data:; style-src https://ext 'unsafe-inline'; font-src https://ext; script-src 'nonce-n0nce';",
  );
  assert.equal(
    csp(replaysHtml(o)),
    "default-src 'none'; img-src https://ext data: blob:; media-src https://ext blob:; style-src https://ext 'unsafe-inline'; font-src https://ext; script-src 'nonce-n0nce';",
  );
});

test("stylesheets in order: codicons (by id), the shared base, then the page's own; the bundle with the nonce", () => {
  for (const html of [dashboardHtml(o), replaysHtml(o)]) {
    assert.deepEqual(links(html), ["https://ext/c.css", "https://ext/base.css", "https://ext/page.css"]);
    assert.match(html, /href="https:\/\/ext\/c\.css" id="vscode-codicon-stylesheet"/);
    assert.match(html, /<script nonce="n0nce" src="https:\/\/ext\/app\.js"><\/script>/);
  }
  assert.match(dashboardHtml(o), /<title>PPO Lab dashboard<\/title>[\s\S]*Loading run\.\.\./);
  assert.match(replaysHtml(o), /<title>PPO Lab replays<\/title>[\s\S]*Loading replays\.\.\./);
  assert.match(webviewHtml({ title: "a <b>", loading: "x" }, o), /<title>a &lt;b&gt;<\/title>/, "titles are escaped");
});

test("media/base.css holds the shared base and the page stylesheets do not repeat it", () => {
  const media = path.resolve(__dirname, "../../../../media");
  const base = fs.readFileSync(path.join(media, "base.css"), "utf8");
  assert.match(base, /^body \{/m);
  for (const page of ["dashboard.css", "replays.css"]) {
    const css = fs.readFileSync(path.join(media, page), "utf8");
    for (const rule of [/^body \{/m, /^\.muted \{/m, /^\[hidden\] \{/m, /^\.run-title \{/m, /position: sticky;\s*top: 0;\s*z-index: 5;/]) {
      assert.doesNotMatch(css, rule, `${page} repeats ${rule}`);
    }
  }
});

/**
 * Runs the built dashboard bundle (dist/webview/dashboard.js) in Debian's headless Chromium via playwright-core:
 * a loopback HTTP server serves the same HTML as the extension (dashboardHtml: CSP with a nonce, codicons, CSS,
 * bundle) with the theme variables VS Code would inject, and a stub `acquireVsCodeApi` records what the webview
 * posts. The test plays the host: it sends snapshots and updates with `window.postMessage`.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { dashboardHtml } from "../../src/extension/panels/dashboard-html";
import { replaysHtml } from "../../src/extension/panels/replays-html";
import type { FromDashboardMessage, ToDashboardMessage } from "../../src/protocol";
import { THEMES, themeStyle, type ThemeName } from "./themes";

export const ROOT = path.resolve(__dirname, "..", "..");
export const CHROMIUM_PATH = process.env.PPO_LAB_CHROMIUM ?? "/usr/bin/chromium";
export const BUNDLE = path.join(ROOT, "dist", "webview", "dashboard.js");
export const ARTIFACTS = path.join(ROOT, "test-artifacts");

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Why the webview tests cannot run here, or undefined when they can. A missing bundle is an error, not a skip. */
export function skipReason(): string | undefined {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    return `Chromium not found at ${CHROMIUM_PATH} (set PPO_LAB_CHROMIUM, or: apt-get install -y chromium); webview tests skipped`;
  }
  return undefined;
}

const MIME: Record<string, string> = {
  ".js": "text/javascript",
  ".css": "text/css",
  ".ttf": "font/ttf",
  ".map": "application/json",
  ".html": "text/html",
};

export interface OpenOptions {
  theme?: ThemeName;
  width?: number;
  height?: number;
  /** What `getState()` returns at load (a restored panel). */
  state?: unknown;
  /** Which webview to load (default: the dashboard). */
  app?: "dashboard" | "replays";
}

export class Harness {
  private constructor(
    private readonly server: http.Server,
    readonly origin: string,
    private readonly context: BrowserContext,
    private readonly profile: string,
  ) {}

  static async start(): Promise<Harness> {
    if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first`);
    const server = http.createServer((req, res) => serve(req, res, origin));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-webview-chromium-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      timeout: 60_000,
    });
    return new Harness(server, origin, context, profile);
  }

  async open(o: OpenOptions = {}): Promise<DashboardPage> {
    const page = await this.context.newPage();
    if (o.width || o.height) await page.setViewportSize({ width: o.width ?? 1280, height: o.height ?? 900 });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    // A string, not a function: tsx (esbuild keepNames) would wrap a function's inner names in `__name(...)`, a
    // helper the page lacks. `__name` is defined too, for the functions tests pass to page.evaluate.
    await page.addInitScript(`
      window.__name = (f) => f;
      window.__posted = [];
      window.__state = ${JSON.stringify(o.state ?? null)} ?? undefined;
      let acquired = false;
      window.acquireVsCodeApi = () => {
        if (acquired) throw new Error("acquireVsCodeApi called twice");
        acquired = true;
        return {
          postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
          getState: () => window.__state,
          setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); },
        };
      };
    `);
    const app = o.app ?? "dashboard";
    await page.goto(`${this.origin}/?theme=${o.theme ?? "dark"}&app=${app}`);
    const global = app === "replays" ? "ppoLabReplays" : "ppoLabDashboard";
    // (page.waitForFunction compiles its predicate in the page, which the CSP forbids: poll from here instead.)
    await waitFor(() => page.evaluate((g) => g in window, global), `the ${app} bundle to start`).catch((e: Error) => {
      throw new Error(`${e.message}; page errors: ${errors.join("; ") || "none"}`);
    });
    return new DashboardPage(page, errors);
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    await new Promise((resolve) => this.server.close(resolve));
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

/** Polls `check` until it is true (or throws after `timeoutMs`). */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function serve(req: http.IncomingMessage, res: http.ServerResponse, origin: string): void {
  const url = new URL(req.url ?? "/", origin);
  if (url.pathname === "/favicon.ico") {
    res.writeHead(204);
    res.end();
    return;
  }
  if (url.pathname === "/") {
    const theme = (url.searchParams.get("theme") ?? "dark") as ThemeName;
    const t = THEMES[theme] ?? THEMES.dark;
    // What VS Code does: theme variables on <html style>, the theme kind on <body>.
    const app = url.searchParams.get("app") === "replays" ? "replays" : "dashboard";
    const html = (app === "replays" ? replaysHtml : dashboardHtml)({
      cspSource: origin,
      nonce: crypto.randomBytes(16).toString("base64"),
      scriptUri: `${origin}/dist/webview/${app}.js`,
      baseStyleUri: `${origin}/media/base.css`,
      styleUri: `${origin}/media/${app}.css`,
      codiconUri: `${origin}/dist/webview/codicons/codicon.css`,
    })
      .replace("<html lang=\"en\">", `<html lang="en" style="${themeStyle(theme)}">`)
      .replace("<body>", `<body class="${t.bodyClass}" data-vscode-theme-kind="${t.bodyClass}">`);
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
    return;
  }
  const rel = path.normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, "");
  const allowed = rel.startsWith(`dist${path.sep}`) || rel.startsWith(`media${path.sep}`);
  const file = path.join(ROOT, rel);
  if (!allowed || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { "content-type": MIME[path.extname(file)] ?? "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
}

export interface DatasetView {
  label: string;
  role: string;
  run: string;
  metric: string;
  color: string;
  points: number;
  data: { x: number; y: number }[];
}

export interface CardView {
  id: string;
  datasets: DatasetView[];
  yType: string;
  yMin?: number;
  yMax?: number;
  /** The y range as drawn. */
  yDrawn: [number, number];
  tooltip: string[];
}

export class DashboardPage {
  constructor(
    readonly page: Page,
    /** Console errors and warnings, page errors (CSP violations show up here). */
    readonly errors: string[],
  ) {}

  /** Plays the host: delivers a message the way VS Code does (a `message` event on window). */
  async send(msg: ToDashboardMessage): Promise<void> {
    await this.page.evaluate((m) => window.postMessage(m, "*"), msg);
    // Messages are delivered asynchronously; a round trip through the page's task queue lets it land.
    await this.page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  }

  async posted(): Promise<FromDashboardMessage[]> {
    return this.page.evaluate(() => (window as unknown as { __posted: FromDashboardMessage[] }).__posted);
  }

  async state(): Promise<unknown> {
    return this.page.evaluate(() => (window as unknown as { __state: unknown }).__state);
  }

  /** Draws every pending chart now (visible or not). */
  async flush(): Promise<void> {
    await this.page.evaluate(() => (window as unknown as { ppoLabDashboard: { flush(): void } }).ppoLabDashboard.flush());
  }

  async describe(cardId: string): Promise<CardView | undefined> {
    await this.flush();
    return this.page.evaluate((id) => (window as unknown as { ppoLabDashboard: { describe(id: string): CardView | undefined } }).ppoLabDashboard.describe(id), cardId);
  }

  async cards(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { ppoLabDashboard: { cards(): string[] } }).ppoLabDashboard.cards());
  }

  /** Switches the theme the way VS Code does: new variables on <html>, new class and kind on <body>. */
  async setTheme(name: ThemeName): Promise<void> {
    const t = THEMES[name];
    await this.page.evaluate(
      ({ style, bodyClass }) => {
        document.documentElement.setAttribute("style", style);
        document.body.className = bodyClass;
        document.body.dataset.vscodeThemeKind = bodyClass;
      },
      { style: themeStyle(name), bodyClass: t.bodyClass },
    );
    // The dashboard re-reads the theme on the next animation frame.
    await this.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }

  /** Waits two animation frames (Chart.js handles pointer events in the next frame). */
  async frames(): Promise<void> {
    await this.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }

  /** Moves the mouse and lets the page react. */
  async hover(x: number, y: number): Promise<void> {
    await this.page.mouse.move(x, y);
    await this.frames();
  }

  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, name);
    await this.flush();
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}

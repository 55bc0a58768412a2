/**
 * One throwaway code-server session for an e2e test: a temp folder holding code-server's --user-data-dir,
 * --extensions-dir and --config, the opened workspace (a copy of examples/), Chromium's profile and the in-host test
 * bundle. `withSession()` runs a test body with a deadline and always tears everything down; on failure it saves a
 * screenshot and the logs into test-artifacts/e2e/<test>/.
 *
 * Setup (Debian chromium + ripgrep, code-server in ~/.cache/ppo-lab-test) is done by scripts/e2e/setup.mjs, and the
 * VSIX by `npm run package`; `npm run test:e2e` runs both first.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { CHROMIUM_PATH, CODE_SERVER_DIR, CODE_SERVER_ENTRY, CODE_SERVER_MARKER } from "../../../scripts/e2e/paths.mjs";
import { groupAlive, killGroup, sweep, trackGroup, trackMarker, untrackMarker } from "./processes";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const ARTIFACTS_ROOT = path.join(REPO_ROOT, "test-artifacts", "e2e");
export const VSIX = process.env.PPO_LAB_VSIX || path.join(REPO_ROOT, "ppo-lab.vsix");

/** Chromium flags for this machine (closed network, root, no GPU). playwright-core adds --headless itself. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** User settings that keep the workbench quiet and deterministic offline. */
const USER_SETTINGS = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "security.workspace.trust.enabled": false,
  "git.enabled": false,
  "chat.commandCenter.enabled": false,
  "files.hotExit": "off",
};

/**
 * Workspace settings of the e2e workspace: small updates (128 steps per env, 2 epochs), so metrics lines and
 * status-bar refreshes come every second or so even on a loaded 2-core machine; runs go where the tests look. The
 * workspace's cartpole.ts is an unmodified copy of the example, so it trains with the CartPole preset (8 envs,
 * 100k steps); the much longer budget keeps its runs live until a journey stops or reloads them (the js engine trains
 * CartPole at 10-20k steps/s, so 400k steps could end before a loaded machine's first status-bar poll; the fixtures
 * export their own, smaller totalTimesteps, which outranks settings).
 */
export const WORKSPACE_SETTINGS = {
  "ppoLab.runsDirectory": ".ppo-lab/runs",
  "ppoLab.hyperparameters.nSteps": 128,
  "ppoLab.hyperparameters.nEpochs": 2,
  "ppoLab.hyperparameters.totalTimesteps": 20_000_000,
};

/** Files the packaged extension cannot work without. */
const VSIX_ENTRIES = ["extension/dist/extension.js", "extension/dist/trainer.js", "extension/dist/webview/dashboard.js"];

export function assertToolsInstalled(): void {
  const hints: string[] = [];
  if (!fs.existsSync(CODE_SERVER_MARKER) || !fs.existsSync(CODE_SERVER_ENTRY)) {
    hints.push(`code-server is not installed in ${CODE_SERVER_DIR}: run node scripts/e2e/setup.mjs`);
  }
  if (!fs.existsSync(CHROMIUM_PATH)) hints.push(`${CHROMIUM_PATH} is missing: run node scripts/e2e/setup.mjs`);
  if (!fs.existsSync(VSIX)) hints.push(`${VSIX} is missing: run npm run package`);
  else {
    // The zip's central directory names every entry in plain text. A build that emptied dist/ while vsce packaged
    // (scripts/build.mjs starts by deleting it) leaves a VSIX without its entry points.
    const bytes = fs.readFileSync(VSIX);
    const missing = VSIX_ENTRIES.filter((e) => !bytes.includes(Buffer.from(e)));
    if (missing.length > 0) hints.push(`${VSIX} lacks ${missing.join(", ")} (was dist/ rebuilt while packaging?): run npm run package again`);
  }
  if (hints.length > 0) throw new Error(`e2e prerequisites missing (npm run test:e2e does all of this):\n  ${hints.join("\n  ")}`);
}

/** Polls `check` until it is truthy; throws after `timeoutMs` naming `what`, or as soon as `signal` aborts. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new Error(`gave up waiting for ${what}: the session was torn down`);
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export class Session {
  readonly root: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly configFile: string;
  readonly workspace: string;
  readonly chromiumProfile: string;
  readonly hostTestsDir: string;
  readonly logDir: string;
  /** Set by startCodeServer(). */
  baseUrl = "";
  port = 0;
  context: BrowserContext | undefined;
  page: Page | undefined;
  private codeServer: ChildProcess | undefined;
  private readonly pgids: number[] = [];
  private readonly abortController = new AbortController();
  /** Aborted when the session is torn down (failure, deadline): pass it to waitFor() so no poll loop outlives it. */
  readonly signal = this.abortController.signal;

  constructor(readonly name: string) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-e2e-"));
    trackMarker(this.root);
    this.userDataDir = path.join(this.root, "user-data");
    this.extensionsDir = path.join(this.root, "extensions");
    this.configFile = path.join(this.root, "config.yaml");
    this.workspace = path.join(this.root, "workspace");
    this.chromiumProfile = path.join(this.root, "chromium-profile");
    this.hostTestsDir = path.join(this.root, "host-tests");
    this.logDir = path.join(this.root, "logs");
    for (const d of [this.userDataDir, this.extensionsDir, this.chromiumProfile, this.logDir, path.join(this.root, "tmp")]) {
      fs.mkdirSync(d, { recursive: true });
    }
    fs.mkdirSync(path.join(this.userDataDir, "User"), { recursive: true });
    fs.writeFileSync(path.join(this.userDataDir, "User", "settings.json"), JSON.stringify(USER_SETTINGS, null, 2) + "\n");
    // Without --config, code-server writes ~/.config/code-server/config.yaml.
    fs.writeFileSync(this.configFile, "bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n");
    fs.cpSync(path.join(REPO_ROOT, "examples"), this.workspace, { recursive: true });
    fs.mkdirSync(path.join(this.workspace, ".vscode"), { recursive: true });
    fs.writeFileSync(path.join(this.workspace, ".vscode", "settings.json"), JSON.stringify(WORKSPACE_SETTINGS, null, 2) + "\n");
  }

  private commonArgs(): string[] {
    return ["--config", this.configFile, "--user-data-dir", this.userDataDir, "--extensions-dir", this.extensionsDir];
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // code-server's own e2e tests clear this so a code-server started from a VS Code terminal is not confused.
      VSCODE_IPC_HOOK_CLI: "",
      // Keep code-server's other state (heartbeat file, ...) and its temp files (vscode-ipc-*.sock,
      // vscode-typescript*/) inside the session folder, which teardown deletes.
      XDG_DATA_HOME: path.join(this.root, "xdg-data"),
      XDG_CONFIG_HOME: path.join(this.root, "xdg-config"),
      TMPDIR: path.join(this.root, "tmp"),
    };
    for (const k of Object.keys(env)) if (k.toLowerCase().startsWith("npm_")) delete env[k];
    return env;
  }

  private spawnTracked(args: string[], logName: string): { child: ChildProcess; logFile: string } {
    const logFile = path.join(this.logDir, logName);
    const fd = fs.openSync(logFile, "a");
    const child = spawn(process.execPath, [CODE_SERVER_ENTRY, ...args], {
      cwd: this.root,
      env: this.env(),
      detached: true, // own process group: kill(-pid) reaches the extension host and the trainer too
      stdio: ["ignore", "pipe", fd],
    });
    fs.closeSync(fd);
    if (child.pid === undefined) throw new Error("could not spawn code-server");
    trackGroup(child.pid);
    this.pgids.push(child.pid);
    child.stdout?.on("data", (d: Buffer) => fs.appendFileSync(logFile, d));
    return { child, logFile };
  }

  /** `code-server --install-extension <vsix>` into this session's --extensions-dir. */
  async installVsix(vsix = VSIX, timeoutMs = 120_000): Promise<void> {
    const { child, logFile } = this.spawnTracked([...this.commonArgs(), "--install-extension", vsix], "install-extension.log");
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`--install-extension did not finish in ${timeoutMs} ms:\n${tail(logFile)}`)), timeoutMs);
      child.on("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (child.pid) await killGroup(child.pid, 1_000);
    const log = tail(logFile);
    if (code !== 0 || !/successfully installed/i.test(log)) throw new Error(`--install-extension ${vsix} failed (exit ${code}):\n${log}`);
  }

  /** Starts code-server on a free loopback port (the OS picks it: --bind-addr 127.0.0.1:0) and waits until it listens. */
  async startCodeServer(timeoutMs = 60_000): Promise<void> {
    const args = [
      ...this.commonArgs(),
      "--auth",
      "none",
      "--bind-addr",
      "127.0.0.1:0",
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      "--disable-getting-started-override",
      "--ignore-last-opened",
    ];
    const { child, logFile } = this.spawnTracked(args, "code-server.log");
    this.codeServer = child;
    this.baseUrl = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`code-server did not listen within ${timeoutMs} ms:\n${tail(logFile)}`)), timeoutMs);
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:(\d+))\/?/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] + "/");
        }
      });
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`code-server exited (code ${code}, signal ${signal}) before listening:\n${tail(logFile)}`));
      });
    });
    this.port = Number(new URL(this.baseUrl).port);
  }

  codeServerRunning(): boolean {
    return this.codeServer !== undefined && this.codeServer.exitCode === null && this.codeServer.signalCode === null;
  }

  /** `vscode-remote://127.0.0.1:<port><absPath>`: how the web workbench names a path on the code-server machine. */
  remoteUri(absPath: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${absPath}`;
  }

  /** Workbench URL opening the session's workspace, with optional `payload` entries (e.g. extension tests). */
  workbenchUrl(payload?: [string, string][]): string {
    let url = `${this.baseUrl}?folder=${encodeURIComponent(this.workspace)}`;
    if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    return url;
  }

  /** Launches Debian's Chromium (fresh profile inside the session folder) with playwright-core and opens `url`. */
  async openBrowser(url: string): Promise<Page> {
    this.context = await chromium.launchPersistentContext(this.chromiumProfile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 900 },
      timeout: 60_000,
    });
    const page = this.context.pages()[0] ?? (await this.context.newPage());
    this.page = page;
    const consoleLog = path.join(this.logDir, "browser-console.log");
    page.on("console", (m) => fs.appendFileSync(consoleLog, `[${m.type()}] ${m.text()}\n`));
    page.on("pageerror", (e) => fs.appendFileSync(consoleLog, `[pageerror] ${e.stack ?? e.message}\n`));
    await page.goto(url, { timeout: 60_000 });
    return page;
  }

  /**
   * Screenshot (if a page is open) and every log of the session, into test-artifacts/e2e/<name>/ (`name`: the
   * session's, or a journey's when several journeys share the session).
   */
  async saveArtifacts(error: unknown, name = this.name): Promise<string> {
    const dest = path.join(ARTIFACTS_ROOT, name.replace(/[^a-zA-Z0-9._-]+/g, "-"));
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    fs.writeFileSync(path.join(dest, "error.txt"), `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    if (this.page && !this.page.isClosed()) {
      await this.page.screenshot({ path: path.join(dest, "screenshot.png"), timeout: 10_000 }).catch((e: Error) => {
        fs.writeFileSync(path.join(dest, "screenshot-failed.txt"), `${e.message}\n`);
      });
    }
    const copies: [string, string][] = [
      [this.logDir, "logs"], // code-server.log, install-extension.log, browser-console.log
      [path.join(this.userDataDir, "logs"), "code-server-user-data-logs"], // remoteagent, exthost, "PPO Lab" output channel
      [path.join(this.hostTestsDir, "results.json"), "host-results.json"],
    ];
    for (const [from, to] of copies) {
      if (fs.existsSync(from)) fs.cpSync(from, path.join(dest, to), { recursive: true });
    }
    const runs = path.join(this.workspace, ".ppo-lab", "runs");
    if (fs.existsSync(runs)) {
      for (const run of fs.readdirSync(runs)) {
        for (const f of ["run.json", "metrics.jsonl", "preferences.jsonl"]) {
          const src = path.join(runs, run, f);
          if (fs.existsSync(src)) fs.cpSync(src, path.join(dest, "runs", run, f));
        }
      }
    }
    return dest;
  }

  /**
   * Closes the browser, kills code-server's process group (extension host and trainer included), then kills anything
   * else still carrying the session folder in its command line. Returns `ps` lines of processes that needed the
   * sweep (empty when the normal teardown was enough).
   */
  async dispose(): Promise<string> {
    this.abortController.abort();
    if (this.context) await Promise.race([this.context.close().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    for (const pgid of this.pgids) await killGroup(pgid);
    const leftovers = await sweep(this.root);
    const stillAlive = this.pgids.filter(groupAlive);
    untrackMarker(this.root);
    if (!process.env.PPO_LAB_E2E_KEEP_TMP) fs.rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
    if (stillAlive.length > 0) throw new Error(`process groups ${stillAlive.join(", ")} survived SIGKILL`);
    return leftovers;
  }
}

/**
 * Runs `body` with a fresh Session and a deadline. Whatever happens (failure, timeout), the session is torn down;
 * on failure the artifacts are saved and the error is rethrown with where they went.
 */
export async function withSession(name: string, timeoutMs: number, body: (s: Session) => Promise<void>, log: (msg: string) => void = () => {}): Promise<void> {
  assertToolsInstalled();
  const session = new Session(name);
  let timer: NodeJS.Timeout | undefined;
  let failure: unknown;
  try {
    const run = body(session);
    run.catch(() => undefined); // after a timeout, the body fails later when its processes are killed
    await Promise.race([
      run,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`"${name}" timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    failure = e;
    try {
      const where = await session.saveArtifacts(e);
      log(`artifacts saved to ${path.relative(REPO_ROOT, where)}`);
      if (e instanceof Error) e.message += `\n(screenshot and logs: ${path.relative(REPO_ROOT, where)})`;
    } catch (e2) {
      log(`could not save artifacts: ${(e2 as Error).message}`);
    }
  } finally {
    clearTimeout(timer);
    try {
      const leftovers = await session.dispose();
      if (leftovers) log(`teardown also had to kill:\n${leftovers}`);
    } catch (e) {
      failure ??= e;
    }
  }
  if (failure) throw failure;
}

/**
 * Runs one journey of a session that several journeys share (one code-server and browser for all, so the suite
 * does not pay the start-up for each): `body` gets an AbortSignal that aborts at the journey's deadline or when the
 * session is torn down, for its waitFor() loops. On failure the screenshot and logs go to
 * test-artifacts/e2e/<name>/ and the error is rethrown naming that folder; the session itself stays up (the
 * suite's `after` hook disposes of it).
 */
export async function runJourney(
  session: Session,
  name: string,
  timeoutMs: number,
  body: (signal: AbortSignal) => Promise<void>,
  log: (msg: string) => void = () => {},
): Promise<void> {
  const controller = new AbortController();
  const onSessionAbort = (): void => controller.abort();
  session.signal.addEventListener("abort", onSessionAbort);
  let timer: NodeJS.Timeout | undefined;
  try {
    const run = body(controller.signal);
    run.catch(() => undefined); // after a timeout the body fails later, when its waits are aborted
    await Promise.race([
      run,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`"${name}" timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    controller.abort();
    try {
      const where = await session.saveArtifacts(e, name);
      log(`artifacts saved to ${path.relative(REPO_ROOT, where)}`);
      if (e instanceof Error) e.message += `\n(screenshot and logs: ${path.relative(REPO_ROOT, where)})`;
    } catch (e2) {
      log(`could not save artifacts: ${(e2 as Error).message}`);
    }
    throw e;
  } finally {
    clearTimeout(timer);
    controller.abort();
    session.signal.removeEventListener("abort", onSessionAbort);
  }
}

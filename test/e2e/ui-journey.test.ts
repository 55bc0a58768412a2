/**
 * UI end-to-end journeys in code-server driven by playwright-core + Debian Chromium. One code-server, one browser
 * page and one workspace (a copy of examples/) are shared by every journey (start-up is paid once); each journey is
 * its own test with its own deadline, saves a screenshot and the code-server logs to test-artifacts/e2e/<journey>/
 * when it fails, and starts from a known layout (no editors open, no live run). The `after` hook tears everything
 * down (browser, code-server's process group with the extension host and trainers) whatever happened.
 *
 *   1. palette -> train cartpole.ts -> status bar steps/s, dashboard ep_rew_mean updates -> Stop Run -> stopped
 *   2. Stop from the dashboard's button -> stopped, final checkpoint on disk, listed under past runs -> reopen its
 *      dashboard from the Runs view's context menu -> the curves are there
 *   4. a planted pathology (rewards x1e4, normalizeReward off) -> the diagnostics strip and the Problems panel show it
 *   5. the Replays panel of a finished run (from the Runs view) -> play an episode -> the canvas changes over time
 *   6. Developer: Reload Window while a run is live -> the dashboard comes back and keeps updating (the run is
 *      resumed from the checkpoint written when the old extension host went away)
 *   7. Compare Algorithms (PPO and GRPO, 16k steps) -> one dashboard with both curves -> Show Summary: a row per
 *      algorithm whose numbers agree with its run's metrics.jsonl
 *   8. Replays panel -> Rate -> the better episode of 3 pairs -> preferences.jsonl gained them; reopening the panel
 *      counts them and offers an unrated pair
 *   9. ratings from the scripted rater (ppo-lab rate) -> Fit reward model in the panel -> Train on Learned Reward
 *      (fine-tune) -> the new run's dashboard shows true_ep_rew_mean
 *  10. env files in the workspace (no tsconfig) import types from "ppo-lab": VS Code's TypeScript checks them against
 *      the types the extension ships (its TS server plugin): a wrong StepResult is reported, "Cannot find module
 *      'ppo-lab'" is not
 *
 * Journey 3 (a broken env file) is in the extension-host suite (test/e2e/host/suite.ts).
 * Run with `npm run test:e2e`.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import type { Frame, Locator, Page } from "playwright-core";
import { pidsMatching } from "./harness/processes";
import { REPO_ROOT, runJourney, Session, assertToolsInstalled, waitFor } from "./harness/session";
import {
  acceptQuickPickChecks,
  clickNotificationButton,
  closeAllEditors,
  evalInFrames,
  pickFromRowContextMenu,
  pickQuickPickItem,
  quickOpenFile,
  runCommand,
  statusBar,
  submitInputBox,
  visibleEditorText,
  waitForStatusBarText,
  waitForWorkbench,
} from "./harness/workbench";

const execFileAsync = promisify(execFile);

const SETUP_TIMEOUT_MS = 3 * 60_000;
const FIXTURE = path.join(REPO_ROOT, "test", "e2e", "fixtures", "cartpole-reward-x1e4.ts");
/** CartPole with a budget that finishes by itself in seconds, with replays to rate (journeys 8 and 9). */
const SHORT_FIXTURE = path.join(REPO_ROOT, "test", "e2e", "fixtures", "cartpole-short.ts");

let session: Session | undefined;
let page: Page | undefined;
let setupError: unknown;

interface RunJson {
  id?: string;
  status?: string;
  totalTimesteps?: number;
  lastCheckpointStep?: number;
  extra?: Record<string, unknown>;
}

function runsRoot(s: Session): string {
  return path.join(s.workspace, ".ppo-lab", "runs");
}

function runDirs(s: Session): string[] {
  const root = runsRoot(s);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("."))
    .map((d) => path.join(root, d.name));
}

function readRunJson(dir: string): RunJson | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")) as RunJson;
  } catch {
    return undefined; // not written yet (or being replaced)
  }
}

/** Complete metric rows of a run (a partly written last line is not counted). */
function metricRows(dir: string): Record<string, number | null>[] {
  try {
    const lines = fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").split("\n");
    lines.pop();
    return lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, number | null>);
  } catch {
    return [];
  }
}

/** Trainer processes of this session (the installed extension's dist/trainer.js). */
function trainerPids(s: Session): number[] {
  return pidsMatching(path.join(s.extensionsDir)).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("trainer.js");
    } catch {
      return false;
    }
  });
}

/** The run directory that appears after `before` (a snapshot of runDirs()) was taken. */
async function newRunDir(s: Session, before: string[], signal: AbortSignal): Promise<string> {
  return waitFor("a new run directory", 120_000, () => runDirs(s).find((d) => !before.includes(d)), signal);
}

/** Text of the dashboard's ep_rew_mean card (in whichever webview frame holds it). */
const EP_REW_TEXT = `document.querySelector('.card[data-metric="ep_rew_mean"] [data-role="last-value"]')?.textContent ?? null`;
const STATUS_TEXT = `document.querySelector('[data-role="status"] [data-role="status-text"]')?.textContent ?? null`;
const STEPS_TEXT = `document.querySelector('.meta [data-role="steps"], [data-role="steps"]')?.textContent ?? null`;

/** Waits until the dashboard's ep_rew_mean card has shown `n` different values; returns them. */
async function waitForEpRewValues(p: Page, n: number, timeoutMs: number, signal: AbortSignal): Promise<string[]> {
  const seen = new Set<string>();
  await waitFor(`the dashboard's ep_rew_mean card to show ${n} different values`, timeoutMs, async () => {
    const r = await evalInFrames<string>(p, EP_REW_TEXT);
    if (r && /\d/.test(r.value)) seen.add(r.value.trim());
    return seen.size >= n ? true : undefined;
  }, signal);
  return [...seen];
}

/** Waits for the dashboard header's status to read `status`. */
async function waitForDashboardStatus(p: Page, status: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  let last: string | undefined;
  await waitFor(`the dashboard status to read "${status}"`, timeoutMs, async () => {
    last = (await evalInFrames<string>(p, STATUS_TEXT))?.value.trim();
    return last === status ? true : undefined;
  }, signal).catch((e: Error) => {
    throw new Error(`${e.message} (it reads ${JSON.stringify(last)})`);
  });
}

/** The step count in the dashboard header ("12,345 / 100,000 steps (12%)" -> 12345), or undefined. */
async function dashboardSteps(p: Page): Promise<number | undefined> {
  const text = (await evalInFrames<string>(p, STEPS_TEXT))?.value;
  const m = text ? /^([\d,.\s]+)/.exec(text) : null;
  if (!m) return undefined;
  const n = Number(m[1].replace(/[,\s]/g, ""));
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The Runs view's row of past run `id`, under the env file group labelled `group` (expanded when collapsed; the
 * tree re-renders as runs change, so expansion is retried until the row shows).
 */
async function revealRunRow(p: Page, group: string, id: string, signal: AbortSignal): Promise<Locator> {
  const rows = p.locator("#workbench\\.parts\\.sidebar .monaco-list-row");
  const row = rows.filter({ hasText: id }).first();
  const groupRow = rows.filter({ has: p.locator(".label-name", { hasText: new RegExp(`^${group.replace(/[.]/g, "\\.")}$`) }) }).first();
  await waitFor(`the Runs view row of ${id}`, 60_000, async () => {
    if (await row.isVisible()) return true;
    if ((await groupRow.isVisible()) && (await groupRow.getAttribute("aria-expanded")) !== "true") {
      await groupRow.locator(".monaco-tl-twistie").click({ timeout: 5_000 }).catch(() => undefined);
    }
    return (await row.waitFor({ state: "visible", timeout: 2_000 }).then(() => true).catch(() => false)) || undefined;
  }, signal);
  return row;
}

/**
 * Back to a known layout between journeys: a run left live by a failed journey is stopped, every editor (and
 * dashboard) is closed.
 */
async function resetWorkbench(p: Page, s: Session, signal: AbortSignal): Promise<void> {
  // A menu or quick input left open by a failed journey would swallow the palette's key.
  await p.keyboard.press("Escape");
  await p.keyboard.press("Escape");
  const bar = await statusBar(p).innerText({ timeout: 5_000 }).catch(() => "");
  if (/steps\/s|\dk?\/s|running|starting|checking/i.test(bar)) {
    await runCommand(p, "PPO Lab: Stop Run", 20_000).catch(() => undefined);
  }
  await waitFor("every run of the previous journey to end", 90_000, () => runDirs(s).every((d) => readRunJson(d)?.status !== "running"), signal);
  await closeAllEditors(p);
}

/** A journey on the shared session: skipped (as failed) when the setup failed; artifacts on failure. */
function journey(name: string, timeoutMs: number, body: (s: Session, p: Page, signal: AbortSignal, log: (m: string) => void) => Promise<void>): void {
  test(name, { timeout: timeoutMs + 60_000 }, async (t) => {
    const log = (m: string) => t.diagnostic(m);
    if (setupError !== undefined || !session || !page) throw new Error(`the shared code-server session did not start: ${String(setupError)}`);
    const s = session;
    const p = page;
    const t0 = Date.now();
    await runJourney(s, name.replace(/:.*/, ""), timeoutMs, async (signal) => {
      await resetWorkbench(p, s, signal);
      await body(s, p, signal, (m) => log(`${m} at ${((Date.now() - t0) / 1000).toFixed(1)} s`));
    }, log);
  });
}

before(async () => {
  assertToolsInstalled();
  session = new Session("ui-journeys");
  const t0 = Date.now();
  try {
    await session.installVsix();
    await session.startCodeServer();
    for (const fixture of [FIXTURE, SHORT_FIXTURE]) {
      fs.writeFileSync(
        path.join(session.workspace, path.basename(fixture)),
        fs.readFileSync(fixture, "utf8").replace(/from "\.\.\/\.\.\/\.\.\/examples\/cartpole"/, 'from "./cartpole"'),
      );
    }
    page = await session.openBrowser(session.workbenchUrl());
    await waitForWorkbench(page);
    process.stdout.write(`shared session ready (VSIX installed, code-server ${session.baseUrl}, workbench) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } catch (e) {
    setupError = e;
    const where = await session.saveArtifacts(e, "ui-journeys-setup").catch(() => undefined);
    process.stdout.write(`shared session setup failed (artifacts: ${where ?? "none"}): ${(e as Error).message}\n`);
  }
}, { timeout: SETUP_TIMEOUT_MS });

after(async () => {
  const leftovers = await session?.dispose();
  if (leftovers) process.stdout.write(`# teardown also had to kill:\n${leftovers.replace(/^/gm, "# ")}\n`);
}, { timeout: 60_000 });

journey("journey 1: palette -> train cartpole.ts -> status bar steps/s and dashboard updates -> Stop Run -> stopped", 4 * 60_000, async (s, p, signal, log) => {
  const before = runDirs(s);
  await quickOpenFile(p, "cartpole.ts");
  log("cartpole.ts open");
  await runCommand(p, "PPO Lab: Train Environment");
  // "1234 steps/s" (the rate may also be shown as "1234/s" next to the step count).
  // "PPO 42.1k steps · 3.2k/s · R 187.3": the rate may carry a k suffix (the js engine trains at 10-30k steps/s).
  const running = await waitForStatusBarText(p, /steps\/s|\bsteps\b.*\d(?:\.\d+)?k?\/s/, 180_000);
  log(`status bar while training: "${running}"`);
  const values = await waitForEpRewValues(p, 3, 150_000, signal);
  log(`dashboard ep_rew_mean values: ${values.join(", ")}`);
  const dir = await newRunDir(s, before, signal);

  await runCommand(p, "PPO Lab: Stop Run");
  const stopped = await waitForStatusBarText(p, /\bstopped\b/i, 90_000);
  log(`status bar after stop: "${stopped}"`);
  const status = await waitFor(`run.json of ${dir} to leave "running"`, 30_000, () => {
    const st = readRunJson(dir)?.status;
    return st && st !== "running" ? st : undefined;
  }, signal);
  assert.equal(status, "stopped");
});

journey("journey 2: Stop from the dashboard button -> final checkpoint, past run in the Runs view -> reopen its dashboard", 4 * 60_000, async (s, p, signal, log) => {
  const before = runDirs(s);
  await quickOpenFile(p, "cartpole.ts");
  await runCommand(p, "PPO Lab: Train Environment");
  await waitForEpRewValues(p, 2, 180_000, signal);
  const dir = await newRunDir(s, before, signal);
  const id = path.basename(dir);
  log(`training ${id}`);

  // The Stop button is inside the dashboard webview (two iframes deep).
  const stopButton = await waitFor("the dashboard's Stop button", 30_000, async () => (await evalInFrames<boolean>(p, `document.querySelector('[data-command="stop"]') ? true : null`))?.frame, signal);
  await stopButton.locator('[data-command="stop"]').click({ timeout: 10_000 });
  log("clicked Stop in the dashboard");
  await waitForDashboardStatus(p, "stopped", 90_000, signal);
  const bar = await waitForStatusBarText(p, /\bstopped\b/i, 30_000);
  log(`dashboard and status bar say stopped ("${bar}")`);

  // On disk: stopped, with a final checkpoint at the last step.
  const info = await waitFor(`run.json of ${id} to say "stopped"`, 30_000, () => {
    const r = readRunJson(dir);
    return r?.status === "stopped" ? r : undefined;
  }, signal);
  assert.ok(info.totalTimesteps && info.totalTimesteps > 0, `run.json totalTimesteps: ${info.totalTimesteps}`);
  assert.equal(info.lastCheckpointStep, info.totalTimesteps, "the final checkpoint is at the run's last step");
  const ckpt = path.join(dir, "checkpoints", String(info.lastCheckpointStep));
  assert.ok(fs.existsSync(path.join(ckpt, "model.json")), `final checkpoint ${ckpt}/model.json exists`);
  const rows = metricRows(dir).filter((r) => typeof r.ep_rew_mean === "number");
  assert.ok(rows.length >= 2, `metrics.jsonl has ${rows.length} rows with ep_rew_mean`);

  // The Runs view lists it under past runs (grouped by env file): expand the group, find the run's row.
  await closeAllEditors(p);
  await runCommand(p, "PPO Lab: Focus on Runs View");
  const row = await revealRunRow(p, "cartpole.ts", id, signal);
  const rowText = (await row.innerText()).replace(/\s+/g, " ");
  assert.match(rowText, /stopped/, `the Runs view row of ${id} reads "${rowText}"`);
  log(`Runs view row: "${rowText}"`);

  await pickFromRowContextMenu(p, row, "Open Dashboard");
  await p.locator(".tabs-container .tab.active").filter({ hasText: id }).waitFor({ state: "visible", timeout: 30_000 });
  await waitForDashboardStatus(p, "stopped", 60_000, signal);
  const drawn = await waitFor("the reopened dashboard's ep_rew_mean chart to have its points", 60_000, async () => {
    const r = await evalInFrames<number>(
      p,
      `(() => { const d = window.ppoLabDashboard; if (!d) return null; d.flush(); const c = d.describe("ep_rew_mean"); return c ? Math.max(0, ...c.datasets.map((x) => x.points)) : null; })()`,
    );
    return r && r.value >= rows.length ? r.value : undefined;
  }, signal);
  log(`reopened dashboard: ep_rew_mean chart has ${drawn} points (${rows.length} rows on disk)`);
  assert.equal(drawn, rows.length);
});

journey("journey 4: planted pathology (rewards x1e4, normalizeReward off) -> diagnostics strip and Problems panel", 4 * 60_000, async (s, p, signal, log) => {
  const before = runDirs(s);
  await quickOpenFile(p, "cartpole-reward-x1e4.ts");
  await runCommand(p, "PPO Lab: Train Environment");
  const dir = await newRunDir(s, before, signal);
  log(`training ${path.basename(dir)}`);
  const finding = await waitFor("a reward-scale or value-loss finding card in the dashboard", 180_000, async () => {
    const r = await evalInFrames<string>(
      p,
      `(() => { const c = document.querySelector('article.finding[data-finding="reward.scale"], article.finding[data-finding^="value."]'); return c ? c.dataset.finding + ": " + (c.querySelector('[data-role="title"]')?.textContent ?? "") : null; })()`,
    );
    return r?.value;
  }, signal);
  log(`dashboard finding: ${finding}`);
  const strip = (await evalInFrames<string>(p, `document.querySelector('[data-role="diag-strip"]')?.textContent ?? null`))?.value ?? "";
  assert.match(strip, /[1-9]\d* warning/, `the diagnostics strip counts the warning: "${strip}"`);

  await runCommand(p, "View: Focus Problems");
  const problem = p.locator(".markers-panel .monaco-list-row").filter({ hasText: /too large for the value head|value loss|value head/i }).first();
  await problem.waitFor({ state: "visible", timeout: 60_000 });
  const problemText = (await problem.innerText()).replace(/\s+/g, " ");
  log(`Problems panel: "${problemText}"`);
  // The entry sits under the fixture's file.
  await p.locator(".markers-panel .monaco-list-row").filter({ hasText: "cartpole-reward-x1e4.ts" }).first().waitFor({ state: "visible", timeout: 10_000 });

  // Small totalTimesteps: the run finishes by itself.
  const end = await waitFor("the pathological run to finish", 180_000, () => {
    const st = readRunJson(dir)?.status;
    return st && st !== "running" ? st : undefined;
  }, signal);
  assert.equal(end, "finished");
});

journey("journey 5: Replays panel of a finished run -> play an episode -> the canvas changes over time", 4 * 60_000, async (s, p, signal, log) => {
  // A finished run with recorded replays: journey 4's, else a fresh short run of the same fixture.
  const withReplays = (d: string) => readRunJson(d)?.status === "finished" && fs.existsSync(path.join(d, "replays")) && fs.readdirSync(path.join(d, "replays")).length > 0;
  let dir = runDirs(s).find(withReplays);
  if (!dir) {
    const before = runDirs(s);
    await quickOpenFile(p, "cartpole-reward-x1e4.ts");
    await runCommand(p, "PPO Lab: Train Environment");
    const d = await newRunDir(s, before, signal);
    await waitFor("the fixture run to finish with replays", 180_000, () => withReplays(d), signal);
    dir = d;
    await closeAllEditors(p);
  }
  const id = path.basename(dir);
  log(`finished run ${id} with replays: ${fs.readdirSync(path.join(dir, "replays")).join(", ")}`);

  // Runs view -> the run's context menu -> Open Replays.
  await runCommand(p, "PPO Lab: Focus on Runs View");
  const row = await revealRunRow(p, "cartpole-reward-x1e4.ts", id, signal);
  await pickFromRowContextMenu(p, row, "Open Replays");

  // The replay list, then the first replay opened with its frame drawn.
  const frame = await waitFor("the Replays panel's list of replays", 60_000, async () => (await evalInFrames<boolean>(p, `document.querySelector('tr[data-replay]') ? true : null`))?.frame, signal);
  await frame.locator("tr[data-replay]").first().click({ timeout: 10_000 });
  const CANVAS = `(() => { const c = document.querySelector('canvas.frame-canvas'); const st = window.ppoLabReplays?.state(); return c && c.width > 0 && st && st.length > 0 ? JSON.stringify({ img: c.toDataURL(), step: st.step, length: st.length, playing: st.playing }) : null; })()`;
  const read = async () => JSON.parse((await frame.evaluate(CANVAS)) as string) as { img: string; step: number; length: number; playing: boolean };
  await waitFor("the replay's first frame on the canvas", 60_000, async () => ((await frame.evaluate(CANVAS)) ? true : undefined), signal);
  const first = await read();
  log(`replay open: ${first.length} steps, at step ${first.step}`);
  assert.ok(first.length > 2, `the replay has ${first.length} steps`);

  // Play (looping, so a short episode keeps playing while the canvas is sampled): the step advances and the
  // canvas shows different pictures.
  if (!((await frame.evaluate(`window.ppoLabReplays.state().loop`)) as boolean)) await frame.locator('[data-control="loop"]').click({ timeout: 10_000 });
  await frame.locator('[data-control="play"]').click({ timeout: 10_000 });
  const images = new Set([first.img]);
  const steps = new Set([first.step]);
  await waitFor("the canvas to show 3 different frames while playing", 60_000, async () => {
    const now = await read();
    images.add(now.img);
    steps.add(now.step);
    return images.size >= 3 && steps.size >= 3 ? true : undefined;
  }, signal);
  log(`while playing: ${images.size} different canvas images over steps ${[...steps].sort((a, b) => a - b).join(", ")}`);
});

journey("journey 6: Developer: Reload Window while a run is live -> the dashboard comes back and keeps updating", 5 * 60_000, async (s, p, signal, log) => {
  const before = runDirs(s);
  await quickOpenFile(p, "cartpole.ts");
  await runCommand(p, "PPO Lab: Train Environment");
  await waitForEpRewValues(p, 2, 180_000, signal);
  const dir = await newRunDir(s, before, signal);
  const stepsBefore = (await dashboardSteps(p)) ?? 0;
  log(`training ${path.basename(dir)}, dashboard at ${stepsBefore} steps; reloading the window`);

  const trainersBefore = trainerPids(s);
  await runCommand(p, "Developer: Reload Window");
  await p.waitForEvent("load", { timeout: 60_000 });
  await waitForWorkbench(p, 90_000, { explorer: false });
  log(`workbench reloaded; trainer pids before ${trainersBefore.join(",")}, now ${trainerPids(s).join(",")}; run.json status ${readRunJson(dir)?.status}`);

  // The serializer brings the dashboard back; the run keeps training and the dashboard keeps updating.
  const first = await waitFor("the restored dashboard to show a step count", 120_000, () => dashboardSteps(p), signal);
  log(`restored dashboard at ${first} steps`);
  await waitForDashboardStatus(p, "running", 120_000, signal);
  const later = await waitFor("the restored dashboard's step count to grow", 120_000, async () => {
    const n = await dashboardSteps(p);
    return n !== undefined && n > first && n > stepsBefore ? n : undefined;
  }, signal);
  log(`restored dashboard went on to ${later} steps`);
  const values = await waitForEpRewValues(p, 2, 120_000, signal);
  log(`ep_rew_mean after the reload: ${values.join(", ")}`);

  // Same run directory, one trainer (the old one ended with its final checkpoint), resumed from that checkpoint.
  assert.deepEqual(runDirs(s).filter((d) => !before.includes(d)), [dir], "the run continued in its own directory");
  const info = readRunJson(dir);
  assert.equal(info?.status, "running");
  const resumedFrom = info?.extra?.resumedFrom;
  assert.ok(Array.isArray(resumedFrom) && resumedFrom.length === 1, `run.json extra.resumedFrom: ${JSON.stringify(resumedFrom)}`);
  assert.equal(trainerPids(s).length, 1, `one trainer process after the reload, found ${trainerPids(s).length}`);

  await runCommand(p, "PPO Lab: Stop Run");
  await waitForDashboardStatus(p, "stopped", 90_000, signal);
  const end = await waitFor(`run.json of ${path.basename(dir)} to leave "running"`, 30_000, () => {
    const st = readRunJson(dir)?.status;
    return st && st !== "running" ? st : undefined;
  }, signal);
  assert.equal(end, "stopped");
});

// ---- Beyond PPO-Clip: Compare Algorithms, Rate, Train on Learned Reward -------------------------------------------

/** ep_rew_mean's line datasets per run in the dashboard (after drawing every dirty card): run key -> points. */
async function epRewLinePoints(p: Page): Promise<Record<string, number> | undefined> {
  const r = await evalInFrames<Record<string, number>>(
    p,
    `(() => { const d = window.ppoLabDashboard; if (!d) return null; d.flush(); const c = d.describe("ep_rew_mean"); if (!c) return null; const out = {}; for (const x of c.datasets) if (x.role === "line") out[x.run] = x.points; return out; })()`,
  );
  return r?.value;
}

/** One row of the Compare Algorithms summary table as shown (cells as text). */
interface SummaryRow {
  label: string;
  final: string;
  best: string;
  steps: string;
  wall: string;
  status: string;
  dir: string;
}

/**
 * The rows of the summary table in `text` (the markdown document's rendered lines glued together, so rows are found
 * by their cell delimiters: "| ppo | 45.3 | 52.6 | 4096 | 16.8 | finished | /abs/run/dir |").
 */
function parseSummaryRows(text: string): SummaryRow[] {
  const cell = "\\s*([^|]*?)\\s*\\|";
  const re = new RegExp(`\\|\\s*((?:ppo|grpo)\\b[^|]*?)\\s*\\|${cell.repeat(6)}`, "gi");
  return [...text.matchAll(re)].map((m) => ({ label: m[1], final: m[2], best: m[3], steps: m[4], wall: m[5], status: m[6], dir: m[7] }));
}

/** Finished runs of `envFile` (a workspace file name) with at least two rateable replays, newest first. */
function rateableRuns(s: Session, envFile: string): string[] {
  return runDirs(s)
    .filter((d) => {
      const info = readRunJson(d) as (RunJson & { envFile?: string; config?: { rewardModel?: unknown } }) | undefined;
      return info?.status === "finished" && path.basename(info.envFile ?? "") === envFile && !info.config?.rewardModel && replayReturns(d).size >= 2;
    })
    .sort()
    .reverse();
}

/** Return of every replay with steps in `dir`'s replays/index.json (id -> return); empty when there is none. */
function replayReturns(dir: string): Map<string, number> {
  try {
    const index = JSON.parse(fs.readFileSync(path.join(dir, "replays", "index.json"), "utf8")) as { replays?: { id: string; return: number; length: number }[] };
    return new Map((index.replays ?? []).filter((r) => r.length > 0).map((r) => [r.id, r.return]));
  } catch {
    return new Map();
  }
}

/** Lines of `dir`'s preferences.jsonl, parsed (none when the file does not exist). */
function preferenceLines(dir: string): { a: string; b: string; choice: string; rater: string }[] {
  const file = path.join(dir, "preferences.jsonl");
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { a: string; b: string; choice: string; rater: string });
}

/** Trains the short CartPole fixture from the palette until it finishes; closes its dashboard; returns its run dir. */
async function trainShortRun(s: Session, p: Page, signal: AbortSignal, log: (m: string) => void): Promise<string> {
  const before = runDirs(s);
  await quickOpenFile(p, path.basename(SHORT_FIXTURE));
  await runCommand(p, "PPO Lab: Train Environment");
  const dir = await newRunDir(s, before, signal);
  const end = await waitFor(`${path.basename(dir)} to finish`, 150_000, () => {
    const st = readRunJson(dir)?.status;
    return st && st !== "running" ? st : undefined;
  }, signal);
  assert.equal(end, "finished", `the short fixture run ${path.basename(dir)} ended "${end}"`);
  log(`trained ${path.basename(dir)}: ${replayReturns(dir).size} replays`);
  await closeAllEditors(p);
  return dir;
}

/** What the Replays webview's Rate mode shows (window.ppoLabReplays.rating()). */
interface RatingView {
  active: boolean;
  pair?: [string, string];
  state?: {
    count: number;
    ratedPairs: number;
    totalPairs: number;
    next: [string, string] | null;
    rewardModel: { pairs: number; trainAccuracy: number | null; validationAccuracy: number | null } | null;
    fitting: boolean;
    message?: { level: string; text: string };
  };
}

async function ratingView(frame: Frame): Promise<RatingView> {
  return JSON.parse((await frame.evaluate(`JSON.stringify(window.ppoLabReplays.rating())`)) as string) as RatingView;
}

/** "PPO Lab: Open Replays" from the palette, picking run `id`; returns the panel's webview frame once it lists replays. */
async function openReplaysFromPalette(p: Page, id: string, signal: AbortSignal): Promise<Frame> {
  await runCommand(p, "PPO Lab: Open Replays");
  await pickQuickPickItem(p, /open the replays of a run/, id);
  return waitFor(
    `the Replays panel of ${id}`,
    60_000,
    async () => (await evalInFrames<boolean>(p, `document.querySelector('[data-command="rate"]') && document.querySelector('tr[data-replay]') && document.body.textContent.includes(${JSON.stringify(id)}) ? true : null`))?.frame,
    signal,
  );
}

/** Presses Rate (when Rate mode is off) and waits for the pair to rate; returns the Rate mode's view. */
async function startRating(frame: Frame, signal: AbortSignal): Promise<RatingView> {
  if (!(await ratingView(frame)).active) await frame.locator('[data-command="rate"]').click({ timeout: 10_000 });
  return waitFor("Rate mode to show a pair of episodes", 30_000, async () => {
    const v = await ratingView(frame);
    return v.active && v.pair && v.state ? v : undefined;
  }, signal);
}

/** The installed extension's bundled CLI (dist/cli.js in the session's --extensions-dir). */
function installedCli(s: Session): string {
  const ext = fs.readdirSync(s.extensionsDir).find((d) => d.startsWith("ppo-lab.ppo-lab-"));
  if (!ext) throw new Error(`the extension is not installed in ${s.extensionsDir}`);
  return path.join(s.extensionsDir, ext, "dist", "cli.js");
}

journey("journey 7: Compare Algorithms (PPO, GRPO) on cartpole.ts -> comparison dashboard with both curves -> summary table", 4 * 60_000, async (s, p, signal, log) => {
  const before = runDirs(s);
  const budget = 16_384;
  const threshold = 30;
  await quickOpenFile(p, "cartpole.ts");
  await runCommand(p, "PPO Lab: Compare Algorithms");
  const picked = await acceptQuickPickChecks(p, /algorithms and configs to compare/, (label) => /^(PPO|GRPO),/.test(label));
  assert.equal(picked.length, 2, `checked ${JSON.stringify(picked)}`);
  await submitInputBox(p, /Total timesteps of every run/, String(budget));
  await submitInputBox(p, /Reward threshold/, String(threshold));
  log(`comparing ${picked.map((l) => l.split(",")[0]).join(" and ")} over ${budget} steps`);

  // One dashboard with both runs' ep_rew_mean curves while they train.
  const live = await waitFor("the comparison dashboard to draw two runs' ep_rew_mean curves", 150_000, async () => {
    const pts = await epRewLinePoints(p);
    return pts && Object.keys(pts).length === 2 && Object.values(pts).every((n) => n >= 1) ? pts : undefined;
  }, signal);
  log(`dashboard curves: ${JSON.stringify(live)}`);
  const tab = (await p.locator(".tabs-container .tab.active").allInnerTexts()).join(" | ");
  assert.match(tab, /PPO|GRPO|compare/i, `the comparison dashboard's tab reads "${tab}"`);

  const dirs = await waitFor("the two comparison runs to finish", 150_000, () => {
    const mine = runDirs(s).filter((d) => !before.includes(d));
    return mine.length === 2 && mine.every((d) => readRunJson(d)?.status === "finished") ? mine : undefined;
  }, signal);
  const algorithms = dirs.map((d) => (readRunJson(d) as { config?: { algorithm?: string } }).config?.algorithm).sort();
  assert.deepEqual(algorithms, ["grpo", "ppo"], `run.json algorithms of ${dirs.map((d) => path.basename(d)).join(", ")}`);
  // Every update of both runs on the charts.
  const rowsOnDisk = dirs.map((d) => metricRows(d).length).sort((a, b) => a - b);
  const drawn = await waitFor("the dashboard to draw every update of both runs", 30_000, async () => {
    const pts = await epRewLinePoints(p);
    const n = pts ? Object.values(pts).sort((a, b) => a - b) : [];
    return JSON.stringify(n) === JSON.stringify(rowsOnDisk) ? n : undefined;
  }, signal).catch((e: Error) => {
    throw new Error(`${e.message} (metrics rows on disk: ${rowsOnDisk.join(", ")})`);
  });
  log(`finished; ep_rew_mean points per run ${drawn.join(", ")} = metrics rows on disk`);

  // The summary table: one row per algorithm, each agreeing with its run's metrics.jsonl.
  const note = await clickNotificationButton(p, /comparison on .* done/, "Show Summary", 60_000);
  log(`notification: "${note}"`);
  const text = await visibleEditorText(p, /Algorithm comparison[\s\S]*\|\s*grpo\b[\s\S]*\|\s*(finished|stopped|failed)\s*\|/i);
  const rows = parseSummaryRows(text);
  log(`summary rows: ${rows.map((r) => `${r.label}: final ${r.final}, best ${r.best}, steps to ${threshold} ${r.steps}, wall ${r.wall} s`).join("; ")}`);
  assert.deepEqual(rows.map((r) => r.label.toLowerCase()).sort(), ["grpo", "ppo"], `summary rows: ${JSON.stringify(rows)}`);
  for (const row of rows) {
    const dir = dirs.find((d) => d === row.dir);
    assert.ok(dir, `the ${row.label} row names run directory ${row.dir}, not one of ${dirs.join(", ")}`);
    assert.equal((readRunJson(dir) as { config?: { algorithm?: string } }).config?.algorithm, row.label.toLowerCase());
    const metrics = metricRows(dir);
    const rewards = metrics.map((m) => m.ep_rew_mean).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    assert.ok(rewards.length > 0, `${row.label}: no ep_rew_mean in ${dir}/metrics.jsonl`);
    const last10 = rewards.slice(-10);
    const reached = metrics.find((m) => typeof m.ep_rew_mean === "number" && m.ep_rew_mean >= threshold);
    const last = metrics[metrics.length - 1];
    assert.equal(row.final, (last10.reduce((a, b) => a + b, 0) / last10.length).toFixed(1), `${row.label}: final ep_rew_mean`);
    assert.equal(row.best, Math.max(...rewards).toFixed(1), `${row.label}: best`);
    assert.equal(row.steps, reached ? String(reached.total_timesteps) : "never", `${row.label}: steps to ${threshold}`);
    assert.equal(row.wall, Number(last.wall_seconds).toFixed(1), `${row.label}: wall seconds`);
    assert.ok(Number(row.wall) > 0 && Number(last.total_timesteps) >= budget, `${row.label}: wall ${row.wall} s for ${last.total_timesteps} steps`);
    assert.equal(row.status, "finished");
  }
  // The summary is an unsaved document: close it without the save prompt.
  await runCommand(p, "View: Revert and Close Editor");
});

journey("journey 8: Replays panel -> Rate -> pick the better episode of 3 pairs -> preferences.jsonl, kept after reopening", 4 * 60_000, async (s, p, signal, log) => {
  const dir = rateableRuns(s, path.basename(SHORT_FIXTURE))[0] ?? (await trainShortRun(s, p, signal, log));
  const id = path.basename(dir);
  const returns = replayReturns(dir);
  const linesBefore = preferenceLines(dir).length;
  log(`rating ${id}: ${returns.size} replays, ${linesBefore} ratings already`);

  let frame = await openReplaysFromPalette(p, id, signal);
  let view = await startRating(frame, signal);
  assert.equal(view.state?.count, linesBefore, "the Rate bar counts the ratings already on disk");
  const rated: { a: string; b: string; choice: string }[] = [];
  for (let k = 1; k <= 3; k++) {
    const [a, b] = view.pair as [string, string];
    const ra = returns.get(a);
    const rb = returns.get(b);
    assert.ok(ra !== undefined && rb !== undefined, `the pair ${a} / ${b} are replays of ${id} (${[...returns.keys()].join(", ")})`);
    // The better episode is the one that balanced the pole longer (higher return); equal returns are "same".
    const choice = ra === rb ? "same" : ra > rb ? "a" : "b";
    await frame.locator(`[data-rate="${choice}"]`).click({ timeout: 10_000 });
    rated.push({ a, b, choice });
    view = await waitFor(`rating ${k} to be counted`, 30_000, async () => {
      const v = await ratingView(frame);
      return v.state?.count === linesBefore + k && v.pair && `${v.pair}` !== `${a},${b}` ? v : undefined;
    }, signal);
  }
  log(`rated ${rated.map((r) => `${r.a} vs ${r.b}: ${r.choice}`).join("; ")}`);

  const lines = preferenceLines(dir);
  assert.equal(lines.length, linesBefore + 3, `preferences.jsonl has ${lines.length} lines`);
  assert.deepEqual(
    lines.slice(linesBefore).map(({ a, b, choice, rater }) => ({ a, b, choice, rater })),
    rated.map((r) => ({ ...r, rater: "user" })),
  );
  const pairKey = (a: string, b: string) => [a, b].sort().join(" vs ");
  const ratedPairs = new Set(lines.filter((l) => l.choice !== "unknown").map((l) => pairKey(l.a, l.b)));
  const countText = await frame.locator('[data-role="rating-count"]').innerText();
  assert.match(countText, new RegExp(`^${lines.length} ratings · ${ratedPairs.size} of \\d+ pairs rated`), `the Rate bar reads "${countText}"`);

  // Close the panel, reopen it: the ratings come back from the run directory.
  await closeAllEditors(p);
  frame = await openReplaysFromPalette(p, id, signal);
  view = await startRating(frame, signal);
  const again = await frame.locator('[data-role="rating-count"]').innerText();
  log(`reopened: "${again}", next pair ${view.pair?.join(" vs ")}`);
  assert.equal(view.state?.count, lines.length, "the reopened panel counts every rating");
  assert.equal(again, countText);
  assert.ok(view.pair && !ratedPairs.has(pairKey(...view.pair)), `the next pair ${view.pair?.join(" vs ")} has not been rated yet`);
  assert.equal(preferenceLines(dir).length, lines.length, "reopening wrote nothing to preferences.jsonl");
});

journey("journey 9: ratings (scripted rater) -> Fit reward model -> Train on Learned Reward -> new run's dashboard shows true_ep_rew_mean", 4 * 60_000, async (s, p, signal, log) => {
  const shortName = path.basename(SHORT_FIXTURE);
  const dir = rateableRuns(s, shortName)[0] ?? (await trainShortRun(s, p, signal, log));
  const id = path.basename(dir);

  // Clicking 20 pairs is slow: the scripted rater of the CLI (prefers the higher true return) adds them.
  const rater = path.join(REPO_ROOT, "test", "fixtures", "raters", "true-return.ts");
  const { stdout } = await execFileAsync(process.execPath, [installedCli(s), "rate", dir, "--rater", rater, "--pairs", "20"], { timeout: 60_000, signal });
  log(`ppo-lab rate: ${stdout.trim()}`);
  const lines = preferenceLines(dir);
  const ratings = lines.length;
  assert.ok(ratings >= 20, `preferences.jsonl has ${ratings} ratings`);
  // The scripted rater asks about pairs nobody rated yet (journey 8's user ratings stay the ones that count).
  const pairs = new Set(lines.map((l) => [l.a, l.b].sort().join(" vs ")));
  assert.equal(pairs.size, ratings, `${ratings} ratings of ${pairs.size} different pairs`);

  // Fit the reward model from the Replays panel's Rate bar; it shows the held-out accuracy.
  const frame = await openReplaysFromPalette(p, id, signal);
  await startRating(frame, signal);
  await frame.locator('[data-command="fitReward"]').click({ timeout: 10_000 });
  const fitted = await waitFor("the reward model to be fitted", 90_000, async () => {
    const v = await ratingView(frame);
    if (v.state?.message?.level === "error") throw new Error(`Fit reward model failed: ${v.state.message.text}`);
    return v.state?.rewardModel && !v.state.fitting ? v.state : undefined;
  }, signal);
  const accuracyText = await frame.locator('[data-role="reward-accuracy"]').innerText();
  log(`fitted: "${accuracyText}"`);
  assert.match(accuracyText, /held-out accuracy \d+%/);
  const modelFile = path.join(dir, "reward-model.json");
  const onDisk = JSON.parse(fs.readFileSync(modelFile, "utf8")) as { report: { pairs: number; ratings: number } };
  assert.equal(onDisk.report.pairs, fitted.rewardModel?.pairs, "the panel shows the fitted model's pair count");
  assert.equal(onDisk.report.ratings, ratings);
  await closeAllEditors(p);

  // Train on Learned Reward: pick the rated run, then fine-tune its policy (the RLHF shape).
  const before = runDirs(s);
  await runCommand(p, "PPO Lab: Train on Learned Reward");
  await pickQuickPickItem(p, /train on the learned reward of a run/, id);
  await pickQuickPickItem(p, /^PPO Lab: train on the learned reward$/, /Fine-tune this run's policy/);
  const newDir = await newRunDir(s, before, signal);
  log(`learned-reward run ${path.basename(newDir)}`);
  const config = await waitFor("the new run's run.json", 30_000, () => (readRunJson(newDir) as { config?: { rewardModel?: string; initFrom?: string } } | undefined)?.config, signal);
  assert.equal(config.rewardModel, modelFile, "the new run trains on the fitted reward model");
  assert.equal(config.initFrom, dir, "the new run starts from the rated run's policy");

  // Its dashboard shows the env's own return next to the learned one.
  const shown = await waitFor("the new run's dashboard to show true_ep_rew_mean", 120_000, async () => {
    const r = await evalInFrames<string>(
      p,
      `(() => { const d = window.ppoLabDashboard; const c = document.querySelector('.card[data-metric="true_ep_rew_mean"]'); if (!d || !c || !d.cards().includes("true_ep_rew_mean")) return null; return c.querySelector('[data-role="last-value"]')?.textContent ?? null; })()`,
    );
    return r && /\d/.test(r.value) ? r.value.trim() : undefined;
  }, signal);
  const tab = (await p.locator(".tabs-container .tab.active").allInnerTexts()).join(" | ");
  log(`dashboard "${tab}": true_ep_rew_mean ${shown}`);
  assert.match(tab, /PPO|GRPO|cartpole-short/i);
  const rows = metricRows(newDir);
  const trueValues = rows.map((r) => r.true_ep_rew_mean).filter((v): v is number => typeof v === "number");
  assert.ok(trueValues.length > 0, `metrics.jsonl of ${path.basename(newDir)} logs true_ep_rew_mean (${rows.length} rows)`);
  const value = Number(shown.replace(/,/g, ""));
  assert.ok(trueValues.some((v) => Math.abs(v - value) <= Math.max(0.05, Math.abs(v) * 1e-3)), `the card's ${shown} is one of the logged true_ep_rew_mean values ${trueValues.join(", ")}`);
  // The learned reward is not the env's: the two returns differ somewhere.
  assert.ok(rows.some((r) => typeof r.ep_rew_mean === "number" && typeof r.true_ep_rew_mean === "number" && r.ep_rew_mean !== r.true_ep_rew_mean), "ep_rew_mean (learned) differs from true_ep_rew_mean");

  const end = await waitFor("the learned-reward run to finish", 150_000, () => {
    const st = readRunJson(newDir)?.status;
    return st && st !== "running" ? st : undefined;
  }, signal);
  assert.equal(end, "finished");
});

journey("journey 10: an env file importing \"ppo-lab\" types in a folder without tsconfig -> checked against the extension's types, no 'Cannot find module'", 4 * 60_000, async (s, p, _signal, log) => {
  // A user's env file with a deliberate type error that only the "ppo-lab" types can reveal.
  fs.writeFileSync(
    path.join(s.workspace, "typed-env.ts"),
    [
      'import type { StepResult } from "ppo-lab";',
      "",
      "export default class TypedEnv {",
      '  observationSpace = { type: "Box" as const, low: [0], high: [1] };',
      '  actionSpace = { type: "Discrete" as const, n: 2 };',
      "  reset() {",
      "    return { observation: [0] };",
      "  }",
      "  step(): StepResult {",
      '    return { observation: [0], reward: "high", terminated: false, truncated: false };',
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  await quickOpenFile(p, "cartpole.ts");
  await quickOpenFile(p, "typed-env.ts");
  await runCommand(p, "View: Focus Problems");
  const rows = p.locator(".markers-panel .monaco-list-row");
  const typeError = rows.filter({ hasText: /not assignable to type 'number'/ }).first();
  await typeError.waitFor({ state: "visible", timeout: 150_000 });
  log(`Problems panel: "${(await typeError.innerText()).replace(/\s+/g, " ")}"`);
  // The TypeScript server has checked the open files: none of them misses the module.
  const all = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, " "));
  assert.ok(!all.some((t) => /Cannot find module 'ppo-lab'/.test(t)), `Problems panel rows: ${JSON.stringify(all)}`);
  assert.ok(all.some((t) => /typed-env\.ts/.test(t)), `the error is listed under typed-env.ts: ${JSON.stringify(all)}`);
});

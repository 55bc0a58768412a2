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
 *
 * Journey 3 (a broken env file) is in the extension-host suite (test/e2e/host/suite.ts).
 * Run with `npm run test:e2e`.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Locator, Page } from "playwright-core";
import { pidsMatching } from "./harness/processes";
import { REPO_ROOT, runJourney, Session, assertToolsInstalled, waitFor } from "./harness/session";
import {
  closeAllEditors,
  evalInFrames,
  pickFromRowContextMenu,
  quickOpenFile,
  runCommand,
  statusBar,
  waitForStatusBarText,
  waitForWorkbench,
} from "./harness/workbench";

const SETUP_TIMEOUT_MS = 3 * 60_000;
const FIXTURE = path.join(REPO_ROOT, "test", "e2e", "fixtures", "cartpole-reward-x1e4.ts");

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
    fs.writeFileSync(
      path.join(session.workspace, "cartpole-reward-x1e4.ts"),
      fs.readFileSync(FIXTURE, "utf8").replace(/from "\.\.\/\.\.\/\.\.\/examples\/cartpole"/, 'from "./cartpole"'),
    );
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

/**
 * Playwright helpers for code-server's web workbench (VS Code 1.100). Every wait is on a condition with a timeout.
 * Selectors are VS Code's own DOM ids and classes, as used by code-server's test/e2e/models/CodeServer.ts.
 */
import type { Frame, Locator, Page } from "playwright-core";

const QUICK_INPUT = ".quick-input-widget";
const QUICK_INPUT_BOX = ".quick-input-widget .quick-input-box input";
const QUICK_INPUT_ROWS = ".quick-input-widget .quick-input-list .monaco-list-row";

export function statusBar(page: Page): Locator {
  return page.locator("#workbench\\.parts\\.statusbar");
}

/** Waits until the workbench and its status bar are rendered and the workspace folder is shown in the explorer. */
export async function waitForWorkbench(page: Page, timeoutMs = 90_000, opts: { explorer?: boolean } = {}): Promise<void> {
  await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: timeoutMs });
  await statusBar(page).waitFor({ state: "visible", timeout: timeoutMs });
  // The explorer lists the workspace's files once the remote file system is connected (after a reload the sidebar
  // may show another view: then the restored editor tabs say the same).
  if (opts.explorer === false) await page.locator(".tabs-container .tab").first().waitFor({ state: "visible", timeout: timeoutMs });
  else await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor({ state: "visible", timeout: timeoutMs });
}

async function closeQuickInput(page: Page): Promise<void> {
  if (await page.locator(QUICK_INPUT).isVisible()) {
    await page.keyboard.press("Escape");
    await page.locator(QUICK_INPUT).waitFor({ state: "hidden", timeout: 5_000 });
  }
}

/** Opens the quick input with `key` (F1: command palette, Control+P: Quick Open) and types `text` into it. */
async function openQuickInput(page: Page, key: string, text: string): Promise<void> {
  await closeQuickInput(page);
  await page.keyboard.press(key);
  const box = page.locator(QUICK_INPUT_BOX);
  await box.waitFor({ state: "visible", timeout: 10_000 });
  await box.fill(text);
}

/**
 * Quick Open (Ctrl+P): types `fileName`, picks the row for it and waits until its editor tab is active. The list
 * re-sorts while ripgrep's results arrive after the recently opened files, so a click can land on another file:
 * then Quick Open is tried again.
 */
export async function quickOpenFile(page: Page, fileName: string, timeoutMs = 30_000): Promise<void> {
  // The row whose file name is exactly `fileName` (fuzzy matching may rank "x-fileName-y.ts" or a recent file first).
  const exact = new RegExp(`^\\s*${fileName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`);
  const row = page.locator(QUICK_INPUT_ROWS).filter({ has: page.locator(".label-name", { hasText: exact }) }).first();
  const tab = page.locator(".tabs-container .tab.active").filter({ has: page.locator(".label-name", { hasText: exact }) });
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    await page.locator(".monaco-workbench").click({ position: { x: 5, y: 5 }, timeout: 10_000 }).catch(() => undefined);
    await openQuickInput(page, "Control+P", fileName);
    await row.waitFor({ state: "visible", timeout: Math.max(1_000, deadline - Date.now()) });
    // Let the file search finish (its progress bar) so the rows stop moving, then pick the row.
    await page.locator(".quick-input-widget .quick-input-progress .monaco-progress-container.active").waitFor({ state: "hidden", timeout: 5_000 }).catch(() => undefined);
    await row.click();
    const opened = await tab.waitFor({ state: "visible", timeout: 5_000 }).then(() => true).catch(() => false);
    if (opened) break;
    if (Date.now() > deadline) throw new Error(`Quick Open did not open ${fileName} in ${attempt} attempts within ${timeoutMs} ms`);
  }
  await page.locator(".editor-instance .monaco-editor .view-lines").first().waitFor({ state: "visible", timeout: timeoutMs });
}

/**
 * Runs a command from the palette: F1, type its title, Enter. A contributed command only shows up once the remote
 * extension host has registered the extension, so the palette is reopened until the row appears (or the timeout).
 */
export async function runCommand(page: Page, title: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const row = page.locator(QUICK_INPUT_ROWS).filter({ hasText: title }).first();
  for (;;) {
    await openQuickInput(page, "F1", `>${title}`);
    const remaining = deadline - Date.now();
    const found = await row
      .waitFor({ state: "visible", timeout: Math.max(1_000, Math.min(5_000, remaining)) })
      .then(() => true)
      .catch(() => false);
    if (found) {
      // Enter accepts the highlighted (first) row; click the matching row if fuzzy matching ranked another first.
      const first = page.locator(QUICK_INPUT_ROWS).first();
      if (((await first.textContent()) ?? "").includes(title)) await page.keyboard.press("Enter");
      else await row.click();
      await page.locator(QUICK_INPUT).waitFor({ state: "hidden", timeout: 10_000 });
      return;
    }
    if (Date.now() > deadline) {
      await closeQuickInput(page).catch(() => undefined);
      throw new Error(`command "${title}" did not appear in the command palette within ${timeoutMs} ms`);
    }
  }
}

/** Waits until the status bar shows text matching `pattern`; returns that item's text. */
export async function waitForStatusBarText(page: Page, pattern: RegExp, timeoutMs: number): Promise<string> {
  const item = statusBar(page).locator(".statusbar-item").filter({ hasText: pattern }).first();
  try {
    await item.waitFor({ state: "visible", timeout: timeoutMs });
  } catch (e) {
    const now = await statusBar(page).innerText({ timeout: 2_000 }).catch(() => "(unreadable)");
    throw new Error(`status bar never matched ${pattern} within ${timeoutMs} ms; it shows: ${JSON.stringify(now)}`, { cause: e });
  }
  return (await item.innerText()).trim();
}

/**
 * Evaluates `expression` (a string, so it does not depend on helpers the TypeScript loader injects) in every frame
 * of the page, webview iframes included; returns the first result that is neither null nor undefined, with its frame.
 */
export async function evalInFrames<T>(page: Page, expression: string): Promise<{ value: T; frame: Frame } | undefined> {
  for (const frame of page.frames()) {
    try {
      const value = (await frame.evaluate(expression)) as T | null | undefined;
      if (value !== null && value !== undefined) return { value, frame };
    } catch {
      // frames come and go while the workbench lays out
    }
  }
  return undefined;
}

/** Closes every editor (dashboards included) and any open quick input, so a journey starts from a known layout. */
export async function closeAllEditors(page: Page): Promise<void> {
  await closeQuickInput(page).catch(() => undefined);
  await runCommand(page, "View: Close All Editors");
  await page.locator(".tabs-container .tab").first().waitFor({ state: "detached", timeout: 15_000 });
}

/**
 * Opens the context menu of the sidebar tree row containing `rowText` and picks `action` (VS Code draws its own
 * menus in the web workbench).
 */
export async function pickFromRowContextMenu(page: Page, row: Locator, action: string): Promise<void> {
  await row.click({ button: "right" });
  const item = page.locator(".context-view .action-item .action-label").filter({ hasText: action }).first();
  await item.waitFor({ state: "visible", timeout: 10_000 });
  // VS Code's menu acts on keyboard focus more reliably than on a synthetic click right after it opened.
  await item.hover();
  await page.keyboard.press("Enter");
  await page.locator(".context-view .monaco-menu").waitFor({ state: "hidden", timeout: 10_000 });
}

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

/**
 * Opens the quick input with `key` (F1: command palette, Control+P: Quick Open) and types `text` into it. When the
 * widget closes again before the text is in (something took the focus as it opened: a webview, a notification), it
 * is opened again, up to three times.
 */
async function openQuickInput(page: Page, key: string, text: string): Promise<void> {
  const box = page.locator(QUICK_INPUT_BOX);
  for (let attempt = 1; ; attempt++) {
    await closeQuickInput(page).catch(() => undefined);
    await page.keyboard.press(key);
    try {
      await box.waitFor({ state: "visible", timeout: 10_000 });
      await box.fill(text, { timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

/** Text of the `.label-name` elements under `selector` (empty when there is none). */
async function labelNames(page: Page, selector: string): Promise<string[]> {
  return (await page.locator(`${selector} .label-name`).allInnerTexts().catch(() => [] as string[])).map((t) => t.trim());
}

/**
 * Moves the quick input list's focus with the arrow keys onto the first row whose file name matches `exact` and
 * returns true, or false when no row does. The keyboard is used instead of a click: a click aims at coordinates
 * measured before the list re-sorts (ripgrep's results arrive after the recently opened files) and can open another
 * file.
 */
async function focusQuickInputRow(page: Page, exact: RegExp): Promise<boolean> {
  const rows = (await labelNames(page, QUICK_INPUT_ROWS)).length;
  for (let i = 0; i <= rows + 1; i++) {
    const focused = await labelNames(page, `${QUICK_INPUT_ROWS}.focused`);
    if (focused.some((t) => exact.test(t))) return true;
    await page.keyboard.press("ArrowDown");
  }
  return false;
}

/**
 * Shows the Explorer (its activity bar icon) and clicks the workspace root's row whose file name matches `exact`;
 * false when there is no such row.
 */
async function openFromExplorer(page: Page, exact: RegExp): Promise<boolean> {
  await closeQuickInput(page).catch(() => undefined);
  const rows = page.locator(".explorer-folders-view .monaco-list-row");
  if (!(await rows.first().isVisible())) {
    await page.locator("#workbench\\.parts\\.activitybar .action-label[aria-label^='Explorer']").first().click({ timeout: 5_000 });
    await rows.first().waitFor({ state: "visible", timeout: 10_000 });
  }
  const row = rows.filter({ has: page.locator(".label-name", { hasText: exact }) }).first();
  if (!(await row.isVisible())) return false;
  await row.click({ timeout: 5_000 });
  return true;
}

/**
 * Opens `fileName` (a file of the workspace root) in the editor and waits until an active editor tab shows it. Odd
 * attempts use Quick Open (Ctrl+P: type the name, move the list's focus onto its row with the arrow keys, Enter), even
 * ones click its row in the Explorer; tried until `timeoutMs`, and the error lists what each attempt saw.
 */
export async function quickOpenFile(page: Page, fileName: string, timeoutMs = 60_000): Promise<void> {
  // The row whose file name is exactly `fileName` (fuzzy matching may rank "x-fileName-y.ts" or a recent file first).
  const exact = new RegExp(`^\\s*${fileName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`);
  const row = page.locator(QUICK_INPUT_ROWS).filter({ has: page.locator(".label-name", { hasText: exact }) }).first();
  const activeTabs = () => labelNames(page, ".tabs-container .tab.active");
  const deadline = Date.now() + timeoutMs;
  const seen: string[] = [];
  for (let attempt = 1; ; attempt++) {
    await page.locator(".monaco-workbench").click({ position: { x: 5, y: 5 }, timeout: 10_000 }).catch(() => undefined);
    let picked = false;
    // Every other attempt goes through the Explorer: a click on its row opens the file whether or not the quick
    // input keeps the focus (something, e.g. a closing webview, may take it for a while and close the quick input).
    const via = attempt % 2 === 0 ? "Explorer" : "Quick Open";
    try {
      if (via === "Explorer") {
        picked = await openFromExplorer(page, exact);
      } else {
        await openQuickInput(page, "Control+P", fileName);
        await row.waitFor({ state: "visible", timeout: Math.max(1_000, Math.min(15_000, deadline - Date.now())) });
        // Let the file search finish (its progress bar) so the rows stop moving, then pick the row.
        await page.locator(".quick-input-widget .quick-input-progress .monaco-progress-container.active").waitFor({ state: "hidden", timeout: 5_000 }).catch(() => undefined);
        picked = await focusQuickInputRow(page, exact);
        if (picked) await page.keyboard.press("Enter");
      }
    } catch (e) {
      seen.push(`attempt ${attempt} (${via}): ${(e as Error).message.split("\n")[0]}`);
    }
    const until = Date.now() + 5_000;
    let tabs = await activeTabs();
    while (!tabs.some((t) => exact.test(t)) && Date.now() < until) {
      await page.waitForTimeout(200);
      tabs = await activeTabs();
    }
    if (tabs.some((t) => exact.test(t))) {
      if (seen.length > 0) process.stdout.write(`# opening ${fileName} needed ${attempt} attempts:\n${seen.map((l) => `#   ${l}`).join("\n")}\n`);
      break;
    }
    const rows = await labelNames(page, QUICK_INPUT_ROWS);
    seen.push(`attempt ${attempt} (${via}): row ${picked ? "picked" : "not found"}; quick input rows [${rows.join(", ")}]; active tabs [${tabs.join(", ")}]`);
    if (Date.now() > deadline) throw new Error(`neither Quick Open nor the Explorer opened ${fileName} in ${attempt} attempts within ${timeoutMs} ms:\n${seen.join("\n")}`);
  }
  await closeQuickInput(page).catch(() => undefined);
  await page.locator(".editor-instance .monaco-editor .view-lines").first().waitFor({ state: "visible", timeout: timeoutMs });
}

/**
 * Waits until the command palette has gone: the quick input is hidden, or it shows the command's own quick pick or
 * input box (which can take the palette's place without the widget ever hiding), i.e. its value no longer starts
 * with ">".
 */
async function waitForPaletteClosed(page: Page, timeoutMs = 10_000): Promise<void> {
  const widget = page.locator(QUICK_INPUT);
  const box = page.locator(QUICK_INPUT_BOX);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await widget.isVisible())) return;
    const value = await box.inputValue({ timeout: 1_000 }).catch(() => undefined);
    if (value !== undefined && !value.startsWith(">")) return;
    if (Date.now() > deadline) throw new Error(`the command palette was still open ${timeoutMs} ms after running a command (it reads ${JSON.stringify(value)})`);
    await page.waitForTimeout(100);
  }
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
      await waitForPaletteClosed(page);
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

/**
 * Closes every editor (dashboards included) and any open quick input, so a journey starts from a known layout. An
 * unsaved untitled document (e.g. a summary a command opened) makes VS Code ask whether to save it: "Don't Save".
 */
export async function closeAllEditors(page: Page): Promise<void> {
  await closeQuickInput(page).catch(() => undefined);
  await runCommand(page, "View: Close All Editors");
  const firstTab = page.locator(".tabs-container .tab").first();
  const dontSave = page.locator(".monaco-dialog-box .monaco-button", { hasText: "Don't Save" });
  const deadline = Date.now() + 15_000;
  while ((await firstTab.count()) > 0) {
    if (await dontSave.isVisible()) await dontSave.click({ timeout: 5_000 });
    if (Date.now() > deadline) throw new Error(`editors still open 15 s after "View: Close All Editors": ${(await page.locator(".tabs-container .tab").allInnerTexts()).join(", ")}`);
    await page.waitForTimeout(200);
  }
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

/** The open quick input while its text (an input box's prompt is part of it) matches `text`. */
function quickInputWith(page: Page, text: RegExp): Locator {
  return page.locator(QUICK_INPUT).filter({ hasText: text });
}

/** The open quick pick while its title matches `title`. */
function quickPickTitled(page: Page, title: RegExp): Locator {
  return page.locator(QUICK_INPUT).filter({ has: page.locator(".quick-input-title", { hasText: title }) });
}

/**
 * Waits for a quick pick whose title matches `title` and picks (clicks) the row whose text matches `row`.
 * @throws when that quick pick or row does not show within `timeoutMs`, naming the rows it had.
 */
export async function pickQuickPickItem(page: Page, title: RegExp, row: string | RegExp, timeoutMs = 30_000): Promise<void> {
  const widget = quickPickTitled(page, title);
  const item = widget.locator(".quick-input-list .monaco-list-row").filter({ hasText: row }).first();
  try {
    await item.waitFor({ state: "visible", timeout: timeoutMs });
  } catch (e) {
    const rows = await page.locator(QUICK_INPUT_ROWS).evaluateAll((rs) => rs.map((r) => r.getAttribute("aria-label"))).catch(() => []);
    const shown = await page.locator(".quick-input-widget .quick-input-title").innerText({ timeout: 1_000 }).catch(() => "(none)");
    throw new Error(`no quick pick row matching ${row} under a title matching ${title} within ${timeoutMs} ms; the quick input is titled ${JSON.stringify(shown)} with rows ${JSON.stringify(rows)}`, { cause: e });
  }
  await item.click({ timeout: 10_000 });
}

/**
 * In a multi-select quick pick titled `title`, checks exactly the rows whose label `wanted` accepts, then accepts
 * (Enter). @returns the labels that were checked.
 */
export async function acceptQuickPickChecks(page: Page, title: RegExp, wanted: (label: string) => boolean, timeoutMs = 30_000): Promise<string[]> {
  const widget = quickPickTitled(page, title);
  const rows = widget.locator(".quick-input-list .monaco-list-row");
  await rows.first().waitFor({ state: "visible", timeout: timeoutMs });
  const checked: string[] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const r = rows.nth(i);
    const label = (await r.getAttribute("aria-label")) ?? "";
    const want = wanted(label);
    if (((await r.getAttribute("aria-checked")) === "true") !== want) await r.locator(".monaco-checkbox").click({ timeout: 5_000 });
    if (((await r.getAttribute("aria-checked")) === "true") !== want) throw new Error(`could not ${want ? "check" : "uncheck"} the quick pick row "${label}"`);
    if (want) checked.push(label);
  }
  await widget.locator(".quick-input-box input").press("Enter");
  await widget.waitFor({ state: "hidden", timeout: 10_000 });
  return checked;
}

/**
 * Waits for an input box whose prompt matches `prompt`, replaces its value with `value` and accepts it (Enter).
 * @throws when the box does not show, or when it stays open (its validation rejected the value: the message is named).
 */
export async function submitInputBox(page: Page, prompt: RegExp, value: string, timeoutMs = 30_000): Promise<void> {
  const widget = quickInputWith(page, prompt);
  const box = widget.locator(".quick-input-box input");
  await box.waitFor({ state: "visible", timeout: timeoutMs });
  await box.fill(value);
  await box.press("Enter");
  const gone = await widget.waitFor({ state: "hidden", timeout: 5_000 }).then(() => true).catch(() => false);
  if (!gone) {
    const message = await widget.locator(".quick-input-message").innerText({ timeout: 1_000 }).catch(() => "");
    throw new Error(`the input box ${prompt} did not accept ${JSON.stringify(value)}: ${JSON.stringify(message)}`);
  }
}

/**
 * Clicks `button` of the notification whose text matches `message`: on its toast, or (once toasts have hidden it) in
 * the notification center. @returns the notification's text.
 */
export async function clickNotificationButton(page: Page, message: RegExp, button: string, timeoutMs = 60_000): Promise<string> {
  const toast = page.locator(".notifications-toasts .notification-list-item").filter({ hasText: message }).first();
  const inCenter = page.locator(".notifications-center .notification-list-item").filter({ hasText: message }).first();
  const deadline = Date.now() + timeoutMs;
  let centerOpened = 0;
  for (;;) {
    for (const item of [toast, inCenter]) {
      if (await item.isVisible()) {
        const text = (await item.innerText()).replace(/\s+/g, " ").trim();
        await item.locator(".monaco-button", { hasText: button }).click({ timeout: 10_000 });
        return text;
      }
    }
    // A toast hides after a while (info ones after about 10 s); the center keeps the notification.
    if (Date.now() - centerOpened > 10_000 && !(await page.locator(".notifications-center.visible").isVisible())) {
      await runCommand(page, "Notifications: Show Notifications", 10_000).catch(() => undefined);
      centerOpened = Date.now();
    }
    if (Date.now() > deadline) {
      const toasts = await page.locator(".notifications-toasts, .notifications-center").allInnerTexts().catch(() => []);
      throw new Error(`no notification matching ${message} with a "${button}" button within ${timeoutMs} ms; notifications: ${JSON.stringify(toasts)}`);
    }
    await page.waitForTimeout(250);
  }
}

/**
 * The text of the visible editor whose content matches `pattern`, its rendered lines joined in order. A line that
 * word wrap split is rendered as several lines: joining without separators puts it back together (the wrapped
 * segments keep their spaces), at the cost of gluing consecutive lines together too, so match rows by their own
 * delimiters. Non-breaking spaces (how the editor renders spaces) come back as spaces.
 */
export async function visibleEditorText(page: Page, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  let texts: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    texts = await page
      .locator(".editor-instance .monaco-editor .view-lines")
      .evaluateAll((editors) =>
        editors.map((e) =>
          [...e.children]
            .map((c) => ({ top: parseFloat((c as unknown as { style: { top: string } }).style.top) || 0, text: c.textContent ?? "" }))
            .sort((a, b) => a.top - b.top)
            .map((l) => l.text)
            .join(""),
        ),
      )
      .catch(() => []);
    const hit = texts.map((t) => t.replace(/\u00a0/g, " ")).find((t) => pattern.test(t));
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`no visible editor shows text matching ${pattern} within ${timeoutMs} ms (${texts.length} editors)`);
    await page.waitForTimeout(250);
  }
}

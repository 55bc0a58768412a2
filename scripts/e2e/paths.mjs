// Where the end-to-end test tools live. Shared by scripts/e2e/*.mjs and test/e2e/harness (imported through tsx).
// code-server is installed OUTSIDE node_modules, into a cache folder that survives `npm ci`.
import { homedir } from "node:os";
import { join } from "node:path";

/** code-server 4.100.3 is the last release whose npm postinstall accepts Node 20 (it bundles VS Code 1.100.3). */
export const CODE_SERVER_VERSION = "4.100.3";

/** Cache root; override with PPO_LAB_TEST_CACHE. */
export const TEST_CACHE_DIR = process.env.PPO_LAB_TEST_CACHE || join(homedir(), ".cache", "ppo-lab-test");

/** The code-server install folder; override with PPO_LAB_CODE_SERVER_DIR. */
export const CODE_SERVER_DIR = process.env.PPO_LAB_CODE_SERVER_DIR || join(TEST_CACHE_DIR, `code-server-${CODE_SERVER_VERSION}`);

/** The file written last by a complete install; its absence means "install again". */
export const CODE_SERVER_MARKER = join(CODE_SERVER_DIR, ".install-complete");

/** code-server's JavaScript entry, run with the current Node (code-server's own bin script does the same). */
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, "node_modules", "code-server", "out", "node", "entry.js");

/** Debian's Chromium; override with PPO_LAB_CHROMIUM. playwright-core never downloads a browser. */
export const CHROMIUM_PATH = process.env.PPO_LAB_CHROMIUM || "/usr/bin/chromium";

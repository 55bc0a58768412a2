// Installs what the code-server tests need, once, outside node_modules (idempotent; a second run takes ~0 s):
//   1. Debian's chromium, ripgrep and libkrb5-dev (apt-get update + install, only when missing; needs root).
//   2. code-server@4.100.3 into PPO_LAB_CODE_SERVER_DIR (default ~/.cache/ppo-lab-test/code-server-4.100.3):
//      - its @vscode/ripgrep 1.15.11 postinstall downloads rg from GitHub, which this network cannot reach, so its
//        download cache (os.tmpdir()/vscode-ripgrep-cache-1.15.11) is seeded with a tarball of Debian's /usr/bin/rg;
//      - as root, code-server's postinstall needs npm_config_unsafe_perm=true, and node-pty's `npx node-gyp` needs
//        npm_config_yes=true (the machine's ~/.npmrc says yes=false);
//      - argon2/kerberos prebuilt downloads fail (no GitHub) and fall back to a node-gyp build: expected (kerberos
//        needs libkrb5-dev for that build; python3, make, g++ and pkg-config are on the machine).
// A marker file is written last, so an interrupted install is redone from scratch on the next run.
// Usage: node scripts/e2e/setup.mjs [--force]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CHROMIUM_PATH, CODE_SERVER_DIR, CODE_SERVER_ENTRY, CODE_SERVER_MARKER, CODE_SERVER_VERSION } from "./paths.mjs";

const RIPGREP_PKG_VERSION = "1.15.11"; // pinned by code-server 4.100.3's lib/vscode/npm-shrinkwrap.json
const RIPGREP_TARBALL = "ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"; // what that version downloads on x64

const t0 = Date.now();
const secs = (from) => ((Date.now() - from) / 1000).toFixed(1);
const say = (msg) => console.log(`[e2e setup] ${msg}`);

function fail(msg, logFile) {
  console.error(`[e2e setup] ERROR: ${msg}`);
  if (logFile && existsSync(logFile)) {
    const lines = readFileSync(logFile, "utf8").trimEnd().split("\n");
    console.error(`--- last lines of ${logFile} ---\n${lines.slice(-60).join("\n")}`);
  }
  process.exit(1);
}

/** Runs a command with its output appended to logFile; returns the exit status. */
function run(cmd, args, { env, cwd, logFile, cleanNpmEnv = false }) {
  const base = { ...process.env };
  // Under `npm run`, npm exports its settings (npm_config_prefix=/usr, npm_config_local_prefix=<repo>...); a nested
  // install into another folder must not inherit them.
  if (cleanNpmEnv) for (const k of Object.keys(base)) if (k.toLowerCase().startsWith("npm_")) delete base[k];
  const fd = openSync(logFile, "a");
  try {
    const r = spawnSync(cmd, args, { cwd, env: { ...base, ...env }, stdio: ["ignore", fd, fd] });
    if (r.error) throw r.error;
    return r.status ?? 1;
  } finally {
    closeSync(fd);
  }
}

function which(name) {
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

// --- 0. Node version: code-server's postinstall refuses any Node major but 20. -------------------------------------
const nodeMajor = Number(process.versions.node.split(".")[0]);
if (nodeMajor !== 20) fail(`code-server ${CODE_SERVER_VERSION} needs Node 20 (this is ${process.version}).`);
if (process.platform !== "linux" || process.arch !== "x64") {
  fail(`this setup is written for linux-x64 (this is ${process.platform}-${process.arch}).`);
}

// --- 1. Debian packages. -----------------------------------------------------------------------------------------
const logDir = join(dirname(CODE_SERVER_DIR), "logs");
mkdirSync(logDir, { recursive: true });
const missing = [];
if (!existsSync(CHROMIUM_PATH)) missing.push("chromium");
if (!which("rg")) missing.push("ripgrep");
// code-server's VS Code depends on the `kerberos` addon; its prebuilt binary comes from GitHub (unreachable), so it is
// compiled, which needs the MIT Kerberos headers (gssapi/gssapi.h).
if (!existsSync("/usr/include/gssapi/gssapi.h")) missing.push("libkrb5-dev");
if (missing.length > 0) {
  if (!which("apt-get")) fail(`missing ${missing.join(", ")} and there is no apt-get; install them by hand.`);
  if (process.getuid?.() !== 0) fail(`missing ${missing.join(", ")}; run as root or: sudo apt-get install -y ${missing.join(" ")}`);
  const aptLog = join(logDir, "apt.log");
  const t = Date.now();
  say(`apt-get install ${missing.join(" ")} (log: ${aptLog})`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  if (run("apt-get", ["update", "-qq"], { env, logFile: aptLog }) !== 0) fail("apt-get update failed", aptLog);
  if (run("apt-get", ["install", "-y", "-qq", ...missing], { env, logFile: aptLog }) !== 0) fail("apt-get install failed", aptLog);
  say(`apt-get done in ${secs(t)} s`);
}
if (!existsSync(CHROMIUM_PATH)) fail(`${CHROMIUM_PATH} is still missing (set PPO_LAB_CHROMIUM to another Chromium).`);
const rg = which("rg");
if (!rg) fail("rg is still missing");

// --- 2. code-server. ---------------------------------------------------------------------------------------------
const force = process.argv.includes("--force");
if (!force && existsSync(CODE_SERVER_MARKER) && existsSync(CODE_SERVER_ENTRY)) {
  say(`code-server ${CODE_SERVER_VERSION} cached in ${CODE_SERVER_DIR} (${secs(t0)} s)`);
  process.exit(0);
}

// Seed @vscode/ripgrep's download cache with Debian's rg (the tarball holds `rg` at its root).
const rgCache = join(tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PKG_VERSION}`);
const rgTarball = join(rgCache, RIPGREP_TARBALL);
if (!existsSync(rgTarball)) {
  mkdirSync(rgCache, { recursive: true });
  const r = spawnSync("tar", ["czf", rgTarball, "-C", dirname(rg), "rg"], { stdio: "inherit" });
  if (r.status !== 0) fail(`could not write ${rgTarball}`);
  say(`seeded ${rgTarball} from ${rg}`);
}

const npmLog = join(logDir, `npm-install-code-server-${CODE_SERVER_VERSION}.log`);
rmSync(npmLog, { force: true });
rmSync(CODE_SERVER_DIR, { recursive: true, force: true });
mkdirSync(CODE_SERVER_DIR, { recursive: true });
writeFileSync(
  join(CODE_SERVER_DIR, "package.json"),
  JSON.stringify({ name: "ppo-lab-test-code-server", private: true, description: "cache for scripts/e2e/setup.mjs" }, null, 2) + "\n",
);
say(`npm install code-server@${CODE_SERVER_VERSION} into ${CODE_SERVER_DIR} (takes a few minutes; log: ${npmLog})`);
const tInstall = Date.now();
const status = run("npm", ["install", "--no-audit", "--no-fund", `--prefix=${CODE_SERVER_DIR}`, `code-server@${CODE_SERVER_VERSION}`], {
  cwd: CODE_SERVER_DIR,
  logFile: npmLog,
  cleanNpmEnv: true,
  env: { npm_config_unsafe_perm: "true", npm_config_yes: "true" },
});
if (status !== 0 || !existsSync(CODE_SERVER_ENTRY)) fail(`npm install code-server@${CODE_SERVER_VERSION} failed`, npmLog);
say(`npm install done in ${secs(tInstall)} s`);

// Even --version reads (and, when missing, writes) a config file: point it and code-server's data folder at a temp dir.
const scratch = mkdtempSync(join(tmpdir(), "ppo-lab-cs-version-"));
const v = spawnSync(process.execPath, [CODE_SERVER_ENTRY, "--config", join(scratch, "config.yaml"), "--version"], {
  encoding: "utf8",
  timeout: 60_000,
  env: { ...process.env, XDG_CONFIG_HOME: scratch, XDG_DATA_HOME: scratch },
});
rmSync(scratch, { recursive: true, force: true });
const versionLine = (v.stdout ?? "").split("\n").find((l) => l.startsWith(CODE_SERVER_VERSION));
if (v.status !== 0 || !versionLine) fail(`code-server --version printed ${JSON.stringify(v.stdout + v.stderr)}`);
writeFileSync(
  CODE_SERVER_MARKER,
  JSON.stringify({ version: CODE_SERVER_VERSION, installedAt: new Date().toISOString(), installSeconds: Number(secs(tInstall)) }) + "\n",
);
say(`code-server ${versionLine} ready in ${CODE_SERVER_DIR} (total ${secs(t0)} s)`);

// Runs `node --test` (with tsx for TypeScript) over every *.test.ts under the given folders. Node 20's test runner
// does not expand globs itself, nor look for .ts files in folders.
// Usage: node scripts/run-tests.mjs test/unit test/learning [-- extra node --test flags]
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const sep = args.indexOf("--");
const roots = sep === -1 ? args : args.slice(0, sep);
const extra = sep === -1 ? [] : args.slice(sep + 1);

function collect(p) {
  if (statSync(p).isFile()) return p.endsWith(".test.ts") ? [p] : [];
  return readdirSync(p)
    .sort()
    .flatMap((name) => collect(join(p, name)));
}

const files = roots.flatMap(collect);
if (files.length === 0) {
  console.error(`no *.test.ts files under ${roots.join(", ")}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...extra, ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);

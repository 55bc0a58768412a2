// scripts/emit-public-types.mjs: the "ppo-lab" declarations the build ships for the TypeScript server plugin.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..", "..");
type Emit = (root: string, outDir: string) => { entry: string; files: string[]; isolated: boolean };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { emitPublicTypes } = require(path.join(root, "scripts", "emit-public-types.mjs")) as { emitPublicTypes: Emit };

function withTemp(run: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-emit-types-"));
  try {
    run(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("the repository's public module emits per file: index.d.ts and every core file it imports, with the helpers' signatures", () => {
  withTemp((out) => {
    const r = emitPublicTypes(root, out);
    assert.equal(r.isolated, true, "src/public and its imports satisfy isolatedDeclarations (explicit return types)");
    const rel = r.files.map((f) => path.relative(out, f)).sort();
    assert.deepEqual(rel, ["core/env.d.ts", "core/replay/types.d.ts", "core/rng.d.ts", "core/spaces.d.ts", "public/index.d.ts"].map((f) => path.join(...f.split("/"))));
    const index = fs.readFileSync(r.entry, "utf8");
    assert.match(index, /export declare function box\(low: number \| number\[\], high: number \| number\[\], shape\?: number\[\], dtype\?: "float32" \| "int32"\): BoxSpec;/);
    assert.match(index, /export type \{ Env, EnvFactory, StepResult/);
    assert.match(fs.readFileSync(path.join(out, "core", "env.d.ts"), "utf8"), /export interface StepResult \{[^}]*reward: number;/s);
  });
});

test("a file without explicit return types falls back to the type-checking program and still emits the inferred types", () => {
  withTemp((dir) => {
    fs.mkdirSync(path.join(dir, "src", "public"), { recursive: true });
    fs.mkdirSync(path.join(dir, "src", "core"), { recursive: true });
    fs.writeFileSync(path.join(dir, "src", "public", "index.ts"), `export { twice } from "../core/math";\nexport type { Pair } from "../core/math";\n`);
    fs.writeFileSync(path.join(dir, "src", "core", "math.ts"), `export type Pair = [number, number];\nexport function twice(x: number) { const p: Pair = [x, x]; return p; }\n`);
    const out = path.join(dir, "types");
    const r = emitPublicTypes(dir, out);
    assert.equal(r.isolated, false);
    assert.match(fs.readFileSync(path.join(out, "core", "math.d.ts"), "utf8"), /export declare function twice\(x: number\): Pair;/);
    assert.ok(fs.existsSync(r.entry));
  });
});

test("a declaration the compiler cannot write is an error naming the file", () => {
  withTemp((dir) => {
    fs.mkdirSync(path.join(dir, "src", "public"), { recursive: true });
    // An exported anonymous class with a private member has no declaration form (TS4094).
    fs.writeFileSync(path.join(dir, "src", "public", "index.ts"), `export const Made = class { private secret = 1; };\n`);
    assert.throws(() => emitPublicTypes(dir, path.join(dir, "types")), /emitting the "ppo-lab" declarations.*failed:[\s\S]*index\.ts/);
  });
});

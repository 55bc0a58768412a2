import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { configFileSchema, configurationContribution } from "../../../scripts/gen-manifest";
import { CONFIG_SCHEMA } from "../../../src/core/ppo/config";

const root = path.join(__dirname, "..", "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

test("package.json settings and schemas/config.schema.json are generated from the config schema (run npm run gen:manifest)", () => {
  assert.deepEqual(pkg.contributes.configuration, JSON.parse(JSON.stringify(configurationContribution())));
  const onDisk = JSON.parse(fs.readFileSync(path.join(root, "schemas", "config.schema.json"), "utf8"));
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(configFileSchema())));
  for (const key of Object.keys(CONFIG_SCHEMA.properties)) {
    if (key === "$schema") continue;
    assert.ok(pkg.contributes.configuration[1].properties[`ppoLab.hyperparameters.${key}`], `setting for ${key}`);
  }
});

test("every command the extension registers is contributed, in the PPO Lab category, and vice versa", () => {
  const src = fs.readFileSync(path.join(root, "src", "extension", "extension.ts"), "utf8");
  const registered = new Set([...src.matchAll(/register\("(ppoLab\.[A-Za-z]+)"/g)].map((m) => m[1]));
  const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  assert.deepEqual([...registered].sort(), [...contributed].sort());
  for (const c of pkg.contributes.commands) assert.equal(c.category, "PPO Lab");
  for (const menu of Object.values(pkg.contributes.menus) as { command: string }[][]) {
    for (const item of menu) assert.ok(contributed.has(item.command), `menu item ${item.command} is a contributed command`);
  }
});

test("the manifest declares limited support for untrusted workspaces and the schema for *.ppo.json files", () => {
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, "limited");
  assert.ok(pkg.contributes.jsonValidation.some((j: { fileMatch: string[]; url: string }) => j.fileMatch.includes("*.ppo.json") && fs.existsSync(path.join(root, j.url))));
  assert.equal(pkg.engines.vscode, "^1.90.0");
  assert.deepEqual(pkg.categories, ["Machine Learning"]);
});

test("the TypeScript server plugin is contributed, installed as a real production dependency, and packed with the declarations", () => {
  const plugin = JSON.parse(fs.readFileSync(path.join(root, "ts-plugin", "package.json"), "utf8"));
  assert.deepEqual(pkg.contributes.typescriptServerPlugins, [{ name: plugin.name, enableForWorkspaceTypeScriptVersions: true }]);
  assert.ok(fs.existsSync(path.join(root, "ts-plugin", plugin.main)), `ts-plugin/${plugin.main} exists`);
  // VS Code loads the plugin by name from the extension's node_modules; vsce packs only production dependencies'
  // real files, so it is a file: dependency installed as a copy.
  assert.equal(pkg.dependencies[plugin.name], "file:ts-plugin");
  assert.match(fs.readFileSync(path.join(root, ".npmrc"), "utf8"), /^install-links=true$/m);
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
  const locked = lock.packages[`node_modules/${plugin.name}`];
  assert.ok(locked && locked.resolved === "file:ts-plugin" && !locked.link, `package-lock.json installs ${plugin.name} as a copy: ${JSON.stringify(locked)}`);

  // .vscodeignore as vsce reads it: gitignore-style rules in order, the last matching one decides ("!" re-includes).
  const rules = fs
    .readFileSync(path.join(root, ".vscodeignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const matchesGlob = (path as unknown as { matchesGlob(p: string, g: string): boolean }).matchesGlob;
  const packed = (file: string): boolean => {
    let included = true;
    for (const rule of rules) {
      const negated = rule.startsWith("!");
      if (matchesGlob(file, negated ? rule.slice(1) : rule)) included = negated;
    }
    return included;
  };
  for (const f of [`node_modules/${plugin.name}/package.json`, `node_modules/${plugin.name}/${plugin.main}`, "dist/types/public/index.d.ts", "dist/types/core/env.d.ts", "dist/types/core/replay/types.d.ts", "dist/public/index.js"]) {
    assert.ok(packed(f), `${f} is in the VSIX`);
  }
  for (const f of ["ts-plugin/index.js", "src/public/index.ts", "node_modules/typescript/package.json"]) assert.ok(!packed(f), `${f} stays out of the VSIX`);
  // A workspace that installs a checkout (npm i -D <checkout>) resolves "ppo-lab" to the same declarations.
  assert.equal(pkg.types, "./dist/types/public/index.d.ts");
  assert.ok(fs.existsSync(path.join(root, pkg.types)), `${pkg.types} exists (npm run build)`);
});

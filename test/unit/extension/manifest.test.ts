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

// Keeps node_modules/ppo-lab-ts-plugin/ a real copy of ts-plugin/. VS Code loads an extension's TypeScript server
// plugin by name from the extension's node_modules, and vsce packs only declared dependencies' real files, so the
// plugin is a "file:ts-plugin" dependency installed as a copy (.npmrc install-links=true). This refreshes the copy
// after edits to ts-plugin/ (npm does not) and replaces a symlink left by an npm run without that setting.
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Name of the plugin package: contributes.typescriptServerPlugins[].name and the node_modules folder. */
export const TS_PLUGIN_NAME = "ppo-lab-ts-plugin";

/**
 * Copies every file of ts-plugin/ into node_modules/ppo-lab-ts-plugin/ where it differs (a symlinked folder is
 * replaced by a real one). No-op when both agree, so a build does not touch node_modules needlessly.
 *
 * @param {string} root repository root (holding ts-plugin/ and node_modules/).
 * @returns {string[]} the names of the files written (empty when the copy was current).
 * @throws {Error} when ts-plugin/ is missing (the checkout is incomplete).
 */
export function syncTsPlugin(root) {
  const src = join(root, "ts-plugin");
  if (!existsSync(join(src, "package.json"))) throw new Error(`${src}/package.json is missing: the TypeScript server plugin's sources are part of the repository; restore ts-plugin/ from git.`);
  const dest = join(root, "node_modules", TS_PLUGIN_NAME);
  if (existsSync(dest) && lstatSync(dest).isSymbolicLink()) rmSync(dest);
  mkdirSync(dest, { recursive: true });
  const written = [];
  for (const name of readdirSync(src)) {
    const from = join(src, name);
    if (!lstatSync(from).isFile()) continue;
    const to = join(dest, name);
    if (existsSync(to) && readFileSync(to).equals(readFileSync(from))) continue;
    copyFileSync(from, to);
    written.push(name);
  }
  return written;
}

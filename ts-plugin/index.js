"use strict";
/**
 * TypeScript server plugin of the PPO Lab extension (contributes.typescriptServerPlugins in the extension's
 * package.json; VS Code loads it by name from the extension's node_modules/ppo-lab-ts-plugin/).
 *
 * Environment files `import type { Env, SceneFrame } from "ppo-lab"`. At run time the env loader aliases that module,
 * but the editor only knows it where a tsconfig maps "ppo-lab" (or a package of that name is installed); elsewhere the
 * import shows "Cannot find module 'ppo-lab'" and the file gets no types. This plugin wraps the language service
 * host's module resolution: a "ppo-lab" import that the project does NOT resolve itself resolves to the declarations
 * the extension ships (dist/types/public/index.d.ts, emitted by scripts/emit-public-types.mjs). A project that maps
 * or installs "ppo-lab" keeps its own resolution. Every other module name is left alone.
 *
 * Hand-written CommonJS with no dependencies: tsserver require()s it with its own `typescript` module.
 */
const fs = require("fs");
const path = require("path");

/** The module name env files import. */
const MODULE_NAME = "ppo-lab";

/**
 * Finds the shipped declarations relative to this file: node_modules/ppo-lab-ts-plugin/ inside the extension (VSIX
 * or a checkout after `npm run build`) or ts-plugin/ in a checkout.
 * @param {string} dir the folder holding this plugin.
 * @returns {string | undefined} absolute path of dist/types/public/index.d.ts, or undefined when not built.
 */
function findDeclarations(dir) {
  const candidates = [
    path.join(dir, "..", "..", "dist", "types", "public", "index.d.ts"),
    path.join(dir, "..", "dist", "types", "public", "index.d.ts"),
  ];
  return candidates.find((f) => fs.existsSync(f));
}

/**
 * Plugin module factory (the shape tsserver expects: `init({ typescript })` returning `{ create }`).
 * @param {{ typescript: typeof import("typescript") }} modules the TypeScript module of the running tsserver.
 * @returns {{ create(info: import("typescript").server.PluginCreateInfo): import("typescript").LanguageService }}
 */
function init(modules) {
  const ts = modules.typescript;

  /**
   * Wraps `info.languageServiceHost`'s module resolution (resolveModuleNameLiterals on TS >= 5.0, else
   * resolveModuleNames; a host with neither gets TypeScript's default resolution, wrapped) and returns the language
   * service unchanged. Never throws: if the declarations are missing (extension not built) it logs and does nothing.
   * @param {import("typescript").server.PluginCreateInfo} info tsserver's plugin info (project, host, service).
   * @returns {import("typescript").LanguageService} info.languageService.
   */
  function create(info) {
    const log = (message) => {
      try {
        info.project.projectService.logger.info(`[ppo-lab-ts-plugin] ${message}`);
      } catch {
        // No tsserver logger (a plain language service): nothing to log to.
      }
    };
    const declarations = findDeclarations(__dirname);
    if (declarations === undefined) {
      log(`no declarations next to ${__dirname} (expected dist/types/public/index.d.ts: run npm run build); "${MODULE_NAME}" is left unresolved`);
      return info.languageService;
    }
    const host = info.languageServiceHost;
    const resolvedModule = {
      resolvedFileName: declarations,
      extension: ts.Extension.Dts,
      isExternalLibraryImport: true,
    };

    if (typeof host.resolveModuleNameLiterals === "function" || typeof host.resolveModuleNames !== "function") {
      const original =
        typeof host.resolveModuleNameLiterals === "function"
          ? host.resolveModuleNameLiterals.bind(host)
          : defaultResolveModuleNameLiterals(ts, host);
      host.resolveModuleNameLiterals = (moduleLiterals, containingFile, redirectedReference, options, ...rest) => {
        const results = original(moduleLiterals, containingFile, redirectedReference, options, ...rest);
        return results.map((result, i) =>
          moduleLiterals[i].text === MODULE_NAME && (result === undefined || result.resolvedModule === undefined)
            ? { ...result, resolvedModule }
            : result,
        );
      };
    } else {
      const original = host.resolveModuleNames.bind(host);
      host.resolveModuleNames = (moduleNames, ...rest) => {
        const results = original(moduleNames, ...rest);
        return results.map((result, i) => (moduleNames[i] === MODULE_NAME && result === undefined ? resolvedModule : result));
      };
    }
    log(`"${MODULE_NAME}" resolves to ${declarations} where the project does not resolve it`);
    return info.languageService;
  }

  return { create };
}

/**
 * TypeScript's own resolution for a host that brings none (what the language service does then).
 * @param {typeof import("typescript")} ts the TypeScript module.
 * @param {import("typescript").LanguageServiceHost} host the language service host (its file system, if any).
 * @returns {(literals: readonly import("typescript").StringLiteralLike[], containingFile: string,
 *   redirectedReference: import("typescript").ResolvedProjectReference | undefined,
 *   options: import("typescript").CompilerOptions, containingSourceFile: import("typescript").SourceFile)
 *   => import("typescript").ResolvedModuleWithFailedLookupLocations[]} the resolver.
 */
function defaultResolveModuleNameLiterals(ts, host) {
  const moduleHost = {
    fileExists: (f) => (host.fileExists ? host.fileExists(f) : ts.sys.fileExists(f)),
    readFile: (f) => (host.readFile ? host.readFile(f) : ts.sys.readFile(f)),
    directoryExists: (d) => (host.directoryExists ? host.directoryExists(d) : ts.sys.directoryExists(d)),
    realpath: host.realpath ? (p) => host.realpath(p) : ts.sys.realpath,
    getCurrentDirectory: () => host.getCurrentDirectory(),
  };
  return (literals, containingFile, redirectedReference, options, containingSourceFile) =>
    literals.map((literal) =>
      ts.resolveModuleName(
        literal.text,
        containingFile,
        options,
        moduleHost,
        undefined,
        redirectedReference,
        containingSourceFile ? ts.getModeForUsageLocation(containingSourceFile, literal, options) : undefined,
      ),
    );
}

module.exports = init;

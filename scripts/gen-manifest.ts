/**
 * Generates the parts of package.json and schemas/ that derive from the config schema, so that settings, the JSON
 * schema for `*.ppo.json` files and the trainer's validation never disagree. `npm run gen:manifest`; a unit test
 * fails when the committed files are out of date.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CONFIG_SCHEMA, DEFAULT_CONFIG } from "../src/core/ppo/config";

const root = path.join(__dirname, "..");

/** The `contributes.configuration` sections. */
export function configurationContribution(): unknown[] {
  const hyper: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(CONFIG_SCHEMA.properties)) {
    if (key === "$schema") continue;
    const s = { ...(schema as Record<string, unknown>) };
    const def = (DEFAULT_CONFIG as unknown as Record<string, unknown>)[key];
    const description = (s.description as string | undefined) ?? `PPO hyperparameter \`${key}\`.`;
    delete s.description;
    if (s.anyOf) {
      // VS Code's settings editor handles `type` arrays better than anyOf.
      const types = (s.anyOf as Record<string, unknown>[]).map((x) => x.type as string);
      const numeric = (s.anyOf as Record<string, unknown>[]).find((x) => x.type !== "null") ?? {};
      delete s.anyOf;
      Object.assign(s, numeric, { type: types });
    }
    hyper[`ppoLab.hyperparameters.${key}`] = {
      ...s,
      default: def,
      markdownDescription: `${description} Applies to every run in this scope unless the env file's \`config\`, a config file or a flag sets it. Default: \`${JSON.stringify(def)}\`.`,
    };
  }
  return [
    {
      title: "General",
      properties: {
        "ppoLab.trainer.backend": {
          type: "string",
          enum: ["auto", "tensorflow", "wasm", "cpu", "js"],
          default: "auto",
          markdownDescription: "Compute engine for the trainer: `auto` and `js` train with the built-in JavaScript engine (fastest for PPO's small networks); `tensorflow` (`@tensorflow/tfjs-node`, optional), `wasm` and `cpu` use TensorFlow.js.",
        },
        "ppoLab.python": {
          type: "string",
          default: "",
          scope: "resource",
          markdownDescription:
            "Python interpreter for `.py` env files. Empty: the interpreter selected in the Python extension (when installed), else `python3` on PATH. It needs `numpy` (and `gymnasium` for registered ids).",
        },
        "ppoLab.runsDirectory": {
          type: "string",
          default: ".ppo-lab/runs",
          scope: "resource",
          description: "Folder for run directories, relative to the workspace folder (or absolute).",
        },
        "ppoLab.maxConcurrentRuns": {
          type: "integer",
          minimum: 1,
          maximum: 64,
          default: 2,
          description: "Runs training at the same time; further runs wait in a queue. One per CPU core is a good start.",
        },
        "ppoLab.defaultTotalTimesteps": {
          type: ["integer", "null"],
          minimum: 1,
          default: null,
          description: "Total environment steps for runs that set none (null: the env's preset or 200,000).",
        },
        "ppoLab.checkpointEvery": {
          type: "integer",
          minimum: 0,
          default: 0,
          description: "Save a checkpoint every N updates (0: only the final checkpoint).",
        },
        "ppoLab.openDashboardOnTrain": {
          type: "boolean",
          default: true,
          description: "Open the dashboard when a run starts.",
        },
      },
    },
    { title: "Hyperparameters", properties: hyper },
  ];
}

/** The JSON schema written to schemas/config.schema.json for `*.ppo.json` files. */
export function configFileSchema(): unknown {
  return { $schema: "http://json-schema.org/draft-07/schema#", ...CONFIG_SCHEMA };
}

if (require.main === module) {
  const pkgPath = path.join(root, "package.json");
  const pkg = JSON.parse(fs.readFileSync(pkgPath, "utf8")) as { contributes: Record<string, unknown> };
  pkg.contributes.configuration = configurationContribution();
  fs.writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + "\n");
  fs.mkdirSync(path.join(root, "schemas"), { recursive: true });
  fs.writeFileSync(path.join(root, "schemas", "config.schema.json"), JSON.stringify(configFileSchema(), null, 2) + "\n");
  console.log("updated package.json contributes.configuration and schemas/config.schema.json");
}

/**
 * Compute engine selection for the trainer and the CLI.
 *
 * `auto` and `js` select the built-in JavaScript engine (src/core/ppo/js-policy.ts: hand-written forward and backward
 * passes over Float32Arrays), which trains PPO's small MLPs several times faster than any TF.js backend on a CPU
 * (`npm run bench` compares them); TF.js then runs on its `cpu` backend for the little tensor work outside training
 * (exporting a model). `tensorflow` (`@tensorflow/tfjs-node`, an optional dependency that is often absent), `wasm`
 * and `cpu` train with TF.js autograd on that backend. The choice is recorded in run.json.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

export type BackendPreference = "auto" | "js" | "tensorflow" | "wasm" | "cpu";

export interface BackendChoice {
  /** The engine in use: "js", or the TF.js backend name "tensorflow", "wasm" or "cpu". */
  name: string;
  /** Why earlier candidates were skipped, for the log and run.json. */
  notes: string[];
}

/** Raised when an explicitly requested backend cannot be used; the message says how to fix it. */
export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendError";
  }
}

/**
 * Finds the folder with `tfjs-backend-wasm*.wasm`: `dist/wasm` next to the bundle, else the package's own `dist/`.
 */
export function findWasmDir(): string {
  const candidates = [path.join(__dirname, "wasm"), path.join(__dirname, "..", "wasm"), path.join(__dirname, "..", "..", "dist", "wasm")];
  try {
    candidates.push(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")));
  } catch {
    // not resolvable from a bundle; the copies in dist/wasm are used
  }
  for (const dir of candidates) if (fs.existsSync(path.join(dir, "tfjs-backend-wasm.wasm"))) return dir;
  throw new BackendError(`cannot find tfjs-backend-wasm.wasm (looked in ${candidates.join(", ")}); run "npm run build"`);
}

function tryNode(): string | undefined {
  try {
    // A variable keeps bundlers from resolving the optional native module at build time.
    const id = "@tensorflow/tfjs-node";
    require(id);
    return undefined;
  } catch (e) {
    return `@tensorflow/tfjs-node is not available (${(e as Error).message.split("\n")[0]})`;
  }
}

async function trySet(name: string): Promise<string | undefined> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok ? undefined : `backend ${name} failed to initialise`;
  } catch (e) {
    return `backend ${name} failed: ${(e as Error).message}`;
  }
}

let wasmConfigured = false;

/**
 * Activates a backend.
 * @throws BackendError when `preference` names a backend that cannot be loaded.
 */
export async function selectBackend(preference: BackendPreference): Promise<BackendChoice> {
  const notes: string[] = [];
  if (preference === "auto" || preference === "js") {
    const problem = await trySet("cpu");
    if (problem) notes.push(`${problem} (only model export needs TF.js with the js engine)`);
    return { name: "js", notes };
  }
  const order: string[] = [preference];
  for (const name of order) {
    let problem: string | undefined;
    if (name === "tensorflow") {
      problem = tryNode();
      if (!problem) problem = await trySet("tensorflow");
    } else if (name === "wasm") {
      try {
        if (!wasmConfigured) {
          setWasmPaths(findWasmDir() + path.sep);
          wasmConfigured = true;
        }
        problem = await trySet("wasm");
      } catch (e) {
        problem = (e as Error).message;
      }
    } else if (name === "cpu") {
      problem = await trySet("cpu");
    } else {
      problem = `unknown backend "${name}" (use auto, js, tensorflow, wasm or cpu)`;
    }
    if (!problem) return { name: tf.getBackend(), notes };
    const fix =
      name === "tensorflow"
        ? ' Install it with "npm install @tensorflow/tfjs-node" (it downloads libtensorflow), or use --backend js or wasm.'
        : "";
    throw new BackendError(problem + fix);
  }
  throw new BackendError(`no TensorFlow.js backend could be initialised: ${notes.join("; ")}`);
}

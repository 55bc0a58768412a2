/**
 * Recognising environment files in the workspace, and the template for a new one.
 */
import * as fs from "node:fs";
import * as vscode from "vscode";

const ENV_EXTENSIONS = /\.(ts|mts|cts|js|mjs|cjs|py)$/;

/**
 * True when `text` looks like a Python env file: a class with `def reset(` and `def step(` methods, or a
 * `register(id=...)` call (Gymnasium's registration).
 */
export function looksLikePythonEnvFile(text: string): boolean {
  return (/^\s*class\s+\w+/m.test(text) && /\bdef\s+reset\s*\(/.test(text) && /\bdef\s+step\s*\(/.test(text)) || /\bregister\s*\(\s*id\s*=/.test(text);
}

/**
 * True when `text` looks like an env file: a default export and `reset` and `step` methods or functions
 * (TypeScript/JavaScript), or a Python env class (see {@link looksLikePythonEnvFile}).
 * A heuristic for CodeLens and pickers; the loader and checker are the judges.
 */
export function looksLikeEnvFile(text: string): boolean {
  return (/export\s+default\b/.test(text) && /\breset\s*\(/.test(text) && /\bstep\s*\(/.test(text)) || looksLikePythonEnvFile(text);
}

/**
 * Line (0-based) of the `export default` statement; in a Python file, of the first class that defines `step`
 * (else the first `register(` call); else 0.
 */
export function defaultExportLine(text: string): number {
  const m = /export\s+default\b/.exec(text);
  if (m) return text.slice(0, m.index).split("\n").length - 1;
  const lines = text.split("\n");
  let lastClass = -1;
  for (let i = 0; i < lines.length; i++) {
    if (/^class\s+\w+/.test(lines[i])) lastClass = i;
    if (lastClass >= 0 && /^\s+def\s+step\s*\(/.test(lines[i])) return lastClass;
  }
  const reg = lines.findIndex((l) => /\bregister\s*\(/.test(l));
  return reg >= 0 ? reg : 0;
}

export function isEnvFileName(fsPath: string): boolean {
  return ENV_EXTENSIONS.test(fsPath) && !fsPath.endsWith(".d.ts") && !/[\\/](node_modules|site-packages|\.?venv|__pycache__)[\\/]/.test(fsPath);
}

/** Env files in the workspace (at most `limit` candidates read). */
export async function findEnvFiles(limit = 300): Promise<vscode.Uri[]> {
  const uris = await vscode.workspace.findFiles(
    "**/*.{ts,mts,cts,js,mjs,cjs,py}",
    "{**/node_modules/**,**/dist/**,**/.ppo-lab/**,**/.venv/**,**/venv/**,**/site-packages/**,**/__pycache__/**}",
    limit,
  );
  const out: vscode.Uri[] = [];
  for (const uri of uris) {
    if (!isEnvFileName(uri.fsPath)) continue;
    try {
      const text = await fs.promises.readFile(uri.fsPath, "utf8");
      if (text.length < 500_000 && looksLikeEnvFile(text)) out.push(uri);
    } catch {
      // unreadable files are not env files
    }
  }
  return out.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}

/** A commented env file (Box observation, Discrete action) that passes the checker. */
export function envTemplate(className: string): string {
  return `/**
 * ${className}: a PPO Lab environment (Gymnasium semantics, TypeScript spelling).
 *
 * The agent moves a point on a line towards a goal at 0. Observation: [position, velocity]. Actions: 0 = push
 * left, 1 = do nothing, 2 = push right. Reward: -|position| per step; the episode terminates at the goal.
 * Train it with "PPO Lab: Train Environment" or \`npx ppo-lab train <this file>\`.
 */

/** Optional hyperparameter overrides (see the PPO Lab README for every key). */
export const config = { totalTimesteps: 50_000 };

/** Optional time limit: after this many steps the episode is truncated (the value target bootstraps). */
export const maxEpisodeSteps = 200;

export default class ${className} {
  /** Box: one number per element; use -Infinity / Infinity for unbounded dimensions. */
  observationSpace = { type: "Box" as const, low: [-10, -1], high: [10, 1], shape: [2] };
  /** Discrete: actions 0 .. n-1. */
  actionSpace = { type: "Discrete" as const, n: 3 };

  private position = 0;
  private velocity = 0;
  private seed = 1;

  /** A small seeded generator (mulberry32) so that reset({ seed }) is deterministic. */
  private random(): number {
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  reset(options?: { seed?: number }): { observation: number[]; info: Record<string, unknown> } {
    if (options?.seed !== undefined) this.seed = options.seed;
    this.position = (this.random() - 0.5) * 10;
    this.velocity = 0;
    return { observation: [this.position, this.velocity], info: {} };
  }

  step(action: number): { observation: number[]; reward: number; terminated: boolean; truncated: boolean; info: Record<string, unknown> } {
    if (action !== 0 && action !== 1 && action !== 2) throw new Error(\`invalid action \${action}: expected 0, 1 or 2\`);
    this.velocity = Math.max(-1, Math.min(1, this.velocity + (action - 1) * 0.1));
    this.position = Math.max(-10, Math.min(10, this.position + this.velocity));
    const terminated = Math.abs(this.position) < 0.2;
    const reward = -Math.abs(this.position);
    return { observation: [this.position, this.velocity], reward, terminated, truncated: false, info: {} };
  }

  render(): { type: "text"; text: string } {
    const cells = Array.from({ length: 21 }, (_, i) => (i === Math.round(this.position + 10) ? "o" : i === 10 ? "|" : "-"));
    return { type: "text", text: cells.join("") };
  }
}
`;
}

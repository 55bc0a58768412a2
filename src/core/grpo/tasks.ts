/**
 * An env's GRPO tasks (Env.tasks in env.ts) checked: shared by GRPO (grpo.ts) and the env checker (src/envs/checker.ts),
 * and kept free of the policy code so the checker can import it cheaply.
 */

/** The env cannot run GRPO (no per-copy seeding, or episodes that never end). */
export class GrpoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GrpoError";
  }
}

/**
 * The env's `tasks` checked (see Env.tasks in env.ts): undefined when it has none, else a non-empty array of JSON values.
 * @throws GrpoError naming what is wrong (not an array, empty, or the index of a value that is not JSON).
 */
export function checkTasks(tasks: unknown): readonly unknown[] | undefined {
  if (tasks === undefined) return undefined;
  const fix = "make `tasks` an array of JSON values (strings, numbers, booleans, null, plain objects or arrays of them), one per task, or leave it out";
  if (!Array.isArray(tasks)) throw new GrpoError(`the env's \`tasks\` is ${typeof tasks === "object" ? (tasks === null ? "null" : "an object") : `a ${typeof tasks}`}, not an array; ${fix}`);
  if (tasks.length === 0) throw new GrpoError(`the env's \`tasks\` is an empty array, so GRPO has no task to give a group; ${fix}`);
  tasks.forEach((t, i) => {
    const bad = nonJson(t, `tasks[${i}]`);
    if (bad) throw new GrpoError(`the env's ${bad}; ${fix}`);
  });
  return tasks;
}

/** Where `v` stops being a JSON value ("tasks[2].goal is a function"), or undefined when it is one. */
function nonJson(v: unknown, at: string): string | undefined {
  if (v === null || typeof v === "string" || typeof v === "boolean") return undefined;
  if (typeof v === "number") return Number.isFinite(v) ? undefined : `${at} is ${v}`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = nonJson(v[i], `${at}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) {
      const bad = nonJson(x, `${at}.${k}`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (v === undefined) return `${at} is undefined`;
  return `${at} is ${typeof v === "object" ? `a ${(v as object).constructor?.name ?? "non-plain"} object` : `a ${typeof v}`}`;
}

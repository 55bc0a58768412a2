/**
 * Finding an env method (`step`, `reset`) in the env file's source text, so a finding about the env can point at it.
 * A regex over the text, not a parser: good enough for the shapes the env-file contract allows (class methods,
 * object-literal methods, function or arrow properties, plain functions).
 */
import type { DiagnosticLocation } from "./types";

const MODIFIERS = String.raw`(?:(?:public|private|protected|static|override|async|readonly)\s+)*`;

function patterns(method: string): RegExp[] {
  const m = method.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return [
    // class or object-literal method: `  step(action) {`, `  public step(action: number): StepResult {`
    new RegExp(String.raw`^[ \t]*${MODIFIERS}(${m})[ \t]*(?:<[^>\n]*>)?[ \t]*\(`, "m"),
    // property holding a function: `step = (action) => {`, `step: function (a) {`
    new RegExp(String.raw`^[ \t]*${MODIFIERS}(${m})[ \t]*[:=][ \t]*(?:async[ \t]*)?(?:function\b|\(|[A-Za-z_$][\w$]*[ \t]*=>)`, "m"),
    // plain function: `function step(action) {`
    new RegExp(String.raw`\bfunction[ \t]+(${m})[ \t]*\(`, "m"),
  ];
}

/**
 * The 1-based line and column of `method`'s definition in `source`, or undefined when none is found.
 * @param file recorded in the result as is
 */
export function findMethod(source: string, method: string, file: string): DiagnosticLocation | undefined {
  for (const re of patterns(method)) {
    const match = re.exec(source);
    if (!match || match.index === undefined) continue;
    const at = match.index + match[0].indexOf(match[1]);
    const before = source.slice(0, at);
    const line = before.split("\n").length;
    const column = at - before.lastIndexOf("\n");
    return { file, line, column, method };
  }
  return undefined;
}

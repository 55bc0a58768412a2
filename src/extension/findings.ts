/**
 * Diagnostics findings on the host side, free of the `vscode` module (unit-tested): reading them back from
 * `diagnostics.jsonl` rows, and mapping a run's findings to Problems-panel entries (file, 0-based position, message,
 * severity, code). run-findings.ts turns those into `vscode.Diagnostic`s.
 */
import type { DiagnosticFinding, DiagnosticSeverity } from "../core/diagnostics/types";

const SEVERITIES: readonly string[] = ["error", "warning", "info"];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True when a `diagnostics.jsonl` row has the shape of a finding (what the dashboard needs to draw it). */
export function isFinding(row: unknown): row is DiagnosticFinding {
  if (!isObject(row)) return false;
  const e = row.evidence;
  return (
    typeof row.id === "string" &&
    typeof row.severity === "string" &&
    SEVERITIES.includes(row.severity) &&
    typeof row.title === "string" &&
    typeof row.explanation === "string" &&
    Array.isArray(row.suggestions) &&
    row.suggestions.every((s) => typeof s === "string") &&
    typeof row.update === "number" &&
    typeof row.totalTimesteps === "number" &&
    isObject(e) &&
    typeof e.metric === "string" &&
    Array.isArray(e.values) &&
    isObject(e.updates) &&
    typeof e.updates.from === "number" &&
    typeof e.updates.to === "number" &&
    typeof e.threshold === "number" &&
    (e.comparison === "above" || e.comparison === "below") &&
    (row.location === undefined ||
      (isObject(row.location) && typeof row.location.file === "string" && typeof row.location.line === "number" && typeof row.location.column === "number"))
  );
}

/** The findings among `diagnostics.jsonl` rows (other rows, if any, are skipped). */
export function findingsFromRows(rows: readonly unknown[]): DiagnosticFinding[] {
  return rows.filter(isFinding);
}

/** One Problems-panel entry: 0-based line and column in `file`. */
export interface FindingProblem {
  file: string;
  line: number;
  column: number;
  /** The title, then the first suggestion on its own line. */
  message: string;
  severity: DiagnosticSeverity;
  /** The finding's rule id. */
  code: string;
}

/**
 * Where and how a finding shows in the Problems panel: a finding about the env (with a `location`) at its line, any
 * other at the env file's `export default` line (`exportLine`, 0-based).
 */
export function findingProblem(f: DiagnosticFinding, envFile: string, exportLine: number): FindingProblem {
  const loc = f.location;
  const first = f.suggestions[0];
  return {
    file: loc?.file ?? envFile,
    line: loc ? Math.max(0, Math.floor(loc.line) - 1) : Math.max(0, exportLine),
    column: loc ? Math.max(0, Math.floor(loc.column) - 1) : 0,
    message: first ? `${f.title}\nTry: ${first}` : f.title,
    severity: f.severity,
    code: f.id,
  };
}

/** The latest finding per rule id (a rule that fired again after its condition cleared shows once). */
export function latestById(findings: readonly DiagnosticFinding[]): DiagnosticFinding[] {
  const byId = new Map<string, DiagnosticFinding>();
  for (const f of findings) byId.set(f.id, f);
  return [...byId.values()];
}

/**
 * The Problems-panel entries of some runs' findings, by file (every run's env file is present, possibly with an empty
 * list, so a caller can clear it). `exportLineOf` gives the 0-based `export default` line of an env file.
 */
export function problemsByFile(
  runs: readonly { envFile: string; findings: readonly DiagnosticFinding[] }[],
  exportLineOf: (file: string) => number,
): Map<string, FindingProblem[]> {
  const out = new Map<string, FindingProblem[]>();
  const lines = new Map<string, number>();
  for (const run of runs) {
    if (!out.has(run.envFile)) out.set(run.envFile, []);
    const findings = latestById(run.findings);
    if (findings.some((f) => !f.location) && !lines.has(run.envFile)) lines.set(run.envFile, exportLineOf(run.envFile));
    for (const f of findings) {
      const p = findingProblem(f, run.envFile, lines.get(run.envFile) ?? 0);
      const list = out.get(p.file) ?? [];
      list.push(p);
      out.set(p.file, list);
    }
  }
  return out;
}

/**
 * Plain-text renderings of findings for terminals and logs (the CLI prints these):
 *   warning [kl.exploding] approx_kl 0.12 > 0.05 over updates 4-9: the policy changes too much per update
 *     try: lower `learningRate` to 1e-4 (now 3e-4)
 */
import { fmt } from "./series";
import type { DiagnosticFinding, DiagnosticSeverity } from "./types";

/** "approx_kl 0.12 > 0.05 over updates 4-9", or "reward = NaN at update 2" for a non-finite value. */
export function formatEvidence(f: DiagnosticFinding): string {
  const e = f.evidence;
  const range = e.updates.from === e.updates.to ? `at update ${e.updates.to}` : `over updates ${e.updates.from}-${e.updates.to}`;
  if (e.value === null) {
    const raw = e.context?.raw;
    return `${e.metric} = ${typeof raw === "string" ? raw : "NaN"} ${range}`;
  }
  return `${e.metric} ${fmt(e.value)} ${e.comparison === "above" ? ">" : "<"} ${fmt(e.threshold)} ${range}`;
}

/** The location as `file:line:column`, if any. */
export function formatLocation(f: DiagnosticFinding): string | undefined {
  return f.location ? `${f.location.file}:${f.location.line}:${f.location.column}` : undefined;
}

/** One line per finding plus its top suggestion and location (two or three lines, no trailing newline). */
export function formatFinding(f: DiagnosticFinding): string {
  const lines = [`${f.severity} [${f.id}] ${formatEvidence(f)}: ${f.title}`];
  if (f.suggestions.length) lines.push(`  try: ${f.suggestions[0]}`);
  const loc = formatLocation(f);
  if (loc) lines.push(`  at ${loc}`);
  return lines.join("\n");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The end-of-run summary: counts by severity, then one line per finding (no trailing newline). */
export function formatSummary(findings: readonly DiagnosticFinding[], diagnosticsFile?: string): string {
  if (findings.length === 0) return "diagnostics: no findings";
  const counts: Record<DiagnosticSeverity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  const head = [
    counts.error ? plural(counts.error, "error") : "",
    counts.warning ? plural(counts.warning, "warning") : "",
    counts.info ? `${counts.info} info` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const order: DiagnosticSeverity[] = ["error", "warning", "info"];
  const sorted = [...findings].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity) || a.update - b.update);
  const lines = [`diagnostics: ${head}${diagnosticsFile ? ` (details in ${diagnosticsFile})` : ""}`];
  for (const f of sorted) lines.push(`  ${f.severity.padEnd(7)} [${f.id}] update ${f.update}: ${f.title}`);
  return lines.join("\n");
}

/**
 * The pure parts of the dashboard's diagnostics view (no DOM): counts by severity, the order of the cards, the
 * config change a suggestion names (what its button copies), the evidence's x values and its one-line summary.
 */
import type { DiagnosticEvidence, DiagnosticFinding, DiagnosticSeverity } from "../../src/core/diagnostics/types";

export const SEVERITIES: readonly DiagnosticSeverity[] = ["error", "warning", "info"];

export function countBySeverity(findings: readonly DiagnosticFinding[]): Record<DiagnosticSeverity, number> {
  const counts: Record<DiagnosticSeverity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) if (f.severity in counts) counts[f.severity]++;
  return counts;
}

/** Errors first, then warnings, then info; within one severity in the order they fired (the first is often the cause). */
export function compareFindings(a: DiagnosticFinding, b: DiagnosticFinding): number {
  return SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.update - b.update || a.id.localeCompare(b.id);
}

const CONFIG_SNIPPET = /^[A-Za-z_$][\w$]*\s*:\s*\S/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/**
 * The config change a suggestion names, as it would be written in a config object: its first `` `key: value` ``
 * code span ("add an entropy bonus: `entCoef: 0.01`" -> `entCoef: 0.01`), or "`key` ... to <number>" turned into
 * `key: <number>` ("lower `learningRate` to 1e-4 (now 3e-4)" -> `learningRate: 1e-4`); else the suggestion itself.
 */
export function configChange(suggestion: string): string {
  for (const m of suggestion.matchAll(/`([^`]+)`/g)) if (CONFIG_SNIPPET.test(m[1])) return m[1].trim();
  const to = /`([A-Za-z_$][\w$]*)`(?:\s*\([^)]*\))?\s+to\s+(\S+?)(?=[\s,;)]|$)/.exec(suggestion);
  if (to && NUMBER.test(to[2])) return `${to[1]}: ${to[2]}`;
  return suggestion;
}

/** A suggestion split into plain text and code spans (the parts between backticks). */
export function codeParts(text: string): { code: boolean; text: string }[] {
  const parts: { code: boolean; text: string }[] = [];
  const re = /`([^`]+)`/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index! > last) parts.push({ code: false, text: text.slice(last, m.index) });
    parts.push({ code: true, text: m[1] });
    last = m.index! + m[0].length;
  }
  if (last < text.length) parts.push({ code: false, text: text.slice(last) });
  return parts;
}

/** The update number of each evidence value: one per update from `from` to `to`, spread evenly if the counts differ. */
export function evidenceUpdates(e: DiagnosticEvidence): number[] {
  const n = e.values.length;
  const { from, to } = e.updates;
  if (n === 0) return [];
  if (n === 1) return [to];
  if (n === to - from + 1) return e.values.map((_, i) => from + i);
  return e.values.map((_, i) => from + ((to - from) * i) / (n - 1));
}

/** A threshold or evidence value, short: 3 significant digits, an exponent for tiny or huge ones ("0.05", "1.2e-4"). */
export function fmtShort(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a < 1e-3 || a >= 1e5) return Number(v.toPrecision(2)).toExponential().replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}

/** "approx_kl 0.12 > 0.05 (median of the last 5 updates), updates 4-9". */
export function evidenceSummary(e: DiagnosticEvidence): string {
  const range = e.updates.from === e.updates.to ? `update ${e.updates.to}` : `updates ${e.updates.from}-${e.updates.to}`;
  const raw = e.context?.raw;
  const value = e.value === null ? (typeof raw === "string" ? raw : "NaN") : fmtShort(e.value);
  const op = e.comparison === "above" ? ">" : "<";
  const how = e.smoothing ? ` (${e.smoothing})` : "";
  return e.value === null ? `${e.metric} = ${value}, ${range}` : `${e.metric} ${value} ${op} ${fmtShort(e.threshold)}${how}, ${range}`;
}

/** A stable key of one finding of one run (a rule that fires again later is another finding). */
export function findingKey(runKey: string, f: DiagnosticFinding): string {
  return `${runKey}|${f.id}|${f.update}`;
}

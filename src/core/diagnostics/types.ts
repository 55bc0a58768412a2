/**
 * What a diagnostics finding is, as written to `diagnostics.jsonl`, sent to the extension (`{ type: "diagnostic" }`)
 * and printed by the CLI. Plain JSON: numbers are finite or null, so a finding survives `JSON.stringify` unchanged.
 */

export type DiagnosticSeverity = "error" | "warning" | "info";

/** The metric values that made a rule fire, with enough context to draw them (dashboard card) or quote them. */
export interface DiagnosticEvidence {
  /** The triggering metric, by its `metrics.jsonl` name (`approx_kl`, `explained_variance`, ...). */
  metric: string;
  /** Its values over `updates`, oldest first; null where the value was undefined (NaN) or infinite. */
  values: (number | null)[];
  /** The update range the values cover (inclusive, 1-based update numbers as in `metrics.jsonl`). */
  updates: { from: number; to: number };
  /** The value compared with the threshold (after smoothing), or null when it is NaN/infinite. */
  value: number | null;
  /** The threshold it crossed. */
  threshold: number;
  /** `above`: fires when value > threshold; `below`: fires when value < threshold (or <=, said in `smoothing`). */
  comparison: "above" | "below";
  /** How `value` was obtained from `values`, e.g. "median of the last 5 updates". */
  smoothing: string;
  /** Other numbers that help read the finding: the learning rate, epochs, the config switch involved... */
  context?: Record<string, number | string | boolean | null>;
}

/** A place in the env file (1-based line and column), e.g. its `step` method for a NaN reward. */
export interface DiagnosticLocation {
  file: string;
  line: number;
  column: number;
  /** The env method the finding is about (`step`, `reset`), when known. */
  method?: string;
}

export interface DiagnosticFinding {
  /** Stable rule id, `area.problem` (e.g. `kl.exploding`); one finding per id until its condition clears. */
  id: string;
  severity: DiagnosticSeverity;
  /** One line, no trailing period. */
  title: string;
  /** What is happening and why it matters (a few sentences). */
  explanation: string;
  evidence: DiagnosticEvidence;
  /** Concrete changes, most likely fix first ("set `normalizeReward: true`"). */
  suggestions: string[];
  location?: DiagnosticLocation;
  /** The update after which it fired (0 = before the first update completed) and the env steps at that point. */
  update: number;
  totalTimesteps: number;
  /** Where the threshold or the heuristic comes from (ppo-anchors.md source keys, or "calibrated: ..."). */
  source: string;
}

/**
 * The shape of a diagnostics rule: a pure function of the metric history (oldest first) and the run's config that
 * says whether its condition holds now. The engine (../engine.ts) turns a hit into a finding, de-duplicates it and
 * re-arms the rule once the condition has cleared.
 */
import type { PPOConfig } from "../../ppo/config";
import type { UpdateMetrics } from "../../ppo/ppo";
import type { DiagnosticsSettings } from "../settings";
import type { DiagnosticEvidence, DiagnosticLocation, DiagnosticSeverity } from "../types";

/** What the rules need to know about the policy's action distribution. */
export type PolicyInfo =
  | { kind: "categorical"; nActions: number }
  | {
      kind: "gaussian";
      actionDim: number;
      /** Action bounds of the Box (may be infinite). */
      low: number[];
      high: number[];
    };

export interface RuleContext {
  /** Every update's metrics so far, oldest first; the last row is the update just finished. */
  history: readonly UpdateMetrics[];
  settings: DiagnosticsSettings;
  config: PPOConfig;
  policy: PolicyInfo;
  /** Finds a method of the env file (for findings about the env); undefined when the source is not known. */
  locate?: (method: string) => DiagnosticLocation | undefined;
}

/** A rule's condition holds: everything of the finding except what the engine adds (id, update, step). */
export interface RuleHit {
  severity: DiagnosticSeverity;
  title: string;
  explanation: string;
  evidence: DiagnosticEvidence;
  suggestions: string[];
  location?: DiagnosticLocation;
  source: string;
}

export interface Rule {
  /** Stable id, `area.problem`. */
  id: string;
  /** @returns a hit while the condition holds, undefined when it does not (which re-arms the rule). */
  check(ctx: RuleContext): RuleHit | undefined;
}

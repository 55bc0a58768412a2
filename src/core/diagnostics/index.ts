/**
 * Training diagnostics (issue: rules over the metric history that explain what is going wrong and what to change).
 * No `vscode` import: the trainer, the CLI and (later) the extension's dashboard and Problems panel share it.
 */
export type { DiagnosticEvidence, DiagnosticFinding, DiagnosticLocation, DiagnosticSeverity } from "./types";
export { DEFAULT_DIAGNOSTICS, DIAGNOSTICS_SCHEMA, resolveDiagnosticsSettings, type DiagnosticsSettings } from "./settings";
export { ALL_RULES, DiagnosticsEngine, policyInfoOf, type DiagnosticsEngineOptions } from "./engine";
export { envNonFinite, firstNonFiniteParameter, lossNonFinite, parametersNonFinite, parseEnvNonFinite } from "./nonfinite";
export { findMethod } from "./location";
export { formatEvidence, formatFinding, formatLocation, formatSummary } from "./format";
export type { PolicyInfo, Rule, RuleContext, RuleHit } from "./rules/rule";
// The trainer-side DiagnosticsMonitor (./monitor) is not re-exported: it imports the PPO module and with it TF.js,
// which the rules, the finding types and the formatters do not need.

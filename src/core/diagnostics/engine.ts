/**
 * The diagnostics engine: keeps the metric history of a run, runs every rule after each update, and turns rule hits
 * into findings. A rule fires once when its condition starts to hold and re-arms only after the condition has
 * cleared (a check that returns no hit), so a sustained problem gives one finding, not one per update.
 *
 * Pure: no `vscode`, no file system. The trainer (src/trainer/session.ts) feeds it rows and writes the findings to
 * `diagnostics.jsonl`.
 */
import type { PPOConfig } from "../ppo/config";
import type { UpdateMetrics } from "../ppo/ppo";
import { Box, Discrete, type Space } from "../spaces";
import { findMethod } from "./location";
import type { NonFiniteHit } from "./nonfinite";
import { EXPLORATION_RULES } from "./rules/exploration";
import { PROGRESS_RULES } from "./rules/progress";
import type { PolicyInfo, ResumeContext, Rule, RuleContext, RuleHit } from "./rules/rule";
import { SIGNAL_RULES } from "./rules/signal";
import { UPDATE_SIZE_RULES } from "./rules/update-size";
import { VALUE_RULES } from "./rules/value";
import { resolveDiagnosticsSettings, type DiagnosticsSettings } from "./settings";
import type { DiagnosticFinding, DiagnosticLocation, DiagnosticSeverity } from "./types";

/** Every rule, in the order findings of the same update are reported. */
export const ALL_RULES: readonly Rule[] = [...UPDATE_SIZE_RULES, ...EXPLORATION_RULES, ...VALUE_RULES, ...SIGNAL_RULES, ...PROGRESS_RULES];

/** What the rules need to know about the action space. @throws Error for spaces PPO does not support. */
export function policyInfoOf(actionSpace: Space): PolicyInfo {
  if (actionSpace instanceof Discrete) return { kind: "categorical", nActions: actionSpace.n };
  if (actionSpace instanceof Box) {
    return { kind: "gaussian", actionDim: actionSpace.flatDim, low: Array.from(actionSpace.low), high: Array.from(actionSpace.high) };
  }
  throw new Error(`diagnostics: unsupported action space ${JSON.stringify(actionSpace.spec)}`);
}

export interface DiagnosticsEngineOptions {
  config: PPOConfig;
  policy: PolicyInfo;
  /** The env file and its source text, to point findings about the env at its `step`/`reset` method. */
  envFile?: string;
  envSource?: string;
  /** Rules to run (default {@link ALL_RULES}); tests pass one. */
  rules?: readonly Rule[];
  /** The run was resumed from a checkpoint (see RuleContext.resumed). */
  resumed?: ResumeContext;
}

export class DiagnosticsEngine {
  readonly settings: DiagnosticsSettings;
  /** Every update's metrics so far, oldest first. */
  readonly history: UpdateMetrics[] = [];
  /** Every finding so far, in firing order. */
  readonly findings: DiagnosticFinding[] = [];
  private readonly active = new Set<string>();
  private readonly rules: readonly Rule[];
  private readonly ctx: RuleContext;

  constructor(private readonly options: DiagnosticsEngineOptions) {
    this.settings = resolveDiagnosticsSettings(options.config.diagnostics);
    this.rules = options.rules ?? ALL_RULES;
    const { envFile, envSource } = options;
    const cache = new Map<string, DiagnosticLocation | undefined>();
    const locate =
      envFile !== undefined && envSource !== undefined
        ? (method: string) => {
            if (!cache.has(method)) cache.set(method, findMethod(envSource, method, envFile));
            return cache.get(method);
          }
        : undefined;
    this.ctx = { history: this.history, settings: this.settings, config: options.config, policy: options.policy, locate, resumed: options.resumed };
  }

  /** Where `method` is defined in the env file, when the source is known. */
  locate(method: string): DiagnosticLocation | undefined {
    return this.ctx.locate?.(method);
  }

  /** Ids whose condition holds now (fired and not yet cleared). */
  get activeIds(): string[] {
    return [...this.active];
  }

  /**
   * Adds one update's metrics and runs the rules.
   * @returns the findings that fired at this update (new, or re-fired after clearing).
   */
  observe(row: UpdateMetrics): DiagnosticFinding[] {
    this.history.push(row);
    if (!this.settings.enabled) return [];
    const out: DiagnosticFinding[] = [];
    for (const rule of this.rules) {
      const hit = rule.check(this.ctx);
      if (!hit) {
        this.active.delete(rule.id);
        continue;
      }
      if (this.active.has(rule.id)) continue;
      this.active.add(rule.id);
      out.push(this.record(rule.id, hit, row.update, row.total_timesteps));
    }
    return out;
  }

  /**
   * Records a NaN/Infinity finding (rule 7; see nonfinite.ts). Always recorded, even with `enabled: false`: it
   * explains why the run stopped.
   */
  reportNonFinite(hit: NonFiniteHit, update: number, totalTimesteps: number): DiagnosticFinding {
    this.active.add(hit.id);
    return this.record(hit.id, hit, update, totalTimesteps);
  }

  private record(id: string, hit: RuleHit, update: number, totalTimesteps: number): DiagnosticFinding {
    const finding: DiagnosticFinding = {
      id,
      severity: hit.severity,
      title: hit.title,
      explanation: hit.explanation,
      evidence: hit.evidence,
      suggestions: hit.suggestions,
      update,
      totalTimesteps,
      source: hit.source,
    };
    if (hit.location) finding.location = hit.location;
    this.findings.push(finding);
    return finding;
  }

  /** Counts by severity, for the end-of-run summary. */
  counts(): Record<DiagnosticSeverity, number> {
    const c: Record<DiagnosticSeverity, number> = { error: 0, warning: 0, info: 0 };
    for (const f of this.findings) c[f.severity]++;
    return c;
  }
}

/**
 * Gymnasium's `TimeLimit` wrapper: sets `truncated` after `maxEpisodeSteps` steps unless the episode terminated.
 */
import type { Action, Env, Frame, ResetOptions, ResetResult, StepResult } from "../env";

export class TimeLimit implements Env {
  private elapsed = 0;
  constructor(
    readonly env: Env,
    readonly maxEpisodeSteps: number,
  ) {
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new Error(`maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
  }
  get observationSpace() {
    return this.env.observationSpace;
  }
  get actionSpace() {
    return this.env.actionSpace;
  }
  /** The wrapped env's tasks (see Env.tasks). */
  get tasks(): readonly unknown[] | undefined {
    return this.env.tasks;
  }
  reset(options?: ResetOptions): ResetResult {
    this.elapsed = 0;
    return this.env.reset(options);
  }
  step(action: Action): StepResult {
    const r = this.env.step(action);
    this.elapsed += 1;
    // A malformed result (not an object) passes through untouched so the caller's contract check reports it.
    if (r === null || typeof r !== "object" || Array.isArray(r)) return r;
    if (this.elapsed >= this.maxEpisodeSteps && !r.terminated) return { ...r, truncated: true };
    return r;
  }
  render(): Frame {
    if (!this.env.render) throw new Error("the wrapped env has no render()");
    return this.env.render();
  }
  close(): void {
    this.env.close?.();
  }
}

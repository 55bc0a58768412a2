/** Tiny deterministic envs for the vector-env and wrapper tests. */
import type { Action, Env, ResetOptions, ResetResult, StepResult } from "../../../../src/core/env";
import type { SpaceSpec } from "../../../../src/core/spaces";

/**
 * Observation `[t, episode]`: `t` = steps taken in the current episode, `episode` = how many resets so far (1 after
 * the first reset). Reward = `t` after the step (1, 2, 3, ...). Terminates after `terminateAfter` steps (never when
 * undefined). Records every action and reset option it receives.
 */
export class CounterEnv implements Env {
  observationSpace: SpaceSpec = { type: "Box", low: [0, 0], high: [1000, 1000] };
  actionSpace: SpaceSpec;
  t = 0;
  episode = 0;
  readonly actions: Action[] = [];
  readonly resets: (ResetOptions | undefined)[] = [];
  closed = false;

  constructor(
    readonly terminateAfter?: number,
    actionSpace: SpaceSpec = { type: "Discrete", n: 2 },
  ) {
    this.actionSpace = actionSpace;
  }

  reset(options?: ResetOptions): ResetResult {
    this.resets.push(options);
    this.t = 0;
    this.episode += 1;
    return { observation: [this.t, this.episode], info: {} };
  }

  step(action: Action): StepResult {
    this.actions.push(Array.isArray(action) ? [...action] : action);
    this.t += 1;
    const terminated = this.terminateAfter !== undefined && this.t >= this.terminateAfter;
    return { observation: [this.t, this.episode], reward: this.t, terminated, truncated: false };
  }

  close(): void {
    this.closed = true;
  }
}

/** An env whose `step`/`reset` results are given by functions, for contract-violation tests. */
export class ScriptedEnv implements Env {
  observationSpace: SpaceSpec = { type: "Box", low: [0, 0], high: [1000, 1000] };
  actionSpace: SpaceSpec = { type: "Discrete", n: 2 };
  t = 0;
  constructor(
    readonly onStep: (t: number) => unknown,
    readonly onReset: () => unknown = () => ({ observation: [0, 0] }),
  ) {}
  reset(): ResetResult {
    this.t = 0;
    return this.onReset() as ResetResult;
  }
  step(): StepResult {
    this.t += 1;
    return this.onStep(this.t) as StepResult;
  }
}

/** `[nEnvs]` Discrete actions (all `a`) as the trainer stores them. */
export function discreteActions(nEnvs: number, a = 0): Float32Array {
  return new Float32Array(nEnvs).fill(a);
}

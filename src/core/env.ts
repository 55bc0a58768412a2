/**
 * The environment contract: Gymnasium semantics in TypeScript spelling.
 *
 * An environment file's default export is a class (or factory) whose instances satisfy {@link Env}. Types are
 * structural, so a user's file needs no import. See DESIGN.md "The environment-file contract".
 */
import type { RenderFrame } from "./replay/types";
import type { SpaceSpec } from "./spaces";

/** An observation as an env returns it: a flat array of numbers (row-major for multi-dimensional Boxes). */
export type Observation = number[] | Float32Array | Float64Array | Int32Array | number;

/** An action as the trainer sends it: an integer for Discrete, an array for Box/MultiDiscrete/MultiBinary. */
export type Action = number | number[];

/** Options to `reset`, as in Gymnasium's `reset(seed=None, options=None)`. */
export interface ResetOptions {
  /** Seeds the env's own random generator; the same seed must give the same first observation. */
  seed?: number;
  /**
   * One of the env's {@link Env.tasks}, when it has them and the trainer picks one (GRPO: the same task for every
   * rollout of a group). Absent otherwise; the env then starts an episode as it always does.
   */
  task?: unknown;
  [key: string]: unknown;
}

/** What `reset` returns: Gymnasium's `(observation, info)`. */
export interface ResetResult {
  observation: Observation;
  info?: Record<string, unknown>;
}

/** What `step` returns: Gymnasium's `(observation, reward, terminated, truncated, info)`. */
export interface StepResult {
  observation: Observation;
  /** Scalar reward for this transition. Must be finite. */
  reward: number;
  /** A true end state of the MDP: the value target does not bootstrap. */
  terminated: boolean;
  /** The episode was cut (time limit): the value target bootstraps from V(observation). */
  truncated: boolean;
  info?: Record<string, unknown>;
}

/** A frame from `render()`: raw pixels, a vector scene or text (replay/types.ts defines each shape). */
export type Frame = RenderFrame;

/** The environment interface every env file's default export must produce. */
export interface Env {
  observationSpace: SpaceSpec;
  actionSpace: SpaceSpec;
  /**
   * Optional: the tasks an episode can be set up with (a level, a puzzle, a goal...), as a non-empty array of JSON
   * values (strings, numbers, plain objects and arrays of them). GRPO picks one task per group with its seeded random
   * generator and resets every env copy of the group with `reset({ seed, task })`, so the group's rollouts start from
   * the same state (DeepSeekMath's G answers to one question). PPO ignores it. Without `tasks`, GRPO resets a group
   * with one seed only.
   */
  tasks?: readonly unknown[];
  reset(options?: ResetOptions): ResetResult;
  step(action: Action): StepResult;
  render?(): Frame;
  close?(): void;
}

/** A factory that builds one env copy; `options` come from the config's `envKwargs`. */
export type EnvFactory = (options?: Record<string, unknown>) => Env;

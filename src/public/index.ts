/**
 * The public module of PPO Lab: what an environment file may import as `"ppo-lab"`.
 *
 * ```ts
 * import type { Env, StepResult } from "ppo-lab";   // types only: erased at load time
 * import { box, discrete } from "ppo-lab";          // small runtime helpers
 * ```
 *
 * The env-file loader (src/envs/loader.ts) aliases `"ppo-lab"` to this module when it bundles an env file, so the
 * imports work without installing anything. Keep this module small and free of heavy dependencies: whatever an env
 * file value-imports from it is bundled into the env's code.
 */
export type { Env, EnvFactory, StepResult, ResetResult, ResetOptions, Frame, Action, Observation } from "../core/env";
export type { SpaceSpec, BoxSpec, DiscreteSpec } from "../core/spaces";
export type { RenderFrame, SceneFrame, SceneShape, SceneTransform, ShapeStyle, RgbFrame, TextFrame } from "../core/replay/types";

import type { BoxSpec, DiscreteSpec } from "../core/spaces";

/**
 * Builds a Box space spec (Gymnasium's `Box(low, high, shape)`).
 *
 * - `box([-1, -2], [1, 2])`: shape `[2]` from the bound arrays.
 * - `box(-1, 1, [3])`: scalar bounds broadcast to the shape.
 * - `box(-Infinity, Infinity, [4])`: unbounded.
 */
export function box(low: number | number[], high: number | number[], shape?: number[], dtype?: "float32" | "int32"): BoxSpec {
  const spec: BoxSpec = { type: "Box", low, high };
  if (shape !== undefined) spec.shape = shape;
  else if (!Array.isArray(low) && !Array.isArray(high)) spec.shape = [1];
  if (dtype !== undefined) spec.dtype = dtype;
  return spec;
}

/** Builds a Discrete space spec with actions `start .. start + n - 1` (Gymnasium's `Discrete(n, start)`). */
export function discrete(n: number, start?: number): DiscreteSpec {
  const spec: DiscreteSpec = { type: "Discrete", n };
  if (start !== undefined && start !== 0) spec.start = start;
  return spec;
}

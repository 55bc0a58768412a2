/**
 * Episode replays: the frame formats an env's `render()` may return, what a recorded replay holds, and the reader
 * interface the extension uses to stream a replay to the player. The on-disk format lives in `store.ts`.
 */

/** An affine transform applied to a shape (and, for groups, to its children): translate, then rotate, then scale. */
export interface SceneTransform {
  /** Offset in scene units. */
  translate?: [number, number];
  /** Counter-clockwise rotation in radians (in a y-up scene; clockwise on screen when `yUp` is false). */
  rotate?: number;
  /** Scale factors; a single number scales both axes. */
  scale?: [number, number] | number;
}

/** Paint shared by every shape. Colours are CSS colour strings ("#4e79a7", "rgb(…)", "red"). */
export interface ShapeStyle {
  fill?: string;
  stroke?: string;
  /** Stroke width in scene units (default 1). */
  lineWidth?: number;
  /** 0..1 (default 1). */
  opacity?: number;
  transform?: SceneTransform;
}

export type SceneShape =
  | ({ type: "rect"; x: number; y: number; width: number; height: number } & ShapeStyle)
  | ({ type: "circle"; x: number; y: number; radius: number } & ShapeStyle)
  /** A polyline through `points` (at least 2). */
  | ({ type: "line"; points: [number, number][] } & ShapeStyle)
  /** A closed polygon through `points` (at least 3). */
  | ({ type: "polygon"; points: [number, number][] } & ShapeStyle)
  | ({
      type: "text";
      x: number;
      y: number;
      text: string;
      /** Font size in scene units (default 12). */
      size?: number;
      align?: "left" | "center" | "right";
    } & ShapeStyle)
  /** Shapes drawn under a common transform/style. */
  | ({ type: "group"; shapes: SceneShape[] } & ShapeStyle);

/**
 * A vector scene: `width` x `height` scene units, drawn scaled to fit the player's canvas (aspect kept).
 * Coordinates have their origin at the top-left with y pointing down, unless `yUp` is true (origin bottom-left,
 * y up: convenient for physics envs).
 */
export interface SceneFrame {
  type: "scene";
  width: number;
  height: number;
  yUp?: boolean;
  /** Canvas colour behind the shapes (default: the theme's editor background). */
  background?: string;
  shapes: SceneShape[];
}

/** Raw pixels, row-major, `channels` (3 = RGB, default; 4 = RGBA) bytes per pixel. */
export interface RgbFrame {
  type: "rgb";
  width: number;
  height: number;
  channels?: 3 | 4;
  data: Uint8Array;
}

/** Monospace text (a grid world drawn in characters). */
export interface TextFrame {
  type: "text";
  text: string;
}

/** What an env's optional `render()` returns. */
export type RenderFrame = RgbFrame | SceneFrame | TextFrame;

/** Why a replay was recorded. */
export type ReplayKind = "periodic" | "best" | "worst" | "requested";

/** One entry of a run's replay index (`replays/index.json`). */
export interface ReplaySummary {
  /** Stable id, unique within the run (also the file stem), e.g. "u000010-periodic". */
  id: string;
  kind: ReplayKind;
  /** PPO update after which the episode was recorded (1-based). */
  update: number;
  /** Global training step at recording time. */
  step: number;
  /** Sum of the env's (unnormalised) rewards. */
  return: number;
  length: number;
  /** The episode ended with `terminated` (otherwise truncated). */
  terminated: boolean;
  /** Seed passed to the recording env's `reset`. */
  seed: number;
  deterministic: boolean;
  /** What the frames are; "none" when the env has no `render()` (the player then draws the observation). */
  frameType: "rgb" | "scene" | "text" | "none";
  /** Bytes on disk for this replay (all its files). */
  bytes: number;
  /** ISO time of recording. */
  createdAt: string;
}

/** The action distribution at one step: probabilities (discrete) or mean/std (continuous), flattened. */
export type ReplayDistribution =
  | { kind: "categorical"; probs: number[][] } // one probability vector per categorical component
  | { kind: "gaussian"; mean: number[]; std: number[] }
  | { kind: "bernoulli"; probs: number[] };

/** The space information the player needs to label observations and actions. */
export interface ReplaySpaces {
  observationLabels: string[];
  /**
   * One label per action component: a single one for Discrete, one per MultiDiscrete component, one per Box or
   * MultiBinary dimension (not one per discrete value: the player labels a probability by its value, `start + k`).
   */
  actionLabels: string[];
  /** "discrete" (Discrete/MultiDiscrete), "continuous" (Box), "binary" (MultiBinary). */
  actionKind: "discrete" | "continuous" | "binary";
  /** Components of a discrete action: one `n` per component. */
  actionNvec?: number[];
  /**
   * First value of each discrete component (Gymnasium's `start`, default 0): the recorded action of a discrete
   * component is `actionStart[i] + k` where `k` indexes its probability vector.
   */
  actionStart?: number[];
  /** Box action bounds (clipped action applied to the env lies in them). */
  actionLow?: number[];
  actionHigh?: number[];
}

/** Per-step data for steps [from, to) of a replay, column-wise. Index i is step `from + i`. */
export interface ReplayStepsChunk {
  from: number;
  to: number;
  /** Flat observation the policy saw (raw env observation, before normalisation), one array per step. */
  observation: number[][];
  /** The action taken (as sent to the env, before clipping for Box), one array per step. */
  action: number[][];
  reward: number[];
  terminated: boolean[];
  truncated: boolean[];
  /**
   * V(s) of the critic (in the critic's units: normalised-reward scale when reward normalisation is on); NaN when the
   * run has no critic (GRPO records no values; NaN may reach the webview as null).
   */
  value: number[];
  entropy: number[];
  distribution: ReplayDistribution[];
}

/** A whole replay header (what the player needs before asking for steps and frames). */
export interface ReplayHeader {
  summary: ReplaySummary;
  spaces: ReplaySpaces;
}

/**
 * Reads replays of one run directory. Implementations read only the byte ranges they return.
 * @throws Error with a clear message when the replay is missing or its files are corrupt.
 */
export interface ReplaySource {
  list(): Promise<ReplaySummary[]>;
  header(id: string): Promise<ReplayHeader>;
  /** Steps [from, to), clamped to the replay's length. */
  steps(id: string, from: number, to: number): Promise<ReplayStepsChunk>;
  /** Frames [from, to), clamped; `null` entries where no frame was recorded. */
  frames(id: string, from: number, to: number): Promise<(RenderFrame | null)[]>;
}

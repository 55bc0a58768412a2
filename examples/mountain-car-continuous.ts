/**
 * MountainCarContinuous-v0: drive an under-powered car out of a valley with a continuous throttle, paying for fuel.
 *
 * A TypeScript port of Gymnasium's `gymnasium/envs/classic_control/continuous_mountain_car.py`
 * (MountainCarContinuous-v0, by Olivier Sigaud: a merge of the MountainCar of Jose Antonio Martin H.'s
 * "FAReinforcement" library, as adapted by Tom Schaul and Arnaud de Broissia, with Gymnasium's MountainCar after
 * Sutton's `http://incompleteideas.net/MountainCar/MountainCar1.cp`; the problem is from Andrew Moore's PhD thesis,
 * University of Cambridge, 1990). Same constants, same update order and clipping, same reward and goal, and the same
 * float32 rounding of the stored state after every step, so a policy trained here behaves as on Gymnasium's
 * MountainCarContinuous-v0.
 *
 * - Observation: Box(2) `[position, velocity]`, bounds `[-1.2, -0.07]` to `[0.6, 0.07]` (as float32 numbers, like
 *   Gymnasium's float32 Box; a velocity clipped to 0.07 and then rounded to float32 is 0.07000000029802322, still
 *   inside). As in Gymnasium the state is stored as float32 after each step (this rounding feeds back into the
 *   dynamics); the start state is float64 and returned as it is (Gymnasium returns a float32 copy of it).
 * - Action: Box(1) force in [-1, 1]; a number or a one-element array. The force is clipped to [-1, 1] and multiplied
 *   by a power of 0.0015.
 * - Dynamics: `velocity' = clip(velocity + force power - 0.0025 cos(3 position), -0.07, 0.07)`,
 *   `position' = clip(position + velocity', -1.2, 0.6)`, and the left wall is inelastic (`position' == -1.2` with
 *   `velocity' < 0` sets `velocity' = 0`).
 * - Reward: `-0.1 action^2` every step, plus `100` on the step that reaches the goal. As in Gymnasium the penalty is
 *   taken on the action as given (before clipping); the trainer clips actions to [-1, 1] before calling step(), so in
 *   training it is the clipped action.
 * - Start: position uniform in [-0.6, -0.4], velocity 0, from the env's own seeded generator.
 * - Termination: `position >= 0.45` and `velocity >= 0` (Gymnasium's default `goal_velocity = 0`).
 * - Truncation: never by the env itself; the trainer's time-limit wrapper cuts episodes at {@link maxEpisodeSteps}.
 *   Gymnasium's solved threshold (`reward_threshold`) is 90.
 */

import type { SceneFrame, SceneShape } from "ppo-lab";

/** Gymnasium registers MountainCarContinuous-v0 with a 999-step time limit; the trainer applies it as `truncated`. */
export const maxEpisodeSteps = 999;

const MIN_ACTION = -1.0;
const MAX_ACTION = 1.0;
const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
/** 0.45 here (0.5 in the discrete MountainCar), as in Arnaud de Broissia's version. */
const GOAL_POSITION = 0.45;
const GOAL_VELOCITY = 0;
const POWER = 0.0015;
const DEFAULT_SEED = 0;

/** A small seeded generator (mulberry32, with a hashed seed); `uniform()` has 53 random bits. */
class Mulberry32 {
  private s = 0;
  constructor(seed: number) {
    this.seed(seed);
  }
  seed(seed: number): void {
    // Fold seeds above 2^32 in, then scramble so that nearby seeds give unrelated streams.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let z = (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.s = (z ^ (z >>> 16)) >>> 0;
  }
  nextUint32(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }
  /** Uniform in [low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }
}

export default class MountainCarContinuous {
  readonly observationSpace = {
    type: "Box" as const,
    low: [Math.fround(MIN_POSITION), Math.fround(-MAX_SPEED)],
    high: [Math.fround(MAX_POSITION), Math.fround(MAX_SPEED)],
    shape: [2],
    /** Names of the observation elements (optional; replays use them to label the observation). */
    labels: ["position", "velocity"],
  };
  readonly actionSpace = { type: "Box" as const, low: [MIN_ACTION], high: [MAX_ACTION], shape: [1] };

  private readonly rng = new Mulberry32(DEFAULT_SEED);
  /** `[position, velocity]`, or undefined before the first reset. */
  private state: [number, number] | undefined;
  /** The last clipped force, for rendering. */
  private lastForce: number | undefined;
  private steps = 0;

  reset(options?: { seed?: number }): { observation: number[]; info: Record<string, never> } {
    const seed = options?.seed;
    if (seed !== undefined && seed !== null) {
      if (typeof seed !== "number" || !Number.isInteger(seed)) {
        throw new Error(`MountainCarContinuous.reset: seed must be an integer, got ${String(seed)}`);
      }
      this.rng.seed(seed);
    }
    this.state = [this.rng.uniformRange(-0.6, -0.4), 0];
    this.lastForce = undefined;
    this.steps = 0;
    return { observation: [...this.state], info: {} };
  }

  step(action: number | number[]): {
    observation: number[];
    reward: number;
    terminated: boolean;
    truncated: false;
    info: Record<string, never>;
  } {
    let raw: unknown = action;
    if (Array.isArray(action) || ArrayBuffer.isView(action)) {
      const arr = action as ArrayLike<unknown>;
      if (arr.length !== 1) {
        throw new Error(`MountainCarContinuous.step: action must be a number or a one-element array (force), got length ${arr.length}`);
      }
      raw = arr[0];
    }
    if (typeof raw !== "number" || Number.isNaN(raw)) {
      throw new Error(
        `MountainCarContinuous.step: action must be a force number in [-1, 1], got ${JSON.stringify(action) ?? String(action)}`,
      );
    }
    if (this.state === undefined) throw new Error("MountainCarContinuous.step: call reset() before step()");

    let [position, velocity] = this.state;
    const force = Math.min(Math.max(raw, MIN_ACTION), MAX_ACTION);
    velocity += force * POWER - 0.0025 * Math.cos(3 * position);
    if (velocity > MAX_SPEED) velocity = MAX_SPEED;
    if (velocity < -MAX_SPEED) velocity = -MAX_SPEED;
    position += velocity;
    if (position > MAX_POSITION) position = MAX_POSITION;
    if (position < MIN_POSITION) position = MIN_POSITION;
    // The left wall is inelastic.
    if (position === MIN_POSITION && velocity < 0) velocity = 0;

    const terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
    let reward = terminated ? 100.0 : 0.0;
    reward -= raw ** 2 * 0.1;

    // Gymnasium stores the new state as float32.
    this.state = [Math.fround(position), Math.fround(velocity)];
    this.lastForce = force;
    this.steps++;
    return { observation: [...this.state], reward, terminated, truncated: false, info: {} };
  }

  /**
   * A vector scene in Gymnasium's proportions (600 x 400, y up, the valley from -1.2 to 0.6 across the width): the hill
   * `0.45 sin(3 x) + 0.55` as filled ground, the car (40 x 20 on two wheels) tilted with the slope, and the flag at the
   * goal position.
   */
  render(): SceneFrame {
    const W = 600;
    const H = 400;
    const scale = W / (MAX_POSITION - MIN_POSITION);
    if (this.state === undefined) return notReset(W, H, "MountainCarContinuous");
    const position = this.state[0];
    const height = (x: number): number => Math.sin(3 * x) * 0.45 + 0.55;
    const sx = (x: number): number => round((x - MIN_POSITION) * scale);
    const ground: [number, number][] = [[0, 0]];
    for (let i = 0; i <= 60; i++) {
      const x = MIN_POSITION + ((MAX_POSITION - MIN_POSITION) * i) / 60;
      ground.push([sx(x), round(height(x) * scale)]);
    }
    ground.push([W, 0]);
    const clearance = 10;
    const flagX = sx(GOAL_POSITION);
    const flagY = round(height(GOAL_POSITION) * scale);
    const shapes: SceneShape[] = [
      { type: "polygon", points: ground, fill: "#e8e2d0" },
      { type: "line", points: ground.slice(1, -1), stroke: "#000000", lineWidth: 2 },
      { type: "line", points: [[flagX, flagY], [flagX, flagY + 50]], stroke: "#000000", lineWidth: 2 },
      { type: "polygon", points: [[flagX, flagY + 50], [flagX, flagY + 40], [flagX + 25, flagY + 45]], fill: "#cccc00" },
      {
        type: "group",
        transform: { translate: [sx(position), round(clearance + height(position) * scale)], rotate: round(Math.cos(3 * position), 4) },
        shapes: [
          { type: "rect", x: -20, y: 0, width: 40, height: 20, fill: "#000000" },
          { type: "circle", x: 10, y: 0, radius: 8, fill: "#808080" },
          { type: "circle", x: -10, y: 0, radius: 8, fill: "#808080" },
        ],
      },
      { type: "text", x: 10, y: H - 24, text: `step ${this.steps}  force ${this.lastForce === undefined ? "-" : this.lastForce.toFixed(2)}`, size: 16, fill: "#555555" },
    ];
    return { type: "scene", width: W, height: H, yUp: true, background: "#ffffff", shapes };
  }

  /** A text frame: position, velocity, the last force and a one-line sketch of the valley with the flag. */
  renderText(): { type: "text"; text: string } {
    if (this.state === undefined) return { type: "text", text: "MountainCarContinuous (not reset yet)" };
    const [position, velocity] = this.state;
    const width = 49;
    const colOf = (x: number): number => Math.round(((x - MIN_POSITION) / (MAX_POSITION - MIN_POSITION)) * (width - 1));
    const car = colOf(position);
    const flag = colOf(GOAL_POSITION);
    const row = Array.from({ length: width }, (_, i) => (i === car ? "o" : i === flag ? "F" : "_")).join("");
    const f = (v: number, d = 4): string => (v >= 0 ? "+" : "") + v.toFixed(d);
    const force = this.lastForce === undefined ? "" : `  force ${f(this.lastForce, 3)}`;
    const text = `MountainCarContinuous  step ${this.steps}  position ${f(position)}  velocity ${f(velocity, 5)}${force}\n|${row}|`;
    return { type: "text", text };
  }

  close(): void {
    // Nothing to release.
  }
}

/** `v` rounded to `digits` decimals (keeps scene frames small). */
function round(v: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}

/** The scene shown before the first reset. */
function notReset(width: number, height: number, name: string): SceneFrame {
  return { type: "scene", width, height, yUp: true, background: "#ffffff", shapes: [{ type: "text", x: width / 2, y: height / 2, text: `${name} (not reset yet)`, size: 18, align: "center", fill: "#555555" }] };
}

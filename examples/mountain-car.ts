/**
 * MountainCar-v0: drive an under-powered car out of a valley by rocking back and forth (discrete actions).
 *
 * A TypeScript port of Gymnasium's `gymnasium/envs/classic_control/mountain_car.py` (MountainCar-v0), after Sutton's
 * `http://incompleteideas.net/MountainCar/MountainCar1.cp`; the problem first appeared in Andrew Moore's PhD thesis,
 * "Efficient Memory-based Learning for Robot Control", University of Cambridge, 1990. Same constants, same update
 * order and clipping, same reward and goal, so a policy trained here behaves as on Gymnasium's MountainCar-v0.
 *
 * - Observation: Box(2) `[position, velocity]`, bounds `[-1.2, -0.07]` to `[0.6, 0.07]` (as float32 numbers, like
 *   Gymnasium's float32 Box). The state is kept in float64; Gymnasium returns a float32 copy, we return the float64
 *   values.
 * - Action: Discrete(3): `0` accelerate left, `1` do not accelerate, `2` accelerate right.
 * - Dynamics (force = 0.001, gravity = 0.0025):
 *     velocity' = clip(velocity + (action - 1) force - cos(3 position) gravity, -0.07, 0.07)
 *     position' = clip(position + velocity', -1.2, 0.6)
 *   and the left wall is inelastic: if `position' == -1.2` and `velocity' < 0`, then `velocity' = 0`.
 * - Reward: `-1` for every step, including the one that reaches the goal.
 * - Start: position uniform in [-0.6, -0.4], velocity 0, from the env's own seeded generator.
 * - Termination: `position >= 0.5` (the flag on the right hill) and `velocity >= 0` (Gymnasium's default
 *   `goal_velocity = 0`).
 * - Truncation: never by the env itself; the trainer's time-limit wrapper cuts episodes at {@link maxEpisodeSteps}.
 *   Gymnasium's solved threshold (`reward_threshold`) is -110.
 */

import type { SceneFrame, SceneShape } from "ppo-lab";

/** Gymnasium registers MountainCar-v0 with a 200-step time limit; the trainer applies it as `truncated`. */
export const maxEpisodeSteps = 200;

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
const GOAL_VELOCITY = 0;
const FORCE = 0.001;
const GRAVITY = 0.0025;
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

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export default class MountainCar {
  readonly observationSpace = {
    type: "Box" as const,
    low: [Math.fround(MIN_POSITION), Math.fround(-MAX_SPEED)],
    high: [Math.fround(MAX_POSITION), Math.fround(MAX_SPEED)],
    shape: [2],
    /** Names of the observation elements (optional; replays use them to label the observation). */
    labels: ["position", "velocity"],
  };
  readonly actionSpace = { type: "Discrete" as const, n: 3 };

  private readonly rng = new Mulberry32(DEFAULT_SEED);
  /** `[position, velocity]`, or undefined before the first reset. */
  private state: [number, number] | undefined;
  private lastAction: number | undefined;
  private steps = 0;

  reset(options?: { seed?: number }): { observation: number[]; info: Record<string, never> } {
    const seed = options?.seed;
    if (seed !== undefined && seed !== null) {
      if (typeof seed !== "number" || !Number.isInteger(seed)) {
        throw new Error(`MountainCar.reset: seed must be an integer, got ${String(seed)}`);
      }
      this.rng.seed(seed);
    }
    this.state = [this.rng.uniformRange(-0.6, -0.4), 0];
    this.lastAction = undefined;
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
    // Accept a bare integer, or a one-element array as Discrete spaces do.
    const a = Array.isArray(action) && action.length === 1 ? action[0] : action;
    if (a !== 0 && a !== 1 && a !== 2) {
      throw new Error(
        `MountainCar.step: action must be 0 (accelerate left), 1 (no acceleration) or 2 (accelerate right), got ${JSON.stringify(action) ?? String(action)}`,
      );
    }
    if (this.state === undefined) throw new Error("MountainCar.step: call reset() before step()");

    let [position, velocity] = this.state;
    velocity += (a - 1) * FORCE + Math.cos(3 * position) * -GRAVITY;
    velocity = clip(velocity, -MAX_SPEED, MAX_SPEED);
    position += velocity;
    position = clip(position, MIN_POSITION, MAX_POSITION);
    // The left wall is inelastic.
    if (position === MIN_POSITION && velocity < 0) velocity = 0;

    const terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
    this.state = [position, velocity];
    this.lastAction = a;
    this.steps++;
    return { observation: [position, velocity], reward: -1.0, terminated, truncated: false, info: {} };
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
    if (this.state === undefined) return notReset(W, H, "MountainCar");
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
      { type: "text", x: 10, y: H - 24, text: `step ${this.steps}  push ${this.lastAction === undefined ? "-" : ["left", "none", "right"][this.lastAction]}`, size: 16, fill: "#555555" },
    ];
    return { type: "scene", width: W, height: H, yUp: true, background: "#ffffff", shapes };
  }

  /** A text frame: position, velocity, the last action and a one-line sketch of the valley with the flag. */
  renderText(): { type: "text"; text: string } {
    if (this.state === undefined) return { type: "text", text: "MountainCar (not reset yet)" };
    const [position, velocity] = this.state;
    const width = 49;
    const colOf = (x: number): number => Math.round(((x - MIN_POSITION) / (MAX_POSITION - MIN_POSITION)) * (width - 1));
    const car = colOf(position);
    const flag = colOf(GOAL_POSITION);
    const row = Array.from({ length: width }, (_, i) => (i === car ? "o" : i === flag ? "F" : "_")).join("");
    const f = (v: number, d = 4): string => (v >= 0 ? "+" : "") + v.toFixed(d);
    const push = this.lastAction === undefined ? "" : `  push: ${["left", "none", "right"][this.lastAction]}`;
    const text = `MountainCar  step ${this.steps}  position ${f(position)}  velocity ${f(velocity, 5)}${push}\n|${row}|`;
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

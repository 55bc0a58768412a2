/**
 * Pendulum-v1: swing a frictionless pendulum up and keep it upright with a limited torque.
 *
 * A TypeScript port of Gymnasium's `gymnasium/envs/classic_control/pendulum.py` (Pendulum-v1, the classic inverted
 * pendulum swing-up problem from control theory). Same constants (g = 10, m = 1, l = 1, dt = 0.05, max speed 8,
 * max torque 2), same semi-implicit Euler update and the same reward, so a policy trained here behaves as on
 * Gymnasium's Pendulum-v1.
 *
 * - State: angle `theta` (rad, 0 = upright, positive counter-clockwise; not wrapped) and angular velocity `thdot`,
 *   kept in float64.
 * - Observation: Box(3) `[cos theta, sin theta, thdot]`, bounds `[-1, -1, -8]` to `[1, 1, 8]`.
 * - Action: Box(1) torque in [-2, 2]; a number or a one-element array. Values outside are clipped to [-2, 2].
 * - Dynamics: `thdot' = clip(thdot + (3 g / (2 l) sin theta + 3 / (m l^2) u) dt, -8, 8)`, `theta' = theta + thdot' dt`.
 * - Reward: `-(norm(theta)^2 + 0.1 thdot^2 + 0.001 u^2)` with `norm` wrapping the angle to [-pi, pi) and `u` the
 *   clipped torque. As in Gymnasium it is computed on the state *before* the step. Range [-16.2736044, 0].
 * - Start: `theta` uniform in [-pi, pi], `thdot` uniform in [-1, 1], from the env's own seeded generator.
 * - Termination: never. Truncation: never by the env itself; the trainer's time-limit wrapper cuts episodes at
 *   {@link maxEpisodeSteps}.
 */

import type { SceneFrame, SceneShape } from "ppo-lab";

/** Gymnasium registers Pendulum-v1 with a 200-step time limit; the trainer applies it as `truncated`. */
export const maxEpisodeSteps = 200;

const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
const DT = 0.05;
const G = 10.0;
const M = 1.0;
const L = 1.0;
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

/** Wraps an angle to [-pi, pi), like Python's `((x + pi) % (2 pi)) - pi` (the remainder takes the divisor's sign). */
function angleNormalize(x: number): number {
  const period = 2 * Math.PI;
  let r = (x + Math.PI) % period;
  if (r < 0) r += period;
  return r - Math.PI;
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export default class Pendulum {
  readonly observationSpace = {
    type: "Box" as const,
    low: [-1.0, -1.0, -MAX_SPEED],
    high: [1.0, 1.0, MAX_SPEED],
    shape: [3],
    /** Names of the observation elements (optional; replays use them to label the observation). */
    labels: ["cos_theta", "sin_theta", "theta_dot"],
  };
  readonly actionSpace = { type: "Box" as const, low: [-MAX_TORQUE], high: [MAX_TORQUE], shape: [1], labels: ["torque"] };

  private readonly rng = new Mulberry32(DEFAULT_SEED);
  /** `[theta, thdot]`, or undefined before the first reset. */
  private state: [number, number] | undefined;
  /** The last clipped torque, for rendering. */
  private lastU: number | undefined;
  private steps = 0;

  reset(options?: { seed?: number }): { observation: number[]; info: Record<string, never> } {
    const seed = options?.seed;
    if (seed !== undefined && seed !== null) {
      if (typeof seed !== "number" || !Number.isInteger(seed)) {
        throw new Error(`Pendulum.reset: seed must be an integer, got ${String(seed)}`);
      }
      this.rng.seed(seed);
    }
    const theta = this.rng.uniformRange(-Math.PI, Math.PI);
    const thdot = this.rng.uniformRange(-1.0, 1.0);
    this.state = [theta, thdot];
    this.lastU = undefined;
    this.steps = 0;
    return { observation: this.observe(), info: {} };
  }

  step(action: number | number[]): {
    observation: number[];
    reward: number;
    terminated: false;
    truncated: false;
    info: Record<string, never>;
  } {
    let raw: unknown = action;
    if (Array.isArray(action) || ArrayBuffer.isView(action)) {
      const arr = action as ArrayLike<unknown>;
      if (arr.length !== 1) {
        throw new Error(`Pendulum.step: action must be a number or a one-element array (torque), got length ${arr.length}`);
      }
      raw = arr[0];
    }
    if (typeof raw !== "number" || Number.isNaN(raw)) {
      throw new Error(`Pendulum.step: action must be a torque number in [-2, 2], got ${JSON.stringify(action) ?? String(action)}`);
    }
    if (this.state === undefined) throw new Error("Pendulum.step: call reset() before step()");

    const [th, thdot] = this.state;
    const u = clip(raw, -MAX_TORQUE, MAX_TORQUE);
    // The cost is taken on the state before the update, with the clipped torque.
    const costs = angleNormalize(th) ** 2 + 0.1 * thdot ** 2 + 0.001 * u ** 2;

    // Semi-implicit Euler: the new (clipped) velocity moves the angle.
    let newThdot = thdot + ((3 * G) / (2 * L) * Math.sin(th) + (3.0 / (M * L ** 2)) * u) * DT;
    newThdot = clip(newThdot, -MAX_SPEED, MAX_SPEED);
    const newTh = th + newThdot * DT;

    this.state = [newTh, newThdot];
    this.lastU = u;
    this.steps++;
    return { observation: this.observe(), reward: -costs, terminated: false, truncated: false, info: {} };
  }

  /**
   * A vector scene in Gymnasium's proportions (500 x 500, y up, the rod 1 m long and 0.2 m wide, 2.2 m from the centre
   * to the edge): the rod at the pendulum's angle (0 = up, counter-clockwise positive), the pivot, and the last torque
   * as an arc arrow around the pivot whose length grows with |torque| (counter-clockwise for a positive torque).
   */
  render(): SceneFrame {
    const S = 500;
    const scale = S / 4.4;
    const c = S / 2;
    if (this.state === undefined) return notReset(S, S, "Pendulum");
    const th = this.state[0];
    const rodW = 0.2 * scale;
    const shapes: SceneShape[] = [
      {
        type: "group",
        transform: { translate: [c, c], rotate: round(th + Math.PI / 2, 4) },
        shapes: [
          { type: "rect", x: 0, y: round(-rodW / 2), width: round(L * scale), height: round(rodW), fill: "#cc4d4d" },
          { type: "circle", x: round(L * scale), y: 0, radius: round(rodW / 2), fill: "#cc4d4d" },
          { type: "circle", x: 0, y: 0, radius: round(rodW / 2), fill: "#cc4d4d" },
        ],
      },
      { type: "circle", x: c, y: c, radius: round(0.05 * scale), fill: "#000000" },
    ];
    const u = this.lastU ?? 0;
    if (Math.abs(u) > 1e-3) {
      // An arc around the pivot: up to 270 degrees for the full torque of 2, starting below the pivot.
      const radius = 0.45 * scale;
      const sweep = (Math.abs(u) / MAX_TORQUE) * 1.5 * Math.PI * Math.sign(u);
      const start = -Math.PI / 2;
      const n = 24;
      const points: [number, number][] = [];
      for (let i = 0; i <= n; i++) {
        const a = start + (sweep * i) / n;
        points.push([round(c + radius * Math.cos(a)), round(c + radius * Math.sin(a))]);
      }
      const end = start + sweep;
      // Tangent direction at the end of the arc (the direction of motion).
      const tx = -Math.sin(end) * Math.sign(u);
      const ty = Math.cos(end) * Math.sign(u);
      const [ex, ey] = [c + radius * Math.cos(end), c + radius * Math.sin(end)];
      const head = 14;
      const nx = Math.cos(end);
      const ny = Math.sin(end);
      shapes.push(
        { type: "line", points, stroke: "#333333", lineWidth: 4 },
        {
          type: "polygon",
          points: [
            [round(ex + tx * head), round(ey + ty * head)],
            [round(ex + nx * head * 0.6), round(ey + ny * head * 0.6)],
            [round(ex - nx * head * 0.6), round(ey - ny * head * 0.6)],
          ],
          fill: "#333333",
        },
      );
    }
    shapes.push({ type: "text", x: 10, y: S - 24, text: `step ${this.steps}  torque ${u >= 0 ? "+" : ""}${u.toFixed(2)}`, size: 16, fill: "#555555" });
    return { type: "scene", width: S, height: S, yUp: true, background: "#ffffff", shapes };
  }

  /** A text frame: the angle (0 = upright), the angular velocity, the last torque and a compass-style arrow. */
  renderText(): { type: "text"; text: string } {
    if (this.state === undefined) return { type: "text", text: "Pendulum (not reset yet)" };
    const [th, thdot] = this.state;
    const deg = (angleNormalize(th) * 180) / Math.PI;
    // Eight directions, counter-clockwise from upright.
    const arrows = ["↑", "↖", "←", "↙", "↓", "↘", "→", "↗"];
    const arrow = arrows[((Math.round(deg / 45) % 8) + 8) % 8];
    const f = (v: number, d = 3): string => (v >= 0 ? "+" : "") + v.toFixed(d);
    const torque = this.lastU === undefined ? "" : `  torque ${f(this.lastU)} N m`;
    const text = `Pendulum  step ${this.steps}  ${arrow}  theta ${f(deg, 1)} deg (0 = upright)  thdot ${f(thdot)} rad/s${torque}`;
    return { type: "text", text };
  }

  close(): void {
    // Nothing to release.
  }

  private observe(): number[] {
    const [th, thdot] = this.state!;
    return [Math.cos(th), Math.sin(th), thdot];
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

/**
 * Acrobot-v1: swing the tip of a two-link pendulum, actuated only at the elbow, above a line.
 *
 * A TypeScript port of Gymnasium's `gymnasium/envs/classic_control/acrobot.py` (Acrobot-v1), which comes from RLPy's
 * `rlpy/Domains/Acrobot.py` (Geramifard, Klein, Dann, Dabney, How; BSD-3) and follows Sutton, "Generalization in
 * Reinforcement Learning: Successful Examples Using Sparse Coarse Coding", NIPS 8, 1996, with the equations of motion
 * of Sutton & Barto, "Reinforcement Learning: An Introduction" (the "book" dynamics, Gymnasium's default
 * `book_or_nips = "book"`; the NIPS paper drops the `-m2 l1 lc2 dtheta1^2 sin theta2` term). Same constants, the same
 * fourth-order Runge-Kutta step over dt = 0.2 s, the same wrapping and velocity bounds and the same reward, so a policy
 * trained here behaves as on Gymnasium's Acrobot-v1.
 *
 * - State: `[theta1, theta2, dtheta1, dtheta2]`. `theta1` is the first link's angle from straight down, `theta2` the
 *   second link's angle relative to the first (0 = in line). Angles are wrapped to [-pi, pi], velocities clipped to
 *   `±4 pi` and `±9 pi` rad/s. Kept in float64, except that the start state is rounded to float32 as Gymnasium does
 *   (`uniform(...).astype(np.float32)`).
 * - Observation: Box(6) `[cos theta1, sin theta1, cos theta2, sin theta2, dtheta1, dtheta2]`, bounds
 *   `±[1, 1, 1, 1, 4 pi, 9 pi]` (as float32 numbers, like Gymnasium's float32 Box). Gymnasium returns a float32 copy;
 *   we return the float64 values.
 * - Action: Discrete(3): torque `-1`, `0` or `+1` N m on the joint between the links. Torque noise: none (Gymnasium's
 *   `torque_noise_max = 0`).
 * - Dynamics (masses m1 = m2 = 1 kg, lengths l1 = l2 = 1 m, centres of mass lc1 = lc2 = 0.5 m, moments of inertia
 *   I1 = I2 = 1, g = 9.8), with `a` the torque:
 *     d1 = m1 lc1^2 + m2 (l1^2 + lc2^2 + 2 l1 lc2 cos theta2) + I1 + I2
 *     d2 = m2 (lc2^2 + l1 lc2 cos theta2) + I2
 *     phi2 = m2 lc2 g cos(theta1 + theta2 - pi/2)
 *     phi1 = -m2 l1 lc2 dtheta2^2 sin theta2 - 2 m2 l1 lc2 dtheta2 dtheta1 sin theta2 + (m1 lc1 + m2 l1) g cos(theta1 - pi/2) + phi2
 *     ddtheta2 = (a + d2/d1 phi1 - m2 l1 lc2 dtheta1^2 sin theta2 - phi2) / (m2 lc2^2 + I2 - d2^2/d1)
 *     ddtheta1 = -(d2 ddtheta2 + phi1) / d1
 *   integrated with one classic RK4 step of 0.2 s (the torque is held constant), then wrap/clip as above.
 * - Reward: `-1` per step, `0` on the step that reaches the goal.
 * - Start: each state value uniform in [-0.1, 0.1] (both links hanging down), from the env's own seeded generator.
 * - Termination: the tip is more than one link length above the pivot, `-cos theta1 - cos(theta1 + theta2) > 1`.
 * - Truncation: never by the env itself; the trainer's time-limit wrapper cuts episodes at {@link maxEpisodeSteps}.
 *   Gymnasium's solved threshold (`reward_threshold`) is -100.
 */

import type { SceneFrame, SceneShape } from "ppo-lab";

/** Gymnasium registers Acrobot-v1 with a 500-step time limit; the trainer applies it as `truncated`. */
export const maxEpisodeSteps = 500;

/** Seconds per step (one RK4 step). */
const DT = 0.2;
const LINK_LENGTH_1 = 1.0;
/** Length of the second link: only drawn (the dynamics need only the first length, as in Gymnasium). */
const LINK_LENGTH_2 = 1.0;
const LINK_MASS_1 = 1.0;
const LINK_MASS_2 = 1.0;
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
/** Moment of inertia of each link. */
const LINK_MOI = 1.0;
const G = 9.8;
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const AVAIL_TORQUE = [-1.0, 0.0, 1.0] as const;
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

type State = [number, number, number, number];

/** Time derivative of `[theta1, theta2, dtheta1, dtheta2]` under torque `a` (the book's equations). */
function dsdt(s: State, a: number): State {
  const m1 = LINK_MASS_1;
  const m2 = LINK_MASS_2;
  const l1 = LINK_LENGTH_1;
  const lc1 = LINK_COM_POS_1;
  const lc2 = LINK_COM_POS_2;
  const I1 = LINK_MOI;
  const I2 = LINK_MOI;
  const [theta1, theta2, dtheta1, dtheta2] = s;
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
  const phi2 = m2 * lc2 * G * Math.cos(theta1 + theta2 - Math.PI / 2);
  const phi1 =
    -m2 * l1 * lc2 * dtheta2 ** 2 * Math.sin(theta2) -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
    (m1 * lc1 + m2 * l1) * G * Math.cos(theta1 - Math.PI / 2) +
    phi2;
  const ddtheta2 =
    (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 ** 2 * Math.sin(theta2) - phi2) / (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return [dtheta1, dtheta2, ddtheta1, ddtheta2];
}

/** One classic Runge-Kutta step of length `h` with the torque held constant. */
function rk4(s: State, a: number, h: number): State {
  const add = (x: State, k: State, f: number): State => [x[0] + f * k[0], x[1] + f * k[1], x[2] + f * k[2], x[3] + f * k[3]];
  const k1 = dsdt(s, a);
  const k2 = dsdt(add(s, k1, h / 2), a);
  const k3 = dsdt(add(s, k2, h / 2), a);
  const k4 = dsdt(add(s, k3, h), a);
  const out: State = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) out[i] = s[i] + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  return out;
}

/** Wraps `x` into [m, M] by whole periods (RLPy's `wrap`). */
function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x -= diff;
  while (x < m) x += diff;
  return x;
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export default class Acrobot {
  readonly observationSpace = {
    type: "Box" as const,
    low: [-1, -1, -1, -1, -Math.fround(MAX_VEL_1), -Math.fround(MAX_VEL_2)],
    high: [1, 1, 1, 1, Math.fround(MAX_VEL_1), Math.fround(MAX_VEL_2)],
    shape: [6],
    /** Names of the observation elements (optional; replays use them to label the observation). */
    labels: ["cos_theta1", "sin_theta1", "cos_theta2", "sin_theta2", "theta1_dot", "theta2_dot"],
  };
  readonly actionSpace = { type: "Discrete" as const, n: 3 };

  private readonly rng = new Mulberry32(DEFAULT_SEED);
  /** `[theta1, theta2, dtheta1, dtheta2]`, or undefined before the first reset. */
  private state: State | undefined;
  private lastAction: number | undefined;
  private steps = 0;

  reset(options?: { seed?: number }): { observation: number[]; info: Record<string, never> } {
    const seed = options?.seed;
    if (seed !== undefined && seed !== null) {
      if (typeof seed !== "number" || !Number.isInteger(seed)) {
        throw new Error(`Acrobot.reset: seed must be an integer, got ${String(seed)}`);
      }
      this.rng.seed(seed);
    }
    // Gymnasium draws the start in float64 and stores it as float32.
    this.state = [
      Math.fround(this.rng.uniformRange(-0.1, 0.1)),
      Math.fround(this.rng.uniformRange(-0.1, 0.1)),
      Math.fround(this.rng.uniformRange(-0.1, 0.1)),
      Math.fround(this.rng.uniformRange(-0.1, 0.1)),
    ];
    this.lastAction = undefined;
    this.steps = 0;
    return { observation: this.observe(), info: {} };
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
        `Acrobot.step: action must be 0 (torque -1), 1 (torque 0) or 2 (torque +1), got ${JSON.stringify(action) ?? String(action)}`,
      );
    }
    if (this.state === undefined) throw new Error("Acrobot.step: call reset() before step()");

    const ns = rk4(this.state, AVAIL_TORQUE[a], DT);
    ns[0] = wrap(ns[0], -Math.PI, Math.PI);
    ns[1] = wrap(ns[1], -Math.PI, Math.PI);
    ns[2] = clip(ns[2], -MAX_VEL_1, MAX_VEL_1);
    ns[3] = clip(ns[3], -MAX_VEL_2, MAX_VEL_2);
    this.state = ns;
    this.lastAction = a;
    this.steps++;

    const terminated = -Math.cos(ns[0]) - Math.cos(ns[1] + ns[0]) > 1.0;
    return { observation: this.observe(), reward: terminated ? 0.0 : -1.0, terminated, truncated: false, info: {} };
  }

  /**
   * A vector scene in Gymnasium's proportions (500 x 500, y up, 2.2 link lengths from the centre to the edge): the
   * goal line at a tip height of 1, the two links (hanging down at angle 0) and their joints.
   */
  render(): SceneFrame {
    const S = 500;
    const scale = S / (2 * (LINK_LENGTH_1 + LINK_LENGTH_2 + 0.2));
    const c = S / 2;
    if (this.state === undefined) return notReset(S, S, "Acrobot");
    const [t1, t2] = this.state;
    const p1: [number, number] = [c + LINK_LENGTH_1 * Math.sin(t1) * scale, c - LINK_LENGTH_1 * Math.cos(t1) * scale];
    const p2: [number, number] = [p1[0] + LINK_LENGTH_2 * Math.sin(t1 + t2) * scale, p1[1] - LINK_LENGTH_2 * Math.cos(t1 + t2) * scale];
    const w = 0.2 * scale;
    const link = (from: [number, number], angle: number, length: number): SceneShape => ({
      type: "group",
      transform: { translate: [round(from[0]), round(from[1])], rotate: round(angle - Math.PI / 2, 4) },
      shapes: [{ type: "rect", x: 0, y: round(-w / 2), width: round(length * scale), height: round(w), fill: "#00cccc" }],
    });
    const torque = this.lastAction === undefined ? 0 : AVAIL_TORQUE[this.lastAction];
    const shapes: SceneShape[] = [
      { type: "line", points: [[round(c - 2.2 * scale), round(c + scale)], [round(c + 2.2 * scale), round(c + scale)]], stroke: "#000000", lineWidth: 1 },
      link([c, c], t1, LINK_LENGTH_1),
      link(p1, t1 + t2, LINK_LENGTH_2),
      { type: "circle", x: c, y: c, radius: round(0.1 * scale), fill: "#cccc00" },
      { type: "circle", x: round(p1[0]), y: round(p1[1]), radius: round(0.1 * scale), fill: "#cccc00" },
      { type: "circle", x: round(p2[0]), y: round(p2[1]), radius: round(0.05 * scale), fill: "#007a7a" },
      { type: "text", x: 10, y: S - 24, text: `step ${this.steps}  torque ${torque > 0 ? "+" : ""}${torque}`, size: 16, fill: "#555555" },
    ];
    return { type: "scene", width: S, height: S, yUp: true, background: "#ffffff", shapes };
  }

  /** A text frame: the angles, the tip height (the goal is a height above 1) and the last torque. */
  renderText(): { type: "text"; text: string } {
    if (this.state === undefined) return { type: "text", text: "Acrobot (not reset yet)" };
    const [t1, t2, w1, w2] = this.state;
    const tip = -Math.cos(t1) - Math.cos(t1 + t2);
    const f = (v: number, d = 3): string => (v >= 0 ? "+" : "") + v.toFixed(d);
    const deg = (r: number): string => f((r * 180) / Math.PI, 1);
    const width = 41;
    // Tip height from -2 (hanging) to +2 (upright); the goal line is at +1.
    const col = Math.round(((clip(tip, -2, 2) + 2) / 4) * (width - 1));
    const goal = Math.round((3 / 4) * (width - 1));
    const bar = Array.from({ length: width }, (_, i) => (i === col ? "o" : i === goal ? "|" : "-")).join("");
    const torque = this.lastAction === undefined ? "" : `  torque ${f(AVAIL_TORQUE[this.lastAction], 0)}`;
    const text =
      `Acrobot  step ${this.steps}  theta1 ${deg(t1)} deg  theta2 ${deg(t2)} deg  dtheta1 ${f(w1)}  dtheta2 ${f(w2)}${torque}\n` +
      `tip height ${f(tip)} (goal > +1)  [${bar}]`;
    return { type: "text", text };
  }

  close(): void {
    // Nothing to release.
  }

  private observe(): number[] {
    const [t1, t2, w1, w2] = this.state!;
    return [Math.cos(t1), Math.sin(t1), Math.cos(t2), Math.sin(t2), w1, w2];
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

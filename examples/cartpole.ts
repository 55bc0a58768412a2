/**
 * CartPole-v1: balance a pole on a cart that moves along a frictionless track.
 *
 * A TypeScript port of Gymnasium's `gymnasium/envs/classic_control/cartpole.py` (CartPole-v1), which follows the
 * cart-pole problem of Barto, Sutton & Anderson, "Neuronlike Adaptive Elements That Can Solve Difficult Learning
 * Control Problems", IEEE Trans. SMC 13(5), 1983 (equations as corrected in Florian, "Correct equations for the
 * dynamics of the cart-pole system", 2007). Same constants, same explicit Euler integrator, same thresholds, so a
 * policy trained here behaves as on Gymnasium's CartPole-v1.
 *
 * - Observation: Box(4) `[x, x_dot, theta, theta_dot]` (cart position in m, cart velocity, pole angle in rad with
 *   0 = upright, pole angular velocity). Bounds `±[4.8, float32 max, 0.418879 (24°), float32 max]`: twice the
 *   termination thresholds, so the terminating observation is still inside the space. The state is kept in float64
 *   (Gymnasium keeps float64 and returns a float32 copy; we return the float64 values).
 * - Action: Discrete(2). `0` pushes the cart left, `1` pushes it right, with a force of 10 N.
 * - Reward: `+1` for every step, including the step that terminates. Stepping again after termination (undefined
 *   behaviour, as in Gymnasium) gives `0`.
 * - Start: each of the four state values uniform in [-0.05, 0.05], drawn from the env's own seeded generator.
 * - Termination: `|x| > 2.4` (the cart leaves the track) or `|theta| > 12°` (`12 * 2 * pi / 360` rad).
 * - Truncation: never by the env itself; the trainer's time-limit wrapper cuts episodes at {@link maxEpisodeSteps}.
 */

import type { SceneFrame, SceneShape } from "ppo-lab";

/** Gymnasium registers CartPole-v1 with a 500-step time limit; the trainer applies it as `truncated`. */
export const maxEpisodeSteps = 500;

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
/** Half the pole's length (the distance from the pivot to the pole's centre of mass). */
const HALF_LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * HALF_LENGTH;
const FORCE_MAG = 10.0;
/** Seconds between state updates. */
const TAU = 0.02;
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;
const FLOAT32_MAX = 3.4028234663852886e38;
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

export default class CartPole {
  readonly observationSpace: { type: "Box"; low: number[]; high: number[]; shape: number[]; labels?: string[] } = {
    type: "Box",
    low: [-X_THRESHOLD * 2, -FLOAT32_MAX, -THETA_THRESHOLD * 2, -FLOAT32_MAX],
    high: [X_THRESHOLD * 2, FLOAT32_MAX, THETA_THRESHOLD * 2, FLOAT32_MAX],
    shape: [4],
    /** Names of the observation elements (optional; replays use them to label the observation). */
    labels: ["x", "x_dot", "theta", "theta_dot"],
  };
  readonly actionSpace = { type: "Discrete" as const, n: 2 };

  private readonly rng = new Mulberry32(DEFAULT_SEED);
  /** `[x, x_dot, theta, theta_dot]`, or undefined before the first reset. */
  private state: [number, number, number, number] | undefined;
  /** Steps taken since the episode terminated; undefined while it has not. */
  private stepsBeyondTerminated: number | undefined;
  private lastAction: number | undefined;
  private steps = 0;

  reset(options?: { seed?: number }): { observation: number[]; info: Record<string, never> } {
    const seed = options?.seed;
    if (seed !== undefined && seed !== null) {
      if (typeof seed !== "number" || !Number.isInteger(seed)) {
        throw new Error(`CartPole.reset: seed must be an integer, got ${String(seed)}`);
      }
      this.rng.seed(seed);
    }
    this.state = [
      this.rng.uniformRange(-0.05, 0.05),
      this.rng.uniformRange(-0.05, 0.05),
      this.rng.uniformRange(-0.05, 0.05),
      this.rng.uniformRange(-0.05, 0.05),
    ];
    this.stepsBeyondTerminated = undefined;
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
    if (a !== 0 && a !== 1) {
      throw new Error(
        `CartPole.step: action must be 0 (push left) or 1 (push right), got ${JSON.stringify(action) ?? String(action)}`,
      );
    }
    if (this.state === undefined) throw new Error("CartPole.step: call reset() before step()");

    let [x, xDot, theta, thetaDot] = this.state;
    const force = a === 1 ? FORCE_MAG : -FORCE_MAG;
    const cosTheta = Math.cos(theta);
    const sinTheta = Math.sin(theta);

    // Equations of motion (Florian 2007, frictionless): first the pole's angular acceleration, then the cart's.
    const temp = (force + POLE_MASS_LENGTH * thetaDot ** 2 * sinTheta) / TOTAL_MASS;
    const thetaAcc =
      (GRAVITY * sinTheta - cosTheta * temp) / (HALF_LENGTH * (4.0 / 3.0 - (MASS_POLE * cosTheta ** 2) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cosTheta) / TOTAL_MASS;

    // Explicit Euler: positions advance with the old velocities.
    x = x + TAU * xDot;
    xDot = xDot + TAU * xAcc;
    theta = theta + TAU * thetaDot;
    thetaDot = thetaDot + TAU * thetaAcc;
    this.state = [x, xDot, theta, thetaDot];
    this.lastAction = a;
    this.steps++;

    const terminated = x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;

    let reward: number;
    if (!terminated) {
      reward = 1.0;
    } else if (this.stepsBeyondTerminated === undefined) {
      // The pole just fell (or the cart left the track): this step still earns its reward.
      this.stepsBeyondTerminated = 0;
      reward = 1.0;
    } else {
      // Stepping after termination: undefined behaviour in Gymnasium, which returns 0.
      this.stepsBeyondTerminated++;
      reward = 0.0;
    }

    return { observation: [...this.state], reward, terminated, truncated: false, info: {} };
  }

  /**
   * A vector scene in Gymnasium's proportions (600 x 400, y up, 125 units per metre): the track, the cart (50 x 30)
   * at the cart's position and the pole (10 x 125, one metre) leaning by the pole angle.
   */
  render(): SceneFrame {
    const W = 600;
    const H = 400;
    const scale = W / (2 * X_THRESHOLD);
    const trackY = 100;
    if (this.state === undefined) return notReset(W, H, "CartPole");
    const [x, , theta] = this.state;
    const cartX = x * scale + W / 2;
    const shapes: SceneShape[] = [
      { type: "line", points: [[0, trackY], [W, trackY]], stroke: "#000000", lineWidth: 1 },
      { type: "rect", x: round(cartX - 25), y: trackY - 15, width: 50, height: 30, fill: "#000000" },
      {
        type: "group",
        transform: { translate: [round(cartX), trackY + 7.5], rotate: round(-theta, 4) },
        shapes: [
          { type: "rect", x: -5, y: -5, width: 10, height: 2 * HALF_LENGTH * scale, fill: "#ca9865" },
          { type: "circle", x: 0, y: 0, radius: 5, fill: "#8184cb" },
        ],
      },
      { type: "text", x: 10, y: H - 24, text: `step ${this.steps}`, size: 16, fill: "#555555" },
    ];
    return { type: "scene", width: W, height: H, yUp: true, background: "#ffffff", shapes };
  }

  /** A text frame: the numbers and a one-line sketch of the track, the cart and the pole's lean. */
  renderText(): { type: "text"; text: string } {
    if (this.state === undefined) return { type: "text", text: "CartPole (not reset yet)" };
    const [x, xDot, theta, thetaDot] = this.state;
    const width = 49;
    const col = Math.round(((Math.max(-X_THRESHOLD, Math.min(X_THRESHOLD, x)) + X_THRESHOLD) / (2 * X_THRESHOLD)) * (width - 1));
    const deg = (theta * 180) / Math.PI;
    const pole = deg > 3 ? "/" : deg < -3 ? "\\" : "|";
    const poleRow = Array.from({ length: width }, (_, i) => (i === col ? pole : " ")).join("");
    const cartRow = Array.from({ length: width }, (_, i) => (i === col ? "#" : "_")).join("");
    const f = (v: number, d = 3): string => (v >= 0 ? "+" : "") + v.toFixed(d);
    const push = this.lastAction === undefined ? "" : this.lastAction === 1 ? "  push: right" : "  push: left";
    const text =
      `CartPole  step ${this.steps}  x ${f(x)} m  x_dot ${f(xDot)} m/s  theta ${f(deg, 2)} deg  ` +
      `theta_dot ${f(thetaDot)} rad/s${push}\n` +
      ` ${poleRow}\n|${cartRow}|`;
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

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
  };
  readonly actionSpace = { type: "Box" as const, low: [-MAX_TORQUE], high: [MAX_TORQUE], shape: [1] };

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

  /** A text frame: the angle (0 = upright), the angular velocity, the last torque and a compass-style arrow. */
  render(): { type: "text"; text: string } {
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

/**
 * GridWorld-v0: walk from a random cell of a four-room maze to the goal in as few steps as possible, with a mask of
 * the moves that walls do not block.
 *
 * Our own small env (not a Gymnasium port), in the style of Gymnasium's toy-text grids (FrozenLake, CliffWalking:
 * cell index observations, bumping into a wall leaves the agent in place) with the four-room layout of Sutton,
 * Precup & Singh, "Between MDPs and semi-MDPs", Artificial Intelligence 112, 1999 (shrunk to 9 x 9). It exists to
 * show (and test) invalid-action masking: every reset and step result carries `info.actionMask`, an array of four 0/1
 * flags (1 = the move is allowed, 0 = a wall or the edge of the grid blocks it), like the `action_mask` of
 * Gymnasium's Taxi and the masks of sb3-contrib's MaskablePPO. PPO Lab's trainer reads it and never samples a blocked
 * move; a trainer that ignores it still works, since a blocked move is only a wasted step (`actionMask: false`
 * leaves the mask out, to compare).
 *
 * Default layout (`#` wall, `.` floor, `G` goal; row 0 at the top):
 *
 *     ....#....
 *     ....#....
 *     .........
 *     ....#....
 *     ##.####.#
 *     ....#....
 *     ....#....
 *     .........
 *     ....#...G
 *
 * - Observation: Discrete(rows x cols) = Discrete(81), the agent's cell `row * cols + col` (the trainer one-hot
 *   encodes it). Wall cells are part of the index range but never occupied.
 * - Action: Discrete(4): `0` up, `1` right, `2` down, `3` left. A move into a wall or off the grid leaves the agent
 *   where it is (and still costs the step).
 * - Reward: `-1` for every step, including the one that reaches the goal, so an episode's return is minus its length
 *   and the best return from a start cell is minus its shortest-path distance to the goal. Over the uniform start
 *   distribution of the default layout (67 start cells) the best mean return is -560/67 = -8.36 (shortest paths of 1 to
 *   16 steps).
 * - Start: a floor cell other than the goal, uniformly at random from the env's own seeded generator (or the `S` cell
 *   of a custom layout that has one).
 * - Termination: reaching the goal. Stepping again afterwards gives reward 0 and keeps `terminated` (undefined
 *   behaviour, as in CartPole).
 * - Truncation: never by the env itself; the trainer's time-limit wrapper cuts episodes at {@link maxEpisodeSteps}.
 * - Solved (our definition, used by the learning test): `ep_rew_mean >= -9.5` over the last 100 training episodes
 *   within 30,000 steps (the GridWorld-v0 preset's budget), i.e. the stochastic training policy needs on average at
 *   most about one step more than the shortest path.
 *
 * Options (`envKwargs`): `layout`, an array of equal-length strings over `.`, `#`, `G` (exactly one) and `S` (at most
 * one fixed start), the observation space grows with it; `actionMask` (default true), false leaves `info.actionMask`
 * out (the info is then `{}`).
 */

import type { SceneFrame, SceneShape } from "ppo-lab";

/** Episodes are cut after 100 steps (about six times the longest shortest path of the default layout). */
export const maxEpisodeSteps = 100;

const DEFAULT_LAYOUT: readonly string[] = [
  "....#....",
  "....#....",
  ".........",
  "....#....",
  "##.####.#",
  "....#....",
  "....#....",
  ".........",
  "....#...G",
];

/** Row and column offsets of the actions up, right, down, left. */
const MOVES: readonly (readonly [number, number])[] = [
  [-1, 0],
  [0, 1],
  [1, 0],
  [0, -1],
];
const ACTION_NAMES = ["up", "right", "down", "left"] as const;
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
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

export interface GridWorldOptions {
  /** Rows of `.` (floor), `#` (wall), `G` (the goal, exactly one) and `S` (an optional fixed start). */
  layout?: readonly string[];
  /** Put `actionMask` in every info (default true). */
  actionMask?: boolean;
}

export default class GridWorld {
  readonly rows: number;
  readonly cols: number;
  readonly observationSpace: { type: "Discrete"; n: number };
  readonly actionSpace = { type: "Discrete" as const, n: 4 };

  private readonly walls: boolean[];
  private readonly withMask: boolean;
  private readonly goal: number;
  /** Cells an episode may start in. */
  private readonly starts: number[];
  private readonly rng = new Mulberry32(DEFAULT_SEED);
  /** The agent's cell, or undefined before the first reset. */
  private cell: number | undefined;
  private terminated = false;
  private lastAction: number | undefined;
  private steps = 0;

  constructor(options?: GridWorldOptions) {
    const layout = options?.layout ?? DEFAULT_LAYOUT;
    if (!Array.isArray(layout) || layout.length === 0 || layout.some((r) => typeof r !== "string" || r.length === 0)) {
      throw new Error("GridWorld: layout must be a non-empty array of non-empty strings");
    }
    this.rows = layout.length;
    this.cols = layout[0].length;
    if (layout.some((r) => r.length !== this.cols)) throw new Error("GridWorld: every row of the layout must have the same length");
    this.walls = [];
    const floor: number[] = [];
    let goal = -1;
    let start = -1;
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) {
        const ch = layout[r][c];
        const i = r * this.cols + c;
        if (!".#GS".includes(ch)) throw new Error(`GridWorld: unknown layout character ${JSON.stringify(ch)} at row ${r}, column ${c} (use . # G S)`);
        this.walls.push(ch === "#");
        if (ch === "G") {
          if (goal >= 0) throw new Error("GridWorld: the layout must have exactly one goal G, found several");
          goal = i;
        } else if (ch === "S") {
          if (start >= 0) throw new Error("GridWorld: the layout may have at most one start S, found several");
          start = i;
        } else if (ch === ".") {
          floor.push(i);
        }
      }
    }
    if (goal < 0) throw new Error("GridWorld: the layout must have exactly one goal G, found none");
    this.goal = goal;
    this.starts = start >= 0 ? [start] : floor;
    if (this.starts.length === 0) throw new Error("GridWorld: the layout has no floor cell to start in");
    this.observationSpace = { type: "Discrete", n: this.rows * this.cols };
    this.withMask = options?.actionMask !== false;
  }

  reset(options?: { seed?: number }): { observation: number; info: { actionMask?: number[] } } {
    const seed = options?.seed;
    if (seed !== undefined && seed !== null) {
      if (typeof seed !== "number" || !Number.isInteger(seed)) {
        throw new Error(`GridWorld.reset: seed must be an integer, got ${String(seed)}`);
      }
      this.rng.seed(seed);
    }
    this.cell = this.starts[this.rng.int(this.starts.length)];
    this.terminated = false;
    this.lastAction = undefined;
    this.steps = 0;
    return { observation: this.cell, info: this.info() };
  }

  step(action: number | number[]): {
    observation: number;
    reward: number;
    terminated: boolean;
    truncated: false;
    info: { actionMask?: number[] };
  } {
    // Accept a bare integer, or a one-element array as Discrete spaces do.
    const a = Array.isArray(action) && action.length === 1 ? action[0] : action;
    if (a !== 0 && a !== 1 && a !== 2 && a !== 3) {
      throw new Error(`GridWorld.step: action must be 0 (up), 1 (right), 2 (down) or 3 (left), got ${JSON.stringify(action) ?? String(action)}`);
    }
    if (this.cell === undefined) throw new Error("GridWorld.step: call reset() before step()");
    this.lastAction = a;
    if (this.terminated) {
      // Stepping after the goal: undefined behaviour; nothing moves and nothing is paid.
      return { observation: this.cell, reward: 0, terminated: true, truncated: false, info: this.info() };
    }
    const next = this.neighbour(this.cell, a);
    if (next !== undefined) this.cell = next;
    this.steps++;
    this.terminated = this.cell === this.goal;
    return { observation: this.cell, reward: -1, terminated: this.terminated, truncated: false, info: this.info() };
  }

  /**
   * A vector scene, one unit per cell (y down): floor, walls, the goal (green) and the agent (blue), with the step
   * count and the last move in a band under the grid.
   */
  render(): SceneFrame {
    const band = 0.8;
    const W = this.cols;
    const H = this.rows + band;
    if (this.cell === undefined) {
      return { type: "scene", width: W, height: H, background: "#ffffff", shapes: [{ type: "text", x: W / 2, y: H / 2, text: "GridWorld (not reset yet)", size: 0.5, align: "center", fill: "#555555" }] };
    }
    const shapes: SceneShape[] = [{ type: "rect", x: 0, y: 0, width: W, height: this.rows, fill: "#f4f4f4" }];
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) {
        const i = r * this.cols + c;
        if (this.walls[i]) shapes.push({ type: "rect", x: c, y: r, width: 1, height: 1, fill: "#3c3c46" });
        else shapes.push({ type: "rect", x: c + 0.02, y: r + 0.02, width: 0.96, height: 0.96, fill: "#ffffff", stroke: "#d0d0d0", lineWidth: 0.02 });
      }
    }
    const cellXY = (i: number): [number, number] => [i % this.cols, Math.floor(i / this.cols)];
    const [gx, gy] = cellXY(this.goal);
    shapes.push({ type: "rect", x: gx + 0.1, y: gy + 0.1, width: 0.8, height: 0.8, fill: "#59a14f" });
    shapes.push({ type: "text", x: gx + 0.5, y: gy + 0.68, text: "G", size: 0.5, align: "center", fill: "#ffffff" });
    const [ax, ay] = cellXY(this.cell);
    shapes.push({ type: "circle", x: ax + 0.5, y: ay + 0.5, radius: 0.32, fill: "#4e79a7", stroke: "#ffffff", lineWidth: 0.04 });
    const move = this.lastAction === undefined ? "" : `  move: ${ACTION_NAMES[this.lastAction]}`;
    const done = this.terminated ? "  (goal reached)" : "";
    shapes.push({ type: "text", x: 0.1, y: this.rows + band * 0.7, text: `step ${this.steps}${move}${done}`, size: band * 0.55, fill: "#555555" });
    return { type: "scene", width: W, height: H, background: "#ffffff", shapes };
  }

  /** A text frame: the grid with the agent `A`, the goal `G` and walls `#`, and the last move. */
  renderText(): { type: "text"; text: string } {
    if (this.cell === undefined) return { type: "text", text: "GridWorld (not reset yet)" };
    const lines: string[] = [];
    for (let r = 0; r < this.rows; r++) {
      let line = "";
      for (let c = 0; c < this.cols; c++) {
        const i = r * this.cols + c;
        line += i === this.cell ? "A" : i === this.goal ? "G" : this.walls[i] ? "#" : ".";
      }
      lines.push(line);
    }
    const row = Math.floor(this.cell / this.cols);
    const col = this.cell % this.cols;
    const move = this.lastAction === undefined ? "" : `  move: ${ACTION_NAMES[this.lastAction]}`;
    const done = this.terminated ? "  (goal reached)" : "";
    return { type: "text", text: `GridWorld  step ${this.steps}  row ${row}, col ${col}${move}${done}\n${lines.join("\n")}` };
  }

  close(): void {
    // Nothing to release.
  }

  /** The cell that `action` moves to from `cell`, or undefined when a wall or the edge blocks it. */
  private neighbour(cell: number, action: number): number | undefined {
    const r = Math.floor(cell / this.cols) + MOVES[action][0];
    const c = (cell % this.cols) + MOVES[action][1];
    if (r < 0 || r >= this.rows || c < 0 || c >= this.cols) return undefined;
    const i = r * this.cols + c;
    return this.walls[i] ? undefined : i;
  }

  /** `actionMask`: 1 for each move that changes the cell, 0 for each move a wall or the edge blocks. */
  private info(): { actionMask?: number[] } {
    if (!this.withMask) return {};
    const cell = this.cell!;
    return { actionMask: MOVES.map((_, a) => (this.neighbour(cell, a) === undefined ? 0 : 1)) };
  }
}

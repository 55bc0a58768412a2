/**
 * examples/grid-world.ts (GridWorld-v0, our four-room maze with an action mask) against an independent reference:
 * the layout parsed here, moves and masks from the grid, shortest paths by breadth-first search.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import GridWorld, { maxEpisodeSteps } from "../../../examples/grid-world";
import { TimeLimit } from "../../../src/core/envs/time-limit";
import { makeSpace } from "../../../src/core/spaces";
import type { Env } from "../../../src/core/env";

// ---- Reference ----
const LAYOUT = [
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
const ROWS = 9;
const COLS = 9;
const GOAL = 8 * COLS + 8;
/** up, right, down, left */
const DR = [-1, 0, 1, 0];
const DC = [0, 1, 0, -1];

function isWall(layout: string[], r: number, c: number): boolean {
  return r < 0 || r >= layout.length || c < 0 || c >= layout[0].length || layout[r][c] === "#";
}

function refMove(layout: string[], cell: number, a: number): number {
  const cols = layout[0].length;
  const r = Math.floor(cell / cols) + DR[a];
  const c = (cell % cols) + DC[a];
  return isWall(layout, r, c) ? cell : r * cols + c;
}

function refMask(layout: string[], cell: number): number[] {
  return [0, 1, 2, 3].map((a) => (refMove(layout, cell, a) === cell ? 0 : 1));
}

/** Shortest number of steps from every cell to the goal (Infinity for walls / unreachable). */
function bfs(layout: string[], goal: number): number[] {
  const n = layout.length * layout[0].length;
  const dist = new Array<number>(n).fill(Infinity);
  dist[goal] = 0;
  const queue = [goal];
  while (queue.length > 0) {
    const cell = queue.shift()!;
    for (let a = 0; a < 4; a++) {
      const next = refMove(layout, cell, a);
      if (next !== cell && dist[next] === Infinity) {
        dist[next] = dist[cell] + 1;
        queue.push(next);
      }
    }
  }
  return dist;
}

const DIST = bfs(LAYOUT, GOAL);
const FLOOR = [...LAYOUT.join("")].map((ch, i) => (ch === "." ? i : -1)).filter((i) => i >= 0);

/** A fixed, irregular action sequence in {0..3} (a tiny LCG, independent of the env's generator). */
function actionSequence(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(s >>> 30);
  }
  return out;
}

// Compile-time check (tsc): the example satisfies the public Env contract without importing it.
const _contract: Env = new GridWorld();
void _contract;

test("exports maxEpisodeSteps = 100", () => {
  assert.equal(maxEpisodeSteps, 100);
});

test("spaces are well formed: Discrete(81) cell index and Discrete(4) moves", () => {
  const env = new GridWorld();
  const obs = makeSpace(env.observationSpace, "observationSpace");
  const act = makeSpace(env.actionSpace, "actionSpace");
  assert.deepEqual(env.observationSpace, { type: "Discrete", n: 81 });
  assert.equal(obs.flatDim, 1);
  assert.ok(obs.contains(0) && obs.contains(80) && !obs.contains(81));
  assert.deepEqual(env.actionSpace, { type: "Discrete", n: 4 });
  assert.ok(act.contains(3) && !act.contains(4));
});

test("reference anchors: 67 start cells, shortest paths 1..16, best mean return -560/67", () => {
  assert.equal(FLOOR.length, 67);
  const d = FLOOR.map((c) => DIST[c]);
  assert.equal(Math.min(...d), 1);
  assert.equal(Math.max(...d), 16);
  assert.equal(d.reduce((x, y) => x + y, 0), 560);
  // The far corner: 6 steps to the doorway (2, 4), 5 more to (4, 7), 5 more to the goal.
  assert.equal(DIST[0], 16);
});

test("500 steps of irregular moves match the reference: cell, reward, termination and the action mask", () => {
  const env = new GridWorld();
  const space = makeSpace(env.observationSpace);
  let { observation: cell, info } = env.reset({ seed: 123 });
  assert.ok(FLOOR.includes(cell), `start cell ${cell}`);
  assert.deepEqual(info.actionMask, refMask(LAYOUT, cell));
  let blocked = 0;
  let goals = 0;
  for (const [t, a] of actionSequence(500, 7).entries()) {
    const expected = refMove(LAYOUT, cell, a);
    const out = env.step(a);
    assert.equal(out.observation, expected, `cell at step ${t}`);
    assert.equal(out.reward, -1);
    assert.equal(out.terminated, expected === GOAL, `terminated at step ${t}`);
    assert.equal(out.truncated, false);
    assert.deepEqual(out.info.actionMask, refMask(LAYOUT, expected), `mask at step ${t}`);
    assert.ok(space.contains(out.observation));
    if (expected === cell) blocked++;
    cell = out.observation;
    if (out.terminated) {
      goals++;
      const r = env.reset();
      cell = r.observation;
      assert.deepEqual(r.info.actionMask, refMask(LAYOUT, cell));
    }
  }
  assert.ok(blocked > 50, `walls and edges should block many moves, got ${blocked}`);
  assert.ok(goals >= 1, "a 500-step random walk should reach the goal at least once");
});

test("the mask is right in every cell: a masked move leaves the agent in place, an allowed one moves it", () => {
  for (const start of FLOOR) {
    const mask = refMask(LAYOUT, start);
    for (let a = 0; a < 4; a++) {
      // An env with a fixed start S at this cell.
      const layout = LAYOUT.map((row, r) => [...row].map((ch, c) => (r * COLS + c === start ? "S" : ch)).join(""));
      const env = new GridWorld({ layout });
      const r0 = env.reset({ seed: 1 });
      assert.equal(r0.observation, start);
      assert.deepEqual(r0.info.actionMask, mask, `mask at cell ${start}`);
      const out = env.step(a);
      assert.equal(out.observation === start, mask[a] === 0, `cell ${start}, action ${a}`);
      assert.equal(out.reward, -1);
    }
  }
});

test("following the shortest path reaches the goal in exactly the BFS distance; return = -distance", () => {
  const env = new GridWorld();
  env.reset({ seed: 9 });
  for (let episode = 0; episode < 30; episode++) {
    let { observation: cell } = env.reset();
    const d0 = DIST[cell];
    let total = 0;
    let steps = 0;
    for (;;) {
      // Greedy on the reference distance, only among moves the env's mask allows.
      const mask = refMask(LAYOUT, cell);
      const a = [0, 1, 2, 3].filter((k) => mask[k] === 1).reduce((best, k) => (DIST[refMove(LAYOUT, cell, k)] < DIST[refMove(LAYOUT, cell, best)] ? k : best));
      const out = env.step(a);
      steps++;
      total += out.reward;
      cell = out.observation;
      if (out.terminated) break;
    }
    assert.equal(steps, d0);
    assert.equal(total, -d0);
  }
});

test("stepping after the goal pays 0 and stays terminated; reset starts a new episode", () => {
  const layout = [".SG"];
  const env = new GridWorld({ layout });
  assert.equal(env.reset().observation, 1);
  const out = env.step(1);
  assert.deepEqual([out.observation, out.reward, out.terminated], [2, -1, true]);
  const after = env.step(3);
  assert.deepEqual([after.observation, after.reward, after.terminated], [2, 0, true]);
  assert.equal(env.reset().observation, 1);
  assert.equal(env.step(3).observation, 0);
});

test("walking into a wall forever never terminates; the time limit truncates at 100", () => {
  const env = new TimeLimit(new GridWorld(), maxEpisodeSteps);
  env.reset({ seed: 3 });
  for (let t = 1; t <= 100; t++) {
    const out = env.step(0); // up, until the top edge or a wall stops the agent
    assert.equal(out.terminated, false);
    assert.equal(out.reward, -1);
    assert.equal(out.truncated, t === 100, `truncated at step ${t}`);
  }
});

test("starts are uniform over the 67 floor cells (never a wall or the goal)", () => {
  const env = new GridWorld();
  env.reset({ seed: 1 });
  const counts = new Map<number, number>();
  const n = 6700;
  for (let i = 0; i < n; i++) {
    const c = env.reset().observation;
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort((a, b) => a - b), FLOOR);
  // Expected 100 per cell; a binomial sd of about 10, allow 5 sd.
  for (const [c, k] of counts) assert.ok(k > 50 && k < 150, `cell ${c}: ${k} starts`);
});

test("reset({seed}) is deterministic, different seeds differ, and reset() continues the generator", () => {
  const a = new GridWorld();
  const b = new GridWorld();
  const seq = (env: GridWorld, seed: number): number[] => [env.reset({ seed }).observation, ...Array.from({ length: 9 }, () => env.reset().observation)];
  const sa = seq(a, 2024);
  assert.deepEqual(seq(b, 2024), sa);
  assert.ok(new Set(sa).size > 1, "unseeded resets must draw new cells");
  assert.notDeepEqual(seq(new GridWorld(), 0), seq(new GridWorld(), 1));
  assert.deepEqual(new GridWorld().reset().observation, new GridWorld().reset().observation);
});

test("custom layouts: validated with clear errors; the observation space follows the size", () => {
  const env = new GridWorld({ layout: ["S..#", "...G"] });
  assert.deepEqual(env.observationSpace, { type: "Discrete", n: 8 });
  assert.equal(env.reset().observation, 0);
  assert.deepEqual(env.reset().info.actionMask, [0, 1, 1, 0]);
  assert.throws(() => new GridWorld({ layout: ["..."] }), /exactly one goal G, found none/);
  assert.throws(() => new GridWorld({ layout: ["G.G"] }), /exactly one goal G, found several/);
  assert.throws(() => new GridWorld({ layout: ["S.S.G"] }), /at most one start S/);
  assert.throws(() => new GridWorld({ layout: ["..G", ".."] }), /same length/);
  assert.throws(() => new GridWorld({ layout: ["..x.G"] }), /unknown layout character "x" at row 0, column 2/);
  assert.throws(() => new GridWorld({ layout: [] }), /non-empty array/);
  assert.throws(() => new GridWorld({ layout: ["#G"] }), /no floor cell/);
});

test("actionMask: false leaves the mask out of every info; the dynamics are the same", () => {
  const masked = new GridWorld();
  const plain = new GridWorld({ actionMask: false });
  const r0 = plain.reset({ seed: 5 });
  assert.deepEqual(r0.info, {});
  assert.equal(masked.reset({ seed: 5 }).observation, r0.observation);
  for (const a of actionSequence(100, 2)) {
    const p = plain.step(a);
    const m = masked.step(a);
    assert.deepEqual(p.info, {});
    assert.deepEqual([p.observation, p.reward, p.terminated], [m.observation, m.reward, m.terminated]);
    if (p.terminated) {
      plain.reset();
      masked.reset();
    }
  }
});

test("step rejects invalid actions with a clear error and accepts a one-element array", () => {
  const env = new GridWorld();
  env.reset({ seed: 0 });
  for (const bad of [4, -1, 1.5, Number.NaN, [0, 1], "1"]) {
    assert.throws(() => env.step(bad as unknown as number), /action must be 0 \(up\), 1 \(right\), 2 \(down\) or 3 \(left\)/, `action ${String(bad)}`);
  }
  assert.doesNotThrow(() => env.step([2]));
  assert.throws(() => new GridWorld().step(0), /reset\(\) before step\(\)/);
});

test("renderText draws the grid with the agent; close does not throw", () => {
  const env = new GridWorld({ layout: ["S.#", "..G"] });
  assert.match(env.renderText().text, /not reset/);
  env.reset();
  env.step(1);
  const frame = env.renderText();
  assert.equal(frame.type, "text");
  assert.equal(frame.text, "GridWorld  step 1  row 0, col 1  move: right\n.A#\n..G");
  assert.doesNotThrow(() => env.close());
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Acrobot from "../../../examples/acrobot";
import CartPole from "../../../examples/cartpole";
import GridWorld from "../../../examples/grid-world";
import MountainCar from "../../../examples/mountain-car";
import MountainCarContinuous from "../../../examples/mountain-car-continuous";
import Pendulum from "../../../examples/pendulum";
import type { Env } from "../../../src/core/env";
import { validateFrame } from "../../../src/core/replay/frame-schema";
import type { SceneFrame, SceneShape } from "../../../src/core/replay/types";
import { Rng } from "../../../src/core/rng";
import { makeSpace } from "../../../src/core/spaces";

const ENVS: [string, () => Env][] = [
  ["CartPole", () => new CartPole()],
  ["Pendulum", () => new Pendulum()],
  ["Acrobot", () => new Acrobot()],
  ["MountainCar", () => new MountainCar()],
  ["MountainCarContinuous", () => new MountainCarContinuous()],
  ["GridWorld", () => new GridWorld()],
];

/** Every shape of a scene, groups flattened, with the group transforms that apply to it. */
function flatten(shapes: SceneShape[]): SceneShape[] {
  return shapes.flatMap((s) => (s.type === "group" ? [s, ...flatten(s.shapes)] : [s]));
}

describe("example envs render scenes", () => {
  for (const [name, make] of ENVS) {
    it(`${name}: render() validates against the scene schema before reset and over 60 random steps`, () => {
      const env = make();
      const before = env.render!();
      assert.deepEqual(validateFrame(before), []);
      const space = makeSpace(env.actionSpace);
      const rng = new Rng(4);
      env.reset({ seed: 11 });
      const seen = new Set<string>();
      for (let t = 0; t < 60; t++) {
        const frame = env.render!();
        assert.equal(frame.type, "scene");
        assert.deepEqual(validateFrame(frame), [], `step ${t}`);
        const json = JSON.stringify(frame);
        assert.ok(json.length < 12_000, `a ${name} frame takes ${json.length} bytes of JSON`);
        seen.add(JSON.stringify((frame as SceneFrame).shapes.filter((s) => s.type !== "text")));
        const r = env.step(space.sample(rng) as number | number[]);
        if (r.terminated || r.truncated) env.reset();
      }
      // The picture follows the state: frames differ as the env moves.
      assert.ok(seen.size > 5, `only ${seen.size} distinct pictures in 60 steps`);
    });
  }

  it("CartPole: the cart sits at the cart position and the pole leans with the pole angle", () => {
    const env = new CartPole();
    const obs = env.reset({ seed: 1 }).observation;
    for (let t = 0; t < 5; t++) env.step(1);
    const [x, , theta] = env.step(1).observation;
    const scene = env.render() as SceneFrame;
    const cart = scene.shapes.find((s) => s.type === "rect")!;
    assert.equal(cart.type, "rect");
    if (cart.type === "rect") assert.ok(Math.abs(cart.x + 25 - (x * 125 + 300)) < 0.01, `cart at ${cart.x}, x = ${x}`);
    const pole = scene.shapes.find((s) => s.type === "group")!;
    assert.ok(Math.abs((pole.transform?.rotate ?? 0) + theta) < 1e-4);
    assert.ok(x > obs[0], "pushing right moves the cart right");
  });

  it("Pendulum: the rod points at the pendulum's angle and the torque arrow appears after a step", () => {
    const env = new Pendulum();
    env.reset({ seed: 2 });
    assert.equal(flatten((env.render() as SceneFrame).shapes).filter((s) => s.type === "polygon").length, 0);
    const [c, s] = env.step([1.5]).observation;
    const scene = env.render() as SceneFrame;
    const rod = scene.shapes.find((sh) => sh.type === "group")!;
    const angle = (rod.transform?.rotate ?? 0) - Math.PI / 2;
    assert.ok(Math.abs(Math.cos(angle) - c) < 1e-3 && Math.abs(Math.sin(angle) - s) < 1e-3);
    assert.equal(flatten(scene.shapes).filter((sh) => sh.type === "polygon").length, 1, "an arrow head");
  });

  it("MountainCar: the car is drawn at the car's position; the flag at the goal", () => {
    const env = new MountainCar();
    const [position] = env.reset({ seed: 3 }).observation;
    const scene = env.render() as SceneFrame;
    const car = scene.shapes.find((s) => s.type === "group")!;
    const scale = 600 / 1.8;
    assert.ok(Math.abs(car.transform!.translate![0] - (position + 1.2) * scale) < 0.01);
    const flag = scene.shapes.filter((s) => s.type === "line")[1];
    assert.ok(flag.type === "line" && Math.abs(flag.points[0][0] - (0.5 + 1.2) * scale) < 0.01);
  });

  it("GridWorld: the agent circle is in the observed cell", () => {
    const env = new GridWorld();
    let cell = env.reset({ seed: 5 }).observation as number;
    cell = env.step(1).observation as number;
    const scene = env.render() as SceneFrame;
    const agent = scene.shapes.find((s) => s.type === "circle")!;
    assert.ok(agent.type === "circle");
    if (agent.type === "circle") {
      assert.equal(Math.floor(agent.x), cell % env.cols);
      assert.equal(Math.floor(agent.y), Math.floor(cell / env.cols));
    }
  });
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { findMethod } from "../../../../src/core/diagnostics/location";

test("finds class methods, not calls of them", () => {
  const src = [
    "// step() is called by the trainer", //1
    "class A {", //2
    "  reset() { return this.step(0); }", //3
    "  public step(action: number): R {", //4
    "    return r;", //5
    "  }", //6
    "}", //7
  ].join("\n");
  assert.deepEqual(findMethod(src, "step", "f.ts"), { file: "f.ts", line: 4, column: 10, method: "step" });
  assert.deepEqual(findMethod(src, "reset", "f.ts"), { file: "f.ts", line: 3, column: 3, method: "reset" });
});

test("finds arrow properties, object-literal methods and plain functions", () => {
  assert.equal(findMethod("const e = {\n  x: 1,\n  step: (a) => ({}),\n};", "step", "f")?.line, 3);
  assert.equal(findMethod("class E {\n  step = async (a: number) => {};\n}", "step", "f")?.line, 2);
  assert.equal(findMethod("export default function make() {\n  return { step };\n}\nfunction step(a) {}\n", "step", "f")?.line, 4);
  assert.equal(findMethod("class E {\n  stepper() {}\n}", "step", "f"), undefined);
});

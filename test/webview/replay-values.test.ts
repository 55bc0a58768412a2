/** The replay player hides V(s) for replays without values (GRPO: NaN per step, null after postMessage). */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { LoadedReplay } from "../../webview/replays/client";
import { replayHasValues } from "../../webview/replays/timelines";

const replay = (value: (number | null)[], loaded = value.length) => ({ loaded, steps: { value } }) as unknown as LoadedReplay;

test("replayHasValues: false only when every loaded step has no value", () => {
  assert.equal(replayHasValues(replay([NaN, NaN, NaN])), false);
  assert.equal(replayHasValues(replay([null, null])), false, "NaN arrives as null through postMessage's JSON");
  assert.equal(replayHasValues(replay([0.007, 0.01])), true);
  assert.equal(replayHasValues(replay([NaN, 0.5])), true, "one value is enough");
  assert.equal(replayHasValues(replay([], 0)), true, "nothing loaded yet: keep V(s) until the steps say otherwise");
});

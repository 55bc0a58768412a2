/**
 * The dashboard's pure parts in node (no browser): smoothing, LTTB, percentile ranges, nearest lookup, histogram,
 * run colours, the run store, CSV/JSON export and the saved view state.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CARDS } from "../../webview/dashboard/catalog";
import { exportFileName, exportTable, toCsv, toJson } from "../../webview/dashboard/export";
import { fmtColumn } from "../../webview/dashboard/format";
import { RunStore } from "../../webview/dashboard/run-store";
import { classicSmoothing, histogram, lttbIndices, nearestIndex, percentileRange } from "../../webview/dashboard/series";
import { assignRunColors, hashString } from "../../webview/dashboard/theme";
import { DEFAULT_VIEW, parseView } from "../../webview/dashboard/view-state";
import { makeInfo, makeRows } from "./fixtures";

describe("classicSmoothing (TensorBoard)", () => {
  test("is the EMA debiased by 1 - w^n", () => {
    const y = [1, 2, 3, 4];
    const w = 0.6;
    const out = classicSmoothing(y, w);
    let last = 0;
    y.forEach((v, i) => {
      last = w * last + (1 - w) * v;
      assert.ok(Math.abs(out[i] - last / (1 - w ** (i + 1))) < 1e-12);
    });
    assert.equal(out[0], 1, "the first point is the first value (debiased)");
  });

  test("passes non-finite values through without advancing, leaves constant series and weight 0 alone", () => {
    const out = classicSmoothing([1, NaN, 3], 0.5);
    assert.ok(Number.isNaN(out[1]));
    // After the NaN the filter continues as if it had seen two values: (0.5 * 0.5 + 0.5 * 3) / (1 - 0.25).
    assert.ok(Math.abs(out[2] - (0.25 + 1.5) / 0.75) < 1e-12);
    assert.deepEqual([...classicSmoothing([5, 5, 5], 0.9)], [5, 5, 5]);
    assert.deepEqual([...classicSmoothing([1, 7, 3], 0)], [1, 7, 3]);
  });
});

describe("lttbIndices", () => {
  const n = 10_000;
  const x = Array.from({ length: n }, (_, i) => i);
  const y = x.map((i) => Math.sin(i / 300) + (i === 5_000 ? 50 : 0));

  test("keeps both ends, at most `threshold` increasing indices, and a spike", () => {
    const idx = lttbIndices(x, y, 500);
    assert.equal(idx.length, 500);
    assert.equal(idx[0], 0);
    assert.equal(idx[idx.length - 1], n - 1);
    for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1]);
    assert.ok(idx.includes(5_000), "the outlier survives");
  });

  test("returns every finite point when there are few, and skips non-finite ones", () => {
    assert.deepEqual(lttbIndices([0, 1, 2, 3], [1, NaN, 3, 4], 10), [0, 2, 3]);
  });
});

test("percentileRange ignores outliers", () => {
  const values = Array.from({ length: 100 }, (_, i) => i);
  values[50] = 1e9;
  const r = percentileRange(values)!;
  assert.ok(r.max < 200 && r.min < 10 && r.min > -10, JSON.stringify(r));
  assert.equal(percentileRange([NaN]), undefined);
});

test("nearestIndex finds the closest x", () => {
  const xs = [0, 10, 20, 30];
  assert.equal(nearestIndex(4, (i) => xs[i], 14), 1);
  assert.equal(nearestIndex(4, (i) => xs[i], 16), 2);
  assert.equal(nearestIndex(4, (i) => xs[i], 99), 3);
  assert.equal(nearestIndex(0, () => 0, 1), -1);
});

test("histogram shares bins across series and counts every finite value", () => {
  const { edges, counts } = histogram([[0, 1, 2, 3, NaN], [3, 3]], 3);
  assert.equal(edges.length, 4);
  assert.deepEqual(
    counts.map((c) => c.reduce((a, b) => a + b, 0)),
    [4, 2],
  );
});

describe("run colours", () => {
  const palette = ["b", "o", "g", "p", "r", "y"];
  test("a run's colour comes from its hash and stays put when other runs come and go", () => {
    const alone = assignRunColors(["run-x"], palette).get("run-x");
    assert.equal(alone, palette[hashString("run-x") % palette.length]);
    const many = assignRunColors(["run-x", "run-y", "run-z"], palette);
    assert.equal(many.get("run-x"), alone);
    assert.equal(new Set(many.values()).size, 3, "distinct colours within a panel");
  });
  test("past the palette, a hue from the hash", () => {
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
    const c = assignRunColors(keys, palette);
    assert.equal([...c.values()].filter((v) => v.startsWith("hsl(")).length, 2);
  });
});

describe("RunStore", () => {
  test("pads columns that appear later, skips rows it already has", () => {
    const s = new RunStore(makeInfo("run-1"));
    s.append([{ update: 1, total_timesteps: 10, a: 1 }]);
    s.append([
      { update: 2, total_timesteps: 20, a: 2, b: 5 },
      { update: 2, total_timesteps: 20, a: 99 },
    ]);
    assert.equal(s.length, 2);
    assert.deepEqual(s.column("a"), [1, 2]);
    assert.ok(Number.isNaN(s.column("b")![0]));
    assert.equal(s.last("b"), 5);
    assert.deepEqual(s.x("step"), [10, 20]);
  });

  test("thins the older half past its capacity, keeping the recent rows exact", () => {
    const s = new RunStore(makeInfo("run-1"), 100);
    s.append(makeRows({ n: 101 }));
    assert.ok(s.length <= 100 && s.length >= 75, `${s.length} rows`);
    const u = s.column("update")!;
    assert.equal(u[u.length - 1], 101);
    assert.equal(u[u.length - 2], 100);
    assert.equal(u[0], 1);
  });
});

describe("export", () => {
  test("CSV: a header, one row per update, empty cells for undefined values, quoted text", () => {
    const s = new RunStore(makeInfo("run-1", { runId: 'id,with"comma', envName: "Env" }));
    s.append([
      { update: 1, total_timesteps: 10, wall_seconds: 1, ep_rew_mean: null, ep_rew_min: null, ep_rew_max: null },
      { update: 2, total_timesteps: 20, wall_seconds: 2, ep_rew_mean: 3, ep_rew_min: 1, ep_rew_max: 5 },
    ]);
    const spec = CARDS.find((c) => c.id === "ep_rew_mean")!;
    const table = exportTable(spec, [s], { ...DEFAULT_VIEW, smoothing: 0 });
    assert.deepEqual(table.columns, ["run", "run_id", "step", "update", "wall_seconds", "ep_rew_mean", "ep_rew_min", "ep_rew_max"]);
    const csv = toCsv(table).trim().split("\n");
    assert.equal(csv.length, 3);
    assert.equal(csv[1], '"PPO · Env · id,with""comma","id,with""comma",10,1,1,,,');
    assert.ok(csv[2].endsWith(",20,2,2,3,1,5"), csv[2]);
    const json = JSON.parse(toJson(spec, table, DEFAULT_VIEW)) as { rows: { ep_rew_mean: number | null }[] };
    assert.deepEqual(
      json.rows.map((r) => r.ep_rew_mean),
      [null, 3],
    );
    assert.equal(exportFileName(spec, [s], "csv"), "id_with_comma-ep_rew_mean.csv");
  });
});

test("parseView falls back to the defaults field by field", () => {
  assert.deepEqual(parseView(undefined), DEFAULT_VIEW);
  const v = parseView({ smoothing: 2, xAxis: "update", pinned: ["a", 3], openGroups: { other: true, x: "no" } });
  assert.equal(v.smoothing, DEFAULT_VIEW.smoothing);
  assert.equal(v.xAxis, "update");
  assert.deepEqual(v.pinned, ["a"]);
  assert.deepEqual(v.openGroups, { other: true });
});

describe("fmtColumn (the episode table's returns)", () => {
  test("one format for the whole column: whole returns without decimals, else fixed decimals by the largest value", () => {
    // The screenshot's mix: 109 and 94 (CartPole returns) printed "109.0" and "94.000" by the per-value format.
    assert.deepEqual(fmtColumn([109, 94, 75]), ["109", "94", "75"]);
    assert.deepEqual(fmtColumn([109, 94.5, null]), ["109.0", "94.5", "-"]);
    assert.deepEqual(fmtColumn([-1234.56, -98, NaN]), ["-1234.6", "-98.0", "-"]);
    assert.deepEqual(fmtColumn([0.5, 12.25]), ["0.50", "12.25"]);
    assert.deepEqual(fmtColumn([20000.4, 5]), ["20000", "5"]);
    assert.deepEqual(fmtColumn([]), []);
  });
});

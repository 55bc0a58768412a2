import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ReplayBuilder, ReplayError, type ReplayStep } from "../../../../src/core/replay/format";
import { RunReplaySource } from "../../../../src/core/replay/source";
import { ReplayStore, pickVictims, replayFile, replaysDir } from "../../../../src/core/replay/store";
import type { RenderFrame, ReplayKind, ReplaySpaces, ReplaySummary } from "../../../../src/core/replay/types";

const dirs: string[] = [];
function runDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-replay-test-"));
  dirs.push(d);
  return d;
}
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const spaces: ReplaySpaces = { observationLabels: ["x", "v", "a"], actionLabels: ["action"], actionKind: "discrete", actionNvec: [3] };

/** A deterministic pseudo-random step sequence with every kind of frame. */
function makeSteps(n: number, frameKind: "scene" | "rgb" | "text" | "mixed", seed = 1): ReplayStep[] {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const steps: ReplayStep[] = [];
  for (let t = 0; t < n; t++) {
    const kind = frameKind === "mixed" ? (["scene", "rgb", "text", "none"] as const)[t % 4] : frameKind;
    let frame: RenderFrame | null = null;
    if (kind === "scene") {
      frame = {
        type: "scene",
        width: 6,
        height: 4,
        yUp: true,
        shapes: [
          { type: "rect", x: rnd(), y: 1, width: 0.5, height: 0.3, fill: "#4e79a7" },
          { type: "line", points: [[0, 1], [rnd() * 6, 1 + rnd()]], stroke: "#333", lineWidth: 0.05 },
          { type: "text", x: 0.1, y: 3.8, text: `step ${t}`, size: 0.3 },
        ],
      };
    } else if (kind === "rgb") {
      const data = new Uint8Array(8 * 5 * 3);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + t) % 256;
      frame = { type: "rgb", width: 8, height: 5, channels: 3, data };
    } else if (kind === "text") {
      frame = { type: "text", text: `#..\n.A.\n..G  t=${t} ü` };
    }
    const p0 = Math.fround(rnd() * 0.5);
    const p1 = Math.fround(rnd() * 0.3);
    steps.push({
      observation: [rnd(), -rnd(), rnd() * 10].map(Math.fround),
      action: [t % 3],
      reward: rnd() - 0.25,
      terminated: t === n - 1,
      truncated: false,
      value: Math.fround(rnd() * 5),
      entropy: Math.fround(rnd()),
      distribution: [p0, p1, Math.fround(1 - p0 - p1)],
      frame,
    });
  }
  return steps;
}

function build(steps: ReplayStep[], compress = true): ReplayBuilder {
  const b = new ReplayBuilder(3, 1, { kind: "categorical", nvec: [3] }, spaces, compress);
  for (const s of steps) b.push(s);
  return b;
}

function summaryOf(b: ReplayBuilder, kind: ReplayKind, update: number): Omit<ReplaySummary, "id" | "bytes"> {
  return {
    kind,
    update,
    step: update * 100,
    return: b.episodeReturn,
    length: b.length,
    terminated: true,
    seed: 7,
    deterministic: false,
    frameType: b.frameType,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, update)).toISOString(),
  };
}

describe("replay store round trip", () => {
  it("reads back steps and frames equal to what was recorded, including a middle range", async () => {
    const dir = runDir();
    const steps = makeSteps(40, "mixed");
    const store = new ReplayStore(dir, { maxCount: 10, maxBytes: 10_000_000 });
    const b = build(steps);
    const { saved } = store.save(b, summaryOf(b, "periodic", 3));
    assert.ok(saved);
    assert.equal(saved.id, "u000003-periodic");
    assert.equal(saved.bytes, fs.statSync(replayFile(replaysDir(dir), saved.id)).size);
    assert.equal(saved.frameType, "scene");

    const src = new RunReplaySource(dir);
    const list = await src.list();
    assert.deepEqual(list, [saved]);
    const header = await src.header(saved.id);
    assert.deepEqual(header.spaces, spaces);
    assert.deepEqual(header.summary, saved);

    const all = await src.steps(saved.id, 0, 1000);
    assert.equal(all.from, 0);
    assert.equal(all.to, 40);
    steps.forEach((s, t) => {
      assert.deepEqual(all.observation[t], Array.from(s.observation));
      assert.deepEqual(all.action[t], Array.from(s.action));
      assert.equal(all.reward[t], s.reward);
      assert.equal(all.terminated[t], s.terminated);
      assert.equal(all.truncated[t], s.truncated);
      assert.equal(all.value[t], s.value);
      assert.equal(all.entropy[t], s.entropy);
      assert.deepEqual(all.distribution[t], { kind: "categorical", probs: [Array.from(s.distribution)] });
    });

    const mid = await src.steps(saved.id, 17, 23);
    assert.equal(mid.from, 17);
    assert.equal(mid.to, 23);
    assert.deepEqual(mid.reward, all.reward.slice(17, 23));
    assert.deepEqual(mid.observation, all.observation.slice(17, 23));

    const frames = await src.frames(saved.id, 0, 40);
    assert.equal(frames.length, 40);
    frames.forEach((f, t) => assert.deepEqual(f, steps[t].frame, `frame ${t}`));
    const midFrames = await src.frames(saved.id, 21, 26);
    assert.deepEqual(midFrames, steps.slice(21, 26).map((s) => s.frame));
    assert.deepEqual(await src.frames(saved.id, 38, 99), steps.slice(38).map((s) => s.frame));
    assert.deepEqual(await src.frames(saved.id, 50, 60), []);
  });

  it("reads only the requested byte ranges", async () => {
    const dir = runDir();
    const steps = makeSteps(400, "rgb");
    const store = new ReplayStore(dir, { maxCount: 10, maxBytes: 100_000_000 });
    const b = build(steps, false);
    const { saved } = store.save(b, summaryOf(b, "periodic", 1));
    assert.ok(saved);
    const src = new RunReplaySource(dir);
    await src.frames(saved.id, 200, 202);
    // header + table slice + two uncompressed 129-byte frames: far less than the whole file
    assert.ok(src.stats.bytes < 2_000, `read ${src.stats.bytes} of ${saved.bytes} bytes`);
    assert.ok(saved.bytes > 40_000);
  });

  it("deflates large frames when asked to (and only then)", () => {
    const steps = makeSteps(50, "text").map((s, t) => ({ ...s, frame: { type: "text" as const, text: `${"#.".repeat(40)}\n`.repeat(20) + `t=${t}` } }));
    const packed = build(steps, true).toBuffer({ ...summaryOf(build(steps), "periodic", 1), id: "a", bytes: 0 });
    const plain = build(steps, false).toBuffer({ ...summaryOf(build(steps), "periodic", 1), id: "a", bytes: 0 });
    assert.ok(packed.length < plain.length, `${packed.length} vs ${plain.length}`);
  });
});

describe("replay caps", () => {
  it("drops the oldest periodic replays first and keeps the byte and count caps", async () => {
    const dir = runDir();
    const one = build(makeSteps(30, "scene"));
    const size = one.toBuffer({ ...summaryOf(one, "periodic", 1), id: "u000001-periodic", bytes: 0 }).length;
    const store = new ReplayStore(dir, { maxCount: 100, maxBytes: Math.floor(size * 4.5) });
    const kinds: ReplayKind[] = ["periodic", "requested", "periodic", "periodic", "periodic", "periodic", "periodic"];
    kinds.forEach((kind, i) => {
      const b = build(makeSteps(30, "scene", i + 1));
      store.save(b, summaryOf(b, kind, i + 1));
    });
    const list = await new RunReplaySource(dir).list();
    const total = list.reduce((a, r) => a + r.bytes, 0);
    assert.ok(total <= store.limits.maxBytes, `${total} > ${store.limits.maxBytes}`);
    assert.deepEqual(
      list.map((r) => r.id),
      ["u000002-requested", "u000005-periodic", "u000006-periodic", "u000007-periodic"],
    );
    const files = fs.readdirSync(replaysDir(dir)).filter((f) => f.endsWith(".replay")).sort();
    assert.deepEqual(files, list.map((r) => `${r.id}.replay`).sort());

    store.limits = { maxCount: 2, maxBytes: 1e9 };
    const b = build(makeSteps(30, "scene", 99));
    store.save(b, summaryOf(b, "best", 8));
    assert.deepEqual((await new RunReplaySource(dir).list()).map((r) => r.id), ["u000002-requested", "u000008-best"]);
  });

  it("a new best replaces the old best; best and worst are never dropped for room", () => {
    const dir = runDir();
    const store = new ReplayStore(dir, { maxCount: 2, maxBytes: 1e9 });
    const save = (kind: ReplayKind, update: number): ReplaySummary | undefined => {
      const b = build(makeSteps(5, "text", update));
      return store.save(b, summaryOf(b, kind, update)).saved;
    };
    save("best", 1);
    save("worst", 2);
    assert.deepEqual(store.list().map((r) => r.id), ["u000001-best", "u000002-worst"]);
    save("best", 3);
    assert.deepEqual(store.list().map((r) => r.id), ["u000002-worst", "u000003-best"]);
    assert.equal(fs.existsSync(replayFile(store.dir, "u000001-best")), false);
    const r = store.save(build(makeSteps(5, "text")), summaryOf(build(makeSteps(5, "text")), "periodic", 4));
    assert.equal(r.saved, undefined);
    assert.match(r.reason ?? "", /does not fit the caps/);
    assert.equal(store.list().length, 2);
  });

  it("the same episode kept as periodic and best shares its file, and stays readable when the periodic one is dropped", async () => {
    const dir = runDir();
    const store = new ReplayStore(dir, { maxCount: 2, maxBytes: 1e9 });
    const steps = makeSteps(12, "scene", 5);
    const b = build(steps);
    const periodic = store.save(b, summaryOf(b, "periodic", 1)).saved!;
    const best = store.save(b, summaryOf(b, "best", 1), periodic.id).saved!;
    const a = fs.statSync(replayFile(store.dir, periodic.id));
    const c = fs.statSync(replayFile(store.dir, best.id));
    assert.equal(a.ino, c.ino, "a hard link");
    const other = build(makeSteps(3, "text", 6));
    store.save(other, summaryOf(other, "periodic", 2)); // drops the oldest periodic (update 1)
    assert.deepEqual(store.list().map((r) => r.id), ["u000001-best", "u000002-periodic"]);
    const src = new RunReplaySource(dir);
    assert.deepEqual(await src.frames(best.id, 0, 12), steps.map((s) => s.frame));
    assert.equal((await src.header(best.id)).summary.kind, "best");
  });

  it("pickVictims reports when dropping is not enough", () => {
    const mk = (id: string, kind: ReplayKind, bytes: number, update: number): ReplaySummary => ({
      ...summaryOf(build([]), kind, update),
      id,
      bytes,
    });
    const best = mk("b", "best", 50, 1);
    const p1 = mk("p1", "periodic", 30, 2);
    const p2 = mk("p2", "periodic", 30, 3);
    const fresh = mk("n", "periodic", 30, 4);
    assert.deepEqual(pickVictims([best, p1, p2, fresh], fresh, { maxCount: 10, maxBytes: 110 }), [p1]);
    assert.equal(pickVictims([best, fresh], fresh, { maxCount: 10, maxBytes: 60 }), undefined);
  });

  it("removes orphan files left by a crash between the file and the index", () => {
    const dir = runDir();
    const rd = replaysDir(dir);
    fs.mkdirSync(rd, { recursive: true });
    fs.writeFileSync(path.join(rd, "u000009-periodic.replay"), "partial");
    fs.writeFileSync(path.join(rd, "u000009-periodic.replay.tmp-1-abcd"), "partial");
    const store = new ReplayStore(dir, { maxCount: 5, maxBytes: 1e9 });
    assert.deepEqual(fs.readdirSync(rd), []);
    assert.deepEqual(store.list(), []);
  });
});

describe("corrupt or missing replays", () => {
  it("gives a clear error, never a crash", async () => {
    const dir = runDir();
    const src = new RunReplaySource(dir);
    assert.deepEqual(await src.list(), []);
    await assert.rejects(src.header("u000001-periodic"), (e: Error) => e instanceof ReplayError && /no replay "u000001-periodic"/.test(e.message));
    await assert.rejects(src.steps("../../etc/passwd", 0, 1), /invalid replay id/);

    const store = new ReplayStore(dir, { maxCount: 5, maxBytes: 1e9 });
    const b = build(makeSteps(20, "scene"));
    const { saved } = store.save(b, summaryOf(b, "periodic", 1));
    assert.ok(saved);
    const file = replayFile(store.dir, saved.id);
    const bytes = fs.readFileSync(file);

    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 10));
    await assert.rejects(src.frames(saved.id, 0, 20), (e: Error) => e instanceof ReplayError && /truncated/.test(e.message) && e.message.includes(file));

    const garbage = Buffer.from(bytes);
    garbage.write("XXXXXXXX", 0, "latin1");
    fs.writeFileSync(file, garbage);
    await assert.rejects(src.steps(saved.id, 0, 5), /not a PPO Lab replay file/);

    fs.rmSync(file);
    await assert.rejects(src.frames(saved.id, 0, 5), /has no file/);

    fs.writeFileSync(path.join(store.dir, "index.json"), "{ not json");
    await assert.rejects(src.list(), (e: Error) => e instanceof ReplayError && /index\.json is not valid JSON/.test(e.message));
    assert.throws(() => new ReplayStore(dir, { maxCount: 5, maxBytes: 1e9 }), /not valid JSON/);
  });

  it("rejects an rgb frame whose data does not match its size", () => {
    const b = new ReplayBuilder(3, 1, { kind: "categorical", nvec: [3] }, spaces);
    const step = makeSteps(1, "text")[0];
    assert.throws(() => b.push({ ...step, frame: { type: "rgb", width: 4, height: 4, data: new Uint8Array(10) } }), /needs 48 bytes/);
    assert.equal(b.length, 0);
  });
});

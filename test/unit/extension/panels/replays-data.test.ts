/**
 * The Replays panel's host side without VS Code: request validation, per-request caps (only the asked ranges are
 * read), RGB frames as base64, errors as responses, and the webview HTML's CSP.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { ReplayBuilder } from "../../../../src/core/replay/format";
import { ReplayStore } from "../../../../src/core/replay/store";
import type { RenderFrame } from "../../../../src/core/replay/types";
import { openRunReplaySource, ReplayServer, requestProblem, toWireFrame } from "../../../../src/extension/panels/replays-data";
import { replaysHtml } from "../../../../src/extension/panels/replays-html";
import { cartPoleReplay, MemoryReplaySource } from "../../../fixtures/replays/memory-replays";

describe("ReplayServer", () => {
  test("lists replays sorted by update, and reports an unreadable index as an error", async () => {
    const src = new MemoryReplaySource([cartPoleReplay({ id: "b", update: 20 }), cartPoleReplay({ id: "a", update: 5 })]);
    const { replays, error } = await new ReplayServer(src).list();
    assert.equal(error, undefined);
    assert.deepEqual(replays.map((r) => r.id), ["a", "b"]);

    const broken = new MemoryReplaySource([]);
    broken.list = async () => {
      throw new Error("index.json: Unexpected end of JSON input");
    };
    const r = await new ReplayServer(broken).list();
    assert.deepEqual(r.replays, []);
    assert.match(r.error ?? "", /could not read the replay index: index.json: Unexpected end/);
  });

  test("reads only the requested ranges, clamped to the per-request caps", async () => {
    const src = new MemoryReplaySource([cartPoleReplay({ id: "r", length: 100 })]);
    const server = new ReplayServer(src, { maxSteps: 30, maxFrames: 8 });
    const steps = await server.handle({ kind: "steps", id: "r", from: 10, to: 100 });
    assert.equal(steps.kind, "steps");
    if (steps.kind !== "steps") return;
    assert.equal(steps.chunk.from, 10);
    assert.equal(steps.chunk.to, 40, "capped at 30 steps");
    assert.equal(steps.chunk.reward.length, 30);
    const frames = await server.handle({ kind: "frames", id: "r", from: 95, to: 120 });
    assert.equal(frames.kind, "frames");
    if (frames.kind !== "frames") return;
    assert.equal(frames.from, 95);
    assert.equal(frames.frames.length, 5, "clamped to the replay's length by the source");
    assert.equal(frames.frames[0]?.type, "scene");
    assert.deepEqual(src.reads, [
      { what: "steps", id: "r", from: 10, to: 40 },
      { what: "frames", id: "r", from: 95, to: 100 },
    ]);
  });

  test("a frames answer stops at the byte budget (at least one frame), so one message stays small", async () => {
    const r = cartPoleReplay({ id: "rgb", length: 10 });
    r.frames = r.frames.map(() => ({ type: "rgb", width: 10, height: 10, channels: 3, data: new Uint8Array(300) }));
    const server = new ReplayServer(new MemoryReplaySource([r]), { maxFrameBytes: 1000 });
    const got = await server.handle({ kind: "frames", id: "rgb", from: 2, to: 10 });
    assert.ok(got.kind === "frames" && got.from === 2 && got.frames.length === 3, "3 x 300 bytes fit in 1000");
    const tiny = new ReplayServer(new MemoryReplaySource([r]), { maxFrameBytes: 10 });
    const one = await tiny.handle({ kind: "frames", id: "rgb", from: 0, to: 10 });
    assert.ok(one.kind === "frames" && one.frames.length === 1, "one frame even over the budget");
  });

  test("malformed requests and reader failures become error responses, never throws", async () => {
    const server = new ReplayServer(new MemoryReplaySource([cartPoleReplay({ id: "r" })]));
    const bad = await server.respond(1, { kind: "steps", id: "r", from: -1, to: 5 });
    assert.equal(bad.type, "response");
    assert.ok(bad.type === "response" && !bad.ok && /integer from\/to >= 0/.test(bad.error));
    const missing = await server.respond(2, { kind: "header", id: "nope" });
    assert.ok(missing.type === "response" && !missing.ok && missing.requestId === 2 && /"nope" not found/.test(missing.error));
    const ok = await server.respond(3, { kind: "header", id: "r" });
    assert.ok(ok.type === "response" && ok.ok && ok.result.kind === "header" && ok.result.header.summary.id === "r");
    assert.match(requestProblem({ kind: "pixels", id: "r" }) ?? "", /unknown request kind "pixels"/);
    assert.match(requestProblem({ kind: "frames", id: "r", from: 5, to: 2 }) ?? "", /to \(2\) is before from \(5\)/);
  });

  test("RGB frames travel as base64 of exactly width*height*channels bytes", () => {
    const data = new Uint8Array([1, 2, 3, 4, 5, 6, 99]);
    const wire = toWireFrame({ type: "rgb", width: 2, height: 1, data });
    assert.ok(wire && wire.type === "rgb");
    if (!wire || wire.type !== "rgb") return;
    assert.equal(wire.channels, 3);
    assert.deepEqual([...Buffer.from(wire.base64, "base64")], [1, 2, 3, 4, 5, 6]);
    assert.throws(() => toWireFrame({ type: "rgb", width: 2, height: 2, data }), /needs 12 bytes but has 7/);
    assert.equal(toWireFrame(null), null);
  });
});

describe("ReplayServer over a run directory", () => {
  test("serves what the trainer's store wrote: the list, a header, a steps range and RGB frames byte for byte", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-replays-panel-"));
    try {
      const spaces = { observationLabels: ["x", "v"], actionLabels: ["left", "right"], actionKind: "discrete" as const, actionNvec: [2] };
      const b = new ReplayBuilder(2, 1, { kind: "categorical", nvec: [2] }, spaces, true);
      const frames: RenderFrame[] = [];
      for (let t = 0; t < 50; t++) {
        const data = new Uint8Array(4 * 3 * 3).map((_, i) => (i * 5 + t) % 256);
        frames.push({ type: "rgb", width: 4, height: 3, channels: 3, data });
        b.push({ observation: [t / 10, -t / 10], action: [t % 2], reward: 1, terminated: t === 49, truncated: false, value: 50 - t, entropy: 0.5, distribution: [0.25, 0.75], frame: frames[t] });
      }
      const store = new ReplayStore(dir, { maxCount: 10, maxBytes: 1e8 });
      const { saved } = store.save(b, { kind: "requested", update: 4, step: 800, return: 50, length: 50, terminated: true, seed: 3, deterministic: true, frameType: "rgb", createdAt: new Date(0).toISOString() });
      assert.ok(saved);
      const server = new ReplayServer(openRunReplaySource(dir), { maxFrames: 16 });
      const { replays, error } = await server.list();
      assert.equal(error, undefined);
      assert.deepEqual(replays.map((r) => r.id), [saved.id]);
      const header = await server.handle({ kind: "header", id: saved.id });
      assert.ok(header.kind === "header" && header.header.spaces.actionLabels[1] === "right");
      const steps = await server.handle({ kind: "steps", id: saved.id, from: 45, to: 60 });
      assert.ok(steps.kind === "steps");
      if (steps.kind !== "steps") return;
      assert.deepEqual([steps.chunk.from, steps.chunk.to], [45, 50]);
      assert.deepEqual(steps.chunk.value, [5, 4, 3, 2, 1]);
      const got = await server.handle({ kind: "frames", id: saved.id, from: 10, to: 50 });
      assert.ok(got.kind === "frames");
      if (got.kind !== "frames") return;
      assert.equal(got.frames.length, 16, "capped at maxFrames");
      const f = got.frames[3];
      assert.ok(f && f.type === "rgb");
      if (!f || f.type !== "rgb") return;
      assert.deepEqual([...Buffer.from(f.base64, "base64")], [...(frames[13] as { data: Uint8Array }).data]);
      const missing = await server.respond(9, { kind: "header", id: "u999999-periodic" });
      assert.ok(missing.type === "response" && !missing.ok && missing.error.length > 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("replays HTML", () => {
  test("strict CSP: scripts only with the nonce, nothing remote, blob media for the WebM export", () => {
    const html = replaysHtml({ cspSource: "https://x.vscode-cdn.net", nonce: "abc123", scriptUri: "s.js", baseStyleUri: "b.css", styleUri: "s.css", codiconUri: "c.css" });
    assert.match(html, /default-src 'none'/);
    assert.match(html, /script-src 'nonce-abc123'/);
    assert.match(html, /media-src https:\/\/x\.vscode-cdn\.net blob:/);
    assert.match(html, /<script nonce="abc123" src="s\.js">/);
    assert.doesNotMatch(html, /https?:\/\/(?!x\.vscode-cdn\.net)/);
  });
});

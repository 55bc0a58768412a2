/**
 * The Replays webview in headless Chromium (harness.ts): the test plays the host with the real ReplayServer over an
 * in-memory ReplaySource (CartPole-like scene frames). Load, play, seek, step (buttons, keyboard, scrub bar, a click
 * on a timeline), the canvas is not blank (pixel count), timeline cursors follow the frame index, compare in
 * lockstep, observation bars without frames, exports (CSV, GIF, WebM), errors shown in the panel. The scene
 * renderer's transforms are checked in node.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ReplayServer } from "../../src/extension/panels/replays-data";
import type { FromReplaysMessage, ToReplaysMessage } from "../../src/protocol";
import { fitTransform, sceneToCanvas } from "../../webview/replays/scene";
import { cartPoleReplay, MemoryReplaySource, pendulumReplay, withFrames } from "../fixtures/replays/memory-replays";
import { Harness, skipReason, waitFor, type DashboardPage } from "./harness";

const skip = skipReason();
if (skip) console.log(`# ${skip}`);

interface DebugState {
  step: number;
  length: number;
  playing: boolean;
  views: { id: string; shown: number; loaded: number; frameType: string }[];
  replays: string[];
}

interface TimelineView {
  id: string;
  points: number;
  cursor: number | undefined;
}

type Win = { ppoLabReplays: Record<string, (...a: unknown[]) => unknown>; __posted: FromReplaysMessage[] };

/** Plays the host: answers `ready` with the run and its list and every request through a ReplayServer. */
class FakeHost {
  private handled = 0;
  private running = true;
  private readonly loop: Promise<void>;
  readonly exports: Extract<FromReplaysMessage, { type: "export" }>[] = [];

  constructor(
    readonly p: DashboardPage,
    readonly source: MemoryReplaySource,
    readonly live = false,
    limits: ConstructorParameters<typeof ReplayServer>[1] = {},
  ) {
    const server = new ReplayServer(source, limits);
    this.loop = (async () => {
      while (this.running) {
        const posted = await p.page.evaluate(() => (window as unknown as Win).__posted.length).catch(() => 0);
        if (posted > this.handled) {
          const msgs = await p.page.evaluate((from) => (window as unknown as Win).__posted.slice(from), this.handled);
          this.handled += msgs.length;
          for (const m of msgs) {
            if (m.type === "ready") {
              const { replays, error } = await server.list();
              await this.send({ type: "init", run: { runDir: "/runs/r1", runId: "r1", envName: "CartPole-v1", status: "finished", live }, replays, ...(error ? { error } : {}) });
            } else if (m.type === "request") {
              await this.send(await server.respond(m.requestId, m.request));
            } else if (m.type === "export") {
              this.exports.push(m);
            }
          }
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
  }

  /** A live run saved a replay: the new list. */
  async sendList(): Promise<void> {
    const replays = await this.source.list();
    await this.send({ type: "replays", run: { runDir: "/runs/r1", runId: "r1", envName: "CartPole-v1", status: "running", live: this.live }, replays });
  }

  async send(m: ToReplaysMessage): Promise<void> {
    await this.p.page.evaluate((msg) => window.postMessage(msg, "*"), m).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

describe("replay scene renderer (node)", () => {
  test("a y-up scene maps its bottom-left to the canvas' bottom-left and is scaled to fit", () => {
    const scene = { width: 600, height: 400, yUp: true };
    assert.deepEqual(sceneToCanvas(scene, 300, 200, [0, 0]), [0, 200]);
    assert.deepEqual(sceneToCanvas(scene, 300, 200, [600, 400]), [300, 0]);
    assert.deepEqual(sceneToCanvas(scene, 300, 200, [300, 100]), [150, 150]);
  });

  test("letterboxing keeps the aspect and centres the scene", () => {
    const m = fitTransform({ width: 100, height: 100 }, 200, 100);
    assert.equal(m.a, 1);
    assert.equal(m.d, 1);
    assert.deepEqual(sceneToCanvas({ width: 100, height: 100 }, 200, 100, [0, 0]), [50, 0]);
    assert.deepEqual(sceneToCanvas({ width: 100, height: 100, yUp: true }, 200, 100, [0, 0]), [50, 100]);
  });

  test("shape transforms: translate, then rotate (counter-clockwise in y-up), then scale", () => {
    const scene = { width: 600, height: 400, yUp: true };
    // (10, 0) scaled by 2 -> (20, 0), rotated +90 degrees -> (0, 20), translated -> (100, 120) -> canvas (50, 140).
    const [x, y] = sceneToCanvas(scene, 300, 200, [10, 0], { translate: [100, 100], rotate: Math.PI / 2, scale: 2 });
    assert.ok(Math.abs(x - 50) < 1e-9 && Math.abs(y - 140) < 1e-9, `got ${x}, ${y}`);
  });
});

describe("replays webview", { skip }, () => {
  let harness: Harness;
  before(async () => {
    harness = await Harness.start();
  });
  after(async () => {
    await harness?.close();
  });

  /** Opens the replays page with a fake host over `replays`, runs `fn`, checks no page errors, closes. */
  async function withPlayer(
    source: MemoryReplaySource,
    fn: (p: DashboardPage, host: FakeHost) => Promise<void>,
    live = false,
    limits: ConstructorParameters<typeof ReplayServer>[1] = {},
  ): Promise<void> {
    const p = await harness.open({ app: "replays", width: 1200, height: 1000 });
    const host = new FakeHost(p, source, live, limits);
    try {
      await fn(p, host);
      assert.deepEqual(p.errors, [], "the page logged errors");
    } finally {
      await host.stop();
      await p.close();
    }
  }

  const call = <T>(p: DashboardPage, name: string, ...args: unknown[]): Promise<T> =>
    p.page.evaluate(({ name, args }) => (window as unknown as Win).ppoLabReplays[name](...args), { name, args }) as Promise<T>;
  const state = (p: DashboardPage) => call<DebugState>(p, "state");
  const timelines = (p: DashboardPage, k = 0) => call<TimelineView[]>(p, "timelines", k);

  /** Pixels of a view's frame canvas that are neither the theme background (#1f1f1f) nor the scene's (#ffffff), and a hash. */
  const canvasStats = (p: DashboardPage, view = "a") =>
    p.page.evaluate((v) => {
      const c = document.querySelector<HTMLCanvasElement>(`[data-view="${v}"] canvas.frame-canvas`);
      if (!c) return { drawn: -1, total: 0, hash: 0 };
      // Read a copy (one readback per canvas, so Chromium does not warn about repeated getImageData).
      const copy = document.createElement("canvas");
      copy.width = c.width;
      copy.height = c.height;
      const cc = copy.getContext("2d", { willReadFrequently: true })!;
      cc.drawImage(c, 0, 0);
      const d = cc.getImageData(0, 0, c.width, c.height).data;
      let drawn = 0;
      let hash = 0;
      for (let i = 0; i < d.length; i += 4) {
        const bg = (d[i] === 31 && d[i + 1] === 31 && d[i + 2] === 31) || (d[i] === 255 && d[i + 1] === 255 && d[i + 2] === 255);
        if (!bg) {
          drawn++;
          hash = (hash * 31 + i + 7 * d[i] + 13 * d[i + 1] + 17 * d[i + 2]) % 1000000007;
        }
      }
      return { drawn, total: d.length / 4, hash };
    }, view);

  async function ready(p: DashboardPage, length: number, views = 1): Promise<void> {
    await waitFor(async () => {
      const s = await state(p);
      return s.views.length === views && s.views.every((v) => v.loaded > 0) && s.views[0].loaded === Math.min(length, s.views[0].loaded) && (await canvasStats(p)).drawn > 0;
    }, "the replay to load and draw");
  }

  test("lists the replays, opens the newest, loads its steps and only the frames around the playhead", async () => {
    const src = new MemoryReplaySource([cartPoleReplay({ id: "u000005-periodic", update: 5, length: 30 }), cartPoleReplay({ id: "u000020-best", update: 20, kind: "best", length: 300 })]);
    await withPlayer(src, async (p) => {
      await ready(p, 300);
      await waitFor(async () => (await state(p)).views[0].loaded === 300, "all steps");
      const s = await state(p);
      assert.deepEqual(s.replays, ["u000005-periodic", "u000020-best"]);
      assert.equal(s.views[0].id, "u000020-best", "the newest replay opens");
      assert.equal(s.length, 300);
      const rows = await p.page.$$eval("tr[data-replay]", (rs) => rs.map((r) => [(r as HTMLElement).dataset.replay, r.textContent]));
      assert.equal(rows.length, 2);
      assert.match(rows[0][1] ?? "", /best.*20.*300/);
      const frameReads = src.reads.filter((r) => r.what === "frames");
      assert.ok(frameReads.length > 0);
      assert.ok(Math.max(...frameReads.map((r) => r.to)) <= 96, `frames read ahead of the playhead only: ${JSON.stringify(frameReads)}`);
    });
  });

  test("the frame canvas is drawn (pixel count), and seeking changes it; timeline cursors follow the frame index", async () => {
    const src = new MemoryReplaySource([cartPoleReplay({ length: 80 })]);
    await withPlayer(src, async (p) => {
      await ready(p, 80);
      const first = await canvasStats(p);
      assert.ok(first.drawn > 500, `cart, pole and track are drawn: ${first.drawn} of ${first.total} pixels`);
      await call(p, "seek", 45);
      await waitFor(async () => (await canvasStats(p)).hash !== first.hash, "the frame at step 45");
      const s = await state(p);
      assert.equal(s.step, 45);
      assert.equal(s.views[0].shown, 45);
      const tl = await timelines(p);
      assert.deepEqual(tl.map((t) => t.id), ["reward", "return", "value", "entropy", "action"]);
      for (const t of tl) {
        assert.equal(t.cursor, 45, `${t.id} cursor`);
        assert.equal(t.points, 80, `${t.id} has every step`);
      }
      assert.match((await p.page.textContent('[data-role="step-label"]')) ?? "", /^45 \/ 79$/);
      assert.match((await p.page.textContent(".replay-status")) ?? "", /return 46/);
      // The fixture's policy takes "right" (1) when P(right) >= 0.5: P(right) = 0.5 + 0.4 sin(45 / 5) > 0.5.
      assert.equal(await p.page.getAttribute(".dist-note", "data-taken"), "1", "the taken action is highlighted");
      assert.match((await p.page.textContent(".dist-note")) ?? "", /took right \(p = 0\.66/);
    });
  });

  test("a replay without values (GRPO: no critic) hides the V(s) timeline and the V readout", async () => {
    const grpo = cartPoleReplay({ length: 30 });
    grpo.value = grpo.value.map(() => NaN);
    await withPlayer(new MemoryReplaySource([grpo]), async (p) => {
      await ready(p, 30);
      await call(p, "seek", 10);
      await waitFor(async () => /return 11/.test((await p.page.textContent(".replay-status")) ?? ""), "the status of step 10");
      assert.equal(await p.page.isVisible('.timeline[data-timeline="value"]'), false, "no V(s) timeline");
      assert.equal(await p.page.isVisible('.timeline[data-timeline="entropy"]'), true);
      assert.doesNotMatch((await p.page.textContent(".replay-status")) ?? "", /\bV /);
    });
  });

  test("play advances and pauses; step buttons, arrows, space and the scrub bar; clicking a timeline seeks", async () => {
    const src = new MemoryReplaySource([cartPoleReplay({ length: 400 })]);
    await withPlayer(src, async (p) => {
      await ready(p, 400);
      await call(p, "setSpeed", 2);
      await p.page.click('vscode-toolbar-button[data-control="play"]');
      await waitFor(async () => (await state(p)).step >= 10, "playback to advance");
      const focused = await p.page.evaluate(() => document.activeElement?.tagName);
      await p.page.keyboard.press("Space");
      const paused = await state(p);
      assert.equal(paused.playing, false, `Space pauses (focus on ${focused})`);
      await p.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await p.page.keyboard.press("Space");
      assert.equal((await state(p)).playing, true, "Space plays again with nothing focused");
      await p.page.keyboard.press("Space");
      assert.equal((await state(p)).playing, false);
      const now = await state(p);
      const tl = await timelines(p);
      assert.ok(tl.every((t) => t.cursor === now.step), `cursors at ${now.step}: ${JSON.stringify(tl)}`);

      await call(p, "seek", 10);
      await p.page.keyboard.press("ArrowRight");
      await p.page.keyboard.press("ArrowRight");
      assert.equal((await state(p)).step, 12);
      await p.page.keyboard.press("ArrowLeft");
      await p.page.click('vscode-toolbar-button[data-control="back"]');
      assert.equal((await state(p)).step, 10);
      await p.page.click('vscode-toolbar-button[data-control="forward"]');
      assert.equal((await state(p)).step, 11);

      await p.page.$eval("input.scrub", (el) => {
        const i = el as HTMLInputElement;
        i.value = "77";
        i.dispatchEvent(new Event("input"));
      });
      assert.equal((await state(p)).step, 77);

      // Where step 100 is on the value timeline, then click there from elsewhere.
      await call(p, "seek", 100);
      const x = await call<number>(p, "cursorPixel", 0, "value");
      const box = await p.page.$eval('canvas[data-timeline="value"]', (c) => {
        const r = c.getBoundingClientRect();
        return { top: r.top, height: r.height };
      });
      await call(p, "seek", 0);
      await p.page.mouse.click(x, box.top + box.height / 2);
      const s = await state(p);
      assert.ok(Math.abs(s.step - 100) <= 2, `clicked step ${s.step} (a pixel is about 1.6 steps)`);
      assert.ok((await timelines(p)).every((t) => t.cursor === s.step));

      // Playing to the end stops there without loop.
      await call(p, "seek", 390);
      await call(p, "play");
      await waitFor(async () => !(await state(p)).playing, "the end of the replay");
      assert.equal((await state(p)).step, 399);
    });
  });

  test("loop wraps to the start; the speed menu sets the playback speed", async () => {
    const src = new MemoryReplaySource([cartPoleReplay({ length: 60 })]);
    await withPlayer(src, async (p) => {
      await ready(p, 60);
      await p.page.click('vscode-checkbox[data-control="loop"]');
      await p.page.$eval('vscode-single-select[data-control="speed"]', (el) => {
        const sel = el as HTMLElement & { value: string };
        sel.value = "8";
        sel.dispatchEvent(new Event("change"));
      });
      const st = await p.page.evaluate(() => (window as unknown as Win).ppoLabReplays.state() as { speed: number; loop: boolean });
      assert.deepEqual([st.speed, st.loop], [8, true]);
      await call(p, "seek", 50);
      await call(p, "play");
      await waitFor(async () => (await state(p)).step < 40, "playback to wrap around");
      assert.equal((await state(p)).playing, true, "still playing after the wrap");
      await call(p, "pause");
    });
  });

  test("compare: two replays side by side in lockstep; the shorter holds its last step", async () => {
    const src = new MemoryReplaySource([cartPoleReplay({ id: "early", update: 1, length: 40 }), cartPoleReplay({ id: "late", update: 50, length: 100 })]);
    await withPlayer(src, async (p) => {
      await ready(p, 100);
      await p.page.click('vscode-toolbar-button[data-compare="early"]');
      await waitFor(async () => (await state(p)).views.length === 2, "the second view");
      await waitFor(async () => (await canvasStats(p, "b")).drawn > 0, "the second canvas");
      await call(p, "seek", 60);
      const s = await state(p);
      assert.deepEqual(s.views.map((v) => [v.id, v.shown]), [["late", 60], ["early", 39]]);
      assert.ok((await timelines(p, 1)).every((t) => t.cursor === 39));
      assert.equal(await p.page.textContent('tr[data-replay="early"] td.mark'), "B");
    });
  });

  test("without frames the observation is drawn as labelled bars", async () => {
    const src = new MemoryReplaySource([cartPoleReplay({ id: "bars", length: 20, withFrames: false })]);
    await withPlayer(src, async (p) => {
      await waitFor(async () => (await state(p)).views[0]?.loaded === 20, "steps");
      await call(p, "seek", 5);
      const st = await canvasStats(p);
      assert.ok(st.drawn > 300, `bars drawn: ${st.drawn}`);
      assert.equal(src.reads.filter((r) => r.what === "frames").length, 0, "no frame requests for a frameless replay");
    });
  });

  test("continuous actions: mean with a std band over time, mean ± std bars at the step; the canvas backs devicePixelRatio", async () => {
    const src = new MemoryReplaySource([pendulumReplay({ length: 40 })]);
    await withPlayer(src, async (p) => {
      await ready(p, 40);
      await call(p, "seek", 8);
      const tl = await timelines(p);
      assert.ok(tl.every((t) => t.cursor === 8));
      // sin(8 / 4) * 1.5 = 1.364; std = 0.8 - 0.5 * 8 / 40 = 0.7.
      assert.match((await p.page.textContent(".dist-note")) ?? "", /torque: 1\.364 ± 0\.700/);
      assert.ok((await canvasStats(p)).drawn > 200, "the rod is drawn");
      const dpr = await p.page.$eval("canvas.frame-canvas", (c) => {
        const r = c.getBoundingClientRect();
        return { w: (c as HTMLCanvasElement).width, expected: Math.round(Math.round(r.width) * devicePixelRatio) };
      });
      assert.equal(dpr.w, dpr.expected);
    });
  });

  test("RGB and text frames are drawn", async () => {
    for (const kind of ["rgb", "text"] as const) {
      const src = new MemoryReplaySource([withFrames(cartPoleReplay({ id: kind, length: 20 }), kind)]);
      await withPlayer(src, async (p) => {
        await ready(p, 20);
        const a = await canvasStats(p);
        assert.ok(a.drawn > (kind === "rgb" ? 20_000 : 100), `${kind}: ${a.drawn} pixels drawn`);
        await call(p, "seek", 2);
        await waitFor(async () => (await canvasStats(p)).hash !== a.hash, `${kind} frame 2 differs from frame 0`);
      });
    }
  });

  test("byte-capped frame answers: the player asks again from where an answer stopped, and the GIF has every frame", async () => {
    const src = new MemoryReplaySource([withFrames(cartPoleReplay({ id: "capped", length: 40 }), "rgb")]);
    // 16 x 12 x 3 = 576 bytes a frame: at most 3 frames per answer.
    await withPlayer(
      src,
      async (p, host) => {
        await ready(p, 40);
        await call(p, "seek", 30);
        await waitFor(async () => (await canvasStats(p)).drawn > 20_000, "frame 30");
        const reads = src.reads.filter((r) => r.what === "frames");
        assert.ok(reads.length >= 10, `several small answers: ${reads.length}`);
        await p.page.click('vscode-button[data-export="gif"]');
        await waitFor(async () => host.exports.length === 1, "the GIF export", 30_000);
        const gif = Buffer.from(host.exports[0].data, "base64");
        // Each frame starts with an image descriptor after a graphic control extension (21 F9 04 ... 00 2C).
        let frames = 0;
        for (let i = 0; i + 8 < gif.length; i++) if (gif[i] === 0x21 && gif[i + 1] === 0xf9 && gif[i + 2] === 0x04 && gif[i + 7] === 0x00 && gif[i + 8] === 0x2c) frames++;
        assert.equal(frames, 40);
      },
      false,
      { maxFrameBytes: 1800 },
    );
  });

  test("a theme change redraws the frame and the timelines in the new colours", async () => {
    const src = new MemoryReplaySource([withFrames(cartPoleReplay({ id: "t", length: 20 }), "text")]);
    await withPlayer(src, async (p) => {
      await ready(p, 20);
      const corner = () =>
        p.page.$eval("canvas.frame-canvas", (c) => {
          const copy = document.createElement("canvas");
          copy.width = copy.height = 4;
          const cc = copy.getContext("2d", { willReadFrequently: true })!;
          cc.drawImage(c as HTMLCanvasElement, 0, 0);
          return [...cc.getImageData(1, 1, 1, 1).data];
        });
      assert.deepEqual((await corner()).slice(0, 3), [31, 31, 31]);
      await p.setTheme("light");
      await waitFor(async () => (await corner())[0] === 255, "the light background");
    });
  });

  test("exports: CSV rows per step, an animated GIF and a WebM go to the host", async () => {
    const src = new MemoryReplaySource([cartPoleReplay({ id: "ex", length: 12 })]);
    await withPlayer(src, async (p, host) => {
      await ready(p, 12);
      await p.page.click('vscode-button[data-export="csv"]');
      await waitFor(async () => host.exports.length === 1, "the CSV export");
      const csv = host.exports[0];
      assert.equal(csv.format, "csv");
      assert.match(csv.fileName, /^r1-ex\.csv$/);
      const lines = csv.data.trim().split("\n").map((l) => l.split(","));
      assert.equal(lines.length, 13);
      assert.deepEqual(lines[0].slice(0, 7), ["step", "reward", "return", "terminated", "truncated", "value", "entropy"]);
      assert.ok(lines[0].includes("p_left") && lines[0].includes("obs_pole angle"));
      assert.equal(lines[12][2], "12", "cumulative return at the last step");
      assert.equal(lines[12][3], "1", "terminated at the last step");

      await p.page.click('vscode-button[data-export="gif"]');
      await waitFor(async () => host.exports.length === 2, "the GIF export", 30_000);
      const gif = Buffer.from(host.exports[1].data, "base64");
      assert.equal(gif.subarray(0, 6).toString("latin1"), "GIF89a");
      assert.ok(gif.length > 1000, `GIF of ${gif.length} bytes`);

      if (await call<boolean>(p, "webmSupported")) {
        await p.page.click('vscode-button[data-export="webm"]');
        await waitFor(async () => host.exports.length === 3, "the WebM export", 30_000);
        const webm = Buffer.from(host.exports[2].data, "base64");
        assert.deepEqual([...webm.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], "EBML header");
      } else {
        console.log("# MediaRecorder cannot record WebM in this Chromium; WebM export not checked");
      }
    });
  });

  test("record next episode: the request goes to the host, and the requested replay plays when it arrives", async () => {
    const src = new MemoryReplaySource([cartPoleReplay({ id: "u000002-periodic", update: 2, length: 30 })]);
    await withPlayer(
      src,
      async (p, host) => {
        await ready(p, 30);
        await p.page.click('vscode-checkbox[data-control="deterministic"]');
        await p.page.click('vscode-button[data-command="recordNext"]');
        const posted = await p.page.evaluate(() => (window as unknown as Win).__posted.filter((m) => m.type === "recordNext"));
        assert.deepEqual(posted, [{ type: "recordNext", deterministic: true }]);
        await host.send({ type: "recordState", state: "sent", message: "Recording the next deterministic episode" });
        assert.match((await p.page.textContent(".message")) ?? "", /Recording the next/);
        // A periodic replay saved meanwhile does not take over; the requested one does.
        src.add(cartPoleReplay({ id: "u000003-periodic", update: 3, length: 25 }));
        await host.sendList();
        await waitFor(async () => (await state(p)).replays.length === 2, "the new list");
        assert.equal((await state(p)).views[0].id, "u000002-periodic");
        src.add(cartPoleReplay({ id: "u000004-requested", update: 4, kind: "requested", length: 50 }));
        await host.sendList();
        await waitFor(async () => (await state(p)).views[0]?.id === "u000004-requested", "the requested replay to open");
        assert.equal((await state(p)).length, 50);
      },
      true,
    );
  });

  test("a replay that cannot be read shows the error in the panel", async () => {
    const src = new MemoryReplaySource([cartPoleReplay({ id: "gone", length: 10 })]);
    src.header = async (id: string) => {
      throw new Error(`replays/${id}.bin is missing`);
    };
    await withPlayer(src, async (p) => {
      await waitFor(async () => ((await p.page.textContent(".message")) ?? "").includes("is missing"), "the error message");
      assert.match((await p.page.textContent(".message")) ?? "", /Could not open the replay: replays\/gone\.bin is missing/);
    });
  });
});

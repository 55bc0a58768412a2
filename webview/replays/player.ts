/**
 * Playback of one or two replays in lockstep: a step index, play/pause on animation frames at `BASE_FPS x speed`
 * steps per second, loop, and one `ReplayView` (frame canvas + timelines) per replay. A shorter replay holds its
 * last step while the longer one plays on.
 */
import type { Theme } from "../dashboard/theme";
import type { LoadedReplay } from "./client";
import { FrameView, type ObservationBars } from "./frame-view";
import { replayHasValues, Timelines } from "./timelines";

/** Steps per second at speed 1x (classic-control envs render at 30-50 fps). */
export const BASE_FPS = 30;
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8];

/** One replay on screen: a caption, the frame and the timelines. */
export class ReplayView {
  readonly el: HTMLElement;
  readonly frame: FrameView;
  readonly timelines: Timelines;
  private readonly caption: HTMLElement;
  private readonly status: HTMLElement;
  private obsScale = 0;
  private scaledUpTo = 0;
  shown = 0;

  constructor(
    readonly replay: LoadedReplay,
    theme: Theme,
    onSeek: (step: number) => void,
    role: "a" | "b",
  ) {
    this.el = document.createElement("section");
    this.el.className = "replay-view";
    this.el.dataset.view = role;
    this.caption = document.createElement("div");
    this.caption.className = "replay-caption";
    const s = replay.header.summary;
    this.caption.textContent = `${s.kind} · update ${s.update} · return ${fmt(s.return)} · ${s.length} steps${s.deterministic ? " · deterministic" : ""}`;
    this.status = document.createElement("div");
    this.status.className = "replay-status muted";
    const frameBox = document.createElement("div");
    frameBox.className = "frame-box";
    this.frame = new FrameView(frameBox, theme);
    this.frame.onResize = () => this.show(this.shown);
    this.timelines = new Timelines(theme, onSeek);
    this.el.append(this.caption, frameBox, this.status, this.timelines.el);
  }

  /** Largest |observation| over the loaded steps (the bars' scale), updated as chunks arrive. */
  private observationScale(): number {
    const obs = this.replay.steps.observation;
    for (; this.scaledUpTo < this.replay.loaded; this.scaledUpTo++) {
      for (const v of obs[this.scaledUpTo] ?? []) if (Number.isFinite(v)) this.obsScale = Math.max(this.obsScale, Math.abs(v));
    }
    return this.obsScale;
  }

  /** The observation bars of step `i` (used when the replay has no frames). */
  barsAt(i: number): ObservationBars | undefined {
    const values = this.replay.steps.observation[i];
    if (!values) return undefined;
    return { values, labels: this.replay.header.spaces.observationLabels, scale: this.observationScale() };
  }

  /** Shows step `step` (clamped to this replay's length). */
  show(step: number): void {
    const r = this.replay;
    const i = Math.max(0, Math.min(r.length - 1, step));
    this.shown = i;
    r.prefetch(i);
    const noFrames = r.header.summary.frameType === "none";
    this.frame.draw(noFrames ? null : r.frame(i), this.barsAt(i));
    this.timelines.setCursor(i);
    const s = r.steps;
    const parts = [`step ${i}`];
    if (i < r.loaded) {
      parts.push(`r ${fmt(s.reward[i])}`, `return ${fmt(s.cumulative[i])}`, ...(replayHasValues(r) ? [`V ${fmt(s.value[i])}`] : []), `H ${fmt(s.entropy[i])}`);
      if (s.terminated[i]) parts.push("terminated");
      if (s.truncated[i]) parts.push("truncated");
    }
    if (r.error) parts.push(`error: ${r.error}`);
    this.status.textContent = parts.join(" · ");
    this.frame.canvas.setAttribute("aria-label", `${r.header.summary.frameType === "none" ? "observation" : "frame"} of ${r.id} at step ${i}`);
    this.status.classList.toggle("error-text", r.error !== undefined);
  }

  setTheme(theme: Theme): void {
    this.frame.setTheme(theme);
    this.timelines.setTheme(theme);
  }

  destroy(): void {
    this.frame.dispose();
    this.timelines.destroy();
    this.el.remove();
  }
}

export function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return "-";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return String(+v.toFixed(a < 1 ? 3 : a < 100 ? 2 : 1));
}

/** The clock: step index, playing, speed, loop; `onStep` fires whenever the shown step changes. */
export class Playback {
  step = 0;
  length = 0;
  playing = false;
  speed = 1;
  loop = false;
  private raf = 0;
  private last = 0;
  private carry = 0;

  constructor(
    private readonly onStep: (step: number) => void,
    private readonly onState: () => void,
  ) {}

  setLength(n: number): void {
    this.length = n;
    if (this.step > n - 1) this.seek(Math.max(0, n - 1));
  }

  seek(step: number): void {
    const s = Math.max(0, Math.min(Math.max(0, this.length - 1), Math.round(step)));
    this.step = s;
    this.carry = 0;
    this.onStep(s);
  }

  stepBy(delta: number): void {
    this.pause();
    this.seek(this.step + delta);
  }

  play(): void {
    if (this.playing || this.length === 0) return;
    if (this.step >= this.length - 1) this.seek(0);
    this.playing = true;
    this.last = performance.now();
    this.carry = 0;
    this.raf = requestAnimationFrame((t) => this.tick(t));
    this.onState();
  }

  pause(): void {
    if (!this.playing) return;
    this.playing = false;
    cancelAnimationFrame(this.raf);
    this.onState();
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  private tick(now: number): void {
    if (!this.playing) return;
    // Cap the time one frame may advance (a background tab resumes without a jump of hundreds of steps).
    const dt = Math.min(250, Math.max(0, now - this.last));
    this.last = now;
    this.carry += (dt / 1000) * BASE_FPS * this.speed;
    const advance = Math.floor(this.carry);
    if (advance > 0) {
      this.carry -= advance;
      let next = this.step + advance;
      if (next > this.length - 1) {
        if (this.loop) next = next % this.length;
        else {
          this.step = this.length - 1;
          this.onStep(this.step);
          this.pause();
          return;
        }
      }
      this.step = next;
      this.onStep(next);
    }
    this.raf = requestAnimationFrame((t) => this.tick(t));
  }
}

/**
 * The frame canvas of one replay: sized to its box in CSS pixels and backed at devicePixelRatio (crisp lines),
 * drawing a scene (vector), an RGB frame (nearest-neighbour scaled ImageData), a text frame (monospace, fitted), or,
 * when the env has no `render()`, the observation as labelled horizontal bars around zero.
 */
import type { WireFrame } from "../../src/protocol";
import type { Theme } from "../dashboard/theme";
import { drawScene } from "./scene";

/** Decodes base64 to bytes. */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** RGB(A) bytes as RGBA ImageData. */
export function rgbImage(frame: Extract<WireFrame, { type: "rgb" }>): ImageData {
  const src = base64ToBytes(frame.base64);
  const img = new ImageData(frame.width, frame.height);
  const n = frame.width * frame.height;
  const ch = frame.channels;
  for (let p = 0; p < n; p++) {
    img.data[4 * p] = src[ch * p];
    img.data[4 * p + 1] = src[ch * p + 1];
    img.data[4 * p + 2] = src[ch * p + 2];
    img.data[4 * p + 3] = ch === 4 ? src[ch * p + 3] : 255;
  }
  return img;
}

/** What to draw for a step when there is no frame: the observation with its labels and a symmetric scale. */
export interface ObservationBars {
  values: number[];
  labels: string[];
  /** Largest |value| over the episode (the bars' full length). */
  scale: number;
}

export class FrameView {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private cssWidth = 0;
  private cssHeight = 0;
  private rgbCanvas: HTMLCanvasElement | undefined;
  private rgbFor: string | undefined;
  private readonly observer: ResizeObserver;
  private boxWidth = 0;
  private boxHeight = 0;
  private sized = false;

  constructor(
    parent: HTMLElement,
    private theme: Theme,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "frame-canvas";
    this.canvas.setAttribute("role", "img");
    parent.append(this.canvas);
    const ctx = this.canvas.getContext("2d");
    if (!ctx) throw new Error("the webview has no 2D canvas");
    this.ctx = ctx;
    this.observer = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1].contentRect;
      if (box.width === this.boxWidth && box.height === this.boxHeight) return;
      this.boxWidth = box.width;
      this.boxHeight = box.height;
      this.sized = box.width > 0;
      this.onResize();
    });
    this.observer.observe(this.canvas);
  }

  /** Called when the canvas' CSS size changed (the owner redraws). */
  onResize: () => void = () => undefined;

  dispose(): void {
    this.observer.disconnect();
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
  }

  /** Matches the backing store to the element's CSS size (tracked by a ResizeObserver: no layout per frame) times devicePixelRatio. */
  private fit(): void {
    if (!this.sized) {
      const rect = this.canvas.getBoundingClientRect();
      this.boxWidth = rect.width;
      this.boxHeight = rect.height;
      this.sized = rect.width > 0;
    }
    const w = Math.max(1, Math.round(this.boxWidth));
    const h = Math.max(1, Math.round(this.boxHeight));
    const dpr = window.devicePixelRatio || 1;
    const bw = Math.round(w * dpr);
    const bh = Math.round(h * dpr);
    if (this.canvas.width !== bw || this.canvas.height !== bh) {
      this.canvas.width = bw;
      this.canvas.height = bh;
    }
    this.cssWidth = w;
    this.cssHeight = h;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  /**
   * Draws one step. `frame` undefined means "not loaded yet" (a faint message), null means no frame was recorded
   * (the observation bars are drawn when given).
   */
  draw(frame: WireFrame | null | undefined, bars?: ObservationBars): void {
    this.fit();
    this.drawInto(this.ctx, this.cssWidth, this.cssHeight, frame, bars);
  }

  /** Draws a step into any context and box (also used by the GIF/WebM exporters). */
  drawInto(ctx: CanvasRenderingContext2D, w: number, h: number, frame: WireFrame | null | undefined, bars?: ObservationBars): void {
    const t = this.theme;
    ctx.save();
    ctx.fillStyle = t.background;
    ctx.fillRect(0, 0, w, h);
    if (frame && frame.type === "scene") {
      drawScene(ctx, frame, w, h, { background: t.background, foreground: t.foreground, fontFamily: t.fontFamily });
    } else if (frame && frame.type === "rgb") {
      this.drawRgb(ctx, w, h, frame);
    } else if (frame && frame.type === "text") {
      this.drawText(ctx, w, h, frame.text);
    } else if (frame === null && bars) {
      this.drawBars(ctx, w, h, bars);
    } else {
      ctx.fillStyle = t.muted;
      ctx.font = `${t.fontSize}px ${t.fontFamily}`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(frame === undefined ? "loading frame..." : "no frame recorded", w / 2, h / 2);
    }
    ctx.restore();
  }

  private drawRgb(ctx: CanvasRenderingContext2D, w: number, h: number, frame: Extract<WireFrame, { type: "rgb" }>): void {
    if (this.rgbFor !== frame.base64 || !this.rgbCanvas) {
      this.rgbCanvas ??= document.createElement("canvas");
      this.rgbCanvas.width = frame.width;
      this.rgbCanvas.height = frame.height;
      this.rgbCanvas.getContext("2d")?.putImageData(rgbImage(frame), 0, 0);
      this.rgbFor = frame.base64;
    }
    const s = Math.min(w / frame.width, h / frame.height);
    const dw = frame.width * s;
    const dh = frame.height * s;
    // Pixel art stays sharp when scaled up; photos scaled down are smoothed.
    ctx.imageSmoothingEnabled = s < 1;
    ctx.drawImage(this.rgbCanvas, (w - dw) / 2, (h - dh) / 2, dw, dh);
  }

  private drawText(ctx: CanvasRenderingContext2D, w: number, h: number, text: string): void {
    const lines = text.split("\n");
    const cols = Math.max(1, ...lines.map((l) => l.length));
    // Monospace glyphs are about 0.6 em wide; line height 1.2 em.
    const size = Math.max(6, Math.min(32, (w - 16) / (cols * 0.6), (h - 16) / (lines.length * 1.2)));
    ctx.font = `${size}px ${getComputedStyle(document.documentElement).getPropertyValue("--vscode-editor-font-family").trim() || "monospace"}, monospace`;
    ctx.fillStyle = this.theme.foreground;
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    const x0 = (w - cols * size * 0.6) / 2;
    const y0 = (h - lines.length * size * 1.2) / 2;
    lines.forEach((l, i) => ctx.fillText(l, x0, y0 + i * size * 1.2));
  }

  private drawBars(ctx: CanvasRenderingContext2D, w: number, h: number, bars: ObservationBars): void {
    const t = this.theme;
    const n = bars.values.length;
    if (n === 0) return;
    const pad = 8;
    const labelW = Math.min(w * 0.4, 160);
    const rowH = Math.min(28, (h - 2 * pad) / n);
    const zero = labelW + (w - labelW - pad) / 2;
    const half = (w - labelW - pad) / 2 - 4;
    const scale = bars.scale > 0 ? bars.scale : 1;
    ctx.font = `${Math.min(t.fontSize, rowH * 0.7)}px ${t.fontFamily}`;
    ctx.textBaseline = "middle";
    ctx.strokeStyle = t.grid;
    ctx.beginPath();
    ctx.moveTo(zero + 0.5, pad);
    ctx.lineTo(zero + 0.5, pad + rowH * n);
    ctx.stroke();
    for (let i = 0; i < n; i++) {
      const v = bars.values[i];
      const y = pad + i * rowH;
      ctx.fillStyle = t.muted;
      ctx.textAlign = "right";
      ctx.fillText(bars.labels[i] ?? `obs[${i}]`, labelW - 6, y + rowH / 2);
      if (!Number.isFinite(v)) continue;
      const len = (Math.max(-scale, Math.min(scale, v)) / scale) * half;
      ctx.fillStyle = t.palette[i % t.palette.length];
      ctx.fillRect(Math.min(zero, zero + len), y + rowH * 0.15, Math.max(1, Math.abs(len)), rowH * 0.7);
      ctx.fillStyle = t.foreground;
      ctx.textAlign = len >= 0 ? "left" : "right";
      ctx.fillText(v.toPrecision(3), zero + len + (len >= 0 ? 4 : -4), y + rowH / 2);
    }
  }
}

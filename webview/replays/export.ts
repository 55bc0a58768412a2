/**
 * Replay exports, made in the webview and saved by the host: an animated GIF (gifenc: per-frame palette
 * quantisation), a WebM (MediaRecorder over the canvas' captureStream, frames pushed one by one) and the per-step
 * data as CSV. Frames are pulled from the host chunk by chunk as they are encoded.
 */
import { applyPalette, GIFEncoder, quantize } from "gifenc";
import type { WireFrame } from "../../src/protocol";
import type { LoadedReplay } from "./client";
import { distributionLabels } from "./timelines";
import type { FrameView, ObservationBars } from "./frame-view";

/** Bytes as base64 (in slices, so large exports do not overflow the argument list). */
export function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  const slice = 0x8000;
  for (let i = 0; i < bytes.length; i += slice) bin += String.fromCharCode(...bytes.subarray(i, i + slice));
  return btoa(bin);
}

/** The export size in pixels: the frame's aspect, `maxWidth` wide at most (even numbers, as video encoders like). */
export function exportSize(first: WireFrame | null | undefined, maxWidth = 480): { width: number; height: number } {
  let aspect = 3 / 2;
  if (first && (first.type === "scene" || first.type === "rgb") && first.width > 0 && first.height > 0) aspect = first.width / first.height;
  const width = Math.min(maxWidth, first?.type === "rgb" ? Math.max(first.width, 64) : maxWidth);
  const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));
  return { width: even(width), height: even(width / aspect) };
}

export interface ExportProgress {
  (done: number, total: number): void;
}

type BarsAt = (i: number) => ObservationBars | undefined;

/** Draws every frame of `replay` into an offscreen canvas and encodes a looping GIF at `fps` frames per second. */
export async function encodeGif(replay: LoadedReplay, view: FrameView, bars: BarsAt, fps: number, progress: ExportProgress): Promise<Uint8Array> {
  const n = replay.length;
  const firstFrames = await replay.framesRange(0, Math.min(n, 1));
  const { width, height } = exportSize(firstFrames[0]);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  if (!ctx) throw new Error("no 2D canvas for the GIF export");
  const gif = GIFEncoder();
  const delay = Math.max(20, Math.round(1000 / fps));
  const chunk = 32;
  for (let start = 0; start < n; start += chunk) {
    const frames = await replay.framesRange(start, Math.min(n, start + chunk));
    for (let k = 0; k < frames.length; k++) {
      view.drawInto(ctx, width, height, frames[k], bars(start + k));
      const { data } = ctx.getImageData(0, 0, width, height);
      const palette = quantize(data, 256);
      const index = applyPalette(data, palette);
      gif.writeFrame(index, width, height, { palette, delay, repeat: 0 });
    }
    progress(Math.min(n, start + chunk), n);
    // Let the page breathe between chunks.
    await new Promise((r) => setTimeout(r, 0));
  }
  gif.finish();
  return gif.bytes();
}

/** The WebM MIME type this browser records, or undefined when MediaRecorder cannot record WebM. */
export function webmType(): string | undefined {
  if (typeof MediaRecorder === "undefined") return undefined;
  return ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"].find((t) => MediaRecorder.isTypeSupported(t));
}

/** Plays the replay into a canvas recorded by MediaRecorder, at `fps` (real time: the video takes as long as it lasts). */
export async function encodeWebm(replay: LoadedReplay, view: FrameView, bars: BarsAt, fps: number, progress: ExportProgress): Promise<Uint8Array> {
  const type = webmType();
  if (!type) throw new Error("this webview cannot record WebM (no MediaRecorder with WebM support)");
  const n = replay.length;
  const { width, height } = exportSize((await replay.framesRange(0, Math.min(n, 1)))[0]);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("no 2D canvas for the WebM export");
  const stream = canvas.captureStream(0);
  const track = stream.getVideoTracks()[0] as MediaStreamTrack & { requestFrame?: () => void };
  const recorder = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: 4_000_000 });
  const parts: Blob[] = [];
  recorder.ondataavailable = (e) => {
    if (e.data.size > 0) parts.push(e.data);
  };
  const stopped = new Promise<void>((resolve) => (recorder.onstop = () => resolve()));
  const frameMs = 1000 / fps;
  view.drawInto(ctx, width, height, (await replay.framesRange(0, Math.min(n, 1)))[0], bars(0));
  recorder.start();
  const t0 = performance.now();
  const chunk = 32;
  for (let start = 0; start < n; start += chunk) {
    const frames = await replay.framesRange(start, Math.min(n, start + chunk));
    for (let k = 0; k < frames.length; k++) {
      const i = start + k;
      view.drawInto(ctx, width, height, frames[k], bars(i));
      track.requestFrame?.();
      const wait = t0 + (i + 1) * frameMs - performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    }
    progress(Math.min(n, start + chunk), n);
  }
  recorder.stop();
  await stopped;
  for (const t of stream.getTracks()) t.stop();
  return new Uint8Array(await new Blob(parts, { type }).arrayBuffer());
}

function csvCell(v: string | number | boolean | undefined): string {
  if (v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  if (typeof v === "boolean") return v ? "1" : "0";
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * The per-step data as RFC 4180 CSV: step, reward, cumulative return, terminated, truncated, V(s), entropy, the
 * observation, the action, and the distribution (probabilities, or mean and std per action dimension).
 */
export function replayCsv(replay: LoadedReplay): string {
  const s = replay.steps;
  const sp = replay.header.spaces;
  const obsDim = s.observation[0]?.length ?? sp.observationLabels.length;
  const actDim = s.action[0]?.length ?? 0;
  const obsCols = Array.from({ length: obsDim }, (_, i) => `obs_${sp.observationLabels[i] ?? i}`);
  const actCols = Array.from({ length: actDim }, (_, i) => (actDim === 1 ? "action" : `action_${i}`));
  const dl = distributionLabels(replay);
  const first = s.distribution[0];
  const distCols = first?.kind === "gaussian" ? dl.flatMap((l) => [`mean_${l}`, `std_${l}`]) : dl.map((l) => `p_${l}`);
  const header = ["step", "reward", "return", "terminated", "truncated", "value", "entropy", ...obsCols, ...actCols, ...distCols];
  const rows = [header.map(csvCell).join(",")];
  for (let i = 0; i < replay.loaded; i++) {
    const d = s.distribution[i];
    const dv = !d ? [] : d.kind === "gaussian" ? d.mean.flatMap((m, k) => [m, d.std[k]]) : d.kind === "categorical" ? d.probs.flat() : d.probs;
    const row = [i, s.reward[i], s.cumulative[i], s.terminated[i], s.truncated[i], s.value[i], s.entropy[i], ...(s.observation[i] ?? []), ...(s.action[i] ?? []), ...dv];
    rows.push(row.map(csvCell).join(","));
  }
  return rows.join("\n") + "\n";
}

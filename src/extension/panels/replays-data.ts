/**
 * What the Replays panel serves, free of the `vscode` module: validates the webview's requests, clamps them to a
 * per-request cap (so one message never asks the reader for more than a chunk), reads through a `ReplaySource`, turns
 * RGB frames into base64 for the message, and turns every failure into an error response instead of a throw.
 */
import { RunReplaySource } from "../../core/replay/source";
import type { RenderFrame, ReplaySource, ReplaySummary } from "../../core/replay/types";
import type { ReplayRequest, ReplayResult, ToReplaysMessage, WireFrame } from "../../protocol";

/** Most steps one request may return (a few hundred KB of JSON at most for small spaces). */
export const MAX_STEPS_PER_REQUEST = 2048;
/** Most frames one request may return (RGB frames are the heavy ones). */
export const MAX_FRAMES_PER_REQUEST = 128;
/** Most RGB pixel bytes one response carries (at least one frame is always sent); the webview asks for the rest. */
export const MAX_FRAME_BYTES_PER_REQUEST = 8 * 1024 * 1024;

export interface ReplayServerLimits {
  maxSteps?: number;
  maxFrames?: number;
  maxFrameBytes?: number;
}

/** An RGB frame as base64; scene and text frames pass through unchanged. */
export function toWireFrame(frame: RenderFrame | null): WireFrame | null {
  if (!frame) return null;
  if (frame.type !== "rgb") return frame;
  const channels = frame.channels ?? 3;
  const expected = frame.width * frame.height * channels;
  if (frame.data.length < expected) {
    throw new Error(`an RGB frame of ${frame.width}x${frame.height}x${channels} needs ${expected} bytes but has ${frame.data.length}`);
  }
  const base64 = Buffer.from(frame.data.buffer, frame.data.byteOffset, expected).toString("base64");
  return { type: "rgb", width: frame.width, height: frame.height, channels, base64 };
}

function isIndex(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

/**
 * Checks the shape of a request coming from the webview.
 * @returns a message naming what is wrong, or undefined when the request is well formed.
 */
export function requestProblem(r: unknown): string | undefined {
  if (!r || typeof r !== "object") return "the request is not an object";
  const q = r as Partial<ReplayRequest> & Record<string, unknown>;
  if (q.kind !== "header" && q.kind !== "steps" && q.kind !== "frames") return `unknown request kind ${JSON.stringify(q.kind)}`;
  if (typeof q.id !== "string" || q.id.length === 0 || q.id.length > 200) return "the replay id must be a non-empty string";
  if (q.kind === "header") return undefined;
  if (!isIndex(q.from) || !isIndex(q.to)) return `steps/frames requests need integer from/to >= 0 (got from=${String(q.from)}, to=${String(q.to)})`;
  if (q.to < q.from) return `to (${q.to}) is before from (${q.from})`;
  return undefined;
}

/** Serves one run's replays to a Replays webview. */
export class ReplayServer {
  private readonly maxSteps: number;
  private readonly maxFrames: number;
  private readonly maxFrameBytes: number;

  constructor(
    private readonly source: ReplaySource,
    limits: ReplayServerLimits = {},
  ) {
    this.maxSteps = limits.maxSteps ?? MAX_STEPS_PER_REQUEST;
    this.maxFrames = limits.maxFrames ?? MAX_FRAMES_PER_REQUEST;
    this.maxFrameBytes = limits.maxFrameBytes ?? MAX_FRAME_BYTES_PER_REQUEST;
  }

  /** The replay list, newest update last; an unreadable index comes back as `error` with an empty list. */
  async list(): Promise<{ replays: ReplaySummary[]; error?: string }> {
    try {
      const replays = await this.source.list();
      return { replays: [...replays].sort((a, b) => a.update - b.update || a.step - b.step || a.id.localeCompare(b.id)) };
    } catch (e) {
      return { replays: [], error: `could not read the replay index: ${(e as Error).message}` };
    }
  }

  /**
   * Answers one request. Ranges are clamped to the per-request caps (the webview asks again for the rest).
   * @throws Error when the request is malformed or the reader fails (use `respond` for a never-throwing answer).
   */
  async handle(request: ReplayRequest): Promise<ReplayResult> {
    const problem = requestProblem(request);
    if (problem) throw new Error(`bad replay request: ${problem}`);
    switch (request.kind) {
      case "header":
        return { kind: "header", header: await this.source.header(request.id) };
      case "steps": {
        const to = Math.min(request.to, request.from + this.maxSteps);
        return { kind: "steps", chunk: await this.source.steps(request.id, request.from, to) };
      }
      case "frames": {
        const to = Math.min(request.to, request.from + this.maxFrames);
        const frames = await this.source.frames(request.id, request.from, to);
        // Keep one message a reasonable size: stop at the byte budget (the webview asks again from where this ends).
        const out: (WireFrame | null)[] = [];
        let bytes = 0;
        for (const f of frames) {
          const size = f?.type === "rgb" ? f.width * f.height * (f.channels ?? 3) : 0;
          if (out.length > 0 && bytes + size > this.maxFrameBytes) break;
          bytes += size;
          out.push(toWireFrame(f));
        }
        return { kind: "frames", from: request.from, frames: out };
      }
    }
  }

  /** The response message for a request: the result, or the error's message. Never throws. */
  async respond(requestId: number, request: ReplayRequest): Promise<ToReplaysMessage> {
    try {
      return { type: "response", requestId, ok: true, result: await this.handle(request) };
    } catch (e) {
      return { type: "response", requestId, ok: false, error: (e as Error).message || String(e) };
    }
  }
}

/** The `ReplaySource` of a run directory: the run's `replays/` folder, read by byte ranges (RunReplaySource). */
export function openRunReplaySource(runDir: string): ReplaySource {
  return new RunReplaySource(runDir);
}

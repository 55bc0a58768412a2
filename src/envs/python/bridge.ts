/**
 * A synchronous bridge to K Python runner processes (python/ppo_lab_runner.py --serve).
 *
 * PPO's rollout loop calls `env.step()` synchronously, so the bridge blocks the calling thread until every runner
 * has answered, one round trip per vector step (all N envs at once), binary frames, no JSON per step.
 *
 * Transport (POSIX, the fast path): two named pipes per runner. The calling thread writes requests and reads
 * replies with blocking `fs.writeSync` / `fs.readSync`: no event-loop hop, no thread hop (about 17 us per round
 * trip, against about 100 us for a worker-thread hand-off and 600 us measured for worker + stdio pipes). A worker
 * thread owns the child processes and is the watchdog: it collects stderr, and when a runner exits or a call passes
 * the step timeout it kills the runners and writes a "dead" frame into their reply pipes, which wakes the blocked
 * read with the exit status and the stderr tail. On Windows (no named pipes in Node) the worker also carries the
 * frames over the children's stdin/stdout and the caller waits with `Atomics.wait` + `receiveMessageOnPort`.
 *
 * Frames: `u32 length (little-endian) | u8 op-or-status | payload`; see the runner's docstring for the payloads.
 * Status 2 is the bridge's own: the runner died (JSON {code, signal, stderr, timedOut}).
 */
import { execFileSync } from "node:child_process";
import { closeSync, constants as fsConstants, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";

/** A Python runner died, hung past its timeout or could not start. `stderrTail` holds its last stderr lines. */
export class PythonProcessError extends Error {
  constructor(
    message: string,
    readonly stderrTail: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "PythonProcessError";
  }
}

/** One Python stack frame of a structured error (innermost last). */
export interface PythonFrame {
  file: string;
  line: number;
  name: string;
}

/** What the runner sends for a Python exception. */
export interface PythonErrorPayload {
  type: string;
  message: string;
  traceback: string;
  frames: PythonFrame[];
  phase: string;
  envFile?: string | null;
}

/**
 * A Python exception raised by the env (or a contract problem the runner found). Its `stack` lists the Python
 * frames in Node's `at name (file:line:col)` form, innermost first, so the code that locates JavaScript env errors
 * (`stackLocation` in the checker, the session's failure path) maps it to the `.py` file and line too.
 */
export class PythonEnvError extends Error {
  readonly pythonType: string;
  readonly traceback: string;
  readonly frames: PythonFrame[];
  readonly phase: string;
  /** @param where the call that failed ("step()", "reset()", ...), kept in `call` */
  constructor(
    payload: PythonErrorPayload,
    readonly call?: string,
  ) {
    super(`${payload.type === "UserError" ? "" : `${payload.type}: `}${payload.message}`);
    this.name = "PythonError";
    this.pythonType = payload.type;
    this.traceback = payload.traceback;
    this.frames = payload.frames ?? [];
    this.phase = payload.phase;
    const lines = [...this.frames].reverse().map((f) => `    at ${f.name} (${f.file}:${f.line}:1)`);
    this.stack = `${this.name}: ${this.message}\n${lines.join("\n")}${payload.traceback ? `\n\nPython traceback:\n${payload.traceback}` : ""}`;
  }
}

export interface BridgeOptions {
  /** Interpreter to run. */
  python: string;
  /** Arguments (the runner path and `--serve`). */
  args: string[];
  /** Number of runner processes. */
  processes: number;
  cwd: string;
  /** Environment of the runners (e.g. PYTHONPATH). */
  env: NodeJS.ProcessEnv;
  /** Milliseconds a call may take before the runners are killed. */
  timeoutMs: number;
  /** Called with each stderr line of a runner (the env's own print() output lands there). */
  onStderr?: (line: string) => void;
}

type WorkerMessage =
  | { type: "reply"; seq: number; frames: Uint8Array[] }
  | { type: "dead"; index: number; code: number | null; signal: string | null; error?: string; errno?: string; stderr: string; timedOut?: boolean }
  | { type: "stderr"; line: string }
  | { type: "pids"; pids: (number | undefined)[] };

/** Shared control words: [0] message counter, [1] a call is in flight (1/0); then a float64 deadline (epoch ms). */
const CTL_BYTES = 16;

/**
 * Plain JavaScript run in the worker thread (a string, so shipping it needs no bundler step). It spawns the
 * runners, forwards their stderr, reports their death, and (FIFO mode) enforces the call deadline.
 */
const WORKER_SOURCE = String.raw`
const { workerData } = require("node:worker_threads");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const { mode, python, args, fifos, cwd, env, processes, port, control } = workerData;
const ctl = new Int32Array(control, 0, 2);
const deadline = new Float64Array(control, 8, 1);
const notify = () => { Atomics.add(ctl, 0, 1); Atomics.notify(ctl, 0); };
const post = (m, transfer) => { port.postMessage(m, transfer); notify(); };
const kids = [];
let pending = null;
let closing = false;
let timedOut = false;
const deadFrame = (obj) => {
  const json = Buffer.from(JSON.stringify(obj), "utf8");
  const out = Buffer.alloc(5 + json.length);
  out.writeUInt32LE(json.length + 1, 0);
  out[4] = 2;
  json.copy(out, 5);
  return out;
};
for (let i = 0; i < processes; i++) {
  const childArgs = mode === "fifo" ? [...args, "--fifo", fifos[i][0], fifos[i][1]] : args;
  // detached (POSIX): its own process group, so a terminal's Ctrl-C reaches only the trainer, which stops cleanly and
  // then ends this process; otherwise Python raises KeyboardInterrupt wherever it is and the run fails as an env error.
  const ch = spawn(python, childArgs, { cwd, env, detached: process.platform !== "win32", stdio: [mode === "fifo" ? "ignore" : "pipe", "pipe", "pipe"], windowsHide: true });
  const st = { ch, chunks: [], have: 0, stderr: "", line: "", resFd: mode === "fifo" ? fs.openSync(fifos[i][1], "r+") : -1 };
  const onText = (d) => {
    const text = d.toString("utf8");
    st.stderr = (st.stderr + text).slice(-6000);
    const parts = (st.line + text).split("\n");
    st.line = parts.pop();
    for (const l of parts) if (l.trim()) post({ type: "stderr", line: l });
  };
  ch.stderr.on("data", onText);
  if (mode === "fifo") ch.stdout.on("data", onText);
  else {
    ch.stdout.on("data", (d) => onData(i, st, d));
    ch.stdin.on("error", () => {});
  }
  let reported = false;
  const dead = (code, signal, err) => {
    if (reported) return;
    reported = true;
    const info = { index: i, code, signal, error: err ? err.message : undefined, errno: err ? err.code : undefined, stderr: st.stderr, timedOut };
    if (mode === "fifo") {
      try { fs.writeSync(st.resFd, deadFrame(info)); } catch {}
      try { fs.closeSync(st.resFd); } catch {}
    }
    if (closing && !err) return;
    post({ type: "dead", ...info });
  };
  ch.on("error", (e) => dead(null, null, e));
  ch.on("close", (code, signal) => dead(code, signal));
  kids.push(st);
}
post({ type: "pids", pids: kids.map((k) => k.ch.pid) });
if (mode === "fifo") {
  setInterval(() => {
    if (Atomics.load(ctl, 1) === 1 && Date.now() > deadline[0] && !timedOut) {
      timedOut = true;
      for (const k of kids) { try { k.ch.kill("SIGKILL"); } catch {} }
    }
  }, 50);
}
function onData(i, st, d) {
  st.chunks.push(d);
  st.have += d.length;
  if (st.have < 4) return;
  const buf = st.chunks.length === 1 ? st.chunks[0] : Buffer.concat(st.chunks, st.have);
  st.chunks = [buf];
  const len = buf.readUInt32LE(0);
  if (st.have < 4 + len) return;
  const frame = new Uint8Array(len);
  frame.set(buf.subarray(4, 4 + len));
  const rest = buf.subarray(4 + len);
  st.chunks = rest.length ? [Buffer.from(rest)] : [];
  st.have = rest.length;
  if (!pending) return;
  pending.frames[i] = frame;
  pending.left -= 1;
  if (pending.left === 0) {
    const p = pending;
    pending = null;
    post({ type: "reply", seq: p.seq, frames: p.frames }, p.frames.filter(Boolean).map((f) => f.buffer));
  }
}
port.on("message", (m) => {
  if (m.type === "call") {
    pending = { seq: m.seq, frames: new Array(processes).fill(null), left: 0 };
    m.frames.forEach((f, i) => {
      if (f === null) return;
      pending.left += 1;
      kids[i].ch.stdin.write(f);
    });
  } else if (m.type === "closing") {
    closing = true;
  } else if (m.type === "kill") {
    for (const k of kids) { try { k.ch.kill("SIGKILL"); } catch {} }
  }
});
`;

const liveBridges = new Set<PythonBridge>();
let exitHookInstalled = false;

/** Kills every runner still alive when this process exits (so nothing is left running, even after a crash). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const b of liveBridges) b.kill();
  });
}

/** A frame `u32 length | u8 op | payload` ready to write. */
export function frame(op: number, payload?: Uint8Array): Uint8Array {
  const n = payload ? payload.length : 0;
  const out = new Uint8Array(5 + n);
  new DataView(out.buffer).setUint32(0, n + 1, true);
  out[4] = op;
  if (payload) out.set(payload, 5);
  return out;
}

/** Whether the named-pipe transport is available (POSIX with `mkfifo`). `PPO_LAB_BRIDGE=pipe` forces stdio. */
function fifoAvailable(): boolean {
  if (process.platform === "win32" || process.env.PPO_LAB_BRIDGE === "pipe") return false;
  return true;
}

/**
 * K runner processes behind a synchronous call interface. Not thread-safe; one call at a time.
 */
export class PythonBridge {
  /** "fifo" (named pipes, blocking reads on the calling thread) or "pipe" (worker-carried stdio). */
  readonly transport: "fifo" | "pipe";
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctl: Int32Array;
  private readonly deadline: Float64Array;
  private seq = 0;
  private pids: (number | undefined)[] = [];
  private failure: PythonProcessError | undefined;
  private closed = false;
  private readonly stderrLines: string[] = [];
  private fifoDir: string | undefined;
  private readonly reqFds: number[] = [];
  private readonly resFds: number[] = [];
  private readonly header = Buffer.alloc(4);
  private replies: { seq: number; frames: Uint8Array[] } | undefined;

  /**
   * Starts the worker and the K runners; returns once they are spawned.
   * @throws PythonProcessError when the interpreter cannot be started.
   */
  constructor(readonly options: BridgeOptions) {
    this.transport = fifoAvailable() ? "fifo" : "pipe";
    const fifos: [string, string][] = [];
    if (this.transport === "fifo") {
      this.fifoDir = mkdtempSync(join(tmpdir(), "ppo-lab-py-"));
      for (let i = 0; i < options.processes; i++) fifos.push([join(this.fifoDir, `req${i}`), join(this.fifoDir, `res${i}`)]);
      execFileSync("mkfifo", ["-m", "600", ...fifos.flat()]);
      // O_RDWR: opening cannot block waiting for the other end (Linux and macOS), and a runner's death does not
      // leave the reply pipe at EOF: the watchdog writes a "dead" frame there instead.
      for (const [req, res] of fifos) {
        this.reqFds.push(openSync(req, fsConstants.O_RDWR));
        this.resFds.push(openSync(res, fsConstants.O_RDWR));
      }
    }
    const channel = new MessageChannel();
    this.port = channel.port1;
    const control = new SharedArrayBuffer(CTL_BYTES);
    this.ctl = new Int32Array(control, 0, 2);
    this.deadline = new Float64Array(control, 8, 1);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        mode: this.transport,
        python: options.python,
        args: options.args,
        fifos,
        cwd: options.cwd,
        env: options.env,
        processes: options.processes,
        port: channel.port2,
        control,
      },
      transferList: [channel.port2],
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
    liveBridges.add(this);
    installExitHook();
    const deadline = Date.now() + 15_000;
    while (this.pids.length === 0 && !this.failure) {
      if (!this.pump(deadline - Date.now())) {
        this.kill();
        throw new PythonProcessError(`the Python runner did not start within 15 s (${options.python})`, "");
      }
    }
    if (this.failure) {
      const f = this.failure;
      this.kill();
      throw f;
    }
  }

  /** The last stderr lines of the runners (the env's print() output and Python warnings). */
  get stderrTail(): string {
    this.drain();
    return this.stderrLines.join("\n");
  }

  /** Handles every worker message already queued. */
  private drain(): void {
    for (;;) {
      const got = receiveMessageOnPort(this.port);
      if (!got) return;
      this.handle(got.message as WorkerMessage);
    }
  }

  /**
   * Waits for one worker message (up to `ms`) and handles it.
   * @returns false on timeout
   */
  private pump(ms: number): boolean {
    for (;;) {
      const seen = Atomics.load(this.ctl, 0);
      const got = receiveMessageOnPort(this.port);
      if (got) {
        this.handle(got.message as WorkerMessage);
        return true;
      }
      if (ms <= 0) return false;
      const t0 = Date.now();
      const r = Atomics.wait(this.ctl, 0, seen, ms);
      ms -= Date.now() - t0;
      if (r === "timed-out") {
        const late = receiveMessageOnPort(this.port);
        if (!late) return false;
        this.handle(late.message as WorkerMessage);
        return true;
      }
    }
  }

  private handle(m: WorkerMessage): void {
    if (m.type === "pids") this.pids = m.pids;
    else if (m.type === "reply") this.replies = m;
    else if (m.type === "stderr") {
      this.stderrLines.push(m.line);
      if (this.stderrLines.length > 40) this.stderrLines.shift();
      this.options.onStderr?.(m.line);
    } else if (m.type === "dead" && !this.failure) {
      this.failure = this.deathError(m);
    }
  }

  private deathError(m: { index: number; code: number | null; signal: string | null; error?: string; errno?: string; stderr: string; timedOut?: boolean }): PythonProcessError {
    const tail = (m.stderr || this.stderrLines.join("\n")).trim().split("\n").slice(-20).join("\n");
    if (m.error) {
      const missing = m.errno === "ENOENT";
      return new PythonProcessError(
        missing ? `Python interpreter "${this.options.python}" not found` : `cannot start the Python interpreter "${this.options.python}": ${m.error}`,
        tail,
        missing
          ? 'Install Python 3 with numpy, or point PPO Lab at an interpreter: the "ppoLab.python" setting, the Python extension\'s selected interpreter, or --python /path/to/python (PPO_LAB_PYTHON) for the CLI.'
          : undefined,
      );
    }
    if (m.timedOut) {
      return new PythonProcessError(
        `the Python env did not answer within ${this.options.timeoutMs} ms, so its processes were stopped${tail ? `; its last output:\n${tail}` : ""}`,
        tail,
        "A step() that loops forever or waits on something hangs the run. Fix the env, or raise pythonStepTimeoutMs if steps are just slow.",
      );
    }
    const how = m.signal ? `was killed by ${m.signal}` : `exited with code ${m.code}`;
    return new PythonProcessError(
      `the Python env process ${this.options.processes > 1 ? `${m.index + 1} of ${this.options.processes} ` : ""}${how}${tail ? `; its last output:\n${tail}` : " without output"}`,
      tail,
    );
  }

  /**
   * Sends one frame to each runner (null skips a runner) and waits for all answers.
   * @param timeoutMs overrides the bridge's step timeout for this call
   * @returns the payloads (status byte first) in runner order; null where no frame was sent
   * @throws PythonProcessError when a runner died or the call timed out (the runners are then killed)
   */
  call(frames: (Uint8Array | null)[], timeoutMs = this.options.timeoutMs, what = "step"): (Uint8Array | null)[] {
    if (this.failure) throw this.failure;
    if (this.closed) throw new PythonProcessError("the Python env processes were already closed", this.stderrTail);
    if (this.transport === "fifo") return this.callFifo(frames, timeoutMs);
    const seq = ++this.seq;
    this.replies = undefined;
    this.port.postMessage({ type: "call", seq, frames });
    const deadline = Date.now() + timeoutMs;
    while (!this.replies && !this.failure) {
      if (!this.pump(deadline - Date.now())) {
        this.port.postMessage({ type: "kill" });
        this.killPids();
        const tail = this.stderrTail;
        this.failure = this.deathError({ index: 0, code: null, signal: "SIGKILL", stderr: tail, timedOut: true });
        throw this.failure;
      }
    }
    if (this.failure) {
      this.kill();
      throw this.failure;
    }
    void what;
    const r = this.replies as unknown as { seq: number; frames: Uint8Array[] };
    return frames.map((f, i) => (f === null ? null : r.frames[i]));
  }

  private readExact(fd: number, buf: Uint8Array, n: number): void {
    let got = 0;
    while (got < n) {
      const k = readSync(fd, buf, got, n - got, null);
      if (k === 0) throw new PythonProcessError("the Python env's reply pipe closed", this.stderrTail);
      got += k;
    }
  }

  private callFifo(frames: (Uint8Array | null)[], timeoutMs: number): (Uint8Array | null)[] {
    this.deadline[0] = Date.now() + timeoutMs;
    Atomics.store(this.ctl, 1, 1);
    const out: (Uint8Array | null)[] = new Array<Uint8Array | null>(frames.length).fill(null);
    let dead: PythonProcessError | undefined;
    try {
      frames.forEach((f, i) => {
        if (f !== null) writeSync(this.reqFds[i], f);
      });
      frames.forEach((f, i) => {
        if (f === null) return;
        this.readExact(this.resFds[i], this.header, 4);
        const len = this.header.readUInt32LE(0);
        const body = new Uint8Array(len);
        this.readExact(this.resFds[i], body, len);
        if (body[0] === 2 && !dead) {
          const info = JSON.parse(Buffer.from(body.subarray(1)).toString("utf8")) as Parameters<PythonBridge["deathError"]>[0];
          dead = this.deathError(info);
        }
        out[i] = body;
      });
    } finally {
      Atomics.store(this.ctl, 1, 0);
    }
    this.drain();
    if (dead) {
      this.failure = dead;
      this.kill();
      throw dead;
    }
    return out;
  }

  /** Asks the runners to close (bounded wait), then kills whatever is left. Never throws. */
  close(): void {
    if (this.closed) return;
    if (!this.failure) {
      try {
        this.port.postMessage({ type: "closing" });
        this.call(this.pids.map(() => frame(5)), 2000, "close");
      } catch {
        // killed below
      }
    }
    this.kill();
  }

  private killPids(): void {
    for (const pid of this.pids) {
      if (pid === undefined) continue;
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  /** SIGKILLs the runners, stops the worker and removes the named pipes. Never throws. */
  kill(): void {
    this.killPids();
    if (this.closed) return;
    this.closed = true;
    liveBridges.delete(this);
    this.drain();
    void this.worker.terminate().catch(() => undefined);
    this.port.close();
    for (const fd of [...this.reqFds, ...this.resFds]) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    if (this.fifoDir) rmSync(this.fifoDir, { recursive: true, force: true });
  }

  /** Process ids of the runners (for tests that kill one). */
  get processIds(): number[] {
    return this.pids.filter((p): p is number => p !== undefined);
  }
}

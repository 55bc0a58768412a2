/**
 * The policy at the current step as bars on a plain canvas (cheap enough to redraw on every played step):
 * probabilities on a fixed 0..1 axis with the taken action solid and the others faded, or for continuous actions a
 * mean ± std range per dimension on a fixed axis (the action bounds, else the episode's range) with a tick at the
 * mean and a dot at the action taken.
 */
import { withAlpha, type Theme } from "../dashboard/theme";

export type PolicyBars =
  | { kind: "probs"; labels: string[]; probs: number[]; taken: boolean[] }
  | { kind: "gaussian"; labels: string[]; mean: number[]; std: number[]; action: number[]; low: number; high: number };

/** Draws `bars` on `canvas`, whose CSS size is `box` (the caller tracks it), at devicePixelRatio. */
export function drawPolicyBars(canvas: HTMLCanvasElement, box: { width: number; height: number }, bars: PolicyBars, t: Theme): void {
  const w = Math.max(1, Math.round(box.width));
  const h = Math.max(1, Math.round(box.height));
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = t.background;
  ctx.fillRect(0, 0, w, h);
  const n = bars.labels.length;
  if (n === 0) return;
  const font = Math.max(9, t.fontSize - 1);
  ctx.font = `${font}px ${t.fontFamily}`;
  const left = 34;
  const bottom = h - font - 6;
  const top = 4;
  const plotW = w - left - 6;
  const [lo, hi] = bars.kind === "probs" ? [0, 1] : [bars.low, bars.high];
  const y = (v: number) => bottom - ((Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo || 1)) * (bottom - top);
  // Axis: three ticks.
  ctx.strokeStyle = t.grid;
  ctx.fillStyle = t.muted;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  ctx.lineWidth = 1;
  for (const v of [lo, (lo + hi) / 2, hi]) {
    const py = Math.round(y(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(left, py);
    ctx.lineTo(w - 6, py);
    ctx.stroke();
    ctx.fillText(String(+v.toFixed(2)), left - 4, py);
  }
  const slot = plotW / n;
  const barW = Math.max(2, Math.min(60, slot * 0.7));
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (let k = 0; k < n; k++) {
    const cx = left + slot * (k + 0.5);
    const color = t.palette[k % t.palette.length];
    if (bars.kind === "probs") {
      const p = bars.probs[k];
      if (Number.isFinite(p)) {
        ctx.fillStyle = bars.taken[k] ? color : withAlpha(color, 0.3);
        ctx.fillRect(cx - barW / 2, y(p), barW, bottom - y(p));
      }
    } else {
      const m = bars.mean[k];
      const s = bars.std[k];
      if (Number.isFinite(m) && Number.isFinite(s)) {
        ctx.fillStyle = withAlpha(color, 0.35);
        ctx.fillRect(cx - barW / 2, y(m + s), barW, y(m - s) - y(m + s));
        ctx.fillStyle = color;
        ctx.fillRect(cx - barW / 2, y(m) - 1, barW, 2);
      }
      const a = bars.action[k];
      if (Number.isFinite(a)) {
        ctx.fillStyle = t.foreground;
        ctx.beginPath();
        ctx.arc(cx, y(a), 3, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    ctx.fillStyle = t.muted;
    ctx.fillText(bars.labels[k], cx, bottom + 3, slot - 2);
  }
}

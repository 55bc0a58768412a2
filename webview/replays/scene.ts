/**
 * Draws a vector scene (`SceneFrame`, src/core/replay/types.ts) on a 2D canvas: scaled to fit the target box with
 * its aspect kept and centred, y flipped for `yUp` scenes, shape transforms applied as translate, then rotate, then
 * scale (the point is scaled first), groups nesting transforms and opacity. Text stays upright in y-up scenes.
 */
import type { SceneFrame, SceneShape, SceneTransform, ShapeStyle } from "../../src/core/replay/types";

/** A 2D affine matrix in canvas order: x' = a x + c y + e, y' = b x + d y + f. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export function multiply(m: Affine, n: Affine): Affine {
  return {
    a: m.a * n.a + m.c * n.b,
    b: m.b * n.a + m.d * n.b,
    c: m.a * n.c + m.c * n.d,
    d: m.b * n.c + m.d * n.d,
    e: m.a * n.e + m.c * n.f + m.e,
    f: m.b * n.e + m.d * n.f + m.f,
  };
}

export function apply(m: Affine, [x, y]: [number, number]): [number, number] {
  return [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
}

/**
 * Scene units -> canvas pixels for a scene drawn into a `boxWidth` x `boxHeight` box: uniform scale to fit,
 * centred, y flipped when `yUp` (scene origin at the bottom-left of the drawn area).
 */
export function fitTransform(scene: Pick<SceneFrame, "width" | "height" | "yUp">, boxWidth: number, boxHeight: number): Affine {
  const w = scene.width > 0 ? scene.width : 1;
  const h = scene.height > 0 ? scene.height : 1;
  const s = Math.min(boxWidth / w, boxHeight / h);
  const ox = (boxWidth - w * s) / 2;
  const oy = (boxHeight - h * s) / 2;
  return scene.yUp ? { a: s, b: 0, c: 0, d: -s, e: ox, f: oy + h * s } : { a: s, b: 0, c: 0, d: s, e: ox, f: oy };
}

/** A shape transform as a matrix: translate, then rotate, then scale (M = T R S). */
export function shapeTransform(t: SceneTransform | undefined): Affine {
  let m: Affine = { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 };
  if (!t) return m;
  if (t.translate) m = multiply(m, { a: 1, b: 0, c: 0, d: 1, e: t.translate[0], f: t.translate[1] });
  if (t.rotate) {
    const cos = Math.cos(t.rotate);
    const sin = Math.sin(t.rotate);
    m = multiply(m, { a: cos, b: sin, c: -sin, d: cos, e: 0, f: 0 });
  }
  if (t.scale !== undefined) {
    const [sx, sy] = typeof t.scale === "number" ? [t.scale, t.scale] : t.scale;
    m = multiply(m, { a: sx, b: 0, c: 0, d: sy, e: 0, f: 0 });
  }
  return m;
}

/** Where a point of the scene lands on a `boxWidth` x `boxHeight` canvas (for tests and hit checks). */
export function sceneToCanvas(scene: Pick<SceneFrame, "width" | "height" | "yUp">, boxWidth: number, boxHeight: number, p: [number, number], t?: SceneTransform): [number, number] {
  return apply(multiply(fitTransform(scene, boxWidth, boxHeight), shapeTransform(t)), p);
}

function finite(...v: number[]): boolean {
  return v.every((x) => typeof x === "number" && Number.isFinite(x));
}

interface DrawContext {
  ctx: CanvasRenderingContext2D;
  yUp: boolean;
  foreground: string;
  fontFamily: string;
}

function paint(dc: DrawContext, s: ShapeStyle, defaultFill: boolean): void {
  const { ctx } = dc;
  const fill = s.fill ?? (defaultFill && !s.stroke ? dc.foreground : undefined);
  if (fill) {
    ctx.fillStyle = fill;
    ctx.fill();
  }
  if (s.stroke) {
    ctx.strokeStyle = s.stroke;
    ctx.lineWidth = s.lineWidth ?? 1;
    ctx.stroke();
  }
}

function drawShape(dc: DrawContext, shape: SceneShape, depth: number): void {
  if (!shape || typeof shape !== "object" || depth > 32) return;
  const { ctx } = dc;
  ctx.save();
  if (shape.transform) {
    const m = shapeTransform(shape.transform);
    if (finite(m.a, m.b, m.c, m.d, m.e, m.f)) ctx.transform(m.a, m.b, m.c, m.d, m.e, m.f);
  }
  if (shape.opacity !== undefined && Number.isFinite(shape.opacity)) ctx.globalAlpha *= Math.max(0, Math.min(1, shape.opacity));
  switch (shape.type) {
    case "rect":
      if (finite(shape.x, shape.y, shape.width, shape.height)) {
        ctx.beginPath();
        ctx.rect(shape.x, shape.y, shape.width, shape.height);
        paint(dc, shape, true);
      }
      break;
    case "circle":
      if (finite(shape.x, shape.y, shape.radius) && shape.radius >= 0) {
        ctx.beginPath();
        ctx.arc(shape.x, shape.y, shape.radius, 0, 2 * Math.PI);
        paint(dc, shape, true);
      }
      break;
    case "line":
    case "polygon": {
      const pts = Array.isArray(shape.points) ? shape.points.filter((p) => Array.isArray(p) && finite(p[0], p[1])) : [];
      if (pts.length < 2) break;
      ctx.beginPath();
      ctx.moveTo(pts[0][0], pts[0][1]);
      for (let i = 1; i < pts.length; i++) ctx.lineTo(pts[i][0], pts[i][1]);
      if (shape.type === "polygon") {
        ctx.closePath();
        paint(dc, shape, true);
      } else {
        ctx.lineCap = "round";
        ctx.lineJoin = "round";
        paint(dc, { ...shape, fill: undefined, stroke: shape.stroke ?? shape.fill ?? dc.foreground }, false);
      }
      break;
    }
    case "text": {
      if (!finite(shape.x, shape.y) || typeof shape.text !== "string") break;
      ctx.translate(shape.x, shape.y);
      // In a y-up scene the base transform flips y: flip back so the text reads upright.
      if (dc.yUp) ctx.scale(1, -1);
      ctx.font = `${shape.size ?? 12}px ${dc.fontFamily}`;
      ctx.textAlign = shape.align ?? "left";
      ctx.textBaseline = "alphabetic";
      if (shape.stroke) {
        ctx.strokeStyle = shape.stroke;
        ctx.lineWidth = shape.lineWidth ?? 1;
        ctx.strokeText(shape.text, 0, 0);
      }
      ctx.fillStyle = shape.fill ?? dc.foreground;
      ctx.fillText(shape.text, 0, 0);
      break;
    }
    case "group":
      if (Array.isArray(shape.shapes)) for (const child of shape.shapes) drawShape(dc, child, depth + 1);
      break;
  }
  ctx.restore();
}

/**
 * Draws `scene` into the box (0, 0, boxWidth, boxHeight) of `ctx`'s current coordinate system (CSS pixels; the
 * caller has scaled for devicePixelRatio). The box is filled with `background` (the scene's own, else the given
 * theme colour); the area outside the scene's aspect keeps the theme colour.
 */
export function drawScene(
  ctx: CanvasRenderingContext2D,
  scene: SceneFrame,
  boxWidth: number,
  boxHeight: number,
  theme: { background: string; foreground: string; fontFamily: string },
): void {
  ctx.save();
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, boxWidth, boxHeight);
  const m = fitTransform(scene, boxWidth, boxHeight);
  ctx.transform(m.a, m.b, m.c, m.d, m.e, m.f);
  if (scene.background) {
    ctx.fillStyle = scene.background;
    ctx.fillRect(0, 0, scene.width, scene.height);
  }
  // Clip to the scene's area so shapes outside it do not spill over the letterbox.
  ctx.beginPath();
  ctx.rect(0, 0, scene.width, scene.height);
  ctx.clip();
  const dc: DrawContext = { ctx, yUp: scene.yUp === true, foreground: theme.foreground, fontFamily: theme.fontFamily };
  for (const shape of Array.isArray(scene.shapes) ? scene.shapes : []) drawShape(dc, shape, 0);
  ctx.restore();
}

/**
 * Theme colours for the canvas (which cannot use `var()`): read from the `--vscode-*` variables VS Code writes on
 * the document element, re-read when the theme changes (VS Code swaps the body class `vscode-dark | vscode-light |
 * vscode-high-contrast | vscode-high-contrast-light` and rewrites the variables). Run colours come from the
 * `--vscode-charts-*` palette, picked by a hash of the run's id so a run keeps its colour across panels and sessions.
 */

export type ThemeKind = "dark" | "light" | "high-contrast" | "high-contrast-light";

export interface Theme {
  kind: ThemeKind;
  /** Text on the charts (ticks, titles). */
  foreground: string;
  /** Less prominent text. */
  muted: string;
  /** Grid lines. */
  grid: string;
  /** Chart background (filled on the canvas so an exported PNG is readable). */
  background: string;
  tooltipBackground: string;
  tooltipForeground: string;
  tooltipBorder: string;
  /** The charts palette: blue, orange, green, purple, red, yellow. */
  palette: string[];
  fontFamily: string;
  fontSize: number;
  /** Opacity of the raw (unsmoothed) line drawn behind the smoothed one. */
  rawAlpha: number;
  /** Line width of the main lines. */
  lineWidth: number;
  /** Diagnostics severities (finding markers, thresholds): the editor's squiggle colours. */
  severity: { error: string; warning: string; info: string };
}

const PALETTE_VARS = ["blue", "orange", "green", "purple", "red", "yellow"];
const FALLBACK_PALETTE = ["#3794ff", "#d18616", "#89d185", "#b180d7", "#f14c4c", "#cca700"];

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

export function themeKind(): ThemeKind {
  const body = document.body;
  const kind = body.dataset.vscodeThemeKind;
  if (kind === "vscode-high-contrast-light" || body.classList.contains("vscode-high-contrast-light")) return "high-contrast-light";
  if (kind === "vscode-high-contrast" || body.classList.contains("vscode-high-contrast")) return "high-contrast";
  if (kind === "vscode-light" || body.classList.contains("vscode-light")) return "light";
  return "dark";
}

export function readTheme(): Theme {
  const style = getComputedStyle(document.documentElement);
  const kind = themeKind();
  const light = kind === "light" || kind === "high-contrast-light";
  const highContrast = kind === "high-contrast" || kind === "high-contrast-light";
  const foreground = cssVar(style, "--vscode-charts-foreground", cssVar(style, "--vscode-editor-foreground", light ? "#3b3b3b" : "#cccccc"));
  const background = cssVar(style, "--vscode-editor-background", light ? "#ffffff" : "#1f1f1f");
  const fontSize = parseFloat(cssVar(style, "--vscode-font-size", "13px"));
  return {
    kind,
    foreground,
    muted: cssVar(style, "--vscode-descriptionForeground", foreground),
    // charts.lines is the foreground at 50%: right for axis lines, heavy for a grid; the grid gets a fraction of it.
    grid: highContrast ? withAlpha(foreground, 0.35) : withAlpha(cssVar(style, "--vscode-charts-lines", withAlpha(foreground, 0.5)), 0.4),
    background,
    tooltipBackground: cssVar(style, "--vscode-editorHoverWidget-background", background),
    tooltipForeground: cssVar(style, "--vscode-editorHoverWidget-foreground", foreground),
    tooltipBorder: cssVar(style, "--vscode-editorHoverWidget-border", cssVar(style, "--vscode-contrastBorder", withAlpha(foreground, 0.3))),
    palette: PALETTE_VARS.map((c, i) => cssVar(style, `--vscode-charts-${c}`, FALLBACK_PALETTE[i])),
    fontFamily: cssVar(style, "--vscode-font-family", "sans-serif"),
    fontSize: Number.isFinite(fontSize) ? Math.max(10, Math.min(fontSize - 1, 14)) : 12,
    rawAlpha: highContrast ? 0.45 : light ? 0.3 : 0.25,
    lineWidth: highContrast ? 2 : 1.5,
    severity: {
      error: cssVar(style, "--vscode-editorError-foreground", cssVar(style, "--vscode-errorForeground", light ? "#e51400" : "#f14c4c")),
      warning: cssVar(style, "--vscode-editorWarning-foreground", cssVar(style, "--vscode-charts-yellow", light ? "#bf8803" : "#cca700")),
      info: cssVar(style, "--vscode-editorInfo-foreground", cssVar(style, "--vscode-charts-blue", light ? "#1a85ff" : "#3794ff")),
    },
  };
}

/** True when two themes would draw differently. */
export function sameTheme(a: Theme, b: Theme): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

let probe: CanvasRenderingContext2D | null | undefined;

/** Parses any CSS colour into [r, g, b, a] (a in 0..1), via a canvas for the forms not handled here. */
export function parseColor(color: string): [number, number, number, number] {
  const c = color.trim();
  const hex = /^#([0-9a-f]{3,8})$/i.exec(c);
  if (hex) {
    let h = hex[1];
    if (h.length === 3 || h.length === 4) h = [...h].map((ch) => ch + ch).join("");
    if (h.length === 6 || h.length === 8) {
      const n = (i: number) => parseInt(h.slice(i, i + 2), 16);
      return [n(0), n(2), n(4), h.length === 8 ? n(6) / 255 : 1];
    }
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/i.exec(c);
  if (rgb) {
    const a = rgb[4] === undefined ? 1 : rgb[4].endsWith("%") ? parseFloat(rgb[4]) / 100 : parseFloat(rgb[4]);
    return [+rgb[1], +rgb[2], +rgb[3], a];
  }
  if (probe === undefined) probe = document.createElement("canvas").getContext("2d");
  if (probe) {
    probe.fillStyle = "#000000";
    probe.fillStyle = c;
    const normalised = String(probe.fillStyle);
    if (normalised !== c) return parseColor(normalised);
  }
  return [128, 128, 128, 1];
}

/** The colour with its opacity multiplied by `alpha`, as `rgba(...)`. */
export function withAlpha(color: string, alpha: number): string {
  const [r, g, b, a] = parseColor(color);
  return `rgba(${r}, ${g}, ${b}, ${+(a * alpha).toFixed(3)})`;
}

/** FNV-1a, 32 bit. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Colours for runs: each run's palette slot is its hash modulo the palette size; when two runs of one panel land on
 * the same slot the later one takes the next free slot; past the palette, a hue from the hash.
 */
export function assignRunColors(colorKeys: string[], palette: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<number>();
  for (const key of colorKeys) {
    if (out.has(key)) continue;
    const h = hashString(key);
    let slot = -1;
    for (let k = 0; k < palette.length; k++) {
      const s = (h + k) % palette.length;
      if (!used.has(s)) {
        slot = s;
        break;
      }
    }
    if (slot >= 0) {
      used.add(slot);
      out.set(key, palette[slot]);
    } else {
      out.set(key, `hsl(${h % 360}, 65%, 55%)`);
    }
  }
  return out;
}

/** Short human formats shared by the tree, status bar and CodeLens. */

/** 42100 -> "42.1k", 1_250_000 -> "1.25M". */
export function formatSteps(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "0";
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 1 : 2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)}k`;
  return String(Math.round(n));
}

/** Steps per second: 3210 -> "3.2k/s". */
export function formatRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "-/s";
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k/s` : `${Math.round(n)}/s`;
}

export function formatReturn(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "-";
  return Math.abs(n) >= 1000 ? n.toFixed(0) : n.toFixed(1);
}

/** Number, step, duration and time formatting for the dashboard. */

/** A metric value: 4 significant decimals for small numbers, exponent for tiny or huge ones, "-" when undefined. */
export function fmtValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "-";
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a < 1e-3 || a >= 1e6) return v.toExponential(2);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(3);
  return v.toFixed(4);
}

/**
 * One column of numbers (a table's episode returns) in one format, so rows line up and read alike: no decimals when
 * every value is whole (CartPole's returns: "109", "94"), else a fixed number of decimals for the whole column chosen
 * from its largest magnitude (2 below 100, 1 from 100, 0 from 10,000; Pendulum's "-1234.6" next to "-98.0"); "-" for
 * a value that is undefined or not finite.
 * @returns one string per value, in order
 */
export function fmtColumn(values: readonly (number | null | undefined)[]): string[] {
  const finite = values.filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v));
  const largest = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const digits = finite.every((v) => Number.isInteger(v)) ? 0 : largest >= 1e4 ? 0 : largest >= 100 ? 1 : 2;
  return values.map((v) => (v === null || v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(digits)));
}

/** A step count: 950, 12.3k, 1.20M. */
export function fmtSteps(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "-";
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  return `${Math.round(v)}`;
}

/** A whole number with thousands separators. */
export function fmtInt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "-";
  return Math.round(v).toLocaleString("en-US");
}

/** A duration in seconds: 45s, 3m 05s, 2h 04m. */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "-";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A wall-clock time (seconds since the epoch) as local HH:MM:SS. */
export function fmtClock(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A config value for a table cell. */
export function fmtConfigValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "-";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

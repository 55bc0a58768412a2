/**
 * The resolved hyperparameters of a run with where each came from (default / preset / settings / file / flag), and
 * for compared runs, the keys whose values differ.
 */
import { unusedSettings } from "../../src/run-kind";
import { el } from "../ui/elements";
import { fmtConfigValue } from "./format";
import { runLabel, type RunStore } from "./run-store";

const SOURCE_TITLES: Record<string, string> = {
  default: "built-in default",
  preset: "preset for this env",
  settings: "workspace settings (ppoLab.hyperparameters.*)",
  file: "the env file's exported config or a config file",
  flag: "command argument or CLI flag",
};

function sourceCell(source: string | undefined): HTMLElement {
  const td = el("td", { class: "source" });
  if (source) td.append(el("span", { class: `source-tag source-${source}`, title: SOURCE_TITLES[source] ?? source }, source));
  else td.textContent = "-";
  return td;
}

/**
 * The value cell of `key`: the formatted value, plus an "unused" tag (tooltip: why) when the run's algorithm never
 * reads that setting (src/run-kind.ts unusedSettings).
 */
function valueCell(value: unknown, unusedReason: string | undefined, attrs: Record<string, string> = {}): HTMLElement {
  const td = el("td", { class: unusedReason ? "value unused" : "value", ...attrs }, fmtConfigValue(value));
  if (unusedReason) td.append(" ", el("span", { class: "unused-tag", "data-role": "unused", title: `Not used by this run: ${unusedReason}` }, "unused"));
  return td;
}

/** Key | value | source, sorted with the non-defaults first and the settings the algorithm does not read last. */
export function configTable(run: RunStore): HTMLElement {
  const config = run.info.config;
  if (!config || Object.keys(config).length === 0) return el("p", { class: "muted" }, "The resolved config is not known yet.");
  const sources = run.info.sources ?? {};
  const unused = unusedSettings(config);
  const rank = (k: string) => (unused.has(k) ? 2 : (sources[k] ?? "default") === "default" ? 1 : 0);
  const keys = Object.keys(config).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const table = el("table", { class: "data-table config-table", "data-run": run.info.key });
  const head = el("tr");
  head.append(el("th", {}, "hyperparameter"), el("th", {}, "value"), el("th", {}, "source"));
  table.append(el("thead"), el("tbody"));
  table.tHead!.append(head);
  for (const k of keys) {
    const tr = el("tr", { "data-key": k });
    tr.append(el("td", { class: "key" }, k), valueCell(config[k], unused.get(k)), sourceCell(sources[k]));
    table.tBodies[0].append(tr);
  }
  return table;
}

/** Keys whose values differ between runs (a key missing from a run counts as different). */
export function configDifferences(runs: RunStore[]): string[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.info.config ?? {})) keys.add(k);
  return [...keys].sort().filter((k) => {
    const values = runs.map((r) => JSON.stringify(r.info.config?.[k]));
    return values.some((v) => v !== values[0]);
  });
}

/**
 * A table of the differing keys: per run (headed in the run's colour) a value column and a source column, as in the
 * single-run table, so a value and where it came from are never read as one ("ppo" | flag, not "ppo flag").
 */
export function diffTable(runs: RunStore[], colors: Map<string, string>): HTMLElement {
  const keys = configDifferences(runs);
  if (keys.length === 0) return el("p", { class: "muted", "data-role": "no-diff" }, "The compared runs have the same config.");
  const table = el("table", { class: "data-table diff-table" });
  const head = el("tr");
  head.append(el("th", { rowspan: "2" }, "hyperparameter"));
  const sub = el("tr", { class: "sub-head" });
  for (const r of runs) {
    const th = el("th", { class: "run-col", colspan: "2", "data-run": r.info.key }, runLabel(r.info));
    th.style.setProperty("--run-color", colors.get(r.colorKey) ?? "");
    head.append(th);
    sub.append(el("th", {}, "value"), el("th", { class: "source" }, "source"));
  }
  table.append(el("thead"), el("tbody"));
  table.tHead!.append(head, sub);
  const unused = new Map(runs.map((r) => [r, unusedSettings(r.info.config)]));
  for (const k of keys) {
    const tr = el("tr", { "data-key": k });
    tr.append(el("td", { class: "key" }, k));
    for (const r of runs) tr.append(valueCell(r.info.config?.[k], unused.get(r)?.get(k), { "data-run": r.info.key }), sourceCell(r.info.sources?.[k]));
    table.tBodies[0].append(tr);
  }
  return table;
}

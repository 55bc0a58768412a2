/** The dashboard's global controls: smoothing slider, x axis, ignore outliers. */
import { checkbox, el, singleSelect } from "../ui/elements";
import type { XAxisKind } from "./run-store";
import type { ViewSettings } from "./view-state";

export interface ToolbarHandlers {
  smoothing(value: number): void;
  xAxis(kind: XAxisKind): void;
  ignoreOutliers(on: boolean): void;
}

const X_AXIS_OPTIONS: { value: XAxisKind; label: string }[] = [
  { value: "step", label: "Steps" },
  { value: "update", label: "Updates" },
  { value: "wall", label: "Wall time" },
  { value: "relative", label: "Relative time" },
];

export function buildToolbar(view: ViewSettings, on: ToolbarHandlers): HTMLElement {
  const bar = el("div", { class: "toolbar sticky-bar", role: "toolbar", "aria-label": "Chart settings" });

  const smoothing = el("label", { class: "control smoothing", title: "Exponential moving average with debiasing (TensorBoard's smoothing); the raw line stays faint behind." });
  const range = el("input", { type: "range", min: "0", max: "0.99", step: "0.01", "data-control": "smoothing", "aria-label": "Smoothing" });
  range.value = String(view.smoothing);
  const value = el("span", { class: "control-value", "data-role": "smoothing-value" }, view.smoothing.toFixed(2));
  range.addEventListener("input", () => {
    const v = Math.min(0.99, Math.max(0, Number(range.value)));
    value.textContent = v.toFixed(2);
    on.smoothing(v);
  });
  smoothing.append(el("span", { class: "control-label" }, "Smoothing"), range, value);

  const axis = el("label", { class: "control x-axis" });
  const select = singleSelect(X_AXIS_OPTIONS, view.xAxis, (v) => on.xAxis(v as XAxisKind), { "data-control": "x-axis", "aria-label": "X axis" });
  axis.append(el("span", { class: "control-label" }, "X axis"), select);

  const outliers = checkbox("Ignore outliers", view.ignoreOutliers, (c) => on.ignoreOutliers(c), {
    "data-control": "ignore-outliers",
    title: "Fit the y axis to the 5th-95th percentile of the data",
  });
  outliers.classList.add("control");

  bar.append(smoothing, axis, outliers);
  return bar;
}

/**
 * Chart.js for the dashboard: registers only the parts used (tree-shaken by esbuild), the "nearest run" tooltip
 * mode, and a plugin that paints the theme background (so an exported PNG is not transparent).
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Interaction,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type InteractionItem,
  type InteractionModeFunction,
  type Plugin,
} from "chart.js";
import { nearestIndex } from "./series";

export { Chart };

/** A chart point (Chart.js internal format: `parsing: false`). */
export interface Pt {
  x: number;
  y: number;
}

/** What a dataset draws, for the tooltip, tests and the benchmark. */
export interface DatasetTag {
  role: "line" | "raw" | "band-low" | "band-high";
  runKey: string;
  runLabel: string;
  metric: string;
  /** The raw (unsmoothed) value at each point of a smoothed "line" dataset. */
  rawAt?: number[];
}

export type TaggedDataset = ChartDataset<"line", Pt[]> & { ppo: DatasetTag };

declare module "chart.js" {
  interface InteractionModeMap {
    /** One item per visible run line: its point nearest in x to the cursor, nearest in y first (TensorBoard's "nearest" sort). */
    ppoNearest: InteractionModeFunction;
  }
}

const ppoNearest: InteractionModeFunction = (chart, e) => {
  const xScale = chart.scales.x;
  if (!xScale || e.x === null || e.y === null) return [];
  const xv = xScale.getValueForPixel(e.x);
  if (xv === undefined || !Number.isFinite(xv)) return [];
  const items: (InteractionItem & { dist: number })[] = [];
  chart.data.datasets.forEach((ds, datasetIndex) => {
    const tag = (ds as Partial<TaggedDataset>).ppo;
    if (!tag || tag.role !== "line" || !chart.isDatasetVisible(datasetIndex)) return;
    const data = ds.data as Pt[];
    if (data.length === 0) return;
    const index = nearestIndex(data.length, (i) => data[i].x, xv);
    const element = chart.getDatasetMeta(datasetIndex).data[index];
    if (!element || !Number.isFinite(element.y)) return;
    items.push({ element, datasetIndex, index, dist: Math.abs(element.y - (e.y ?? 0)) });
  });
  items.sort((a, b) => a.dist - b.dist);
  return items;
};

/** Fills the canvas with the theme background before drawing (`options.plugins.ppoBackground.color`). */
const backgroundPlugin: Plugin = {
  id: "ppoBackground",
  beforeDraw(chart, _args, options: { color?: string }) {
    if (!options.color) return;
    const { ctx } = chart;
    ctx.save();
    ctx.globalCompositeOperation = "destination-over";
    ctx.fillStyle = options.color;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

let registered = false;

export function registerChartParts(): void {
  if (registered) return;
  registered = true;
  Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, BarController, BarElement, Filler, Tooltip, backgroundPlugin);
  Interaction.modes.ppoNearest = ppoNearest;
}

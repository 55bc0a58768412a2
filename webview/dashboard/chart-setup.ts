/**
 * Chart.js for the dashboard: registers only the parts used (tree-shaken by esbuild), the "nearest run" tooltip
 * mode, a plugin that paints the theme background (so an exported PNG is not transparent) and one that draws
 * vertical markers (diagnostics findings) at given x values.
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
  role: "line" | "raw" | "band-low" | "band-high" | "evidence" | "threshold";
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

/** A vertical line across the plot area at `x` (a diagnostics finding on a chart card). */
export interface ChartMarker {
  x: number;
  color: string;
  /** Drawn solid (the finding is about this chart's metric), else dashed and fainter. */
  strong: boolean;
  /** The finding's id, for tests. */
  id: string;
  severity: string;
}

/** Markers by canvas (set before the chart exists, so its first draw has them). */
const chartMarkers = new WeakMap<HTMLCanvasElement, ChartMarker[]>();

/** Sets the markers the chart on `canvas` draws (on its next update). */
export function setMarkers(canvas: HTMLCanvasElement, markers: ChartMarker[]): void {
  if (markers.length === 0) chartMarkers.delete(canvas);
  else chartMarkers.set(canvas, markers);
}

export function getMarkers(canvas: HTMLCanvasElement): ChartMarker[] {
  return chartMarkers.get(canvas) ?? [];
}

/** Draws the markers set with setMarkers over the datasets: a line from top to bottom and a small flag on top. */
const markersPlugin: Plugin = {
  id: "ppoMarkers",
  afterDatasetsDraw(chart) {
    const markers = chartMarkers.get(chart.canvas);
    const x = chart.scales.x;
    if (!markers || markers.length === 0 || !x) return;
    const { ctx, chartArea: area } = chart;
    ctx.save();
    for (const m of markers) {
      const px = Math.round(x.getPixelForValue(m.x)) + 0.5;
      if (!Number.isFinite(px) || px < area.left - 1 || px > area.right + 1) continue;
      ctx.globalAlpha = m.strong ? 0.95 : 0.6;
      ctx.strokeStyle = m.color;
      ctx.fillStyle = m.color;
      ctx.lineWidth = m.strong ? 1.5 : 1;
      ctx.setLineDash(m.strong ? [] : [3, 3]);
      ctx.beginPath();
      ctx.moveTo(px, area.top);
      ctx.lineTo(px, area.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(px - 4, area.top);
      ctx.lineTo(px + 4, area.top);
      ctx.lineTo(px, area.top + 5);
      ctx.closePath();
      ctx.fill();
    }
    ctx.restore();
  },
};

let registered = false;

export function registerChartParts(): void {
  if (registered) return;
  registered = true;
  Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, BarController, BarElement, Filler, Tooltip, backgroundPlugin, markersPlugin);
  Interaction.modes.ppoNearest = ppoNearest;
}

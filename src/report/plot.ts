/**
 * Charts: vega-lite specs compiled with vega-lite, rendered to SVG by a headless vega View, and to
 * PNG by resvg. Both vega packages are ESM-only, so they are loaded with a dynamic import().
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../rundir/atomic';
import { createOutDir } from '../rundir/layout';
import { Resvg } from '@resvg/resvg-js';
import { ACTIVATIONS } from '../model/activations';
import { MetricName, PAPER_LOSS_MINIMUM } from '../rundir/epochs';
import { datasetOfGroups, RunGroup } from './runs';
import { mean } from './stats';

/** Width in pixels of the PNG files (the SVG is scaled to it, keeping the aspect ratio). */
export const PNG_WIDTH = 1200;

type Spec = Record<string, unknown>;

export interface ChartDef {
  /** File name without extension. */
  name: string;
  title: string;
  spec: Spec;
}

export interface RenderedChart {
  name: string;
  svg: string;
  png: Buffer;
  pngWidth: number;
  pngHeight: number;
}

const CATEGORY = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac', '#eeca3b'];

function colorScale(labels: readonly string[]): Spec {
  return labels.length <= CATEGORY.length
    ? { domain: labels, range: CATEGORY.slice(0, labels.length) }
    : { domain: labels, scheme: 'tableau20' };
}

/** Per-epoch rows of one metric pair (train/test) for the line chart: mean and mean ± std over seeds. */
export function curveRows(groups: readonly RunGroup[], train: MetricName, test: MetricName): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const g of groups) {
    for (const e of g.epochs) {
      for (const [split, metric] of [
        ['train', train],
        ['test', test],
      ] as const) {
        const m = e.mean[metric];
        const s = e.n > 1 ? e.std[metric] : 0;
        rows.push({ schedule: g.label, split, epoch: e.epoch, value: m, low: m - s, high: m + s, n: e.n });
      }
    }
  }
  return rows;
}

/**
 * A line chart of one metric over epochs: one colour per schedule, train solid and test dashed,
 * a ± std band when a schedule has several seeds, points when there are few epochs.
 */
export function lineChartSpec(
  groups: readonly RunGroup[],
  opts: {
    title: string;
    yTitle: string;
    train: MetricName;
    test: MetricName;
    rule?: { y: number; label: string };
    /** Draw only epochs from this one on (a zoomed view); the y axis fits what is drawn. */
    fromEpoch?: number;
    /** A logarithmic y axis (losses). */
    logY?: boolean;
    /** A fixed y range (bands are cut to it). */
    yDomain?: [number, number];
    /** Schedules left out of the drawing (they keep their colour in the legend). */
    omit?: readonly string[];
  },
): Spec {
  const labels = groups.map((g) => g.label);
  const from = opts.fromEpoch ?? 1;
  // A band reaching below zero has no place on a log axis: it is cut at a tenth of its mean.
  // Bands are cut rather than clipped: resvg cannot render a clipped mark that lies wholly outside.
  const [lo, hi] = opts.yDomain ?? [-Infinity, Infinity];
  const values = curveRows(groups, opts.train, opts.test)
    .filter((r) => (r.epoch as number) >= from && !(opts.omit ?? []).includes(r.schedule as string))
    .map((r) => (opts.logY ? { ...r, low: Math.max(r.low as number, (r.value as number) / 10) } : r))
    .map((r) => ({ ...r, low: Math.max(lo, r.low as number), high: Math.min(hi, r.high as number) }));
  const maxEpoch = Math.max(1, ...groups.map((g) => (g.epochs.length ? g.epochs[g.epochs.length - 1].epoch : 1)));
  const banded = groups.some((g) => g.runs.length > 1);
  const x = {
    field: 'epoch',
    type: 'quantitative',
    title: 'epoch',
    scale: { domain: [from, Math.max(from + 1, maxEpoch)], nice: false },
    axis: { tickMinStep: 1, format: 'd' },
  };
  const color = {
    field: 'schedule',
    type: 'nominal',
    title: 'schedule',
    scale: colorScale(labels),
    legend: { symbolOpacity: 1, symbolType: 'circle' },
  };
  const yScale = opts.logY ? { type: 'log', nice: false } : opts.yDomain ? { domain: opts.yDomain, nice: false } : { zero: false };
  const layers: Spec[] = [];
  if (banded) {
    layers.push({
      mark: { type: 'area', opacity: 0.15 },
      encoding: {
        // An area's scale starts at zero unless told: the zoomed views tell it.
        x,
        y: { field: 'low', type: 'quantitative', ...(opts.logY || opts.yDomain ? { scale: yScale } : {}) },
        y2: { field: 'high' },
        color,
        detail: { field: 'split', type: 'nominal' },
      },
    });
  }
  layers.push({
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x,
      y: { field: 'value', type: 'quantitative', title: opts.yTitle, scale: yScale },
      color,
      strokeDash: {
        field: 'split',
        type: 'nominal',
        title: 'split',
        scale: {
          domain: ['train', 'test'],
          range: [
            [1, 0],
            [6, 4],
          ],
        },
        legend: { symbolType: 'stroke', symbolStrokeColor: '#444', symbolStrokeWidth: 2, symbolSize: 400 },
      },
      tooltip: [{ field: 'schedule' }, { field: 'split' }, { field: 'epoch' }, { field: 'value', format: '.4f' }],
    },
  });
  if (maxEpoch - from < 12) {
    layers.push({
      mark: { type: 'point', filled: true, size: 25 },
      encoding: { x, y: { field: 'value', type: 'quantitative' }, color },
    });
  }
  if (opts.rule) {
    layers.push({
      data: { values: [{ y: opts.rule.y, label: opts.rule.label }] },
      mark: { type: 'rule', color: '#888', strokeDash: [2, 2] },
      encoding: { y: { field: 'y', type: 'quantitative' } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${datasetOfGroups(groups)}: ${opts.title}`,
    width: 640,
    height: 360,
    background: 'white',
    data: { values },
    layer: layers,
    config: { legend: { labelLimit: 260 } },
  };
}

/**
 * The first epoch of the zoomed charts: the second half of training (epochs 11-20 of 20), where
 * the good schedules differ by tenths of a percent that a full-scale axis draws as one line.
 */
export function zoomFromEpoch(groups: readonly RunGroup[]): number {
  const maxEpoch = Math.max(1, ...groups.map((g) => (g.epochs.length ? g.epochs[g.epochs.length - 1].epoch : 1)));
  // At least two epochs drawn, so there is a line to read.
  return Math.max(1, Math.min(Math.floor(maxEpoch / 2) + 1, maxEpoch - 1));
}

/** How far below the best schedule's accuracy the zoomed axis reaches: schedules further down are left off it. */
export const ZOOM_ACCURACY_REACH = 0.05;

/**
 * The zoomed accuracy axis: fitted to the curves (train and test, epochs from `from` on) of the
 * schedules whose mean there is within ZOOM_ACCURACY_REACH of the best one's, padded by a tenth;
 * the schedules left off (e.g. a sigmoid that did not learn) are named and not drawn.
 */
export function zoomAccuracyDomain(groups: readonly RunGroup[], from: number): { domain: [number, number]; off: string[] } {
  const rows = curveRows(groups, 'train_accuracy', 'test_accuracy').filter(
    (r) => (r.epoch as number) >= from && Number.isFinite(r.value as number),
  );
  const byGroup = new Map<string, number[]>();
  for (const r of rows) byGroup.set(r.schedule as string, [...(byGroup.get(r.schedule as string) ?? []), r.value as number]);
  const means = [...byGroup].map(([label, v]) => ({ label, mean: mean(v), min: Math.min(...v), max: Math.max(...v) }));
  const best = Math.max(...means.map((m) => m.mean));
  const kept = means.filter((m) => m.mean >= best - ZOOM_ACCURACY_REACH);
  const lo = Math.min(...kept.map((m) => m.min));
  const hi = Math.max(...kept.map((m) => m.max));
  const pad = Math.max((hi - lo) / 10, 0.0005);
  return { domain: [Math.max(0, lo - pad), Math.min(1, hi + pad)], off: means.filter((m) => !kept.includes(m)).map((m) => m.label) };
}

/** The charts of a comparison: accuracy, loss and the paper's loss over epochs, and zoomed views of the first two. */
export function chartDefs(groups: readonly RunGroup[]): ChartDef[] {
  const seeds = Math.max(...groups.map((g) => g.runs.length));
  const band = seeds > 1 ? ` (mean of ${seeds} seeds, band ± 1 std)` : '';
  const from = zoomFromEpoch(groups);
  const last = `epochs ${from}-${Math.max(...groups.map((g) => (g.epochs.length ? g.epochs[g.epochs.length - 1].epoch : 1)))}`;
  const zoom = zoomAccuracyDomain(groups, from);
  const offAxis = zoom.off.length > 0 ? `; below the axis: ${zoom.off.join(', ')}` : '';
  return [
    {
      name: 'accuracy',
      title: 'Accuracy vs epoch',
      spec: lineChartSpec(groups, {
        title: `Accuracy per epoch: train solid, test dashed${band}`,
        yTitle: 'accuracy',
        train: 'train_accuracy',
        test: 'test_accuracy',
      }),
    },
    {
      name: 'loss',
      title: 'Loss vs epoch',
      spec: lineChartSpec(groups, {
        title: `Cross-entropy loss per epoch: train solid, test dashed${band}`,
        yTitle: 'loss',
        train: 'train_loss',
        test: 'test_loss',
      }),
    },
    {
      name: 'accuracy-zoom',
      title: `Accuracy vs epoch, zoomed: ${last}`,
      spec: lineChartSpec(groups, {
        title: `Accuracy, ${last}, axis fitted: train solid, test dashed${band}${offAxis}`,
        yTitle: 'accuracy',
        train: 'train_accuracy',
        test: 'test_accuracy',
        fromEpoch: from,
        yDomain: zoom.domain,
        omit: zoom.off,
      }),
    },
    {
      name: 'loss-zoom',
      title: `Loss vs epoch, zoomed: ${last}, log scale`,
      spec: lineChartSpec(groups, {
        title: `Cross-entropy loss, ${last}, log scale: train solid, test dashed${band}`,
        yTitle: 'loss (log scale)',
        train: 'train_loss',
        test: 'test_loss',
        fromEpoch: from,
        logY: true,
      }),
    },
    {
      name: 'paper-loss',
      title: "The paper's loss vs epoch",
      spec: lineChartSpec(groups, {
        title: `Paper's loss (softmax twice; floor ${PAPER_LOSS_MINIMUM.toFixed(4)} dotted)${band}`,
        yTitle: "paper's loss",
        train: 'train_paper_loss',
        test: 'test_paper_loss',
        rule: { y: PAPER_LOSS_MINIMUM, label: 'floor' },
      }),
    },
  ];
}

/**
 * Rows of the sweep heatmap: one per schedule, with its activations, mean test accuracy (of the
 * runs that did not diverge) and the text of its cell ("diverged" when every run did).
 */
export function heatmapRows(
  groups: readonly RunGroup[],
): Array<{ conv1: string; conv2: string; dense: string; schedule: string; accuracy: number; seeds: number; text: string }> {
  return groups.map((g) => {
    const accuracy = mean(g.finals.test_accuracy);
    return {
      conv1: g.activations[0],
      conv2: g.activations[1],
      dense: g.activations[2],
      schedule: g.label,
      accuracy,
      seeds: g.runs.length,
      text: Number.isFinite(accuracy) ? accuracy.toFixed(4) : g.diverged.length > 0 ? 'diverged' : 'n/a',
    };
  });
}

/** Heatmap: conv1 activation (rows) × conv2 activation (columns), one panel per dense activation; colour = mean test accuracy. */
export function heatmapSpec(groups: readonly RunGroup[]): Spec {
  const values = heatmapRows(groups);
  const used = (k: 'conv1' | 'conv2' | 'dense') => (ACTIVATIONS as readonly string[]).filter((a) => values.some((v) => v[k] === a));
  const accs = values.map((v) => v.accuracy).filter(Number.isFinite);
  const lo = Math.min(...accs);
  const hi = Math.max(...accs);
  const mid = (lo + hi) / 2;
  const seeds = Math.max(...values.map((v) => v.seeds));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${datasetOfGroups(groups)}: mean test accuracy (final rounds${seeds > 1 ? `, ${seeds} seeds` : ''}) by activation after conv1, conv2, dense`,
    background: 'white',
    data: { values },
    facet: { column: { field: 'dense', type: 'nominal', title: 'after dense', sort: used('dense') } },
    spec: {
      width: 60 * used('conv2').length,
      height: 40 * used('conv1').length,
      layer: [
        {
          mark: { type: 'rect', stroke: 'white' },
          encoding: {
            x: { field: 'conv2', type: 'nominal', title: 'after conv2', sort: used('conv2'), axis: { labelAngle: 0 } },
            y: { field: 'conv1', type: 'nominal', title: 'after conv1', sort: used('conv1') },
            color: {
              field: 'accuracy',
              type: 'quantitative',
              title: 'test acc',
              scale: { scheme: 'viridis', domain: lo === hi ? [lo - 0.001, hi + 0.001] : [lo, hi] },
            },
            tooltip: [{ field: 'schedule' }, { field: 'accuracy', format: '.4f' }],
          },
        },
        {
          mark: { type: 'text', fontSize: 11 },
          encoding: {
            x: { field: 'conv2', type: 'nominal', sort: used('conv2') },
            y: { field: 'conv1', type: 'nominal', sort: used('conv1') },
            text: { field: 'text', type: 'nominal' },
            color: { condition: { test: `datum.accuracy < ${mid}`, value: 'white' }, value: 'black' },
          },
        },
      ],
    },
  };
}

let fontOptions: { loadSystemFonts: boolean; defaultFontFamily?: string; sansSerifFamily?: string } | null = null;

/** resvg font options: system fonts, with DejaVu Sans (or the first sans font found) for sans-serif. */
function resvgFonts(): { loadSystemFonts: boolean; defaultFontFamily?: string; sansSerifFamily?: string } {
  if (fontOptions) return fontOptions;
  fontOptions = { loadSystemFonts: true };
  const candidates: Array<[string, string]> = [
    ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', 'DejaVu Sans'],
    ['/usr/share/fonts/dejavu/DejaVuSans.ttf', 'DejaVu Sans'],
    ['/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', 'Liberation Sans'],
    ['/usr/share/fonts/liberation/LiberationSans-Regular.ttf', 'Liberation Sans'],
    ['/System/Library/Fonts/Helvetica.ttc', 'Helvetica'],
    ['C:\\Windows\\Fonts\\arial.ttf', 'Arial'],
  ];
  for (const [file, family] of candidates) {
    if (fs.existsSync(file)) {
      fontOptions = { loadSystemFonts: true, defaultFontFamily: family, sansSerifFamily: family };
      break;
    }
  }
  return fontOptions;
}

/** Compiles a vega-lite spec and renders it headlessly to SVG. */
export async function renderSvg(vlSpec: Spec): Promise<string> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const compiled = vl.compile(vlSpec as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders an SVG to PNG, scaled to `width` pixels wide. */
export function svgToPng(svg: string, width = PNG_WIDTH): { png: Buffer; width: number; height: number } {
  const resvg = new Resvg(svg, { fitTo: { mode: 'width', value: width }, font: resvgFonts(), background: 'white', logLevel: 'off' });
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height };
}

/**
 * Vega numbers gradients and clip paths with a process-wide counter (gradient_0, gradient_1, ...), so the
 * same chart drawn twice would differ. Renames every id, in order of appearance, to `<prefix>-<k>`:
 * deterministic output, and ids stay unique when several charts are inlined into one HTML page.
 */
export function normalizeSvgIds(svg: string, prefix: string): string {
  const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  const map = new Map<string, string>();
  for (const id of ids) if (!map.has(id)) map.set(id, `${prefix}-${map.size}`);
  if (map.size === 0) return svg;
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(\\sid="|url\\(#|href="#)(${[...map.keys()].map(esc).join('|')})(?=[")])`, 'g');
  return svg.replace(re, (_m, head: string, id: string) => `${head}${map.get(id)}`);
}

export async function renderChart(name: string, vlSpec: Spec, width = PNG_WIDTH): Promise<RenderedChart> {
  const svg = normalizeSvgIds(await renderSvg(vlSpec), `lenet-${name}`);
  const { png, width: pngWidth, height: pngHeight } = svgToPng(svg, width);
  return { name, svg, png, pngWidth, pngHeight };
}

function writeOut(dir: string, chart: RenderedChart): string[] {
  const svgFile = path.join(dir, `${chart.name}.svg`);
  const pngFile = path.join(dir, `${chart.name}.png`);
  createOutDir(dir);
  writeFileAtomic(svgFile, chart.svg);
  writeFileAtomic(pngFile, chart.png);
  return [svgFile, pngFile];
}

/**
 * Writes accuracy, loss, their zoomed views (accuracy-zoom, loss-zoom) and paper-loss, each as
 * SVG and PNG, into dir for the given groups.
 * Returns the rendered charts (for inlining into the report) and the files written.
 */
export async function writeCharts(
  dir: string,
  groups: readonly RunGroup[],
): Promise<{ charts: Array<RenderedChart & { title: string }>; files: string[] }> {
  const charts: Array<RenderedChart & { title: string }> = [];
  const files: string[] = [];
  for (const def of chartDefs(groups)) {
    const chart = await renderChart(def.name, def.spec);
    files.push(...writeOut(dir, chart));
    charts.push({ ...chart, title: def.title });
  }
  return { charts, files };
}

/** Writes heatmap.svg and heatmap.png (sweeps). */
export async function writeHeatmap(dir: string, groups: readonly RunGroup[]): Promise<{ chart: RenderedChart; files: string[] }> {
  const chart = await renderChart('heatmap', heatmapSpec(groups));
  return { chart, files: writeOut(dir, chart) };
}

/**
 * The report of a sweep with --vary: for each varied option, its effect on each schedule's final
 * metrics (paired by seed against the base level, the other options held equal), whether the
 * schedules' ranking changes across its levels, and a faceted chart of the curves per level; then
 * every variant ranked by its distance to the paper's Table 2, for each way a paper may have
 * measured "training accuracy" (factors.md, factors.csv, table2-distance.csv, factor-*.svg/png).
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../rundir/atomic';
import { createOutDir, pathComponent } from '../rundir/layout';
import { CampaignVary } from '../rundir/campaign-file';
import { EpochRow } from '../rundir/epochs';
import { configText, RunData, RunGroup } from './runs';
import { csvNumber, csvText, fixed, markdownTable, mdInline, signed } from './format';
import { GapInterval, mean, pairedInterval } from './stats';
import { PAPER_TABLE2 } from './paper';
import { datasetOfGroups } from './runs';
import { renderChart, RenderedChart } from './plot';

type Factor = CampaignVary['factors'][number];

/** The metrics whose effects are tabulated, as the run's summary holds their final values. */
export const EFFECT_METRICS = ['train_accuracy', 'test_accuracy', 'train_paper_loss'] as const;
export type EffectMetric = (typeof EFFECT_METRICS)[number];

export interface FactorEffect {
  /** The option's flag without dashes. */
  factor: string;
  level: string;
  base: string;
  schedule: string;
  metric: EffectMetric;
  /** Seed pairs the effect rests on (pooled over the other options' combinations). */
  pairs: number;
  /** Mean of level − base over the pairs; NaN without pairs. */
  diff: number;
  /** The paired 95% t interval; null with fewer than 2 pairs. */
  ci: GapInterval | null;
}

export interface FactorRanking {
  factor: string;
  level: string;
  /** Schedules best first by mean final training accuracy, with the other options at their base. */
  order: string[];
  /** True when the order differs from the base level's (over the schedules both have). */
  changed: boolean;
}

/** How a paper may have measured its training numbers: the three pairs of columns lenet records. */
export const MEASURES = [
  { name: 'running mean over the epoch', accuracy: 'train_accuracy', loss: 'train_paper_loss' },
  { name: 'last batch of the epoch', accuracy: 'last_batch_accuracy', loss: 'last_batch_paper_loss' },
  { name: 'whole training set after the epoch', accuracy: 'train_eval_accuracy', loss: 'train_eval_paper_loss' },
] as const;
export type Measure = (typeof MEASURES)[number];

export interface Table2Row {
  variant: string;
  measure: Measure['name'];
  /** RMS of the 8 differences to Table 2 (4 accuracies, 4 paper losses); NaN when a number is missing. */
  distance: number;
  /** The largest of the 8 differences, in absolute value. */
  worst: number;
  /** Per schedule of Table 2: the mean over seeds of the last K epochs' accuracy and paper loss. */
  values: Record<string, { accuracy: number; loss: number; seeds: number }>;
  /** Why there is no distance, when there is none. */
  missing?: string;
}

/** A group's level of each factor (from its runs' config.json). */
function levelsOf(g: RunGroup, factors: readonly Factor[]): string[] {
  const run: RunData | undefined = g.runs[0] ?? g.diverged[0]?.run;
  return factors.map((f) => (run ? configText(run, f.lands) : '?'));
}

function sameExcept(a: readonly string[], b: readonly string[], skip: number): boolean {
  return a.every((x, i) => i === skip || x === b[i]);
}

/**
 * The runs of a group the factor report counts: those that finished every planned epoch and did
 * not diverge (an interrupted run's final values are of fewer epochs than its neighbours').
 */
function finished(g: RunGroup): RunData[] {
  return g.runs.filter((r) => r.summary.complete);
}

/** Final value of a metric per seed of a group (finished runs). */
function finalsBySeed(g: RunGroup, metric: EffectMetric): Map<number, number> {
  return new Map(finished(g).map((r) => [r.summary.seed, r.summary.final[metric]]));
}

/**
 * The effect of each non-base level of each factor on each schedule: every pair of groups of one
 * schedule that differ only in this factor (level vs base) contributes its seeds present in both.
 */
export function factorEffects(groups: readonly RunGroup[], factors: readonly Factor[]): FactorEffect[] {
  const levels = new Map(groups.map((g) => [g, levelsOf(g, factors)]));
  const schedules = [...new Set(groups.map((g) => g.schedule))];
  const out: FactorEffect[] = [];
  factors.forEach((f, fi) => {
    const base = f.levels[0];
    for (const level of f.levels.slice(1)) {
      for (const schedule of schedules) {
        for (const metric of EFFECT_METRICS) {
          const a: number[] = [];
          const b: number[] = [];
          for (const g of groups) {
            const lg = levels.get(g)!;
            if (g.schedule !== schedule || lg[fi] !== level) continue;
            const partner = groups.find(
              (h) => h.schedule === schedule && levels.get(h)![fi] === base && sameExcept(lg, levels.get(h)!, fi),
            );
            if (!partner) continue;
            const mine = finalsBySeed(g, metric);
            const theirs = finalsBySeed(partner, metric);
            for (const [seed, v] of mine) {
              const w = theirs.get(seed);
              if (w !== undefined && Number.isFinite(v) && Number.isFinite(w)) {
                a.push(v);
                b.push(w);
              }
            }
          }
          if (a.length === 0) continue;
          out.push({
            factor: f.flag,
            level,
            base,
            schedule,
            metric,
            pairs: a.length,
            diff: mean(a.map((x, i) => x - b[i])),
            ci: pairedInterval(a, b),
          });
        }
      }
    }
  });
  return out;
}

/** The groups of one factor's level with every other factor at its base, by schedule. */
function sliceOf(groups: readonly RunGroup[], factors: readonly Factor[], fi: number, level: string): RunGroup[] {
  return groups.filter((g) => {
    const lg = levelsOf(g, factors);
    return lg[fi] === level && lg.every((x, i) => i === fi || x === factors[i].levels[0]);
  });
}

/** For each factor and level: the schedules' order by final training accuracy, and whether it differs from the base level's. */
export function factorRankings(groups: readonly RunGroup[], factors: readonly Factor[]): FactorRanking[] {
  const out: FactorRanking[] = [];
  factors.forEach((f, fi) => {
    const orderOf = (level: string) =>
      sliceOf(groups, factors, fi, level)
        .filter((g) => finished(g).length > 0)
        .map((g) => ({ s: g.schedule, v: mean(finished(g).map((r) => r.summary.final.train_accuracy)) }))
        .sort((x, y) => y.v - x.v)
        .map((x) => x.s);
    const baseOrder = orderOf(f.levels[0]);
    for (const level of f.levels) {
      const order = orderOf(level);
      if (order.length === 0) continue;
      const common = (o: string[], other: string[]) => o.filter((s) => other.includes(s));
      const changed = common(order, baseOrder).join(',') !== common(baseOrder, order).join(',');
      out.push({ factor: f.flag, level, order, changed });
    }
  });
  return out;
}

/** Mean of one column over a run's last K epochs; NaN when any of them lacks it. */
function lastK(epochs: readonly EpochRow[], k: number, column: keyof EpochRow): number {
  const tail = epochs.slice(-Math.min(k, epochs.length));
  const values = tail.map((r) => r[column]);
  if (tail.length === 0 || values.some((v) => v === undefined)) return Number.NaN;
  return mean(values as number[]);
}

/** Table 2's schedules, in its order. */
const TABLE2_SCHEDULES = Object.keys(PAPER_TABLE2);

/**
 * Every variant that trained Table 2's four schedules, for each measure: the mean over seeds of the
 * last K epochs (K: each run's average_last) of accuracy and paper loss per schedule, and the RMS of
 * the 8 differences to Table 2. Sorted closest first; rows without a distance last.
 */
export function table2Distances(groups: readonly RunGroup[]): Table2Row[] {
  const variants = [...new Set(groups.map((g) => g.variant))];
  const rows: Table2Row[] = [];
  for (const variant of variants) {
    for (const measure of MEASURES) {
      const values: Table2Row['values'] = {};
      const diffs: number[] = [];
      let missing: string | undefined;
      for (const schedule of TABLE2_SCHEDULES) {
        const g = groups.find((x) => x.variant === variant && x.schedule === schedule);
        const runs = g ? finished(g) : [];
        if (!g || runs.length === 0) {
          missing ??= !g
            ? `${schedule} was not run`
            : g.runs.length === 0
              ? `every run of ${schedule} diverged`
              : `no run of ${schedule} finished`;
          continue;
        }
        const acc = mean(runs.map((r) => lastK(r.epochs, r.summary.average_last, measure.accuracy)));
        const loss = mean(runs.map((r) => lastK(r.epochs, r.summary.average_last, measure.loss)));
        values[schedule] = { accuracy: acc, loss, seeds: runs.length };
        if (!Number.isFinite(acc) || !Number.isFinite(loss)) missing ??= `${measure.accuracy} not recorded (runs of an older lenet)`;
        diffs.push(acc - PAPER_TABLE2[schedule].accuracy, loss - PAPER_TABLE2[schedule].loss);
      }
      const ok = missing === undefined && diffs.length === 2 * TABLE2_SCHEDULES.length;
      rows.push({
        variant: variant === '' ? 'the protocol' : variant,
        measure: measure.name,
        distance: ok ? Math.sqrt(mean(diffs.map((d) => d * d))) : Number.NaN,
        worst: ok ? Math.max(...diffs.map(Math.abs)) : Number.NaN,
        values,
        ...(ok ? {} : { missing }),
      });
    }
  }
  return rows.sort((a, b) => {
    const fa = Number.isFinite(a.distance);
    const fb = Number.isFinite(b.distance);
    if (fa !== fb) return fa ? -1 : 1;
    return fa ? a.distance - b.distance : 0;
  });
}

const METRIC_TITLE: Record<EffectMetric, string> = {
  train_accuracy: 'train acc',
  test_accuracy: 'test acc',
  train_paper_loss: 'train paper loss',
};

function effectText(e: FactorEffect | undefined): string {
  if (!e) return '–';
  const ci = e.ci ? ` [${signed(e.ci.low, 4)}, ${signed(e.ci.high, 4)}]` : '';
  return `${signed(e.diff, 4)}${ci}${e.pairs === 1 ? ' (1 seed)' : ''}`;
}

/** The faceted chart of one factor: training accuracy per epoch, one panel per level (others at base), a line per schedule. */
export function factorChartSpec(groups: readonly RunGroup[], factors: readonly Factor[], fi: number): Record<string, unknown> {
  const f = factors[fi];
  const values: Array<Record<string, unknown>> = [];
  for (const level of f.levels) {
    for (const g of sliceOf(groups, factors, fi, level)) {
      for (const e of g.epochs) {
        values.push({ level: `${f.flag}=${level}`, schedule: g.schedule, epoch: e.epoch, accuracy: e.mean.train_accuracy });
      }
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${datasetOfGroups(groups)}: training accuracy by ${f.flag} (other options at their base)`,
    background: 'white',
    data: { values },
    facet: { field: 'level', type: 'nominal', title: null, sort: f.levels.map((l) => `${f.flag}=${l}`) },
    columns: Math.min(3, f.levels.length),
    spec: {
      width: 260,
      height: 180,
      // Points as well as lines: a level trained for one epoch has one point and no line.
      mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 20 } },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'accuracy', type: 'quantitative', scale: { zero: false }, title: 'train accuracy' },
        color: { field: 'schedule', type: 'nominal', sort: TABLE2_SCHEDULES },
      },
    },
  };
}

export interface FactorReport {
  effects: FactorEffect[];
  rankings: FactorRanking[];
  table2: Table2Row[];
  md: string;
  charts: Array<RenderedChart & { title: string }>;
  files: string[];
}

/** factors.md, factors.csv, table2-distance.csv and one faceted chart per factor, into outDir. */
export async function writeFactorReport(outDir: string, groups: readonly RunGroup[], factors: readonly Factor[]): Promise<FactorReport> {
  const effects = factorEffects(groups, factors);
  const rankings = factorRankings(groups, factors);
  const table2 = table2Distances(groups);
  const schedules = [...new Set(groups.map((g) => g.schedule))];
  const lines: string[] = [];
  lines.push(
    'Effect of each varied option: level minus base, per schedule, on the final values (mean of the last K epochs), paired by seed with the other options equal; 95% paired t interval where at least 2 seeds pair.',
    '',
  );
  for (const f of factors) {
    lines.push(`### ${mdInline(f.flag)} (base ${mdInline(f.levels[0])})`, '');
    const header = ['level', 'metric', ...schedules];
    const cells: string[][] = [];
    for (const level of f.levels.slice(1)) {
      for (const metric of EFFECT_METRICS) {
        cells.push([
          level,
          METRIC_TITLE[metric],
          ...schedules.map((s) =>
            effectText(effects.find((e) => e.factor === f.flag && e.level === level && e.schedule === s && e.metric === metric)),
          ),
        ]);
      }
    }
    if (cells.length > 0) lines.push(markdownTable(header, cells, header.map((_, i) => (i < 2 ? 'l' : 'r')).join('')), '');
    const ranks = rankings.filter((r) => r.factor === f.flag);
    if (ranks.length > 0) {
      lines.push('Schedules by final training accuracy, best first (other options at base):', '');
      for (const r of ranks)
        lines.push(
          `- ${mdInline(`${f.flag}=${r.level}`)}: ${r.order.map(mdInline).join(' > ')}${r.changed ? ' — **ranking changes**' : ''}`,
        );
      lines.push('');
    }
  }
  const unfinished = groups.flatMap((g) => g.runs.filter((r) => !r.summary.complete).map((r) => r.relDir));
  const lost = groups.filter((g) => g.runs.length === 0 && g.diverged.length > 0).map((g) => g.label);
  if (unfinished.length > 0 || lost.length > 0) {
    lines.push('Left out of this section:', '');
    if (unfinished.length > 0) lines.push(`- unfinished runs (rerun the sweep to finish them): ${unfinished.map(mdInline).join(', ')}`);
    if (lost.length > 0) lines.push(`- every run diverged: ${lost.map(mdInline).join(', ')}`);
    lines.push('');
  }
  lines.push('### Distance to Table 2', '');
  lines.push(
    "Each variant's four schedules beside Table 2 (sigmoid 0.881 / 1.5943, tanh 0.961 / 1.5103, relu 0.966 / 1.5003, tanh-relu 0.981 / 1.4936), for each way the training numbers may have been measured: distance = root mean square of the 8 differences (4 accuracies, 4 paper losses), closest first.",
    '',
  );
  const t2header = ['rank', 'variant', 'measured as', 'distance', 'worst', ...TABLE2_SCHEDULES.map((s) => `${s} acc / loss`)];
  const t2cells = table2.map((r, i) => [
    Number.isFinite(r.distance) ? String(i + 1) : '–',
    r.variant,
    r.measure,
    Number.isFinite(r.distance) ? fixed(r.distance, 4) : `n/a (${r.missing ?? ''})`,
    Number.isFinite(r.worst) ? fixed(r.worst, 4) : '–',
    ...TABLE2_SCHEDULES.map((s) => (r.values[s] ? `${fixed(r.values[s].accuracy, 4)} / ${fixed(r.values[s].loss, 4)}` : '–')),
  ]);
  lines.push(markdownTable(t2header, t2cells, t2header.map((_, i) => (i === 1 || i === 2 ? 'l' : 'r')).join('')), '');
  const md = lines.join('\n');

  const files: string[] = [];
  createOutDir(outDir);
  const write = (name: string, text: string | Buffer) => {
    const file = path.join(outDir, name);
    writeFileAtomic(file, text);
    files.push(file);
  };
  write('factors.md', `# Factors of the sweep\n\n${md}`);
  write(
    'factors.csv',
    csvText(
      ['factor', 'base', 'level', 'schedule', 'metric', 'pairs', 'effect', 'ci95_low', 'ci95_high', 'p'],
      effects.map((e) => [
        e.factor,
        e.base,
        e.level,
        e.schedule,
        e.metric,
        e.pairs,
        csvNumber(e.diff, 6),
        e.ci ? csvNumber(e.ci.low, 6) : '',
        e.ci ? csvNumber(e.ci.high, 6) : '',
        e.ci ? csvNumber(e.ci.p, 4) : '',
      ]),
    ),
  );
  write(
    'table2-distance.csv',
    csvText(
      ['variant', 'measured_as', 'distance', 'worst', ...TABLE2_SCHEDULES.flatMap((s) => [`${s}_accuracy`, `${s}_paper_loss`])],
      table2.map((r) => [
        r.variant,
        r.measure,
        Number.isFinite(r.distance) ? csvNumber(r.distance, 6) : '',
        Number.isFinite(r.worst) ? csvNumber(r.worst, 6) : '',
        ...TABLE2_SCHEDULES.flatMap((s) => (r.values[s] ? [csvNumber(r.values[s].accuracy, 6), csvNumber(r.values[s].loss, 6)] : ['', ''])),
      ]),
    ),
  );
  const drawn = await writeFactorCharts(outDir, groups, factors);
  files.push(...drawn.files);
  return { effects, rankings, table2, md, charts: drawn.charts, files };
}

/** factor-KEY.svg/png for each varied option (lenet plot of a varied sweep draws these instead of a heatmap). */
export async function writeFactorCharts(
  outDir: string,
  groups: readonly RunGroup[],
  factors: readonly Factor[],
): Promise<{ charts: Array<RenderedChart & { title: string }>; files: string[] }> {
  createOutDir(outDir);
  const charts: Array<RenderedChart & { title: string }> = [];
  const files: string[] = [];
  for (let fi = 0; fi < factors.length; fi++) {
    const name = `factor-${pathComponent(factors[fi].flag)}`;
    const chart = await renderChart(name, factorChartSpec(groups, factors, fi));
    for (const [ext, body] of [
      ['svg', chart.svg],
      ['png', chart.png],
    ] as const) {
      const file = path.join(outDir, `${name}.${ext}`);
      writeFileAtomic(file, body);
      files.push(file);
    }
    charts.push({ ...chart, title: `Training accuracy by ${factors[fi].flag}` });
  }
  return { charts, files };
}

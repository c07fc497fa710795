/**
 * The comparison table: one row per schedule, mean ± std over seeds of the final-rounds metrics
 * (summary.json's `final`, the mean of the last K epochs), beside the paper's Table 2, with each
 * schedule's gap to the best one and its 95% interval when there are several seeds (paired by seed
 * where the schedules ran the same seeds from the same starting point, Welch's otherwise: gaps.ts).
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../rundir/atomic';
import { createOutDir } from '../rundir/layout';
import { MetricName } from '../rundir/epochs';
import { PAPER_TABLE2 } from './paper';
import { averageLastOf, datasetOfGroups, divergedRunText, RunGroup } from './runs';
import { GapInterval, mean, MeanStd, meanStdOf } from './stats';
import { csvNumber, csvText, fixed, gapText as formatGap, markdownTable, mdInline, meanStd } from './format';
import { gapMethodNote, gapTag, groupGap, mixedMethods } from './gaps';

export type { MeanStd };
export { meanStdOf };

export interface Gap {
  /** Name of the schedule the gap is measured to. */
  best: string;
  /** this - best (≤ 0). */
  diff: number;
  /** 95% interval of the difference (paired or Welch); null with < 2 seeds on a side, or for the best itself. */
  ci: GapInterval | null;
}

export interface ComparisonRow {
  label: string;
  activations: string[];
  /** The seeds the numbers rest on: the runs that did not diverge. */
  seeds: number[];
  incomplete: number;
  /** The runs left out because they diverged, and where (runs.ts's divergence). */
  diverged: Array<{ seed: number; epoch: number | null; what: string }>;
  trainLoss: MeanStd;
  trainPaperLoss: MeanStd;
  trainAccuracy: MeanStd;
  testLoss: MeanStd;
  testPaperLoss: MeanStd;
  testAccuracy: MeanStd;
  secondsPerEpoch: MeanStd;
  /** The data set of the runs (see datasetOf): the paper's numbers apply to MNIST only. */
  dataset: string;
  /** Table 2 of the paper, or null for schedules it does not report and for data other than MNIST. */
  paper: { loss: number; accuracy: number } | null;
  /** Gap in test accuracy to the schedule with the best mean test accuracy; null when this one (or every one) diverged. */
  testGap: Gap | null;
  /** Gap in train accuracy to the schedule with the best mean train accuracy; null likewise. */
  trainGap: Gap | null;
}

/**
 * Index of the group with the highest mean of the metric (first on ties), among the groups that
 * have runs to rank (a schedule whose every run diverged has none); -1 when no group has.
 */
export function bestGroupIndex(groups: readonly RunGroup[], metric: MetricName): number {
  let best = -1;
  let bestValue = -Infinity;
  groups.forEach((g, i) => {
    const v = mean(g.finals[metric]);
    if (g.runs.length > 0 && v > bestValue) {
      best = i;
      bestValue = v;
    }
  });
  return best;
}

function gapTo(groups: readonly RunGroup[], g: RunGroup, metric: MetricName): Gap | null {
  const i = bestGroupIndex(groups, metric);
  if (i < 0 || g.runs.length === 0) return null;
  const best = groups[i];
  if (best === g) return { best: best.label, diff: 0, ci: null };
  const gap = groupGap(g, best, (r) => r.summary.final[metric], { metric });
  return { best: best.label, diff: gap.diff, ci: gap.ci };
}

/** One row per group, in the groups' order. */
export function comparisonRows(groups: readonly RunGroup[]): ComparisonRow[] {
  const dataset = datasetOfGroups(groups);
  return groups.map((g) => ({
    label: g.label,
    dataset,
    activations: g.activations,
    seeds: g.seeds,
    incomplete: g.incomplete,
    diverged: g.diverged.map((d) => ({ seed: d.seed, epoch: d.epoch, what: d.what })),
    trainLoss: meanStdOf(g.finals.train_loss),
    trainPaperLoss: meanStdOf(g.finals.train_paper_loss),
    trainAccuracy: meanStdOf(g.finals.train_accuracy),
    testLoss: meanStdOf(g.finals.test_loss),
    testPaperLoss: meanStdOf(g.finals.test_paper_loss),
    testAccuracy: meanStdOf(g.finals.test_accuracy),
    secondsPerEpoch: meanStdOf(g.secondsPerEpoch),
    paper: dataset === 'MNIST' ? (PAPER_TABLE2[g.label] ?? null) : null,
    testGap: gapTo(groups, g, 'test_accuracy'),
    trainGap: gapTo(groups, g, 'train_accuracy'),
  }));
}

/** "−0.0123 [−0.0200, −0.0046]", "best", the difference with "(CI n/a)" when there is no interval, "n/a (diverged)". */
export function gapText(gap: Gap | null, label: string, digits = 4, tag = ''): string {
  if (gap === null) return 'n/a (diverged)';
  return formatGap(gap.best === label ? null : gap, digits, tag);
}

/** Every gap interval of the table, for its footnote and its method tags. */
function gapIntervals(rows: readonly ComparisonRow[]): Array<GapInterval | null> {
  return rows.flatMap((r) => [r.testGap?.ci ?? null, r.trainGap?.ci ?? null]);
}

/** A gap to another schedule that has no interval. */
function noInterval(gap: Gap | null, label: string): boolean {
  return gap !== null && gap.best !== label && !gap.ci;
}

/** The sentence under the table that says how its gaps were computed ('' when it shows none). */
export function comparisonGapNote(rows: readonly ComparisonRow[]): string {
  if (!rows.some((r) => r.seeds.length >= 2)) return '';
  const note = gapMethodNote(gapIntervals(rows));
  const missing = rows.some((r) => noInterval(r.testGap, r.label) || noInterval(r.trainGap, r.label));
  return `Gap columns: this schedule's mean minus the best schedule's. ${note || 'No interval: every gap has a schedule with one seed.'}${missing ? ' "CI n/a": one seed on a side.' : ''}`;
}

/** "seed 1 at epoch 1 (train_loss NaN), …" for a row, '' when none of its runs diverged. */
export function divergedCell(r: Pick<ComparisonRow, 'diverged'>): string {
  return r.diverged.map(divergedRunText).join(', ');
}

/**
 * The sentence that says which runs diverged and that they are out of every number ('' when none):
 * tables and the report print it, so a schedule's missing seeds are never a mystery.
 */
export function divergedNote(rows: ReadonlyArray<Pick<ComparisonRow, 'label' | 'diverged'> & { usable: number }>): string {
  const hit = rows.filter((r) => r.diverged.length > 0);
  if (hit.length === 0) return '';
  const each = hit.map((r) => `${r.label} ${r.usable === 0 ? 'on every seed: ' : ''}${divergedCell(r)}`);
  return (
    `Diverged runs (a loss, accuracy or time NaN or infinite) are left out of every mean, ranking, gap, interval and verdict: ${each.join('; ')}.` +
    (hit.some((r) => r.usable === 0) ? ' A schedule that diverged on every seed has no numbers and ranks after all others.' : '')
  );
}

export const COMPARISON_CSV_HEADER = [
  'schedule',
  'conv1',
  'conv2',
  'dense',
  'seeds',
  'incomplete_runs',
  'train_loss_mean',
  'train_loss_std',
  'train_paper_loss_mean',
  'train_paper_loss_std',
  'paper_table2_loss',
  'train_accuracy_mean',
  'train_accuracy_std',
  'paper_table2_accuracy',
  'test_loss_mean',
  'test_loss_std',
  'test_paper_loss_mean',
  'test_paper_loss_std',
  'test_accuracy_mean',
  'test_accuracy_std',
  'seconds_per_epoch_mean',
  'seconds_per_epoch_std',
  'test_accuracy_best',
  'test_accuracy_gap',
  'test_accuracy_gap_ci95_low',
  'test_accuracy_gap_ci95_high',
  'train_accuracy_best',
  'train_accuracy_gap',
  'train_accuracy_gap_ci95_low',
  'train_accuracy_gap_ci95_high',
  'test_accuracy_gap_method',
  'train_accuracy_gap_method',
  'diverged_runs',
  'diverged_at',
];

/** A mean or std for the CSV: '' when the schedule has no run to take it from (every run diverged). */
function csvStat(v: MeanStd, which: 'mean' | 'std', digits = 6): string {
  return v.n === 0 ? '' : csvNumber(v[which], digits);
}

export function comparisonCsv(rows: readonly ComparisonRow[]): string {
  return csvText(
    COMPARISON_CSV_HEADER,
    rows.map((r) => [
      r.label,
      ...r.activations,
      r.seeds.length,
      r.incomplete,
      csvStat(r.trainLoss, 'mean'),
      csvStat(r.trainLoss, 'std'),
      csvStat(r.trainPaperLoss, 'mean'),
      csvStat(r.trainPaperLoss, 'std'),
      csvNumber(r.paper?.loss),
      csvStat(r.trainAccuracy, 'mean'),
      csvStat(r.trainAccuracy, 'std'),
      csvNumber(r.paper?.accuracy),
      csvStat(r.testLoss, 'mean'),
      csvStat(r.testLoss, 'std'),
      csvStat(r.testPaperLoss, 'mean'),
      csvStat(r.testPaperLoss, 'std'),
      csvStat(r.testAccuracy, 'mean'),
      csvStat(r.testAccuracy, 'std'),
      csvStat(r.secondsPerEpoch, 'mean'),
      csvStat(r.secondsPerEpoch, 'std', 3),
      r.testGap?.best ?? '',
      csvNumber(r.testGap?.diff),
      csvNumber(r.testGap?.ci?.low),
      csvNumber(r.testGap?.ci?.high),
      r.trainGap?.best ?? '',
      csvNumber(r.trainGap?.diff),
      csvNumber(r.trainGap?.ci?.low),
      csvNumber(r.trainGap?.ci?.high),
      r.testGap?.ci?.method ?? '',
      r.trainGap?.ci?.method ?? '',
      r.diverged.length,
      r.diverged.map((d) => `seed ${d.seed} epoch ${d.epoch ?? 'n/a'} (${d.what})`).join('; '),
    ]),
  );
}

/** Header and cells of the comparison table (shared by Markdown and HTML). */
export function comparisonTableCells(rows: readonly ComparisonRow[]): { header: string[]; cells: string[][]; align: string } {
  const withGaps = rows.some((r) => r.seeds.length >= 2);
  const mixed = mixedMethods(gapIntervals(rows));
  const anyDiverged = rows.some((r) => r.diverged.length > 0);
  // The paper's columns only where it has numbers for these runs: its schedules, on MNIST.
  const table2 = besideTable2(rows);
  const header = [
    'schedule',
    'conv1,conv2,dense',
    'seeds',
    'train loss',
    'train paper loss',
    ...(table2 ? ['Table 2 loss_t'] : []),
    'train acc',
    ...(table2 ? ['Table 2 accu_t'] : []),
    'test loss',
    'test acc',
    's/epoch',
  ];
  if (withGaps) header.push('test acc − best [95% CI]', 'train acc − best [95% CI]');
  if (anyDiverged) header.push('diverged (left out)');
  const cells = rows.map((r) => {
    const c = [
      r.label + (r.incomplete > 0 ? ` (${r.incomplete} incomplete)` : ''),
      r.activations.join(','),
      r.diverged.length > 0 ? `${r.seeds.length} of ${r.seeds.length + r.diverged.length}` : String(r.seeds.length),
      meanStd(r.trainLoss, 4),
      meanStd(r.trainPaperLoss, 4),
      ...(table2 ? [r.paper ? fixed(r.paper.loss, 4) : ''] : []),
      meanStd(r.trainAccuracy, 4),
      ...(table2 ? [r.paper ? fixed(r.paper.accuracy, 3) : ''] : []),
      meanStd(r.testLoss, 4),
      meanStd(r.testAccuracy, 4),
      meanStd(r.secondsPerEpoch, 2),
    ];
    if (withGaps)
      c.push(
        gapText(r.testGap, r.label, 4, gapTag(r.testGap?.ci ?? null, mixed)),
        gapText(r.trainGap, r.label, 4, gapTag(r.trainGap?.ci ?? null, mixed)),
      );
    if (anyDiverged) c.push(divergedCell(r));
    return c;
  });
  const align = 'll' + 'r'.repeat(header.length - 2 - (anyDiverged ? 1 : 0)) + (anyDiverged ? 'l' : '');
  return { header, cells, align };
}

/** True when the paper's Table 2 has numbers for some of these runs (its schedules, on MNIST). */
export function besideTable2(rows: readonly ComparisonRow[]): boolean {
  return rows.some((r) => r.paper !== null);
}

export function comparisonMarkdown(rows: readonly ComparisonRow[], averageLast?: number): string {
  const { header, cells, align } = comparisonTableCells(rows);
  const k = averageLast ?? 3;
  const dataset = rows[0]?.dataset ?? 'MNIST';
  const lines = [
    `# Comparison of activation schedules on ${mdInline(dataset)}`,
    '',
    `Final-rounds values: mean of the last ${k} epochs of each run (the paper's equations 18-19), then mean ± sample std over seeds.`,
    ...(besideTable2(rows)
      ? [
          '"Table 2" columns are the paper\'s training-set loss and accuracy (blank where the paper has no value); its loss is the',
          'cross-entropy of already-softmaxed outputs, comparable with our "train paper loss" column, not with "train loss".',
        ]
      : dataset === 'MNIST'
        ? []
        : [`The paper reports MNIST only: on ${mdInline(dataset)} the schedules are compared among themselves.`]),
  ];
  const gapNote = comparisonGapNote(rows);
  if (gapNote) lines.push(gapNote);
  const diverged = divergedNote(rows.map((r) => ({ ...r, usable: r.seeds.length })));
  if (diverged) lines.push(mdInline(diverged));
  lines.push('', markdownTable(header, cells, align), '');
  return lines.join('\n');
}

/**
 * Writes comparison.csv and comparison.md into outDir for the given groups and returns the rows.
 * Called at the end of `lenet compare` and by `lenet report`.
 */
export function writeComparison(outDir: string, groups: readonly RunGroup[]): ComparisonRow[] {
  const rows = comparisonRows(groups);
  const averageLast = averageLastOf(groups);
  createOutDir(outDir);
  writeFileAtomic(path.join(outDir, 'comparison.csv'), comparisonCsv(rows));
  writeFileAtomic(path.join(outDir, 'comparison.md'), comparisonMarkdown(rows, averageLast));
  return rows;
}

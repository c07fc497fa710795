/** The ranked table of a sweep over per-layer schedules (sweep.csv, sweep.md). */
import * as path from 'node:path';
import { writeFileAtomic } from '../rundir/atomic';
import { createOutDir } from '../rundir/layout';
import { RunGroup } from './runs';
import { GapInterval, mean, MeanStd, meanStdOf } from './stats';
import { bestGroupIndex } from './comparison';
import { csvNumber, csvText, fixed, gapText, markdownTable, meanStd } from './format';
import { gapMethodNote, gapTag, groupGap, mixedMethods } from './gaps';

export interface SweepRow {
  rank: number;
  label: string;
  activations: string[];
  seeds: number;
  testAccuracy: MeanStd;
  trainAccuracy: MeanStd;
  trainLoss: MeanStd;
  secondsPerEpoch: number;
  /** Test-accuracy gap to the best schedule, with a 95% interval (paired or Welch) when both have ≥ 2 seeds. */
  gap: number;
  ci: GapInterval | null;
}

/** Ranked by mean final test accuracy, best first; ties keep the groups' order. */
export function sweepRows(groups: readonly RunGroup[]): SweepRow[] {
  if (groups.length === 0) return [];
  const best = groups[bestGroupIndex(groups, 'test_accuracy')];
  const order = groups
    .map((g, i) => ({ g, i }))
    .sort((x, y) => {
      const d = mean(y.g.finals.test_accuracy) - mean(x.g.finals.test_accuracy);
      return d !== 0 && !Number.isNaN(d) ? d : x.i - y.i;
    });
  return order.map(({ g }, r) => {
    const gap = g === best ? null : groupGap(g, best, (run) => run.summary.final.test_accuracy);
    return {
      rank: r + 1,
      label: g.label,
      activations: g.activations,
      seeds: g.runs.length,
      testAccuracy: meanStdOf(g.finals.test_accuracy),
      trainAccuracy: meanStdOf(g.finals.train_accuracy),
      trainLoss: meanStdOf(g.finals.train_loss),
      secondsPerEpoch: mean(g.secondsPerEpoch),
      gap: gap ? gap.diff : 0,
      ci: gap ? gap.ci : null,
    };
  });
}

export function sweepCsv(rows: readonly SweepRow[]): string {
  return csvText(
    [
      'rank',
      'schedule',
      'conv1',
      'conv2',
      'dense',
      'seeds',
      'test_accuracy_mean',
      'test_accuracy_std',
      'train_accuracy_mean',
      'train_accuracy_std',
      'train_loss_mean',
      'train_loss_std',
      'seconds_per_epoch',
      'gap_to_best',
      'gap_ci95_low',
      'gap_ci95_high',
      'gap_method',
    ],
    rows.map((r) => [
      r.rank,
      r.label,
      ...r.activations,
      r.seeds,
      csvNumber(r.testAccuracy.mean),
      csvNumber(r.testAccuracy.std),
      csvNumber(r.trainAccuracy.mean),
      csvNumber(r.trainAccuracy.std),
      csvNumber(r.trainLoss.mean),
      csvNumber(r.trainLoss.std),
      csvNumber(r.secondsPerEpoch, 3),
      csvNumber(r.gap),
      csvNumber(r.ci?.low),
      csvNumber(r.ci?.high),
      r.ci?.method ?? '',
    ]),
  );
}

export function sweepTableCells(rows: readonly SweepRow[]): { header: string[]; cells: string[][]; align: string } {
  const withCi = rows.some((r) => r.seeds >= 2);
  const mixed = mixedMethods(rows.map((r) => r.ci));
  const header = [
    'rank',
    'schedule',
    'conv1,conv2,dense',
    'seeds',
    'test acc',
    'train acc',
    'train loss',
    's/epoch',
    withCi ? 'gap to best [95% CI]' : 'gap to best',
  ];
  const cells = rows.map((r) => [
    String(r.rank),
    r.label,
    r.activations.join(','),
    String(r.seeds),
    meanStd(r.testAccuracy, 4),
    meanStd(r.trainAccuracy, 4),
    meanStd(r.trainLoss, 4),
    fixed(r.secondsPerEpoch, 2),
    gapText(
      r.rank === 1 && r.gap === 0 && r.ci === null ? null : { diff: r.gap, ci: r.ci },
      4,
      gapTag(r.ci, mixed),
      withCi ? ' (CI n/a)' : '',
    ),
  ]);
  return { header, cells, align: 'rllrrrrrr' };
}

export function sweepMarkdown(rows: readonly SweepRow[], averageLast?: number): string {
  const { header, cells, align } = sweepTableCells(rows);
  return [
    '# Sweep of per-layer activation schedules',
    '',
    `Ranked by mean final test accuracy (each run's last ${averageLast ?? 3} epochs, then mean ± sample std over seeds).`,
    `Gap: mean test accuracy minus the best schedule's.${rows.some((r) => r.ci) ? ` ${gapMethodNote(rows.map((r) => r.ci))}` : ''}`,
    '',
    markdownTable(header, cells, align),
    '',
  ].join('\n');
}

/** Writes sweep.csv and sweep.md into outDir. */
export function writeSweepTable(outDir: string, groups: readonly RunGroup[]): { rows: SweepRow[]; files: string[] } {
  const rows = sweepRows(groups);
  const files = [path.join(outDir, 'sweep.csv'), path.join(outDir, 'sweep.md')];
  createOutDir(outDir);
  writeFileAtomic(files[0], sweepCsv(rows));
  writeFileAtomic(files[1], sweepMarkdown(rows, groups[0]?.runs[0]?.summary.average_last));
  return { rows, files };
}

/** The ranked table of a sweep over per-layer schedules (sweep.csv, sweep.md). */
import * as path from 'node:path';
import { writeFileAtomic } from '../rundir/atomic';
import { createOutDir } from '../rundir/layout';
import { averageLastOf, datasetOfGroups, divergedRunText, RunGroup } from './runs';
import { GapInterval, mean, MeanStd, meanStdOf } from './stats';
import { bestGroupIndex, divergedNote } from './comparison';
import { csvNumber, csvText, fixed, gapText, markdownTable, mdInline, meanStd } from './format';
import { gapMethodNote, gapTag, groupGap, mixedMethods } from './gaps';

export interface SweepRow {
  /** 1 = best; null for a schedule whose every run diverged (listed after the ranked ones). */
  rank: number | null;
  label: string;
  activations: string[];
  /** Runs the numbers rest on (those that did not diverge). */
  seeds: number;
  /** Runs left out because they diverged, and where. */
  diverged: Array<{ seed: number; epoch: number | null; what: string }>;
  testAccuracy: MeanStd;
  trainAccuracy: MeanStd;
  trainLoss: MeanStd;
  secondsPerEpoch: number;
  /** Test-accuracy gap to the best schedule, with a 95% interval (paired or Welch) when both have ≥ 2 seeds; null when every run diverged. */
  gap: number | null;
  ci: GapInterval | null;
}

/**
 * Ranked by mean final test accuracy, best first; ties keep the groups' order. Only runs that did
 * not diverge count (runs.ts); a schedule whose every run diverged has no rank and comes last.
 */
export function sweepRows(groups: readonly RunGroup[]): SweepRow[] {
  if (groups.length === 0) return [];
  const bestIndex = bestGroupIndex(groups, 'test_accuracy');
  const best = bestIndex >= 0 ? groups[bestIndex] : null;
  const ranked = groups.map((g, i) => ({ g, i })).filter(({ g }) => g.runs.length > 0);
  ranked.sort((x, y) => {
    const d = mean(y.g.finals.test_accuracy) - mean(x.g.finals.test_accuracy);
    return d !== 0 && !Number.isNaN(d) ? d : x.i - y.i;
  });
  const unranked = groups.filter((g) => g.runs.length === 0);
  return [...ranked.map(({ g }) => g), ...unranked].map((g, r) => {
    const usable = g.runs.length > 0 && best !== null;
    const gap = !usable || g === best ? null : groupGap(g, best, (run) => run.summary.final.test_accuracy, { metric: 'test_accuracy' });
    return {
      rank: g.runs.length > 0 ? r + 1 : null,
      label: g.label,
      activations: g.activations,
      seeds: g.runs.length,
      diverged: g.diverged.map((d) => ({ seed: d.seed, epoch: d.epoch, what: d.what })),
      testAccuracy: meanStdOf(g.finals.test_accuracy),
      trainAccuracy: meanStdOf(g.finals.train_accuracy),
      trainLoss: meanStdOf(g.finals.train_loss),
      secondsPerEpoch: mean(g.secondsPerEpoch),
      gap: !usable ? null : gap ? gap.diff : 0,
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
      'diverged_runs',
      'diverged_at',
    ],
    rows.map((r) => {
      // A schedule whose every run diverged has no numbers: its cells are empty, not NaN.
      const stat = (v: number) => (r.seeds === 0 ? '' : csvNumber(v));
      return [
        r.rank ?? '',
        r.label,
        ...r.activations,
        r.seeds,
        stat(r.testAccuracy.mean),
        stat(r.testAccuracy.std),
        stat(r.trainAccuracy.mean),
        stat(r.trainAccuracy.std),
        stat(r.trainLoss.mean),
        stat(r.trainLoss.std),
        r.seeds === 0 ? '' : csvNumber(r.secondsPerEpoch, 3),
        csvNumber(r.gap),
        csvNumber(r.ci?.low),
        csvNumber(r.ci?.high),
        r.ci?.method ?? '',
        r.diverged.length,
        r.diverged.map((d) => `seed ${d.seed} epoch ${d.epoch ?? 'n/a'} (${d.what})`).join('; '),
      ];
    }),
  );
}

export function sweepTableCells(rows: readonly SweepRow[]): { header: string[]; cells: string[][]; align: string } {
  const withCi = rows.some((r) => r.seeds >= 2);
  const mixed = mixedMethods(rows.map((r) => r.ci));
  const anyDiverged = rows.some((r) => r.diverged.length > 0);
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
    ...(anyDiverged ? ['diverged (left out)'] : []),
  ];
  const cells = rows.map((r) => [
    r.rank === null ? '–' : String(r.rank),
    r.label,
    r.activations.join(','),
    r.diverged.length > 0 ? `${r.seeds} of ${r.seeds + r.diverged.length}` : String(r.seeds),
    meanStd(r.testAccuracy, 4),
    meanStd(r.trainAccuracy, 4),
    meanStd(r.trainLoss, 4),
    fixed(r.secondsPerEpoch, 2),
    r.gap === null
      ? 'n/a (diverged)'
      : gapText(
          r.rank === 1 && r.gap === 0 && r.ci === null ? null : { diff: r.gap, ci: r.ci },
          4,
          gapTag(r.ci, mixed),
          withCi ? ' (CI n/a)' : '',
        ),
    ...(anyDiverged ? [r.diverged.map(divergedRunText).join(', ')] : []),
  ]);
  return { header, cells, align: anyDiverged ? 'rllrrrrrrl' : 'rllrrrrrr' };
}

/** sweep.md: the ranked table under a title naming the data set (as comparison.md's does; datasetOf's name). */
export function sweepMarkdown(rows: readonly SweepRow[], averageLast?: number, dataset = 'MNIST'): string {
  const { header, cells, align } = sweepTableCells(rows);
  return [
    `# Sweep of per-layer activation schedules on ${mdInline(dataset)}`,
    '',
    `Ranked by mean final test accuracy (each run's last ${averageLast ?? 3} epochs, then mean ± sample std over seeds).`,
    `Gap: mean test accuracy minus the best schedule's.${rows.some((r) => r.ci) ? ` ${gapMethodNote(rows.map((r) => r.ci))}` : ''}`,
    ...(rows.some((r) => r.diverged.length > 0) ? [mdInline(divergedNote(rows.map((r) => ({ ...r, usable: r.seeds }))))] : []),
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
  writeFileAtomic(files[1], sweepMarkdown(rows, averageLastOf(groups), datasetOfGroups(groups)));
  return { rows, files };
}

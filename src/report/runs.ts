/**
 * Runs grouped by schedule, with per-epoch mean ± std over seeds: what tables, charts and verdicts
 * are drawn from. Reading the folders is rundir's job; deciding the protocol, rundir/protocol's.
 */
import { runtimeError } from '../errors';
import { EpochRow, METRIC_NAMES, MetricMeans, MetricName } from '../rundir/epochs';
import { protocolDifferences, protocolOf } from '../rundir/protocol';
import { readRunTree, RunData } from '../rundir/run-folder';
import { compareActivations, compareLabels } from '../model/activations';
import { mean, std } from './stats';

export type { RunData };

/** Mean and sample std over seeds of every metric at one epoch. */
export interface EpochStats {
  epoch: number;
  /** Number of runs that reached this epoch. */
  n: number;
  mean: MetricMeans;
  std: MetricMeans;
}

/** The runs of one schedule (one per seed). */
export interface RunGroup {
  label: string;
  activations: string[];
  runs: RunData[];
  seeds: number[];
  /** Per-epoch mean ± std over the seeds. */
  epochs: EpochStats[];
  /** Per-seed values of summary.final (the mean of the last K epochs), in the order of `runs`. */
  finals: Record<MetricName, number[]>;
  /** Per-seed seconds per epoch. */
  secondsPerEpoch: number[];
  /** Runs whose summary says complete: false. */
  incomplete: number;
  /** Runs whose loss became NaN or infinite: their metrics read n/a. */
  diverged: number;
}

export interface RunCollection {
  /** Absolute path of the collected directory. */
  root: string;
  runs: RunData[];
  groups: RunGroup[];
  /** 'comparison' / 'sweep' when a comparison.json was found, else null. */
  kind: 'comparison' | 'sweep' | null;
  /** Things worth telling the user (skipped directories, mixed protocols, diverged runs). */
  warnings: string[];
}

/**
 * The data set the runs trained on, as config.json names it ('MNIST', 'Fashion-MNIST', 'custom'), or
 * 'mixed data' when they differ. The paper's numbers and claims apply to MNIST only.
 */
export function datasetOf(runs: readonly RunData[]): string {
  const names = new Set(runs.map((r) => r.config?.data.dataset ?? r.summary.dataset));
  return names.size === 1 ? [...names][0] : 'mixed data';
}

/** datasetOf for the runs of some groups. */
export function datasetOfGroups(groups: readonly RunGroup[]): string {
  return datasetOf(groups.flatMap((g) => g.runs));
}

/** Per-epoch mean ± std over the runs of one group. */
export function epochStats(runs: readonly RunData[]): EpochStats[] {
  const maxEpoch = Math.max(0, ...runs.map((r) => (r.epochs.length ? r.epochs[r.epochs.length - 1].epoch : 0)));
  const out: EpochStats[] = [];
  for (let e = 1; e <= maxEpoch; e++) {
    const rows = runs.map((r) => r.epochs.find((x) => x.epoch === e)).filter((x): x is EpochRow => x !== undefined);
    if (rows.length === 0) continue;
    const m = {} as MetricMeans;
    const s = {} as MetricMeans;
    for (const name of METRIC_NAMES) {
      const values = rows.map((r) => r[name]);
      m[name] = mean(values);
      s[name] = std(values);
    }
    out.push({ epoch: e, n: rows.length, mean: m, std: s });
  }
  return out;
}

/**
 * Groups runs by schedule label, in the given label order (others after it, in canonical order);
 * with gridOrder, purely in the sweep's grid order (so shards, merges and whole sweeps agree).
 */
export function groupRuns(runs: readonly RunData[], order: readonly string[] = [], gridOrder = false): RunGroup[] {
  const byLabel = new Map<string, RunData[]>();
  for (const r of runs) {
    const list = byLabel.get(r.summary.schedule) ?? [];
    list.push(r);
    byLabel.set(r.summary.schedule, list);
  }
  const groups: RunGroup[] = [];
  for (const [label, list] of byLabel) {
    list.sort((a, b) => a.summary.seed - b.summary.seed);
    for (let i = 1; i < list.length; i++) {
      if (list[i].summary.seed === list[i - 1].summary.seed) {
        throw runtimeError(`two runs of ${label} with seed ${list[i].summary.seed}: ${list[i - 1].dir} and ${list[i].dir}`);
      }
    }
    const finals = {} as Record<MetricName, number[]>;
    for (const m of METRIC_NAMES) finals[m] = list.map((r) => r.summary.final[m]);
    groups.push({
      label,
      activations: [...list[0].summary.activations],
      runs: list,
      seeds: list.map((r) => r.summary.seed),
      epochs: epochStats(list),
      finals,
      secondsPerEpoch: list.map((r) => r.summary.seconds_per_epoch),
      incomplete: list.filter((r) => !r.summary.complete).length,
      diverged: list.filter((r) => r.summary.diverged_epoch !== null).length,
    });
  }
  groups.sort((a, b) => {
    if (gridOrder) return compareActivations(a, b) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
    const ia = order.indexOf(a.label);
    const ib = order.indexOf(b.label);
    if (ia >= 0 && ib >= 0) return ia - ib;
    if (ia >= 0) return -1;
    if (ib >= 0) return 1;
    return compareLabels(a, b);
  });
  return groups;
}

/**
 * Every run under dir, grouped by schedule. dir may be a run directory, a comparison or sweep
 * directory, or any folder above them. Runs of another protocol than the first are named in a
 * warning (merge refuses them outright); diverged runs too.
 */
export function collectRuns(dir: string): RunCollection {
  const tree = readRunTree(dir);
  const { runs, warnings } = tree;
  const order: string[] = [];
  for (const c of tree.campaigns) for (const s of c.schedules) if (!order.includes(s)) order.push(s);
  const kinds = new Set(tree.campaigns.map((c) => c.kind));
  const kind = kinds.has('sweep') ? 'sweep' : kinds.has('comparison') ? 'comparison' : null;
  const first = runs.find((r) => r.config !== null);
  if (first) {
    const reference = protocolOf(first.config!);
    for (const r of runs) {
      if (r.config === null) continue;
      const diff = protocolDifferences(reference, protocolOf(r.config));
      if (diff.length > 0) {
        warnings.push(`runs differ in protocol (${diff.map((d) => d.key).join(', ')}): ${first.relDir} vs ${r.relDir}`);
        break;
      }
    }
  }
  for (const r of runs) {
    if (r.summary.diverged_epoch !== null) {
      warnings.push(
        `${r.relDir} diverged: its training loss became NaN or infinite at epoch ${r.summary.diverged_epoch}; its metrics read n/a`,
      );
    }
  }
  return { root: tree.root, runs, groups: groupRuns(runs, order, kind === 'sweep'), kind, warnings };
}

/**
 * Runs grouped by schedule, with per-epoch mean ± std over seeds: what tables, charts and verdicts
 * are drawn from. Reading the folders is rundir's job; deciding the protocol, rundir/protocol's.
 */
import { runtimeError } from '../errors';
import { EpochRow, METRIC_NAMES, MetricMeans, MetricName } from '../rundir/epochs';
import { epochDivergence, lossOfRun } from '../rundir/summary';
import { protocolDifferences, protocolOf } from '../rundir/protocol';
import { readRunTree, RunData } from '../rundir/run-folder';
import { compareActivations, compareLabels } from '../model/activations';
import { mean, std } from './stats';
import { CampaignFile, CampaignVary } from '../rundir/campaign-file';
import { variantName } from '../rundir/layout';

export type { RunData };

/** Mean and sample std over seeds of every metric at one epoch. */
export interface EpochStats {
  epoch: number;
  /** Number of runs that reached this epoch. */
  n: number;
  mean: MetricMeans;
  std: MetricMeans;
}

/**
 * A run left out of every statistic: its training diverged — an epoch of its epochs.csv shows it
 * (rundir's epochDivergence: a metric NaN or infinite, or the training loss blown up above
 * 2·ln 10), its summary names a diverged epoch, or a value of its summary is NaN or infinite.
 */
export interface DivergedRun {
  run: RunData;
  seed: number;
  /** The first epoch that shows it (the summary's diverged_epoch first); null when only its summary does. */
  epoch: number | null;
  /** What is not finite there, e.g. "train_loss NaN" or "final train_loss n/a in summary.json". */
  what: string;
}

/** The values that must be finite for a run to count (every metric of the summary). */
function firstNonFinite(values: Record<string, number>): string | null {
  for (const m of METRIC_NAMES) if (!Number.isFinite(values[m])) return `${m} ${values[m]}`;
  return null;
}

/**
 * Whether a run diverged, and where: the one rule that takes a run out of every mean, ranking,
 * gap, interval and verdict (each epoch judged by rundir's epochDivergence, as training records
 * diverged_epoch). null for a run that did not.
 */
export function divergence(run: RunData): Omit<DivergedRun, 'run' | 'seed'> | null {
  const s = run.summary;
  const named = s.diverged_epoch;
  const loss = lossOfRun(run.config?.config.loss, s.loss);
  for (const row of run.epochs) {
    if (named !== null && row.epoch > named) break;
    const what = epochDivergence(row, loss);
    if (what) return { epoch: row.epoch, what };
  }
  if (named !== null) return { epoch: named, what: 'summary.json names it the diverged epoch' };
  const final = firstNonFinite(s.final);
  if (final) return { epoch: null, what: `final ${final.split(' ')[0]} n/a in summary.json` };
  if (!Number.isFinite(s.seconds_per_epoch)) return { epoch: null, what: 'seconds_per_epoch n/a in summary.json' };
  return null;
}

/** "seed 2 at epoch 3 (train_loss NaN)"; "seed 2 (final train_loss n/a in summary.json)". */
export function divergedRunText(d: Omit<DivergedRun, 'run'>): string {
  return `seed ${d.seed}${d.epoch !== null ? ` at epoch ${d.epoch}` : ''} (${d.what})`;
}

/** The runs of one schedule (one per seed), of one variant in a sweep with --vary. */
export interface RunGroup {
  /** The schedule's label, then the variant's name in brackets in a varied sweep (`relu [lr=0.001]`). */
  label: string;
  /** The schedule's label alone. */
  schedule: string;
  /** The variant's levels that are not the base (`lr=0.001`), `base`, or '' without --vary. */
  variant: string;
  activations: string[];
  /** The runs every statistic is drawn from: those that did not diverge (one per seed), in seed order. */
  runs: RunData[];
  /** Their seeds. */
  seeds: number[];
  /** Per-epoch mean ± std over the seeds. */
  epochs: EpochStats[];
  /** Per-seed values of summary.final (the mean of the last K epochs), in the order of `runs`. */
  finals: Record<MetricName, number[]>;
  /** Per-seed seconds per epoch. */
  secondsPerEpoch: number[];
  /** Runs whose summary says complete: false. */
  incomplete: number;
  /** Runs left out because they diverged (see divergence), in seed order: tables and the report name them. */
  diverged: DivergedRun[];
}

/** True when every run of the group diverged: it has no numbers, ranks after every other and no claim can use it. */
export function allDiverged(g: RunGroup): boolean {
  return g.runs.length === 0 && g.diverged.length > 0;
}

/** Every run of the groups, diverged ones included (what was trained, rather than what the numbers rest on). */
export function allRunsOf(groups: readonly RunGroup[]): RunData[] {
  return groups.flatMap((g) => [...g.runs, ...g.diverged.map((d) => d.run)]);
}

/** K of "the mean of the last K epochs", from the first run of the groups (diverged or not); undefined without runs. */
export function averageLastOf(groups: readonly RunGroup[]): number | undefined {
  return allRunsOf(groups)[0]?.summary.average_last;
}

/** "seed 1 at epoch 1 (train_loss NaN), seed 3 at epoch 2 (…)": which runs of a group diverged, '' when none. */
export function divergedText(g: RunGroup): string {
  return g.diverged.map(divergedRunText).join(', ');
}

export interface RunCollection {
  /** Absolute path of the collected directory. */
  root: string;
  runs: RunData[];
  groups: RunGroup[];
  /** 'comparison' / 'sweep' when a comparison.json was found, else null. */
  kind: 'comparison' | 'sweep' | null;
  /** Every run left out as diverged, in group order. */
  diverged: DivergedRun[];
  /** Things worth telling the user (skipped directories, mixed protocols, diverged runs). */
  warnings: string[];
  /** The options the campaigns vary (sweep --vary), with their levels; [] when none. */
  factors: CampaignVary['factors'];
}

/**
 * The data set the runs trained on, as config.json names it ('MNIST', 'Fashion-MNIST', 'custom'), or
 * 'mixed data' when they differ. The paper's numbers and claims apply to MNIST only.
 */
export function datasetOf(runs: readonly RunData[]): string {
  const names = new Set(runs.map((r) => r.config?.data.dataset ?? r.summary.dataset));
  return names.size === 1 ? [...names][0] : names.size === 0 ? 'unknown' : 'mixed data';
}

/** datasetOf for every run of some groups (diverged ones too: they trained on the same data). */
export function datasetOfGroups(groups: readonly RunGroup[]): string {
  return datasetOf(allRunsOf(groups));
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
export function groupRuns(
  runs: readonly RunData[],
  order: readonly string[] = [],
  gridOrder = false,
  variantOf: (r: RunData) => { name: string; index: number } = () => ({ name: '', index: 0 }),
): RunGroup[] {
  const byLabel = new Map<string, RunData[]>();
  const variants = new Map<string, { name: string; index: number }>();
  for (const r of runs) {
    const v = variantOf(r);
    const key = v.name === '' ? r.summary.schedule : `${r.summary.schedule} [${v.name}]`;
    const list = byLabel.get(key) ?? [];
    list.push(r);
    byLabel.set(key, list);
    variants.set(key, v);
  }
  const groups: (RunGroup & { variantIndex: number })[] = [];
  for (const [label, list] of byLabel) {
    list.sort((a, b) => a.summary.seed - b.summary.seed);
    for (let i = 1; i < list.length; i++) {
      if (list[i].summary.seed === list[i - 1].summary.seed) {
        throw runtimeError(`two runs of ${label} with seed ${list[i].summary.seed}: ${list[i - 1].dir} and ${list[i].dir}`);
      }
    }
    // The one place diverged runs leave the statistics: every table, chart, gap and verdict draws from `runs`.
    const diverged: DivergedRun[] = [];
    const usable: RunData[] = [];
    for (const run of list) {
      const d = divergence(run);
      if (d) diverged.push({ run, seed: run.summary.seed, ...d });
      else usable.push(run);
    }
    const finals = {} as Record<MetricName, number[]>;
    for (const m of METRIC_NAMES) finals[m] = usable.map((r) => r.summary.final[m]);
    groups.push({
      label,
      schedule: list[0].summary.schedule,
      variant: variants.get(label)!.name,
      variantIndex: variants.get(label)!.index,
      activations: [...list[0].summary.activations],
      runs: usable,
      seeds: usable.map((r) => r.summary.seed),
      epochs: epochStats(usable),
      finals,
      secondsPerEpoch: usable.map((r) => r.summary.seconds_per_epoch),
      incomplete: list.filter((r) => !r.summary.complete).length,
      diverged,
    });
  }
  groups.sort((a, b) => {
    if (a.variantIndex !== b.variantIndex) return a.variantIndex - b.variantIndex;
    if (gridOrder) return compareActivations(a, b) || (a.schedule < b.schedule ? -1 : a.schedule > b.schedule ? 1 : 0);
    const ia = order.indexOf(a.schedule);
    const ib = order.indexOf(b.schedule);
    if (ia >= 0 && ib >= 0) return ia - ib;
    if (ia >= 0) return -1;
    if (ib >= 0) return 1;
    return compareLabels({ ...a, label: a.schedule }, { ...b, label: b.schedule });
  });
  return groups.map(({ variantIndex: _, ...g }) => g);
}

/** The options a tree's campaigns vary, each with every level met (the outermost campaign's first level is the base). */
export function variedFactors(campaigns: readonly CampaignFile[]): CampaignVary['factors'] {
  const out: CampaignVary['factors'] = [];
  for (const c of campaigns) {
    for (const f of c.vary?.factors ?? []) {
      const seen = out.find((o) => o.lands === f.lands);
      if (seen) seen.levels = [...new Set([...seen.levels, ...f.levels])];
      else out.push({ ...f, levels: [...f.levels] });
    }
  }
  return out;
}

/** A run's value of a configuration key or of one layer size (`arch.denseUnits`), as a --vary level reads (levelText). */
export function configText(run: RunData, lands: string): string {
  const [key, sub] = lands.split('.');
  const c = run.config?.config as Record<string, unknown> | undefined;
  const v = sub === undefined ? c?.[key] : (c?.[key] as Record<string, unknown> | undefined)?.[sub];
  return v === undefined ? '?' : typeof v === 'number' ? String(v) : String(v);
}

/** A run's variant among some factors: its name (levels not the base, `base`) and its place in the grid's order. */
export function variantOfRun(factors: CampaignVary['factors']) {
  return (run: RunData): { name: string; index: number } => {
    if (factors.length === 0) return { name: '', index: 0 };
    let index = 0;
    const levels = factors.map((f) => {
      const text = configText(run, f.lands);
      const at = f.levels.indexOf(text);
      index = index * (f.levels.length + 1) + (at < 0 ? f.levels.length : at);
      return { flag: f.flag, text, first: text === f.levels[0] };
    });
    return { name: variantName(levels), index };
  };
}

/**
 * Every run under dir, grouped by schedule. dir may be a run directory, a comparison or sweep
 * directory, or any folder above them. Runs of another protocol than the first are named in a
 * warning (merge refuses them outright); diverged runs too, and they are kept out of the groups' statistics.
 */
export function collectRuns(dir: string): RunCollection {
  const tree = readRunTree(dir);
  const { runs, warnings } = tree;
  const order: string[] = [];
  for (const c of tree.campaigns) for (const s of c.schedules) if (!order.includes(s)) order.push(s);
  const kinds = new Set(tree.campaigns.map((c) => c.kind));
  const kind = kinds.has('sweep') ? 'sweep' : kinds.has('comparison') ? 'comparison' : null;
  const factors = variedFactors(tree.campaigns);
  const first = runs.find((r) => r.config !== null);
  if (first) {
    const reference = protocolOf(first.config!);
    for (const r of runs) {
      if (r.config === null) continue;
      const diff = protocolDifferences(
        reference,
        protocolOf(r.config),
        factors.map((f) => f.lands),
      );
      if (diff.length > 0) {
        warnings.push(`runs differ in protocol (${diff.map((d) => d.key).join(', ')}): ${first.relDir} vs ${r.relDir}`);
        break;
      }
    }
  }
  const groups = groupRuns(runs, order, kind === 'sweep', variantOfRun(factors));
  const diverged = groups.flatMap((g) => g.diverged);
  for (const d of diverged) {
    warnings.push(
      `${d.run.relDir} diverged${d.epoch !== null ? ` at epoch ${d.epoch}` : ''} (${d.what}): it is left out of every mean, ranking, gap and verdict`,
    );
  }
  return { root: tree.root, runs, groups, kind, diverged, warnings, factors };
}

/**
 * Verdicts on the claims of Section 4 of the paper, from our runs:
 *  (a) tanh-relu has the highest training accuracy (Table 2);
 *  (b) its loss converges fastest (Fig. 3);
 *  (c) sigmoid is clearly the worst (Fig. 2, Table 2);
 *  (d) tanh-relu costs only a little more time per epoch (+2.48 / +1.37 / +0.44 s over sigmoid / tanh / relu).
 * Each claim is a set of comparisons judged by judge.ts — held, did not hold, inconclusive (with one
 * seed) — or not testable, with the comparisons' table and the numbers behind it.
 */
import { PAPER_ACTIVATIONS } from '../model/activations';
import { attemptsOf, RunAttempt } from '../rundir/manifest';
import { PAPER_EXTRA_SECONDS } from './paper';
import { allDiverged, allRunsOf, divergedText, RunData, RunGroup } from './runs';
import { mean, meanStdOf } from './stats';
import { fixed, meanStd, signed } from './format';
import { groupGap } from './gaps';
import { ALPHA, ClaimComparison, ComparisonInput, judgeComparisons, POWER, reasonOf, statusOf, VerdictStatus } from './judge';
import { agree, counted } from '../words';

export type { VerdictStatus };

export interface Verdict {
  id: 'a' | 'b' | 'c' | 'd';
  claim: string;
  status: VerdictStatus;
  /** The paragraph: why this status, from the same readings as the table. */
  reason: string;
  /** The comparisons the verdict rests on: the claim's table. */
  comparisons: ClaimComparison[];
  /** The numbers around it, one line each. */
  evidence: string[];
}

/** "A little more time": tanh-relu's extra seconds per epoch at most this fraction of the other schedule's. */
export const SMALL_TIME_OVERHEAD = 0.1;

/**
 * The least sd granted to per-seed differences of whole-epoch counts: a reading rounded up to a
 * whole epoch carries a uniform error of sd 1/√12, a difference of two such readings 1/√6.
 */
export const EPOCH_ROUNDING_SD = 1 / Math.sqrt(6);

export const CLAIMS: Record<Verdict['id'], string> = {
  a: 'tanh-relu has the highest training accuracy (Table 2: 0.981 vs relu 0.966, tanh 0.961, sigmoid 0.881)',
  b: 'the loss of tanh-relu converges fastest (Fig. 3)',
  c: 'sigmoid is clearly the worst (Fig. 2, Table 2)',
  d: 'tanh-relu costs only a little more time per epoch (paper: +2.48 s over sigmoid, +1.37 s over tanh, +0.44 s over relu)',
};

const COMBINED = 'tanh-relu';
const SIGMOID = 'sigmoid';

/** How the verdicts are reached, for the report (one paragraph each). */
export const VERDICT_RULES: readonly string[] = [
  'A run that diverged (a loss, accuracy or time NaN or infinite: its summary names a diverged epoch, or its epochs.csv or ' +
    'summary shows one) is left out of every comparison; the claims say which. A claim that needs a schedule whose every run ' +
    'diverged is not testable.',
  'Each claim is a set of comparisons (the table under it). A gap is paired by seed when both schedules ran the same seeds ' +
    "with the same architecture (config.json's arch), input size, training images and batch size — the same seed then gives " +
    'the same initial weights and the same batch order — and its 95% interval is the paired t interval of the per-seed ' +
    "differences (n − 1 degrees of freedom); otherwise it is Welch's t interval (Welch–Satterthwaite degrees of freedom).",
  `Holm's correction over a claim's m comparisons keeps the chance that any of them is wrongly called significant at ${ALPHA}: ` +
    `a gap is significant when its Holm-adjusted p is below ${ALPHA}. **held**: every comparison is significant in the claimed ` +
    'direction. **did not hold**: some comparison is significant against it. ' +
    '**inconclusive**: anything else — a gap within noise (not significant after Holm) or a tie; "inconclusive with one seed" when a schedule ran a single ' +
    'seed, which gives no spread to judge a gap by, whichever way its one difference points (the table shows which). ' +
    'One seed never gives held, nor did not hold.',
  `Seeds needed, for a gap that is not significant: n ≈ ((z_{1−α/(2m)} + z_{${POWER}})·sd/gap)², refined with t: the smallest n for which ` +
    `the same expression with t quantiles at n − 1 degrees of freedom in place of the z is at most n (α = ${ALPHA}, m = the ` +
    "claim's comparisons, so that even the strictest Holm step passes; gap = the observed gap; sd = the sd of the per-seed " +
    'differences). For Welch gaps n is per schedule, with sd² = sd₁² + sd₂² and 2n − 2 degrees of freedom. It takes the ' +
    'observed gap and spread for the true ones, so it is a guide, not a promise.',
  '(b) For tanh-relu against X, the threshold is the highest final train loss (the mean of the last K epochs) among all runs of ' +
    "the two schedules, so that every run reaches it; each run's first epoch with train loss at or below it is compared seed " +
    'by seed (equal epochs are a tie). tanh-relu must be strictly faster: the difference in epochs significantly below 0. ' +
    `Whole epochs are coarse, so the sd of the differences is taken as at least 1/√6 ≈ ${fixed(EPOCH_ROUNDING_SD, 2)} epoch (the ` +
    'rounding error of a difference of two whole-epoch readings): a unanimous one-epoch lead over two seeds is not certainty.',
  `(d) "Only a little more time" is read as at most ${SMALL_TIME_OVERHEAD * 100}% more seconds per epoch. The compared quantity is ` +
    `tanh-relu's seconds per epoch minus ${1 + SMALL_TIME_OVERHEAD} × the other's: **held** when it is significantly below 0 ` +
    `for every other schedule (tanh-relu is significantly less than ${SMALL_TIME_OVERHEAD * 100}% slower than each); **did not ` +
    `hold** when it is significantly above 0 for one (significantly more than ${SMALL_TIME_OVERHEAD * 100}% slower); ` +
    `**inconclusive** when an interval reaches across the ${SMALL_TIME_OVERHEAD * 100}% line. Not testable when the runs were ` +
    'timed on different machines (hosts), backends or thread counts, or while other cells trained on the same machine: ' +
    "config.json's attempts record each run's host, its start, how many cells its campaign trained at once (--jobs) and its " +
    'shard; a run timed beside another cell (--jobs above 1, or two runs on one host whose training times overlap, shards ' +
    'included), or a shard whose sibling shards are not in the folder, makes the times not comparable. Runs written before ' +
    'lenet recorded this are judged as they are, and the claim says so. Time a claim (d) with --jobs 1 and one shard.',
];

/** The paper's schedules that were run, in Table 2's order. */
function paperGroups(groups: readonly RunGroup[]): RunGroup[] {
  return PAPER_ACTIVATIONS.map((l) => groups.find((g) => g.label === l)).filter((g): g is RunGroup => g !== undefined);
}

function notTestable(id: Verdict['id'], reason: string, evidence: string[] = []): Verdict {
  return { id, claim: CLAIMS[id], status: 'not testable', reason, comparisons: [], evidence };
}

/**
 * The reason a claim cannot be judged because a schedule it needs diverged on every seed (it has
 * no numbers to compare), or null. A schedule that diverged is never a tie or a win.
 */
function divergedReason(needed: readonly RunGroup[]): string | null {
  const gone = needed.filter(allDiverged);
  if (gone.length === 0) return null;
  return (
    `${gone.map((g) => `${g.label} diverged on every seed: ${divergedText(g)}`).join('; ')}. ` +
    'A schedule with no run left has no numbers to compare, so the claim cannot be judged'
  );
}

/** The evidence line naming the runs of the compared schedules left out as diverged ('' when none). */
function divergedEvidence(groups: readonly RunGroup[]): string[] {
  const hit = groups.filter((g) => g.diverged.length > 0);
  if (hit.length === 0) return [];
  return [`Left out as diverged: ${hit.map((g) => `${g.label} ${divergedText(g)}`).join('; ')}.`];
}

function missingReason(groups: readonly RunGroup[], need: string[]): string | null {
  const present = groups.map((g) => g.label);
  const missing = need.filter((l) => !present.includes(l));
  if (missing.length > 0) return `${missing.join(' and ')} ${missing.length > 1 ? 'were' : 'was'} not run`;
  return null;
}

function othersMissing(id: Verdict['id'], who: string): Verdict {
  const rest = PAPER_ACTIVATIONS.filter((l) => l !== who);
  return notTestable(id, `none of ${rest.join(', ')} was run to compare with`);
}

function verdict(id: Verdict['id'], inputs: ComparisonInput[], heldText: string, evidence: string[], groups: readonly RunGroup[]): Verdict {
  evidence.push(...divergedEvidence(groups));
  const comparisons = judgeComparisons(inputs);
  const status = statusOf(comparisons);
  return { id, claim: CLAIMS[id], status, reason: reasonOf(comparisons, status, heldText), comparisons, evidence };
}

function names(groups: readonly RunGroup[]): string {
  const l = groups.map((g) => g.label);
  return l.length <= 1 ? l.join('') : `${l.slice(0, -1).join(', ')} and ${l[l.length - 1]}`;
}

function finalsText(g: RunGroup, metric: 'train_accuracy' | 'test_accuracy', digits = 4): string {
  return `${g.label} ${meanStd(meanStdOf(g.finals[metric]), digits)}`;
}

/** (a) Highest training accuracy: tanh-relu − X in final train accuracy, significantly above 0 for every other X. */
export function claimHighestTrainAccuracy(groups: readonly RunGroup[]): Verdict {
  const paper = paperGroups(groups);
  const missing = missingReason(paper, [COMBINED]);
  if (missing) return notTestable('a', missing);
  const others = paper.filter((g) => g.label !== COMBINED);
  if (others.length === 0) return othersMissing('a', COMBINED);
  const diverged = divergedReason(paper);
  if (diverged) return notTestable('a', diverged, divergedEvidence(paper));
  const tr = paper.find((g) => g.label === COMBINED)!;
  const inputs: ComparisonInput[] = others.map((o) => ({
    versus: o.label,
    label: `${COMBINED} − ${o.label}`,
    gap: groupGap(tr, o, (r) => r.summary.final.train_accuracy, { metric: 'train_accuracy' }),
    favours: 1,
    digits: 4,
    unit: '',
    forText: `${COMBINED} trains to a higher accuracy than ${o.label}`,
    againstText: `${o.label} trains to a higher accuracy than ${COMBINED}`,
  }));
  const evidence = [
    `Final train accuracy, mean ± std over seeds: ${paper.map((g) => finalsText(g, 'train_accuracy')).join('; ')} (paper: tanh-relu 0.981).`,
  ];
  const trAcc = mean(tr.finals.train_accuracy);
  const higher = groups.filter((g) => !PAPER_ACTIVATIONS.includes(g.label) && g.runs.length > 0 && mean(g.finals.train_accuracy) > trAcc);
  if (higher.length > 0) {
    const top = [...higher].sort((x, y) => mean(y.finals.train_accuracy) - mean(x.finals.train_accuracy))[0];
    evidence.push(
      `Outside the paper's four, ${counted(higher.length, 'schedule')} trained to a higher mean accuracy, best ${finalsText(top, 'train_accuracy')}.`,
    );
  }
  return verdict('a', inputs, `tanh-relu's final train accuracy is above ${names(others)}'s.`, evidence, paper);
}

/** First epoch at which a loss curve is ≤ threshold, with the loss there; null when never. */
export function epochsToThreshold(
  curve: ReadonlyArray<{ epoch: number; loss: number }>,
  threshold: number,
): { epoch: number; loss: number } | null {
  for (const p of curve) if (p.loss <= threshold) return { epoch: p.epoch, loss: p.loss };
  return null;
}

/** The first epoch a run's train loss is at or below threshold; one past its last epoch when it never is. */
export function convergenceEpoch(run: RunData, threshold: number): number {
  const hit = epochsToThreshold(
    run.epochs.map((e) => ({ epoch: e.epoch, loss: e.train_loss })),
    threshold,
  );
  return hit ? hit.epoch : (run.epochs[run.epochs.length - 1]?.epoch ?? 0) + 1;
}

/** (b)'s common threshold for tanh-relu against one other schedule: the highest final train loss among their runs. */
export function convergenceThreshold(a: RunGroup, b: RunGroup): number {
  return Math.max(...[...a.runs, ...b.runs].map((r) => r.summary.final.train_loss));
}

/**
 * (b) Fastest loss convergence: for each other schedule X, per seed, the first epoch at which each
 * run's train loss reaches the pair's common threshold; tanh-relu − X in epochs significantly below 0.
 */
export function claimFastestConvergence(groups: readonly RunGroup[]): Verdict {
  const paper = paperGroups(groups);
  const missing = missingReason(paper, [COMBINED]);
  if (missing) return notTestable('b', missing);
  const others = paper.filter((g) => g.label !== COMBINED);
  if (others.length === 0) return othersMissing('b', COMBINED);
  const diverged = divergedReason(paper);
  if (diverged) return notTestable('b', diverged, divergedEvidence(paper));
  const tr = paper.find((g) => g.label === COMBINED)!;
  if (tr.epochs.length < 2 && others.every((o) => o.epochs.length < 2)) {
    return notTestable('b', 'the runs have a single epoch: there is no curve to compare');
  }
  const evidence: string[] = [];
  const inputs: ComparisonInput[] = others.map((o) => {
    const threshold = convergenceThreshold(tr, o);
    const gap = groupGap(tr, o, (r) => convergenceEpoch(r, threshold), { sdFloor: EPOCH_ROUNDING_SD });
    const never = [...tr.runs, ...o.runs].filter(
      (r) =>
        !epochsToThreshold(
          r.epochs.map((e) => ({ epoch: e.epoch, loss: e.train_loss })),
          threshold,
        ),
    );
    evidence.push(
      `vs ${o.label}: threshold ${fixed(threshold, 4)} (the highest final train loss among the runs of both); first epoch at or below it, ` +
        `seeds ${gap.seedsA.join(', ')}: ${COMBINED} ${gap.a.join(', ')}; ${o.label}${gap.seedsB.join(',') === gap.seedsA.join(',') ? '' : ` (seeds ${gap.seedsB.join(', ')})`} ${gap.b.join(', ')}` +
        (never.length > 0
          ? `; ${counted(never.length, 'run')} never ${agree(never.length, 'reaches', 'reach')} it (counted as one epoch past their last)`
          : ''),
    );
    return {
      versus: o.label,
      label: `${COMBINED} − ${o.label} (epochs to threshold)`,
      gap,
      favours: -1,
      digits: 2,
      unit: ' epochs',
      forText: `${COMBINED} reaches the common loss threshold sooner than ${o.label}`,
      againstText: `${o.label} reaches the common loss threshold sooner than ${COMBINED}`,
      quantity: 'the difference in epochs',
    };
  });
  evidence.push("Loss: the training cross-entropy of each run's epochs.csv (train_loss).");
  return verdict('b', inputs, `tanh-relu reaches each common loss threshold at an earlier epoch than ${names(others)}.`, evidence, paper);
}

/** (c) Sigmoid clearly the worst: X − sigmoid in final train accuracy, significantly above 0 for every other X. */
export function claimSigmoidWorst(groups: readonly RunGroup[]): Verdict {
  const paper = paperGroups(groups);
  const missing = missingReason(paper, [SIGMOID]);
  if (missing) return notTestable('c', missing);
  const others = paper.filter((g) => g.label !== SIGMOID);
  if (others.length === 0) return othersMissing('c', SIGMOID);
  const diverged = divergedReason(paper);
  if (diverged) return notTestable('c', diverged, divergedEvidence(paper));
  const sig = paper.find((g) => g.label === SIGMOID)!;
  const inputs: ComparisonInput[] = others.map((o) => ({
    versus: o.label,
    label: `${o.label} − ${SIGMOID}`,
    gap: groupGap(o, sig, (r) => r.summary.final.train_accuracy, { metric: 'train_accuracy' }),
    favours: 1,
    digits: 4,
    unit: '',
    forText: `${o.label} trains to a higher accuracy than ${SIGMOID}`,
    againstText: `${SIGMOID} trains to a higher accuracy than ${o.label}`,
  }));
  const evidence = [
    `Final train accuracy: ${paper.map((g) => finalsText(g, 'train_accuracy')).join('; ')} (paper: sigmoid 0.881).`,
    `Final test accuracy: ${paper.map((g) => finalsText(g, 'test_accuracy')).join('; ')}.`,
  ];
  return verdict('c', inputs, `sigmoid's final train accuracy is below ${names(others)}'s.`, evidence, paper);
}

/** The hosts a run trained on, from config.json's attempts; '?' when it records none. */
function hostsOf(r: RunData): string {
  const attempts = attemptsOf(r.config);
  return attempts ? [...new Set(attempts.map((a) => a.host))].join(' + ') : '?';
}

/** Distinct machines (host, cpu model and count) and thread settings the runs were timed on. */
function timingSetups(groups: readonly RunGroup[]): string[] {
  const setups = new Set<string>();
  for (const g of groups) {
    for (const r of g.runs) {
      const machine = (r.config?.machine ?? {}) as Record<string, unknown>;
      const config = (r.config?.config ?? {}) as Record<string, unknown>;
      const backend = (r.config?.backend ?? {}) as Record<string, unknown>;
      const threads = typeof backend === 'object' && backend.threads !== undefined ? backend.threads : (config.threads ?? 'all');
      setups.add(
        `host ${hostsOf(r)}, ${machine.cpuModel ?? '?'} ×${machine.cpus ?? '?'}, threads ${threads}, backend ${r.summary.backend}`,
      );
    }
  }
  return [...setups];
}

/** A stretch of time in which a run's epochs were timed: one per attempt, from its start for as long as its epochs took. */
interface TimedSpan {
  run: RunData;
  /** null: not recorded (a run written before lenet recorded its attempts): it may have been any host. */
  host: string | null;
  start: number;
  end: number;
}

/** Seconds of the run's epochs after `after` up to `until`; a time that is not a number counts nothing. */
function epochSeconds(run: RunData, after: number, until: number): number {
  return run.epochs
    .filter((e) => e.epoch > after && e.epoch <= until)
    .reduce((s, e) => s + (Number.isFinite(e.seconds) ? e.seconds : 0), 0);
}

/**
 * When the run's epochs were timed, as far as its files tell: each attempt from its recorded start
 * for the sum of its epochs' seconds; for a run without attempts, from config.json's `created`.
 */
function timedSpans(run: RunData, attempts: RunAttempt[] | null): TimedSpan[] {
  if (attempts) {
    return attempts.map((a, i) => {
      const start = Date.parse(a.started);
      const seconds = epochSeconds(run, a.afterEpoch, attempts[i + 1]?.afterEpoch ?? Infinity);
      return { run, host: a.host, start, end: start + seconds * 1000 };
    });
  }
  const created = Date.parse(typeof run.config?.created === 'string' ? run.config.created : '');
  if (!Number.isFinite(created)) return [];
  return [{ run, host: null, start: created, end: created + epochSeconds(run, 0, Infinity) * 1000 }];
}

function firstFew(items: readonly string[], n = 3): string {
  return items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}

/**
 * Why the compared runs' seconds per epoch were not timed alone, one reason per kind, and how many
 * runs record nothing about it. A run shared its machine when its campaign trained several cells
 * at once (--jobs), when its training overlapped another run's on the same host (or on a host that
 * is not recorded), or when it belongs to a shard whose sibling shards are not here to be checked.
 */
function sharedMachine(compared: readonly RunData[], all: readonly RunData[]): { reasons: string[]; unrecorded: number } {
  const reasons: string[] = [];
  const attempts = new Map(all.map((r) => [r, attemptsOf(r.config)]));
  const jobs = compared.filter((r) => (attempts.get(r) ?? []).some((a) => a.cellsAtOnce > 1));
  if (jobs.length > 0) {
    const most = Math.max(...jobs.flatMap((r) => attempts.get(r)!.map((a) => a.cellsAtOnce)));
    reasons.push(
      `${counted(jobs.length, 'run')} ${agree(jobs.length, 'was', 'were')} timed while their campaign trained up to ${most} cells at once (--jobs ${most}): ${firstFew(jobs.map((r) => r.relDir))}`,
    );
  }
  const present = new Set(all.flatMap((r) => (attempts.get(r) ?? []).map((a) => a.shard)).filter((x): x is string => x !== null));
  const absent = new Set<string>();
  for (const shard of present) {
    const n = Number(shard.split('/')[1]);
    for (let k = 1; k <= n && k <= 1000; k++) if (!present.has(`${k}/${n}`)) absent.add(`${k}/${n}`);
  }
  const orphans = compared.filter((r) =>
    (attempts.get(r) ?? []).some((a) => a.shard !== null && [...absent].some((x) => x.endsWith(`/${a.shard!.split('/')[1]}`))),
  );
  if (orphans.length > 0) {
    reasons.push(
      `${counted(orphans.length, 'run')} ${agree(orphans.length, 'comes', 'come')} from shards of a campaign whose ${agree(absent.size, 'shard', 'shards')} ${firstFew([...absent])} ${agree(absent.size, 'is', 'are')} not here, so whether they trained at the same time on the same machine cannot be checked: ${firstFew(orphans.map((r) => r.relDir))}`,
    );
  }
  const spans = all.flatMap((r) => timedSpans(r, attempts.get(r) ?? null));
  const comparedSet = new Set(compared);
  const overlaps: string[] = [];
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i];
      const b = spans[j];
      if (a.run === b.run || (!comparedSet.has(a.run) && !comparedSet.has(b.run))) continue;
      const sameHost = a.host === null || b.host === null || a.host === b.host;
      if (sameHost && a.start < b.end && b.start < a.end) {
        overlaps.push(
          `${a.run.relDir} and ${b.run.relDir}${a.host !== null && a.host === b.host ? ` (host ${a.host})` : ' (host not recorded)'}`,
        );
      }
    }
  }
  if (overlaps.length > 0) reasons.push(`runs trained at the same time on one machine: ${firstFew(overlaps)}`);
  return { reasons, unrecorded: compared.filter((r) => attempts.get(r) === null).length };
}

/**
 * (d) tanh-relu's extra time per epoch is small: for each other X, tanh-relu's seconds per epoch
 * minus (1 + SMALL_TIME_OVERHEAD) × X's, significantly below 0. Judged only from runs timed on one
 * setup and alone on their machine.
 */
export function claimSmallTimeCost(groups: readonly RunGroup[]): Verdict {
  const paper = paperGroups(groups);
  const missing = missingReason(paper, [COMBINED]);
  if (missing) return notTestable('d', missing);
  const others = paper.filter((g) => g.label !== COMBINED);
  if (others.length === 0) return othersMissing('d', COMBINED);
  const diverged = divergedReason(paper);
  if (diverged) return notTestable('d', diverged, divergedEvidence(paper));
  const setups = timingSetups(paper);
  const tr = paper.find((g) => g.label === COMBINED)!;
  const trSec = mean(tr.secondsPerEpoch);
  const factor = 1 + SMALL_TIME_OVERHEAD;
  const pct = `${SMALL_TIME_OVERHEAD * 100}%`;
  const evidence = [
    `${COMBINED} ${meanStd(meanStdOf(tr.secondsPerEpoch), 2)} s per epoch (${setups.length === 1 ? setups[0] : 'setups differ'}).`,
  ];
  for (const o of others) {
    const oSec = mean(o.secondsPerEpoch);
    const extra = trSec - oSec;
    const paperExtra = PAPER_EXTRA_SECONDS[o.label];
    evidence.push(
      `vs ${o.label} ${meanStd(meanStdOf(o.secondsPerEpoch), 2)} s: ${COMBINED} ${signed(extra, 2)} s (${signed((extra / oSec) * 100, 1)}%); ` +
        `the +${pct} line is at +${fixed(SMALL_TIME_OVERHEAD * oSec, 2)} s; paper ${paperExtra !== undefined ? `+${paperExtra} s` : 'n/a'}`,
    );
  }
  if (setups.length > 1) {
    return notTestable(
      'd',
      `the runs were timed on different setups (${setups.join('; ')}), so their seconds per epoch do not compare`,
      evidence,
    );
  }
  const compared = paper.flatMap((g) => g.runs);
  const all = allRunsOf(groups);
  const shared = sharedMachine(compared, all);
  if (shared.reasons.length > 0) {
    return notTestable(
      'd',
      `the seconds per epoch were not timed alone: ${shared.reasons.join('; ')}. Other cells on the machine slow a run by an amount that has nothing to do with its schedule; time (d) with --jobs 1 and one shard`,
      evidence,
    );
  }
  if (shared.unrecorded > 0) {
    evidence.push(
      `${counted(shared.unrecorded, 'run')} ${agree(shared.unrecorded, 'does', 'do')} not record what else ran on ${agree(shared.unrecorded, 'its', 'their')} machine (config.json written before lenet recorded its attempts): ${agree(shared.unrecorded, 'its time is', 'their times are')} taken as they are.`,
    );
  }
  const inputs: ComparisonInput[] = others.map((o) => ({
    versus: o.label,
    label: `${COMBINED} − ${factor} × ${o.label} (s/epoch)`,
    gap: groupGap(
      tr,
      o,
      (r) => r.summary.seconds_per_epoch,
      { metric: 'seconds' },
      (r) => factor * r.summary.seconds_per_epoch,
    ),
    favours: -1,
    digits: 2,
    unit: ' s',
    forText: `${COMBINED} takes less than ${pct} longer per epoch than ${o.label}`,
    againstText: `${COMBINED} takes more than ${pct} longer per epoch than ${o.label}`,
    quantity: `tanh-relu's time over the +${pct} line`,
  }));
  const slowerThanAll = others.every((o) => trSec > mean(o.secondsPerEpoch));
  return verdict(
    'd',
    inputs,
    `tanh-relu takes less than ${pct} longer per epoch than each of ${names(others)}${slowerThanAll ? '' : ' (and is not even slower than all of them)'}.`,
    evidence,
    paper,
  );
}

/** The four verdicts, in order (a)-(d). */
export function evaluateClaims(groups: readonly RunGroup[]): Verdict[] {
  return [claimHighestTrainAccuracy(groups), claimFastestConvergence(groups), claimSigmoidWorst(groups), claimSmallTimeCost(groups)];
}

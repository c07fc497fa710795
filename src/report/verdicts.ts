/**
 * Plain verdicts on the claims of Section 4 of the paper, from our runs:
 *  (a) tanh-relu has the highest training accuracy (Table 2);
 *  (b) its loss converges fastest (Fig. 3);
 *  (c) sigmoid is clearly the worst (Fig. 2, Table 2);
 *  (d) tanh-relu costs only a little more time per epoch (+2.48 / +1.37 / +0.44 s over sigmoid / tanh / relu).
 * Each is "held", "did not hold" or "not testable", with the numbers behind it.
 */
import { PAPER_EXTRA_SECONDS } from './paper';
import { RunGroup } from './runs';
import { excludesZero, mean, std, welchInterval, WelchInterval } from './stats';
import { fixed, meanStd, signed } from './format';

export type VerdictStatus = 'held' | 'did not hold' | 'not testable';

export interface Verdict {
  id: 'a' | 'b' | 'c' | 'd';
  claim: string;
  status: VerdictStatus;
  /** One or two sentences: why this status. */
  reason: string;
  /** The numbers behind it, one line each. */
  evidence: string[];
}

/** "A little more time": tanh-relu's extra seconds per epoch at most this fraction of the other schedule's. */
export const SMALL_TIME_OVERHEAD = 0.1;

export const CLAIMS: Record<Verdict['id'], string> = {
  a: 'tanh-relu has the highest training accuracy (Table 2: 0.981 vs relu 0.966, tanh 0.961, sigmoid 0.881)',
  b: 'the loss of tanh-relu converges fastest (Fig. 3)',
  c: 'sigmoid is clearly the worst (Fig. 2, Table 2)',
  d: 'tanh-relu costs only a little more time per epoch (paper: +2.48 s over sigmoid, +1.37 s over tanh, +0.44 s over relu)',
};

const PAPER_FOUR = ['sigmoid', 'tanh', 'relu', 'tanh-relu'];
const COMBINED = 'tanh-relu';

function ciText(ci: WelchInterval | null, digits: number): string {
  if (!ci) return '95% CI n/a (needs ≥ 2 seeds on each side)';
  return `95% CI [${signed(ci.low, digits)}, ${signed(ci.high, digits)}]`;
}

function valueText(values: readonly number[], digits: number): string {
  return meanStd(mean(values), std(values), values.length, digits);
}

/** The paper's schedules that were run, in Table 2's order. */
function paperGroups(groups: readonly RunGroup[]): RunGroup[] {
  return PAPER_FOUR.map((l) => groups.find((g) => g.label === l)).filter((g): g is RunGroup => g !== undefined);
}

function notTestable(id: Verdict['id'], reason: string): Verdict {
  return { id, claim: CLAIMS[id], status: 'not testable', reason, evidence: [] };
}

function missingReason(groups: readonly RunGroup[], need: string[]): string | null {
  const present = groups.map((g) => g.label);
  const missing = need.filter((l) => !present.includes(l));
  if (missing.length > 0) return `${missing.join(' and ')} ${missing.length > 1 ? 'were' : 'was'} not run`;
  return null;
}

/** (a) Highest training accuracy among the paper's schedules that were run. */
export function claimHighestTrainAccuracy(groups: readonly RunGroup[]): Verdict {
  const paper = paperGroups(groups);
  const missing = missingReason(paper, [COMBINED]);
  if (missing) return notTestable('a', missing);
  const others = paper.filter((g) => g.label !== COMBINED);
  if (others.length === 0) return notTestable('a', 'none of sigmoid, tanh, relu was run to compare with');
  const tr = paper.find((g) => g.label === COMBINED)!;
  const trAcc = mean(tr.finals.train_accuracy);
  const evidence = [`tanh-relu final train accuracy ${valueText(tr.finals.train_accuracy, 4)} (paper 0.981)`];
  const beaten: string[] = [];
  const unclear: string[] = [];
  let beatenClearly = false;
  for (const o of others) {
    const ci = welchInterval(tr.finals.train_accuracy, o.finals.train_accuracy);
    const gap = trAcc - mean(o.finals.train_accuracy);
    if (gap <= 0) {
      beaten.push(o.label);
      if (!ci || excludesZero(ci)) beatenClearly = true;
    } else if (ci && !excludesZero(ci)) unclear.push(o.label);
    evidence.push(`vs ${o.label} ${valueText(o.finals.train_accuracy, 4)}: tanh-relu ${signed(gap, 4)}, ${ciText(ci, 4)}`);
  }
  const rest = groups.filter((g) => !PAPER_FOUR.includes(g.label));
  const higher = rest.filter((g) => mean(g.finals.train_accuracy) > trAcc);
  if (higher.length > 0) {
    const top = [...higher].sort((x, y) => mean(y.finals.train_accuracy) - mean(x.finals.train_accuracy))[0];
    evidence.push(`outside the paper's four, ${higher.length} schedule(s) trained to a higher accuracy, best ${top.label} ${valueText(top.finals.train_accuracy, 4)}`);
  }
  const compared = others.map((o) => o.label).join(', ');
  if (beaten.length > 0) {
    return {
      id: 'a', claim: CLAIMS.a, status: 'did not hold', evidence,
      reason: `tanh-relu's mean final train accuracy is not above ${beaten.join(' and ')}'s.${beatenClearly ? '' : ' The differences are within noise, though: their 95% CIs include 0.'}`,
    };
  }
  let reason = `tanh-relu's mean final train accuracy is the highest of ${compared} and itself.`;
  if (unclear.length > 0) reason += ` The gap to ${unclear.join(' and ')} is within noise: its 95% CI includes 0.`;
  return { id: 'a', claim: CLAIMS.a, status: 'held', reason, evidence };
}

/** First epoch at which a loss curve is ≤ threshold, with the loss there; null when never. */
export function epochsToThreshold(curve: ReadonlyArray<{ epoch: number; loss: number }>, threshold: number): { epoch: number; loss: number } | null {
  for (const p of curve) if (p.loss <= threshold) return { epoch: p.epoch, loss: p.loss };
  return null;
}

function meanCurve(g: RunGroup): Array<{ epoch: number; loss: number }> {
  return g.epochs.map((e) => ({ epoch: e.epoch, loss: e.mean.train_loss }));
}

/** -1 when a reached the threshold first, 1 when b did, 0 on an exact tie (same epoch, same loss). */
function fasterOf(a: { epoch: number; loss: number } | null, b: { epoch: number; loss: number } | null): number {
  if (a === null && b === null) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (a.loss !== b.loss) return a.loss < b.loss ? -1 : 1;
  return 0;
}

/**
 * (b) Fastest loss convergence. For each other schedule X, the threshold is the final train loss
 * (mean of the last K epochs, mean over seeds) of the slower of tanh-relu and X: the level both finally
 * reach. The faster one reaches it at an earlier epoch (first epoch whose seed-mean train loss ≤ the
 * threshold); at the same epoch the lower loss there is ahead.
 */
export function claimFastestConvergence(groups: readonly RunGroup[]): Verdict {
  const paper = paperGroups(groups);
  const missing = missingReason(paper, [COMBINED]);
  if (missing) return notTestable('b', missing);
  const others = paper.filter((g) => g.label !== COMBINED);
  if (others.length === 0) return notTestable('b', 'none of sigmoid, tanh, relu was run to compare with');
  const tr = paper.find((g) => g.label === COMBINED)!;
  if (tr.epochs.length < 2 && others.every((o) => o.epochs.length < 2)) {
    return notTestable('b', 'the runs have a single epoch: there is no curve to compare');
  }
  const trFinal = mean(tr.finals.train_loss);
  const evidence: string[] = [];
  const slower: string[] = [];
  const ties: string[] = [];
  for (const o of others) {
    const oFinal = mean(o.finals.train_loss);
    const threshold = Math.max(trFinal, oFinal);
    const slowerName = trFinal >= oFinal ? 'tanh-relu' : o.label;
    const a = epochsToThreshold(meanCurve(tr), threshold);
    const b = epochsToThreshold(meanCurve(o), threshold);
    const cmp = fasterOf(a, b);
    if (cmp > 0) slower.push(o.label);
    if (cmp === 0) ties.push(o.label);
    const at = (x: { epoch: number; loss: number } | null) => (x ? `epoch ${x.epoch} (loss ${fixed(x.loss, 4)})` : 'never');
    let line = `vs ${o.label}: threshold ${fixed(threshold, 4)} (${slowerName}'s final loss); tanh-relu reaches it at ${at(a)}, ${o.label} at ${at(b)}`;
    // Per-seed epochs to the same threshold, and a Welch CI of the difference, when every seed gets there.
    if (tr.runs.length >= 2 && o.runs.length >= 2) {
      const perSeed = (g: RunGroup) => g.runs.map((r) => epochsToThreshold(r.epochs.map((e) => ({ epoch: e.epoch, loss: e.train_loss })), threshold)?.epoch ?? null);
      const ea = perSeed(tr);
      const eb = perSeed(o);
      if (ea.every((x) => x !== null) && eb.every((x) => x !== null)) {
        const ci = welchInterval(ea as number[], eb as number[]);
        line += `; per seed ${valueText(ea as number[], 1)} vs ${valueText(eb as number[], 1)} epochs, difference ${signed(mean(ea as number[]) - mean(eb as number[]), 1)}, ${ciText(ci, 1)}`;
      } else {
        line += '; per seed: some seeds never reach it, no CI';
      }
    }
    evidence.push(line);
  }
  evidence.push('Loss: the training cross-entropy of epochs.csv (train_loss), mean over seeds at each epoch.');
  if (slower.length > 0 || ties.length > 0) {
    const parts: string[] = [];
    if (slower.length > 0) parts.push(`${slower.join(' and ')} reached the common threshold before tanh-relu`);
    if (ties.length > 0) parts.push(`tanh-relu tied with ${ties.join(' and ')}`);
    return { id: 'b', claim: CLAIMS.b, status: 'did not hold', reason: `${parts.join('; ')}.`, evidence };
  }
  return {
    id: 'b', claim: CLAIMS.b, status: 'held', evidence,
    reason: `tanh-relu reached each common loss threshold before ${others.map((o) => o.label).join(', ')}.`,
  };
}

/** (c) Sigmoid clearly the worst: lowest mean final train accuracy, and with ≥2 seeds every gap's 95% CI excludes 0. */
export function claimSigmoidWorst(groups: readonly RunGroup[]): Verdict {
  const paper = paperGroups(groups);
  const missing = missingReason(paper, ['sigmoid']);
  if (missing) return notTestable('c', missing);
  const others = paper.filter((g) => g.label !== 'sigmoid');
  if (others.length === 0) return notTestable('c', 'none of tanh, relu, tanh-relu was run to compare with');
  const sig = paper.find((g) => g.label === 'sigmoid')!;
  const sigAcc = mean(sig.finals.train_accuracy);
  const evidence = [
    `sigmoid final train accuracy ${valueText(sig.finals.train_accuracy, 4)} (paper 0.881), test accuracy ${valueText(sig.finals.test_accuracy, 4)}`,
  ];
  const notWorse: string[] = [];
  const unclear: string[] = [];
  let withCi = 0;
  for (const o of others) {
    const ci = welchInterval(o.finals.train_accuracy, sig.finals.train_accuracy);
    const gap = mean(o.finals.train_accuracy) - sigAcc;
    if (gap <= 0) notWorse.push(o.label);
    if (ci) {
      withCi++;
      if (!excludesZero(ci)) unclear.push(o.label);
    }
    evidence.push(`${o.label} ${valueText(o.finals.train_accuracy, 4)}: ${signed(gap, 4)} above sigmoid, ${ciText(ci, 4)}; test ${signed(mean(o.finals.test_accuracy) - mean(sig.finals.test_accuracy), 4)}`);
  }
  if (notWorse.length > 0) {
    return { id: 'c', claim: CLAIMS.c, status: 'did not hold', evidence, reason: `${notWorse.join(' and ')} trained to no higher accuracy than sigmoid.` };
  }
  if (unclear.length > 0) {
    return {
      id: 'c', claim: CLAIMS.c, status: 'did not hold', evidence,
      reason: `sigmoid has the lowest mean, but not clearly: the 95% CI of its gap to ${unclear.join(' and ')} includes 0.`,
    };
  }
  const reason = withCi === others.length
    ? `sigmoid has the lowest final train accuracy and every gap's 95% CI excludes 0.`
    : `sigmoid has the lowest final train accuracy${withCi === 0 ? ' (one seed: no CI, so "clearly" rests on the gap sizes alone)' : ''}.`;
  return { id: 'c', claim: CLAIMS.c, status: 'held', reason, evidence };
}

/** Distinct machines (cpu model and count) and thread settings the runs were timed on. */
function timingSetups(groups: readonly RunGroup[]): string[] {
  const setups = new Set<string>();
  for (const g of groups) {
    for (const r of g.runs) {
      const machine = (r.config?.machine ?? {}) as Record<string, unknown>;
      const config = (r.config?.config ?? {}) as Record<string, unknown>;
      const backend = (r.config?.backend ?? {}) as Record<string, unknown>;
      const threads = typeof backend === 'object' && backend.threads !== undefined ? backend.threads : config.threads ?? 'all';
      setups.add(`${machine.cpuModel ?? '?'} ×${machine.cpus ?? '?'}, threads ${threads}, backend ${r.summary.backend}`);
    }
  }
  return [...setups];
}

/** (d) tanh-relu's extra time per epoch is small: ≤ SMALL_TIME_OVERHEAD of each other schedule's. */
export function claimSmallTimeCost(groups: readonly RunGroup[]): Verdict {
  const paper = paperGroups(groups);
  const missing = missingReason(paper, [COMBINED]);
  if (missing) return notTestable('d', missing);
  const others = paper.filter((g) => g.label !== COMBINED);
  if (others.length === 0) return notTestable('d', 'none of sigmoid, tanh, relu was run to compare with');
  const setups = timingSetups(paper);
  if (setups.length > 1) {
    return notTestable('d', `the runs were timed on different setups (${setups.join('; ')}), so their seconds per epoch do not compare`);
  }
  const tr = paper.find((g) => g.label === COMBINED)!;
  const trSec = mean(tr.secondsPerEpoch);
  const evidence = [`tanh-relu ${valueText(tr.secondsPerEpoch, 2)} s per epoch (${setups[0] ?? 'setup unknown'})`];
  const costly: string[] = [];
  const costlyWithinNoise: string[] = [];
  let slowerThanAll = true;
  for (const o of others) {
    const oSec = mean(o.secondsPerEpoch);
    const extra = trSec - oSec;
    const pct = oSec > 0 ? extra / oSec : NaN;
    const ci = welchInterval(tr.secondsPerEpoch, o.secondsPerEpoch);
    if (!(pct <= SMALL_TIME_OVERHEAD)) {
      costly.push(o.label);
      if (ci && ci.low <= SMALL_TIME_OVERHEAD * oSec) costlyWithinNoise.push(o.label);
    }
    if (extra <= 0) slowerThanAll = false;
    const paperExtra = PAPER_EXTRA_SECONDS[o.label];
    evidence.push(`vs ${o.label} ${valueText(o.secondsPerEpoch, 2)} s: ${signed(extra, 2)} s (${signed(pct * 100, 1)}%), ${ciText(ci, 2)}; paper ${paperExtra !== undefined ? `+${paperExtra} s` : 'n/a'}`);
  }
  evidence.push(`"Only a little more" is read as at most ${SMALL_TIME_OVERHEAD * 100}% more seconds per epoch than each other schedule.`);
  if (costly.length > 0) {
    return {
      id: 'd', claim: CLAIMS.d, status: 'did not hold', evidence,
      reason: `tanh-relu took more than ${SMALL_TIME_OVERHEAD * 100}% longer per epoch than ${costly.join(' and ')}.`
        + (costlyWithinNoise.length > 0 ? ` For ${costlyWithinNoise.join(' and ')} the 95% CI of the extra time reaches below +${SMALL_TIME_OVERHEAD * 100}%: timing noise may explain it.` : ''),
    };
  }
  return {
    id: 'd', claim: CLAIMS.d, status: 'held', evidence,
    reason: slowerThanAll
      ? `tanh-relu is slower than each other schedule, by at most ${SMALL_TIME_OVERHEAD * 100}% per epoch.`
      : `tanh-relu's time per epoch is within ${SMALL_TIME_OVERHEAD * 100}% of each other schedule's (not even slower than all of them).`,
  };
}

/** The four verdicts, in order (a)-(d). */
export function evaluateClaims(groups: readonly RunGroup[]): Verdict[] {
  return [claimHighestTrainAccuracy(groups), claimFastestConvergence(groups), claimSigmoidWorst(groups), claimSmallTimeCost(groups)];
}

/**
 * What a model's probabilities say, in plain numbers, wherever a model is run — the trainer's
 * passes, evaluate, predict, the report's error section: the predicted class (one argmax), the
 * running loss, paper loss and accuracy of a set (the tally), and the confusion matrix.
 * Imports nothing of lenet but its errors.
 */
import { runtimeError } from '../errors';

/** Keras clips probabilities by this before the log; we follow it so losses compare with Keras/TF. */
export const PROB_EPSILON = 1e-7;

export const CLASSES = 10;

/** counts[true][predicted]. */
export type ConfusionMatrix = number[][];

/** The predicted class of row `row`: the index of its largest probability (the first one on a tie). The one argmax. */
export function argmaxRow(probs: ArrayLike<number>, row: number, classes = CLASSES): number {
  const base = row * classes;
  let best = 0;
  for (let k = 1; k < classes; k++) if (probs[base + k] > probs[base + best]) best = k;
  return best;
}

/** The predicted class of each row of `classes` probabilities. */
export function argmaxRows(probs: ArrayLike<number>, classes = CLASSES): Uint8Array {
  const n = Math.floor(probs.length / classes);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = argmaxRow(probs, i, classes);
  return out;
}

export function emptyConfusion(classes = CLASSES): ConfusionMatrix {
  return Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
}

/** Adds one prediction per label to `into` (a fresh matrix by default) and returns it. */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  into: ConfusionMatrix = emptyConfusion(),
): ConfusionMatrix {
  if (labels.length !== predicted.length)
    throw runtimeError(`confusion matrix: ${labels.length} labels but ${predicted.length} predictions`);
  const classes = into.length;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = predicted[i];
    if (!(t >= 0 && t < classes && p >= 0 && p < classes))
      throw runtimeError(`confusion matrix: class out of range 0-${classes - 1} (true ${t}, predicted ${p})`);
    into[t][p]++;
  }
  return into;
}

/** Elementwise sum (e.g. over the seeds of one schedule). */
export function addConfusion(a: ConfusionMatrix, b: ConfusionMatrix): ConfusionMatrix {
  return a.map((row, i) => row.map((v, j) => v + b[i][j]));
}

export function confusionTotal(m: ConfusionMatrix): number {
  return m.reduce((s, row) => s + row.reduce((x, v) => x + v, 0), 0);
}

/** Diagonal over total: the accuracy the matrix holds. */
export function confusionAccuracy(m: ConfusionMatrix): number {
  const total = confusionTotal(m);
  return total === 0 ? NaN : m.reduce((s, row, i) => s + row[i], 0) / total;
}

/** Per true class: correct / images of that class (NaN for a class with no images). */
export function perClassAccuracy(m: ConfusionMatrix): number[] {
  return m.map((row, i) => {
    const n = row.reduce((s, v) => s + v, 0);
    return n === 0 ? NaN : row[i] / n;
  });
}

/** Images of each true class (the row sums). */
export function classCounts(m: ConfusionMatrix): number[] {
  return m.map((row) => row.reduce((s, v) => s + v, 0));
}

/** Sums over a batch of probability rows, in plain numbers: loss, paper loss, correct count. */
export interface BatchTally {
  loss: number;
  paperLoss: number;
  correct: number;
  count: number;
}

export function emptyTally(): BatchTally {
  return { loss: 0, paperLoss: 0, correct: 0, count: 0 };
}

/** Adds one batch of probabilities (row-major, 10 per row) to a tally. */
export function tallyProbabilities(tally: BatchTally, probs: Float32Array | Float64Array, labels: ArrayLike<number>, classes = 10): void {
  const n = labels.length;
  for (let i = 0; i < n; i++) {
    const base = i * classes;
    const label = labels[i];
    const best = argmaxRow(probs, i, classes);
    let expSum = 0;
    for (let k = 0; k < classes; k++) expSum += Math.exp(probs[base + k]);
    const py = probs[base + label];
    tally.loss += -Math.log(Math.min(Math.max(py, PROB_EPSILON), 1 - PROB_EPSILON));
    tally.paperLoss += Math.log(expSum) - py;
    if (best === label) tally.correct++;
  }
  tally.count += n;
}

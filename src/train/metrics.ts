/** One row of epochs.csv. Plain numbers only: writers never see tensors. */
export interface EpochRow {
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  test_loss: number;
  test_accuracy: number;
  seconds: number;
  /** Cross-entropy taken on already-softmaxed outputs: the metric that matches Table 2 (see README). */
  train_paper_loss: number;
  test_paper_loss: number;
}

/** Column order of epochs.csv: the six of the protocol, then the paper's loss. */
export const EPOCH_COLUMNS = [
  'epoch', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy', 'seconds', 'train_paper_loss', 'test_paper_loss',
] as const;

export type MetricName = Exclude<(typeof EPOCH_COLUMNS)[number], 'epoch'>;
export const METRIC_NAMES = EPOCH_COLUMNS.filter((c) => c !== 'epoch') as MetricName[];

export type MetricMeans = Record<MetricName, number>;

/** Mean of each metric over the last k rows (the paper's equations 18-19 with k = 3). */
export function averageLastEpochs(rows: readonly EpochRow[], k: number): MetricMeans {
  if (rows.length === 0) throw new Error('averageLastEpochs: no epochs');
  const tail = rows.slice(-Math.min(k, rows.length));
  const means = {} as MetricMeans;
  for (const name of METRIC_NAMES) {
    means[name] = tail.reduce((s, r) => s + r[name], 0) / tail.length;
  }
  return means;
}

/** The floor of the paper's loss: one-hot probabilities softmaxed again, ln(1 + 9/e). */
export const PAPER_LOSS_MINIMUM = Math.log(1 + 9 / Math.E);

/** The paper's loss for one probability vector and its label, in plain numbers (reference for tests). */
export function paperLossOf(probabilities: ArrayLike<number>, label: number): number {
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) sum += Math.exp(probabilities[i]);
  return Math.log(sum) - probabilities[label];
}

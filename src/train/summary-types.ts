import { MetricMeans } from './metrics';

/** Contents of summary.json: what a finished (or interrupted) run reports. */
export interface RunSummary {
  schedule: string;
  activations: string[];
  seed: number;
  loss: string;
  backend: string;
  epochs_planned: number;
  epochs_run: number;
  average_last: number;
  /** false when the run was interrupted before its last epoch. */
  complete: boolean;
  /** Mean of each metric over the last `average_last` epochs run. */
  final: MetricMeans;
  seconds_per_epoch: number;
}

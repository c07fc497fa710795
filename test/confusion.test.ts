import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  addConfusion,
  argmaxRows,
  classCounts,
  confusionAccuracy,
  confusionCsv,
  confusionMatrix,
  confusionTotal,
  perClassAccuracy,
  writeConfusion,
} from '../src/report/confusion';
import { throwsLenet } from './helpers';
import { tempDir } from './harness/tmp';

test('confusionMatrix counts (true, predicted) pairs: rows are true classes, columns predictions', () => {
  const labels = [0, 0, 0, 1, 1, 2, 9, 9, 9, 9];
  const predicted = [0, 0, 7, 1, 2, 2, 9, 4, 4, 9];
  const m = confusionMatrix(labels, predicted);
  assert.equal(m.length, 10);
  assert.ok(m.every((row) => row.length === 10));
  assert.equal(m[0][0], 2);
  assert.equal(m[0][7], 1);
  assert.equal(m[1][1], 1);
  assert.equal(m[1][2], 1);
  assert.equal(m[2][2], 1);
  assert.equal(m[9][9], 2);
  assert.equal(m[9][4], 2);
  assert.equal(m[4][9], 0, 'not symmetric: 9 predicted as 4 is not 4 predicted as 9');
  assert.equal(confusionTotal(m), 10);
  assert.deepEqual(classCounts(m), [3, 2, 1, 0, 0, 0, 0, 0, 0, 4]);
  // 6 of 10 on the diagonal.
  assert.equal(confusionAccuracy(m), 0.6);
  const pc = perClassAccuracy(m);
  assert.equal(pc[0], 2 / 3);
  assert.equal(pc[1], 0.5);
  assert.equal(pc[2], 1);
  assert.equal(pc[9], 0.5);
  assert.ok(Number.isNaN(pc[3]), 'a class with no images has no accuracy');
  // Summing two matrices (seeds of one schedule) adds cell by cell.
  const twice = addConfusion(m, m);
  assert.equal(twice[9][4], 4);
  assert.equal(confusionTotal(twice), 20);
  assert.equal(confusionAccuracy(twice), 0.6);
});

test('argmaxRows picks the most probable class of each row, the first on a tie', () => {
  const probs = new Float32Array([
    0.1, 0.7, 0.2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 0.5, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.55,
  ]);
  assert.deepEqual([...argmaxRows(probs)], [1, 8, 9]);
});

test('confusionMatrix refuses mismatched lengths and out-of-range classes', () => {
  throwsLenet(() => confusionMatrix([1, 2], [1]), 1, /2 labels but 1 predictions/);
  throwsLenet(() => confusionMatrix([10], [1]), 1, /class out of range 0-9 \(true 10, predicted 1\)/);
});

test('confusion.csv has a header row and one row of counts per true class; the chart is an SVG and a PNG', async () => {
  const m = confusionMatrix([3, 3, 5], [3, 5, 5]);
  const csv = confusionCsv(m);
  const lines = csv.trim().split('\n');
  assert.equal(lines.length, 11);
  assert.equal(lines[0], 'true\\predicted,0,1,2,3,4,5,6,7,8,9');
  assert.equal(lines[4], '3,0,0,0,1,0,1,0,0,0,0');
  assert.equal(lines[6], '5,0,0,0,0,0,1,0,0,0,0');
  const dir = path.join(tempDir(), 'new', 'folder');
  const { files, chart } = await writeConfusion(dir, m, 'a test matrix');
  assert.deepEqual(
    files.map((f) => path.basename(f)),
    ['confusion.csv', 'confusion.svg', 'confusion.png'],
  );
  assert.equal(fs.readFileSync(files[0], 'utf8'), csv);
  const svg = fs.readFileSync(files[1], 'utf8');
  assert.match(svg, /a test matrix/);
  // Two panels of 100 cells each, and the counts and the row shares printed in the cells.
  assert.equal((svg.match(/aria-roledescription="rect mark"/g) ?? []).length, 200);
  assert.match(svg, />50<\/text>/, 'true 3: half predicted 3, half 5');
  assert.match(svg, />100<\/text>/, 'true 5: all predicted 5');
  assert.deepEqual([...fs.readFileSync(files[2]).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  assert.ok(chart.pngWidth > 0 && chart.pngHeight > 0);
});

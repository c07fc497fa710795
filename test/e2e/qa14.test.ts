/**
 * The second hostile QA of issue 14, as the CLI shows it: a stale lock's takeover notice is said by
 * merge whatever --quiet or --json (like the other commands), a --jobs worker's error keeps its whole
 * message (a folder name's newline shown escaped, not cut there), and `info` keeps a --data-dir's
 * newline inside its line on stdout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';
import { until } from '../harness/wait';

const tiny = ['--limit', '100', '--epochs', '1', '--threads', '1'];

test('merge into a folder with a stale garbage lock: the takeover is said once on stderr, with --quiet and --json too (stdout stays JSON)', () => {
  const dir = tempDir('lenet-qa14-');
  const sweep = path.join(dir, 'S');
  assert.equal(runCli(['sweep', '--grid', 'relu', ...tiny, '--jobs', '1', '--quiet', '--out', sweep]).code, 0);
  for (const mode of [[], ['--quiet'], ['--json']]) {
    const out = path.join(dir, `M${mode.join('')}`);
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, '.lenet.lock'), 'garbage');
    const minuteAgo = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(out, '.lenet.lock'), minuteAgo, minuteAgo);
    const r = runCli(['merge', sweep, '--out', out, ...mode]);
    assert.equal(r.code, 0, r.stderr);
    const notices = r.stderr.split('\n').filter((l) => l.includes('took over the lock'));
    assert.equal(notices.length, 1, `${mode.join(' ') || 'plain'}: ${r.stderr}`);
    assert.match(notices[0], /^lenet: took over the lock of .*: \.lenet\.lock was not a lenet lock, \d+ s old$/);
    if (mode[0] === '--json') assert.equal(JSON.parse(r.stdout).runs, 1);
  }
});

test("a --jobs worker's error names the whole folder: a newline in it shown escaped, the holder and the reason kept", async (t) => {
  const dir = tempDir('lenet-qa14-');
  const out = path.join(dir, 'C\nX');
  const cell = path.join(out, 'relu', 'seed-1');
  fs.mkdirSync(cell, { recursive: true });
  // A live process holds the cell's folder (as another lenet would).
  const lockJs = path.join(ROOT, 'dist', 'src', 'rundir', 'lock.js');
  const holder = spawn(process.execPath, [
    '-e',
    `require(${JSON.stringify(lockJs)}).lockFolder(process.argv[1], 'lenet train'); process.stdout.write('locked'); setInterval(() => {}, 1000);`,
    cell,
  ]);
  t.after(() => holder.kill('SIGKILL'));
  let said = '';
  holder.stdout.on('data', (d) => (said += d));
  await until(() => said === 'locked', 'the holder to lock');
  const r = runCli(['compare', '--activations', 'relu,tanh', ...tiny, '--jobs', '2', '--out', out]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`lenet: relu seed 1: cannot write into .*C\\\\nX/relu/seed-1: it is being written by pid ${holder.pid} \\(lenet train`),
  );
  assert.ok(fs.existsSync(path.join(out, 'tanh', 'seed-1', 'summary.json')), 'the other cell trained');
});

test('info --data-dir with a newline in the name: each line of the result stays one line on stdout', () => {
  const r = runCli(['info', '--data-dir', 'no\nsuch']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.ok(
    lines.some((l) => /^dataset: not found: .*no\\nsuch/.test(l)),
    r.stdout,
  );
  assert.ok(!lines.some((l) => l.startsWith('such')), r.stdout);
  assert.ok(lines.some((l) => l.startsWith('  kernels: ')) || lines.some((l) => l.startsWith('native: not available')), r.stdout);
});

test('verify --json and --quiet: nothing but the result (stdout JSON with --json), no note on stderr', () => {
  const json = runCli(['verify', '--limit', '100', '--epochs', '1', '--json']);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(json.stderr, '');
  assert.equal(typeof JSON.parse(json.stdout), 'object');
  const quiet = runCli(['verify', '--limit', '100', '--epochs', '1', '--quiet']);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  assert.match(quiet.stdout, /^deterministic: /);
});

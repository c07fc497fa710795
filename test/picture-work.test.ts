/**
 * A picture costs bounded work, not only bounded memory: a JPEG's scans are held to libjpeg's
 * progression rules and to a budget of passes over its blocks (a few bytes of scan header can ask
 * for a pass over 40 megapixels), and a picture file that is a FIFO with no writer does not hang
 * predict. Also the wording of a JPEG that ends right after its start marker, or has junk after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { imageToMnist } from '../src/data/image-input';
import { LenetError } from '../src/errors';
import { tempDir } from './helpers';
import { encodeJpeg } from './picture-files';

const IMAGE_INPUT_JS = path.join(__dirname, '..', 'src', 'data', 'image-input.js');
/** The one-line runtime error fn rejects with, matched against `re`. */
async function rejectsLenet(fn: () => Promise<unknown>, re: RegExp, what = ''): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof LenetError, `${what}: expected a LenetError, got ${caught instanceof Error ? caught.stack : String(caught)}`);
  assert.equal(caught.exitCode, 1, caught.message);
  assert.ok(!caught.message.includes('\n'), `${what}: not one line: ${caught.message}`);
  assert.match(caught.message, re, what);
}

const digit = (x: number, y: number) => (Math.abs(x - 32) < 6 && y > 12 && y < 52 ? 255 : 0);

test('JPEG: a valid progression of more passes than a picture needs is refused before the extra passes are done', async () => {
  // DC sent at point transform 13 then refined bit by bit: 14 DC passes and one AC pass, all
  // legal T.81, 15 passes over every block (libjpeg's own script makes 6).
  const many = encodeJpeg({ width: 64, height: 64, progressive: true, dcAl: 13, components: [{ h: 1, v: 1, sample: digit }] });
  await rejectsLenet(
    () => imageToMnist(many, 'passes.jpg'),
    /^passes\.jpg: unsupported JPEG \(too much work: by scan 13 its scans pass over the picture more than 12 times\)$/,
  );
  // The same progression with fewer passes decodes, to the same digit as the baseline picture.
  const baseline = await imageToMnist(encodeJpeg({ width: 64, height: 64, components: [{ h: 1, v: 1, sample: digit }] }), 'b.jpg');
  for (const dcAl of [0, 1, 5, 10]) {
    const ok = await imageToMnist(
      encodeJpeg({ width: 64, height: 64, progressive: true, dcAl, components: [{ h: 1, v: 1, sample: digit }] }),
      `dc${dcAl}.jpg`,
    );
    assert.deepEqual(Array.from(ok.pixels), Array.from(baseline.pixels), `DC point transform ${dcAl}`);
  }
});

test('JPEG: a sequential picture that scans a component twice is corrupt at its second scan, greyscale or colour', async () => {
  for (const components of [
    [{ h: 1, v: 1, sample: digit }],
    [
      { h: 2, v: 2, sample: digit },
      { h: 1, v: 1, sample: () => 128 },
      { h: 1, v: 1, sample: () => 128 },
    ],
  ]) {
    const twice = encodeJpeg({ width: 64, height: 64, sequentialRepeats: 2, components });
    await rejectsLenet(
      () => imageToMnist(twice, 'twice.jpg'),
      /^twice\.jpg: corrupt JPEG \(component 1 scanned twice in a sequential picture\)$/,
    );
  }
});

test('JPEG: a refinement scan with no first scan before it, or of more than one bit, is an inconsistent progression', async () => {
  const good = encodeJpeg({ width: 32, height: 32, progressive: true, dcAl: 2, components: [{ h: 1, v: 1, sample: digit }] });
  // The scan headers (FF DA) in order: DC first (Ah 0 Al 2), DC refine (2→1), DC refine (1→0), AC 1-63.
  const sos: number[] = [];
  for (let i = 0; i + 1 < good.length; i++) if (good[i] === 0xff && good[i + 1] === 0xda) sos.push(i);
  assert.equal(sos.length, 4);
  const ahAl = (scan: number) => sos[scan] + 2 + 2 + 1 + 2 + 2; // marker, length, Ns, Cs/Td, Ss, Se
  const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
    ['the DC refined before its first scan', (b) => (b[ahAl(0)] = 0x21), /coefficient 0 of component 1/],
    ['a refinement of two bits at once', (b) => (b[ahAl(1)] = 0x20), /a refinement of more than one bit/],
    ['the DC refinement repeated', (b) => (b[ahAl(2)] = 0x21), /coefficient 0 of component 1/],
  ];
  for (const [what, change, why] of cases) {
    const bad = Buffer.from(good);
    change(bad);
    await rejectsLenet(
      () => imageToMnist(bad, 'p.jpg'),
      new RegExp(`^p\\.jpg: corrupt JPEG \\(inconsistent progression sequence.*${why.source}`),
      what,
    );
  }
});

test('JPEG: a file that ends right after its start marker ends early; junk bytes after it are skipped as libjpeg does', async () => {
  for (const bytes of [
    [0xff, 0xd8],
    [0xff, 0xd8, 0xff],
    [0xff, 0xd8, 0xff, 0xff],
  ]) {
    await rejectsLenet(() => imageToMnist(Buffer.from(bytes), 'short.jpg'), /^short\.jpg: corrupt JPEG \(the file ends early\)$/);
  }
  // FF D8, three junk bytes, then a frame of 8000x8000: judged by its frame, like any JPEG.
  const sof = [0xff, 0xc0, 0, 11, 8, 8000 >> 8, 8000 & 255, 8000 >> 8, 8000 & 255, 1, 1, 0x11, 0];
  await rejectsLenet(
    () => imageToMnist(Buffer.from([0xff, 0xd8, 0x12, 0x34, 0x56, ...sof, 0xff, 0xd9]), 'junk.jpg'),
    /^junk\.jpg: too large \(64 MP, limit 40\)/,
  );
  // And a real picture with junk after its start marker decodes as without.
  const real = encodeJpeg({ width: 64, height: 64, components: [{ h: 1, v: 1, sample: digit }] });
  const junk = Buffer.concat([real.subarray(0, 2), Buffer.from([0x00, 0x42, 0x13]), real.subarray(2)]);
  assert.deepEqual(Array.from((await imageToMnist(junk, 'j.jpg')).pixels), Array.from((await imageToMnist(real, 'r.jpg')).pixels));
});

test('a FIFO that no writer opens is refused in one line, not waited for for ever; one that is written to is read', () => {
  const dir = tempDir('lenet-fifo-');
  const fifo = path.join(dir, 'digit.png');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return;
  const script = `require(${JSON.stringify(IMAGE_INPUT_JS)}).pictureFileToMnist(process.argv[1]).then(
    (r) => console.log('read ' + r.width + 'x' + r.height), (e) => console.log('refused: ' + e.message))`;
  // A child, so that a hang is a timeout here and not a test runner that never ends.
  const r = spawnSync(process.execPath, ['-e', script, fifo], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, 'not killed by the timeout: it did not hang');
  assert.equal(r.stdout, `refused: ${fifo}: a named pipe that nothing was written to in 5 s\n`, r.stderr);
  // A writer that comes a moment later is waited for.
  const jpeg = encodeJpeg({ width: 64, height: 64, components: [{ h: 1, v: 1, sample: digit }] });
  fs.writeFileSync(path.join(dir, 'digit.jpg'), jpeg);
  const w = spawnSync(
    'sh',
    ['-c', `(sleep 1; cat "$2" > "$1") & exec "$0" -e "$3" "$1"`, process.execPath, fifo, path.join(dir, 'digit.jpg'), script],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(w.stdout, 'read 64x64\n', w.stderr);
});

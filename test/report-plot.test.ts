import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectRuns } from '../src/report/runs';
import {
  writeCharts,
  writeHeatmap,
  PNG_WIDTH,
  lineChartSpec,
  normalizeSvgIds,
  renderSvg,
  heatmapSpec,
  chartDefs,
  zoomFromEpoch,
  zoomAccuracyDomain,
} from '../src/report/plot';
import { tempDir, writeComparisonDir, FakeRun } from './report-fixtures';

/** Minimal XML well-formedness check: every tag closes in order, attributes are quoted, no stray '<'. */
export function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const tag = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  let roots = 0;
  while ((m = tag.exec(xml)) !== null) {
    const text = xml.slice(last, m.index);
    assert.ok(!text.includes('<'), `stray "<" near offset ${last}: ${text.slice(0, 60)}`);
    last = tag.lastIndex;
    if (m[0].startsWith('<!--') || m[0].startsWith('<?')) continue;
    const [, close, name, , selfClose] = m;
    if (close) {
      assert.equal(stack.pop(), name, `mismatched </${name}> at offset ${m.index}`);
    } else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  assert.ok(!xml.slice(last).includes('<'), 'stray "<" at the end');
  assert.deepEqual(stack, [], 'unclosed tags');
  assert.equal(roots, 1, 'exactly one root element');
}

function pngSize(buf: Buffer): { width: number; height: number } {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(buf.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  assert.ok(m, 'svg has width and height');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** The line paths of a chart: [schedule, split] pairs read from each line's aria-label. */
function linePaths(svg: string): Array<[string, string]> {
  const re = /class="mark-line role-mark[^"]*"[^>]*><path aria-label="[^"]*schedule: ([^;"]+); split: (train|test)/g;
  const out: Array<[string, string]> = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(svg)) !== null) out.push([m[1], m[2]]);
  return out;
}

const CURVE = [2, 1.2, 0.8, 0.6, 0.5];
function runs(seeds: number[]): FakeRun[] {
  const out: FakeRun[] = [];
  for (const [label, f] of [
    ['sigmoid', 1.5],
    ['tanh', 0.8],
    ['relu', 0.7],
    ['tanh-relu', 0.5],
  ] as const) {
    for (const seed of seeds) out.push({ label, seed, trainLoss: CURVE.map((x) => x * f * (1 + seed / 20)) });
  }
  return out;
}

test('writeCharts: accuracy, loss and paper-loss as well-formed SVG with one train and one test line per schedule, and PNG', async () => {
  const dir = tempDir();
  writeComparisonDir(dir, runs([1, 2]));
  const { groups } = collectRuns(dir);
  const { files, charts } = await writeCharts(dir, groups);
  assert.deepEqual(
    files.map((f) => path.basename(f)),
    [
      'accuracy.svg',
      'accuracy.png',
      'loss.svg',
      'loss.png',
      'accuracy-zoom.svg',
      'accuracy-zoom.png',
      'loss-zoom.svg',
      'loss-zoom.png',
      'paper-loss.svg',
      'paper-loss.png',
    ],
  );
  assert.equal(charts.length, 5);
  for (const name of ['accuracy', 'loss', 'accuracy-zoom', 'loss-zoom', 'paper-loss']) {
    const svg = fs.readFileSync(path.join(dir, `${name}.svg`), 'utf8');
    assertWellFormedXml(svg);
    const lines = linePaths(svg);
    // The zoomed accuracy leaves off schedules more than 0.05 below the best (here sigmoid and tanh).
    const drawn = name === 'accuracy-zoom' ? ['relu', 'tanh-relu'] : ['sigmoid', 'tanh', 'relu', 'tanh-relu'];
    assert.equal(lines.length, 2 * drawn.length, `${name}: ${drawn.length} schedules × (train, test)`);
    for (const label of drawn) {
      assert.deepEqual(
        lines
          .filter(([s]) => s === label)
          .map(([, split]) => split)
          .sort(),
        ['test', 'train'],
        `${name}: ${label}`,
      );
      assert.match(svg, new RegExp(`>${label}</text>`), `${name}: legend names ${label}`);
    }
    assert.match(svg, /class="mark-area role-mark/, 'a ± std band with several seeds');
    assert.match(svg, /stroke-dasharray="6,4"/, 'test lines dashed');
    const png = fs.readFileSync(path.join(dir, `${name}.png`));
    const size = pngSize(png);
    const s = svgSize(svg);
    assert.equal(size.width, PNG_WIDTH);
    assert.ok(
      Math.abs(size.height - Math.round((s.height * PNG_WIDTH) / s.width)) <= 1,
      `PNG height ${size.height} for SVG ${s.width}x${s.height}`,
    );
  }
});

test('one seed: no band; the y axis title names the metric', async () => {
  const dir = tempDir();
  writeComparisonDir(
    dir,
    runs([1]).filter((r) => r.label !== 'tanh'),
  );
  const { groups } = collectRuns(dir);
  await writeCharts(dir, groups);
  const svg = fs.readFileSync(path.join(dir, 'loss.svg'), 'utf8');
  assertWellFormedXml(svg);
  assert.equal(linePaths(svg).length, 6);
  assert.doesNotMatch(svg, /class="mark-area role-mark/);
  assert.match(svg, />loss<\/text>/);
  const spec = lineChartSpec(groups, { title: 't', yTitle: 'y', train: 'train_loss', test: 'test_loss' });
  assert.equal((spec.data as { values: unknown[] }).values.length, 3 * 5 * 2);
});

test('zoomed charts: only the second half of the epochs, accuracy on a fitted axis, loss on a log axis', async () => {
  const dir = tempDir();
  // Six epochs: the zoom starts at epoch 4; relu and tanh-relu end 0.002 apart, sigmoid far below.
  const acc = (end: number) => [0.5, 0.8, 0.9, end - 0.004, end - 0.002, end];
  writeComparisonDir(dir, [
    { label: 'sigmoid', seed: 1, trainLoss: [2, 1.5, 1, 0.6, 0.5, 0.45], trainAccuracy: acc(0.95) },
    { label: 'relu', seed: 1, trainLoss: [2, 1, 0.5, 0.1, 0.05, 0.04], trainAccuracy: acc(0.99) },
    { label: 'tanh-relu', seed: 1, trainLoss: [2, 1, 0.5, 0.1, 0.05, 0.03], trainAccuracy: acc(0.992) },
  ]);
  const { groups } = collectRuns(dir);
  assert.equal(zoomFromEpoch(groups), 4);
  const lasting = (n: number) =>
    [{ epochs: Array.from({ length: n }, (_, i) => ({ epoch: i + 1 })) }] as unknown as Parameters<typeof zoomFromEpoch>[0];
  assert.deepEqual(
    [1, 2, 3, 20].map((n) => zoomFromEpoch(lasting(n))),
    [1, 1, 2, 11],
    'the second half, at least two epochs',
  );
  const defs = new Map(chartDefs(groups).map((d) => [d.name, d]));
  const zoom = defs.get('accuracy-zoom')!.spec as {
    data: { values: Array<{ epoch: number }> };
    layer: Array<{ encoding: { x: { scale: { domain: number[] } }; y: { scale?: Record<string, unknown> } } }>;
  };
  assert.deepEqual([...new Set(zoom.data.values.map((v) => v.epoch))], [4, 5, 6], 'only epochs 4-6 drawn');
  assert.deepEqual(zoom.layer[0].encoding.x.scale.domain, [4, 6]);
  const [lo, hi] = zoom.layer[0].encoding.y.scale?.domain as number[];
  assert.ok(lo > 0.95 && lo < 0.963 && hi > 0.992 && hi <= 1, `fitted axis [${lo}, ${hi}]`);
  const lossZoom = defs.get('loss-zoom')!.spec as typeof zoom;
  assert.equal(lossZoom.layer[0].encoding.y.scale?.type, 'log');
  assert.match(defs.get('loss-zoom')!.title, /epochs 4-6, log scale/);
  await writeCharts(dir, groups);
  // sigmoid's mean over epochs 4-6 is about 0.1 below the best: left off the fitted axis, and said so.
  assert.deepEqual(zoomAccuracyDomain(groups, 4).off, ['sigmoid']);
  assert.match(defs.get('accuracy-zoom')!.spec.title as string, /below the axis: sigmoid/);
  const svg = fs.readFileSync(path.join(dir, 'accuracy-zoom.svg'), 'utf8');
  assertWellFormedXml(svg);
  assert.deepEqual(
    linePaths(svg)
      .map(([label]) => label)
      .sort(),
    ['relu', 'relu', 'tanh-relu', 'tanh-relu'],
  );
  // The fitted axis starts near the lowest value drawn (relu's test accuracy at epoch 4, 0.963), not at 0 nor at epoch 1's 0.5.
  const ticks = [...svg.matchAll(/role-axis-label[\s\S]*?<\/g>/g)].flatMap((m) =>
    [...m[0].matchAll(/>(0\.\d+)<\/text>/g)].map((t) => Number(t[1])),
  );
  assert.ok(ticks.length > 0, 'y tick labels found');
  assert.ok(Math.min(...ticks) >= 0.95, `lowest accuracy tick ${Math.min(...ticks)}`);
});

test('writeHeatmap: one cell per schedule, panels by dense activation, PNG size as set', async () => {
  const dir = tempDir();
  const acts = ['sigmoid', 'tanh', 'relu'];
  const cells: FakeRun[] = [];
  let k = 0;
  for (const a of acts)
    for (const b of acts)
      for (const c of acts) cells.push({ label: `${a},${b},${c}`, seed: 1, trainLoss: [0.1 + k++ / 100], averageLast: 1 });
  writeComparisonDir(dir, cells, 'sweep');
  const { groups } = collectRuns(dir);
  assert.equal(groups.length, 27);
  const { files } = await writeHeatmap(dir, groups);
  assert.deepEqual(
    files.map((f) => path.basename(f)),
    ['heatmap.svg', 'heatmap.png'],
  );
  const svg = fs.readFileSync(files[0], 'utf8');
  assertWellFormedXml(svg);
  const rects = [
    ...svg.matchAll(/<path aria-label="[^"]*schedule: ([a-z,]+);[^"]*" role="graphics-symbol" aria-roledescription="rect mark"/g),
  ].map((m) => m[1]);
  assert.equal(rects.length, 27, '27 cells');
  assert.equal(new Set(rects).size, 27, 'each schedule once');
  assert.equal((svg.match(/class="mark-rect role-mark[^"]*"/g) ?? []).length, 3, 'one rect group per dense panel');
  assert.equal(pngSize(fs.readFileSync(files[1])).width, PNG_WIDTH);
  // The labels print the accuracy of each cell: the first cell (k=0, loss 0.1) has test acc 1 - 0.11/3.
  assert.match(svg, />0\.9633<\/text>/);
});

test('normalizeSvgIds: vega global counters replaced, so the same chart renders identically twice', async () => {
  assert.equal(
    normalizeSvgIds(
      '<svg><defs><linearGradient id="gradient_7"/><clipPath id="clip3"/></defs><path fill="url(#gradient_7)" clip-path="url(#clip3)"/><use href="#clip3"/></svg>',
      'x',
    ),
    '<svg><defs><linearGradient id="x-0"/><clipPath id="x-1"/></defs><path fill="url(#x-0)" clip-path="url(#x-1)"/><use href="#x-1"/></svg>',
  );
  const dir = tempDir();
  writeComparisonDir(dir, runs([1]));
  const { groups } = collectRuns(dir);
  const a = await renderSvg(heatmapSpec(groups));
  const b = await renderSvg(heatmapSpec(groups));
  assert.notEqual(a, b, 'raw vega output differs (gradient counter)');
  assert.equal(normalizeSvgIds(a, 'h'), normalizeSvgIds(b, 'h'));
});

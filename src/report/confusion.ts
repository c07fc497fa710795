/**
 * Where a model errs: the confusion matrix of its test predictions (rows = true class, columns =
 * predicted class), per-class accuracy, the CSV and the heatmap. Works on plain arrays; whoever
 * ran the model hands over labels and predicted classes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError } from '../errors';
import { csvText } from './format';
import { writeFileAtomic } from '../rundir/atomic';
import { renderChart, RenderedChart } from './plot';
import { classCounts, ConfusionMatrix } from '../inference/predictions';

export {
  addConfusion,
  argmaxRows,
  classCounts,
  CLASSES,
  confusionAccuracy,
  confusionMatrix,
  confusionTotal,
  emptyConfusion,
  perClassAccuracy,
} from '../inference/predictions';
export type { ConfusionMatrix } from '../inference/predictions';

/** confusion.csv: a header `true\predicted,0,...,9`, then one row of counts per true class. */
export function confusionCsv(m: ConfusionMatrix): string {
  const header = ['true\\predicted', ...m.map((_, j) => String(j))];
  return csvText(
    header,
    m.map((row, i) => [String(i), ...row.map(String)]),
  );
}

/**
 * The heatmap: two panels side by side, counts on the left and each row normalised to shares of
 * its true class on the right. Colours use a square-root scale so that errors of a few images
 * still show beside the diagonal's hundreds; the numbers are printed in every non-empty cell.
 */
export function confusionSpec(m: ConfusionMatrix, title: string): Record<string, unknown> {
  const counts = classCounts(m);
  const values: Array<Record<string, unknown>> = [];
  for (let t = 0; t < m.length; t++) {
    for (let p = 0; p < m.length; p++) {
      const share = counts[t] === 0 ? 0 : m[t][p] / counts[t];
      values.push({
        true: String(t),
        predicted: String(p),
        count: m[t][p],
        share,
        countText: m[t][p] === 0 ? '' : String(m[t][p]),
        shareText: m[t][p] === 0 ? '' : share >= 0.995 ? '100' : share >= 0.095 ? (share * 100).toFixed(0) : (share * 100).toFixed(1),
        diagonal: t === p,
      });
    }
  }
  const maxCount = Math.max(1, ...values.map((v) => v.count as number));
  const classes = m.map((_, i) => String(i));
  const panel = (
    field: 'count' | 'share',
    text: 'countText' | 'shareText',
    panelTitle: string,
    max: number,
    legendTitle: string,
    format: string,
  ) => ({
    title: { text: panelTitle, fontSize: 13 },
    width: 300,
    height: 300,
    layer: [
      {
        mark: { type: 'rect', stroke: '#ddd', strokeWidth: 0.5 },
        encoding: {
          x: { field: 'predicted', type: 'ordinal', sort: classes, title: 'predicted class', axis: { labelAngle: 0, orient: 'top' } },
          y: { field: 'true', type: 'ordinal', sort: classes, title: 'true class' },
          // Empty cells white: the scheme's palest blue would read as "a few".
          color: {
            condition: { test: 'datum.count === 0', value: 'white' },
            field,
            type: 'quantitative',
            title: legendTitle,
            scale: { type: 'sqrt', domain: [0, max], scheme: 'blues' },
            legend: { format },
          },
          tooltip: [{ field: 'true' }, { field: 'predicted' }, { field: 'count' }, { field: 'share', format: '.2%' }],
        },
      },
      {
        mark: { type: 'text', fontSize: 9 },
        encoding: {
          x: { field: 'predicted', type: 'ordinal', sort: classes },
          y: { field: 'true', type: 'ordinal', sort: classes },
          text: { field: text },
          color: { condition: { test: `datum.${field} > ${max * 0.35}`, value: 'white' }, value: '#222' },
        },
      },
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 14 },
    background: 'white',
    data: { values },
    hconcat: [
      panel('count', 'countText', 'counts', maxCount, 'images', 'd'),
      panel('share', 'shareText', 'share of the true class (%)', 1, 'share', '.0%'),
    ],
    resolve: { scale: { color: 'independent' } },
    config: { view: { stroke: null } },
  };
}

/**
 * Writes `<name>.csv`, `<name>.svg` and `<name>.png` into dir; returns the rendered chart and
 * the files. The CSV is written atomically: a reader never sees half a matrix.
 */
export async function writeConfusion(
  dir: string,
  m: ConfusionMatrix,
  title: string,
  name = 'confusion',
): Promise<{ chart: RenderedChart; files: string[] }> {
  const chart = await renderChart(name, confusionSpec(m, title));
  const files = [path.join(dir, `${name}.csv`), path.join(dir, `${name}.svg`), path.join(dir, `${name}.png`)];
  try {
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomic(files[0], confusionCsv(m));
    writeFileAtomic(files[1], chart.svg);
    writeFileAtomic(files[2], chart.png);
  } catch (err) {
    throw runtimeError(`cannot write ${name}.csv/svg/png into ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { chart, files };
}

import { printMessage, printResult } from '../errors';
import { averageLastOf, collectRuns } from '../report/runs';
import { comparisonMarkdown, ComparisonRow, writeComparison } from '../report/comparison';
import { writeCharts } from '../report/plot';

/**
 * The end of `lenet compare`: the table (comparison.csv/.md) and the charts from the runs in
 * outDir; the table also goes to stdout (with --quiet it is all that is printed; --json prints JSON instead).
 * Returns null, having printed nothing, when a stop request (Ctrl-C) arrives between the steps.
 */
export async function writeComparisonFor(
  outDir: string,
  o: { json: boolean; quiet: boolean; shouldStop?: () => boolean },
): Promise<ComparisonRow[] | null> {
  const stop = o.shouldStop ?? (() => false);
  if (stop()) return null;
  const collection = collectRuns(outDir);
  for (const w of collection.warnings) if (!o.json) printMessage(w);
  const rows = writeComparison(outDir, collection.groups);
  if (stop()) return null;
  await writeCharts(outDir, collection.groups);
  if (stop()) return null;
  if (!o.json) {
    printResult(comparisonMarkdown(rows, averageLastOf(collection.groups)).split('\n'));
    if (!o.quiet) printResult(`charts and tables in ${outDir}`);
  }
  return rows;
}

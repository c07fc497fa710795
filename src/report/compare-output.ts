import { collectRuns } from './runs';
import { comparisonMarkdown, ComparisonRow, writeComparison } from './comparison';
import { writeCharts } from './plot';

/**
 * The end of `lenet compare`: the table (comparison.csv/.md) and the charts from the runs in
 * outDir; the table also goes to stdout (with --quiet it is all that is printed; --json prints JSON instead).
 */
export async function writeComparisonFor(outDir: string, o: { json: boolean; quiet: boolean }): Promise<ComparisonRow[]> {
  const collection = collectRuns(outDir);
  const rows = writeComparison(outDir, collection.groups);
  await writeCharts(outDir, collection.groups);
  if (!o.json) {
    process.stdout.write(comparisonMarkdown(rows, collection.groups[0]?.runs[0]?.summary.average_last) + '\n');
    if (!o.quiet) process.stdout.write(`charts and tables in ${outDir}\n`);
  }
  return rows;
}

// TEMPORARY: replaced when the comparison writer lands.
export async function writeComparisonFor(outDir: string, _o: { json: boolean; quiet: boolean }): Promise<unknown> {
  return { outDir };
}

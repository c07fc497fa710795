/**
 * Writes docs/cli.md from the option table and the commands (src/options/docs.ts).
 *
 *   npm run docs:cli            (= tsc, then node dist/scripts/cli-docs.js)
 *
 * `npm test` fails while the committed page differs from what this writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildProgram } from '../src/cli';
import { cliReference } from '../src/options/docs';

export const CLI_DOCS = path.resolve(__dirname, '..', '..', 'docs', 'cli.md');

if (require.main === module) {
  fs.mkdirSync(path.dirname(CLI_DOCS), { recursive: true });
  fs.writeFileSync(CLI_DOCS, cliReference(buildProgram()));
  process.stdout.write(`wrote ${path.relative(process.cwd(), CLI_DOCS)}\n`);
}

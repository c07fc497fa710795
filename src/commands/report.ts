import * as path from 'node:path';
import { Command } from 'commander';
import { printMessage } from '../errors';
import { writeReport } from '../report/report';
import { collectRuns } from '../report/runs';
import { requireFolder } from '../rundir/layout';
import { analyseErrors } from './error-analysis';
import { addOptions } from '../options/commander';
import { optionValue } from '../options/parse';

/** `lenet report DIR`: report.md + self-contained report.html with the table, charts, confusion matrices, gallery, protocol and verdicts. */
export function register(program: Command): void {
  addOptions(program.command('report'), 'report')
    .description(
      "write report.md and a self-contained report.html: table beside Table 2, charts, where each schedule errs, protocol, machine, and verdicts on Section 4's claims",
    )
    .argument('<dir>', 'a comparison, sweep or run folder (searched recursively for runs)')
    .action(async (dir: string, opts: { out?: string; backend?: string; dataDir?: string; quiet?: boolean; json?: boolean }) => {
      if (opts.dataDir !== undefined)
        requireFolder(opts.dataDir, `--data-dir ${opts.dataDir}: no such directory`, `--data-dir ${opts.dataDir}`);
      // The saved models are run here (report/ only draws): their predictions go in as plain arrays.
      const errors = await analyseErrors(collectRuns(dir), { backend: optionValue('backend', opts.backend), dataDir: opts.dataDir });
      const result = await writeReport(dir, opts.out ?? dir, errors);
      if (!opts.quiet && !opts.json) {
        for (const w of [...result.warnings, ...errors.notes]) printMessage(`${w}`);
        for (const p of errors.dataProblems) printMessage(`warning: left out of the confusion matrices and gallery: ${p}`);
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify({ verdicts: result.verdicts, files: result.files }, null, 2) + '\n');
      } else if (!opts.quiet) {
        for (const v of result.verdicts) process.stdout.write(`(${v.id}) ${v.status}: ${v.claim}. ${v.reason}\n`);
        process.stdout.write(`report: ${path.join(opts.out ?? dir, 'report.html')}\n`);
      }
    });
}

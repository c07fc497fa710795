import * as path from 'node:path';
import { Command } from 'commander';
import { printMessage } from '../errors';
import { writeReport } from '../report/report';
import { collectRuns } from '../report/runs';
import { requireFolder } from '../rundir/layout';
import { analyseErrors } from './error-analysis';

/** `lenet report DIR`: report.md + self-contained report.html with the table, charts, confusion matrices, gallery, protocol and verdicts. */
export function register(program: Command): void {
  program
    .command('report')
    .description(
      "write report.md and a self-contained report.html: table beside Table 2, charts, where each schedule errs, protocol, machine, and verdicts on Section 4's claims",
    )
    .argument('<dir>', 'a comparison, sweep or run folder (searched recursively for runs)')
    .option('--out <dir>', 'folder for the report and its charts (default: DIR)')
    .option('--backend <name>', 'backend that runs the saved models for the confusion matrices and gallery: auto, native, cpu, tensorflow')
    .option(
      '--data-dir <dir>',
      "a copy of the runs' data for the confusion matrices and gallery (default: the folder each config.json records); checked against the recorded SHA-256",
    )
    .option('--quiet', 'print nothing but errors')
    .option('--json', 'print the verdicts and files as JSON')
    .action(async (dir: string, opts: { out?: string; backend?: string; dataDir?: string; quiet?: boolean; json?: boolean }) => {
      if (opts.dataDir !== undefined)
        requireFolder(opts.dataDir, `--data-dir ${opts.dataDir}: no such directory`, `--data-dir ${opts.dataDir}`);
      // The saved models are run here (report/ only draws): their predictions go in as plain arrays.
      const errors = await analyseErrors(collectRuns(dir), { backend: opts.backend ?? 'auto', dataDir: opts.dataDir });
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

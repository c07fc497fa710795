import * as path from 'node:path';
import { Command } from 'commander';
import { printMessage, printJson, printResult } from '../errors';
import { writeReport } from '../report/report';
import { collectRuns } from '../report/runs';
import { requireFolder } from '../rundir/layout';
import { analyseErrors } from './error-analysis';
import { addOptions } from '../options/commander';
import { optionValue } from '../options/parse';
import { reportUnits } from '../rundir/campaign-manifest';
import { agree, counted } from '../words';

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
      // A folder above several campaigns: each campaign is reported on its own (into its folder, or under --out).
      const { units, left } = reportUnits(dir);
      const several = units.length > 1;
      const reports: { dir: string; verdicts: unknown[]; files: string[] }[] = [];
      if (several && !opts.quiet && !opts.json) {
        printMessage(`${dir} holds ${units.length} campaigns; each is reported on its own`);
        if (left.length > 0)
          printMessage(
            `warning: ${counted(left.length, 'run')} outside those campaigns ${agree(left.length, 'is', 'are')} not reported (${left[0]}${left.length > 1 ? ', ...' : ''}); report their folder on its own`,
          );
      }
      for (const unit of units) {
        const out = opts.out === undefined ? unit : several ? path.join(opts.out, path.relative(dir, unit)) : opts.out;
        // The saved models are run here (report/ only draws): their predictions go in as plain arrays.
        const errors = await analyseErrors(collectRuns(unit), { backend: optionValue('backend', opts.backend), dataDir: opts.dataDir });
        const result = await writeReport(unit, out, errors);
        if (!opts.quiet && !opts.json) {
          for (const w of [...result.warnings, ...errors.notes]) printMessage(w);
          for (const p of errors.dataProblems) printMessage(`warning: left out of the confusion matrices and gallery: ${p}`);
        }
        reports.push({ dir: unit, verdicts: result.verdicts, files: result.files });
        if (!opts.json && !opts.quiet) {
          if (several) printResult(`${unit}:`);
          printResult(result.verdicts.map((v) => `(${v.id}) ${v.status}: ${v.claim}. ${v.reason}`));
          printResult(`report: ${path.join(out, 'report.html')}`);
        }
      }
      if (opts.json) {
        const json = several ? { campaigns: reports } : { verdicts: reports[0].verdicts, files: reports[0].files };
        printJson(json);
      }
    });
}

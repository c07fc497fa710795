import { Command, CommanderError } from 'commander';
import { errorText, LenetError, messageLine, printLines, printMessage } from './errors';
import { register as registerTrain } from './commands/train';
import { register as registerCompare } from './commands/compare';
import { register as registerEvaluate } from './commands/evaluate';
import { register as registerInfo } from './commands/info';
import { register as registerVerify } from './commands/verify';
import { register as registerSweep } from './commands/sweep';
import { register as registerMerge } from './commands/merge';
import { register as registerPlot } from './commands/plot';
import { register as registerReport } from './commands/report';
import { register as registerPredict } from './commands/predict';

/** The program: the entry only wires commands; each lives in src/commands/. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('lenet')
    .description('Train the improved LeNet-5 (Pan et al. 2019) on MNIST at 36x36 with per-layer activation schedules')
    .version(require('../../package.json').version)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => printLines(s),
      // One line: commander's suggestion ('(Did you mean --seeds?)') joins the message; a control
      // character in what the user typed (an option's value, an unknown option) is shown escaped.
      outputError: (s, write) =>
        write(
          messageLine(
            s
              .replace(/^error: /, '')
              .replace(/\n+$/, '')
              .replace(/\n\(Did you mean/g, ' (Did you mean'),
          ),
        ),
    });
  registerTrain(program);
  registerCompare(program);
  registerEvaluate(program);
  registerInfo(program);
  registerVerify(program);
  registerSweep(program);
  registerMerge(program);
  registerPlot(program);
  registerReport(program);
  registerPredict(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** The one place errors become a message and an exit code: 2 usage, 1 runtime. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version end here too, with code 0; commander already printed its message.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    printMessage(errorText(err));
    if (err instanceof LenetError) {
      process.exitCode = err.exitCode;
      return;
    }
    // Not ours (a bug, or a library's error): its first line was said, LENET_DEBUG shows the rest.
    if (process.env.LENET_DEBUG && err instanceof Error) printLines(`${err.stack}\n`);
    process.exitCode = 1;
  }
}

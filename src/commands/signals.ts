import { printMessage } from '../errors';
import { SIGNAL_EXIT_CODES } from '../signals';

/**
 * Turns Ctrl-C / SIGTERM into a flag the trainer polls at batch boundaries, so the last epoch
 * checkpoint stays valid. A second Ctrl-C exits at once. The message that a stop is coming goes
 * through `say`: the progress display's, so it lands above the bars instead of under them.
 */
export function installStopHandlers(say: (message: string) => void = printMessage): {
  stopRequested: () => boolean;
  signal: () => keyof typeof SIGNAL_EXIT_CODES | null;
  dispose: () => void;
} {
  let received: keyof typeof SIGNAL_EXIT_CODES | null = null;
  const handler = (sig: NodeJS.Signals) => {
    if (received) process.exit(SIGNAL_EXIT_CODES[received]);
    received = sig as keyof typeof SIGNAL_EXIT_CODES;
    say(`${sig} received, stopping at the next batch (send ${sig === 'SIGINT' ? 'Ctrl-C' : sig} again to quit now)`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stopRequested: () => received !== null,
    signal: () => received,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

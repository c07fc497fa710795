import { printMessage } from '../errors';
import { SIGNAL_EXIT_CODES } from '../signals';

/**
 * Turns Ctrl-C / SIGTERM into a flag the trainer polls at batch boundaries, so the last epoch
 * checkpoint stays valid. A second Ctrl-C exits at once.
 */
export function installStopHandlers(): {
  stopRequested: () => boolean;
  signal: () => keyof typeof SIGNAL_EXIT_CODES | null;
  dispose: () => void;
} {
  let received: keyof typeof SIGNAL_EXIT_CODES | null = null;
  const handler = (sig: NodeJS.Signals) => {
    if (received) process.exit(SIGNAL_EXIT_CODES[received]);
    received = sig as keyof typeof SIGNAL_EXIT_CODES;
    printMessage(`${sig} received, stopping at the next batch (send ${sig === 'SIGINT' ? 'Ctrl-C' : sig} again to quit now)`, {
      afterBar: Boolean(process.stderr.isTTY), // a bar is drawn only on a terminal
    });
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

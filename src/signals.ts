/** Exit codes of a run stopped by a signal, as shells report them. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** A signal that stops training at the next batch, its exit code above. */
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/**
 * The one error type the CLI turns into a message and an exit code.
 * exitCode 2 = usage error (bad flag, bad config), 1 = runtime failure (bad data file, I/O).
 */
export class LenetError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: 1 | 2 = 1) {
    super(message);
    this.name = 'LenetError';
    this.exitCode = exitCode;
  }
}

/** A usage error: exit code 2. */
export function usageError(message: string): LenetError {
  return new LenetError(message, 2);
}

/** A runtime failure: exit code 1. */
export function runtimeError(message: string): LenetError {
  return new LenetError(message, 1);
}

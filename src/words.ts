/**
 * Counts in messages: "1 run", "3 runs" — never "run(s)". Every count that names its noun goes
 * through here (a lint test holds src/ to it).
 */

/** n and its noun, plural when n is not 1. */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** The verb for n things: singular when n is 1 ("was"/"were", "does not"/"do not"). */
export function agree(n: number, singular: string, plural: string): string {
  return n === 1 ? singular : plural;
}

import { usageError } from '../errors';

/** Shard K of N (1-based K) of a campaign's fixed cell order, as an engine's environment gives it. */
export interface EngineShard {
  k: number;
  n: number;
  engine: 'slurm' | 'k8s';
  /** The variables it came from, for messages: `SLURM_ARRAY_TASK_ID=3 ...`. */
  from: string;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * A whole non-negative number from the environment; absent, empty or anything else is a usage
 * error naming the variable (`flag` says which --shard asked, `hint` how to get it set).
 */
export function envInteger(env: Environment, name: string, flag: string, hint: string): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') throw usageError(`${flag}: ${name} is not set (${hint})`);
  const value = raw.trim();
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw usageError(`${flag}: ${name}="${raw}" is not a whole number`);
  }
  return Number(value);
}

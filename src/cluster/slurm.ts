import { usageError } from '../errors';
import { EngineShard, envInteger, Environment } from './env';

/**
 * The SLURM side of the contract: a task of a job array `--array=MIN-MAX` sees its own id and
 * the array's bounds. Task ID is shard K = ID − MIN + 1 of N = SLURM_ARRAY_TASK_COUNT; the array
 * must be contiguous (no step, no gaps), or some shard would never run.
 */
export const SLURM_TASK_ID = 'SLURM_ARRAY_TASK_ID';
export const SLURM_TASK_COUNT = 'SLURM_ARRAY_TASK_COUNT';
export const SLURM_TASK_MIN = 'SLURM_ARRAY_TASK_MIN';
export const SLURM_TASK_MAX = 'SLURM_ARRAY_TASK_MAX';
export const SLURM_TASK_STEP = 'SLURM_ARRAY_TASK_STEP';

const FLAG = '--shard slurm';
const HINT = 'run it as a task of a SLURM job array, e.g. with --submit slurm';

export function slurmShardFromEnv(env: Environment): EngineShard {
  const id = envInteger(env, SLURM_TASK_ID, FLAG, HINT);
  const count = envInteger(env, SLURM_TASK_COUNT, FLAG, HINT);
  const min = envInteger(env, SLURM_TASK_MIN, FLAG, HINT);
  if (count < 1) throw usageError(`${FLAG}: ${SLURM_TASK_COUNT}=${count}: an array has at least one task`);
  // MAX and STEP are optional (older SLURMs lack STEP); when present they must agree.
  if (env[SLURM_TASK_STEP] !== undefined) {
    const step = envInteger(env, SLURM_TASK_STEP, FLAG, HINT);
    if (step !== 1) throw usageError(`${FLAG}: ${SLURM_TASK_STEP}=${step}: shards need a contiguous array (--array=MIN-MAX, no step)`);
  }
  if (env[SLURM_TASK_MAX] !== undefined) {
    const max = envInteger(env, SLURM_TASK_MAX, FLAG, HINT);
    if (max - min + 1 !== count) {
      throw usageError(
        `${FLAG}: ${SLURM_TASK_MIN}=${min}, ${SLURM_TASK_MAX}=${max} and ${SLURM_TASK_COUNT}=${count} are not a contiguous array (--array=MIN-MAX, no step or gaps)`,
      );
    }
  }
  const k = id - min + 1;
  if (k < 1 || k > count) {
    throw usageError(
      `${FLAG}: ${SLURM_TASK_ID}=${id} is outside ${min}..${min + count - 1} (${SLURM_TASK_MIN}=${min}, ${SLURM_TASK_COUNT}=${count})`,
    );
  }
  return { k, n: count, engine: 'slurm', from: `${SLURM_TASK_ID}=${id} ${SLURM_TASK_MIN}=${min} ${SLURM_TASK_COUNT}=${count}` };
}

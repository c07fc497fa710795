import { usageError } from '../errors';
import { EngineShard, Environment } from './env';
import { K8S_INDEX, k8sShardFromEnv } from './k8s';
import { SLURM_TASK_ID, slurmShardFromEnv } from './slurm';

/** The engines `--shard` can read K/N from, and `auto` (whichever one's variables are present). */
export const SHARD_ENGINES = ['slurm', 'k8s', 'auto'] as const;
export type ShardEngine = (typeof SHARD_ENGINES)[number];

export function isShardEngine(value: unknown): value is ShardEngine {
  return typeof value === 'string' && (SHARD_ENGINES as readonly string[]).includes(value);
}

const present = (env: Environment, name: string) => env[name] !== undefined && env[name]!.trim() !== '';

/** `--shard slurm|k8s|auto`: K/N from the environment alone; a missing or inconsistent one is a usage error naming the variable. */
export function shardFromEnv(engine: ShardEngine, env: Environment): EngineShard {
  if (engine === 'slurm') return slurmShardFromEnv(env);
  if (engine === 'k8s') return k8sShardFromEnv(env);
  const slurm = present(env, SLURM_TASK_ID);
  const k8s = present(env, K8S_INDEX);
  if (slurm && k8s) throw usageError(`--shard auto: both ${SLURM_TASK_ID} and ${K8S_INDEX} are set; say --shard slurm or --shard k8s`);
  if (slurm) return slurmShardFromEnv(env);
  if (k8s) return k8sShardFromEnv(env);
  throw usageError(
    `--shard auto: neither ${SLURM_TASK_ID} (a SLURM job array task) nor ${K8S_INDEX} (a Kubernetes Indexed Job pod) is set`,
  );
}

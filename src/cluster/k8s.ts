import { usageError } from '../errors';
import { EngineShard, envInteger, Environment } from './env';

/**
 * The Kubernetes side of the contract: a pod of an Indexed Job (`completionMode: Indexed`) gets
 * its 0-based JOB_COMPLETION_INDEX from the Job controller. Nothing tells a pod the Job's
 * `completions`, so the manifest sets LENET_SHARD_COUNT to the same number
 * (experiments/k8s/sweep-shards.yaml). Index i is shard K = i + 1 of N = LENET_SHARD_COUNT.
 */
export const K8S_INDEX = 'JOB_COMPLETION_INDEX';
export const K8S_COUNT = 'LENET_SHARD_COUNT';

const FLAG = '--shard k8s';

export function k8sShardFromEnv(env: Environment): EngineShard {
  const index = envInteger(env, K8S_INDEX, FLAG, 'run it in a Kubernetes Job with completionMode: Indexed');
  const count = envInteger(env, K8S_COUNT, FLAG, "the Job's manifest must set it to spec.completions");
  if (count < 1) throw usageError(`${FLAG}: ${K8S_COUNT}=${count}: a Job has at least one completion`);
  if (index >= count) {
    throw usageError(`${FLAG}: ${K8S_INDEX}=${index} is not below ${K8S_COUNT}=${count} (indexes run from 0 to completions − 1)`);
  }
  return { k: index + 1, n: count, engine: 'k8s', from: `${K8S_INDEX}=${index} ${K8S_COUNT}=${count}` };
}

import * as os from 'node:os';
import { printJson, printResult } from '../errors';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { locateMnist } from '../data/mnist';
import { describeNative, selectBackend } from '../backend/index';
import { addOptions } from '../options/commander';
import { resolveEngine } from '../train/engine';

export function register(program: Command): void {
  addOptions(program.command('info'), 'info')
    .description('versions, backend, native kernels and CPU features, where the dataset is')
    .action(async (opts: Record<string, unknown>) => {
      const backend = await selectBackend('auto', null);
      const native = describeNative();
      let dataset: { found: boolean; where: string };
      try {
        const loc = locateMnist(typeof opts.dataDir === 'string' ? opts.dataDir : undefined);
        dataset = { found: true, where: `${loc.source}: ${loc.dir}` };
      } catch (err) {
        dataset = { found: false, where: (err as Error).message };
      }
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
      const info = {
        lenet: pkg.version,
        node: process.version,
        tfjs: tf.version.tfjs,
        backend: backend.name,
        engine: resolveEngine('auto', backend.name),
        threads: backend.threads,
        native: { available: native.available, error: native.error, simd: native.simd, features: native.features, kernels: native.kernels },
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        platform: `${process.platform}-${process.arch}`,
        dataset,
      };
      if (opts.json) {
        printJson(info);
        return;
      }
      const lines = [
        `lenet ${info.lenet}  node ${info.node}  tfjs ${info.tfjs}`,
        `engine: ${info.engine} (default)  backend: ${info.backend}${info.threads ? ` (${info.threads} thread${info.threads === 1 ? '' : 's'})` : ''}`,
        ...(native.available
          ? [
              `native: ${native.simd} kernels; CPU features: ${native.features.join(' ') || 'none'}`,
              `  kernels: ${native.kernels.join(', ')}`,
            ]
          : [`native: not available (${native.error})`]),
        `cpus: ${info.cpus} × ${info.cpuModel} (${info.platform})`,
        `dataset: ${dataset.found ? dataset.where : 'not found: ' + dataset.where}`,
      ];
      printResult(lines);
    });
}

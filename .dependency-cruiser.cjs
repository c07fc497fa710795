/**
 * The project's layering (see docs/architecture.md), checked by `npm test`:
 * commands → train, report, rundir; train → rundir, model, data, backend; report → rundir, model;
 * train and report never import each other; data and model know nothing of training; rundir owns
 * the on-disk formats and imports none of the layers above it; nothing imports commands.
 * Options: src/options/types.ts (TrainConfig, the name lists, Table 1) imports nothing, so every
 * layer may read it; the option table is data read by the rest of src/options/; the layers below
 * commands and train see only the types; resolving raw options into a TrainConfig is for commands
 * and train.
 * Tests: test/*.test.ts run in process (`npm test`); only test/e2e/ (`npm run test:e2e`) and
 * test-slurm/ run the CLI as a subprocess, through test/harness/cli.ts, which nothing else imports.
 */
const layer = (name) => `^src/${name}/`;
module.exports = {
  forbidden: [
    { name: 'train-not-report', severity: 'error', comment: 'train/ and report/ never import each other', from: { path: layer('train') }, to: { path: layer('report') } },
    { name: 'report-not-train', severity: 'error', comment: 'train/ and report/ never import each other', from: { path: layer('report') }, to: { path: layer('train') } },
    { name: 'report-reads-files-and-models-only', severity: 'error', comment: 'report/ draws from rundir/ and model/: no training, no backend, no data loading', from: { path: layer('report') }, to: { path: '^src/(backend|data|commands)/' } },
    { name: 'rundir-stands-alone', severity: 'error', comment: 'rundir/ owns the formats; it imports no layer above it', from: { path: layer('rundir') }, to: { path: '^src/(train|report|commands|backend|model|data)/' } },
    { name: 'data-knows-no-training', severity: 'error', comment: 'data/ knows nothing of training, models, reports or files of runs', from: { path: layer('data') }, to: { path: '^src/(train|report|commands|backend|model|rundir)/' } },
    { name: 'model-knows-no-training', severity: 'error', comment: 'model/ knows nothing of training or reports', from: { path: layer('model') }, to: { path: '^src/(train|report|commands|data)/' } },
    { name: 'backend-is-a-leaf', severity: 'error', comment: 'backend/ registers kernels; it knows nothing of runs', from: { path: layer('backend') }, to: { path: '^src/(train|report|commands|rundir|data|model)/' } },
    { name: 'nothing-imports-commands', severity: 'error', comment: 'commands are wired by src/cli.ts only', from: { path: '^src/', pathNot: '^src/(commands/|cli\\.ts$)' }, to: { path: layer('commands') } },
    { name: 'option-types-import-nothing', severity: 'error', comment: 'src/options/types.ts is read by every layer: it imports nothing, so the layering holds through it', from: { path: '^src/options/types\\.ts$' }, to: {} },
    { name: 'option-table-is-data', severity: 'error', comment: 'the option table is declarations: it reads the types module only', from: { path: '^src/options/table\\.ts$' }, to: { pathNot: '^src/options/types\\.ts$' } },
    { name: 'predictions-are-plain-numbers', severity: 'error', comment: 'src/inference/predictions.ts turns probabilities into classes, tallies and confusion matrices: plain numbers, nothing of lenet but its errors', from: { path: '^src/inference/predictions\\.ts$' }, to: { path: '^src/(train|report|commands|backend|rundir|data|model|cluster|options|inference)/' } },
    { name: 'inference-below-train-and-report', severity: 'error', comment: 'src/inference/ opens trained runs and reads what their models say: it knows nothing of training, reports, commands or clusters', from: { path: '^src/inference/' }, to: { path: '^src/(train|report|commands|cluster)/' } },
    { name: 'model-knows-no-files', severity: 'error', comment: 'src/model/ builds and describes the network; reading and writing its files is inference/ and train/', from: { path: '^src/model/' }, to: { path: '^src/rundir/' } },
    { name: 'lower-layers-see-option-types-only', severity: 'error', comment: 'rundir, backend, model, data, report (and inference) read the option types, never the table, the parsers or the resolution', from: { path: '^src/(rundir|backend|model|data|report|inference)/' }, to: { path: '^src/options/', pathNot: '^src/options/types\\.ts$' } },
    { name: 'options-resolved-by-commands-and-train', severity: 'error', comment: 'raw options become a TrainConfig in commands/ and train/ only', from: { path: '^src/', pathNot: '^src/(commands|train|options)/' }, to: { path: '^src/options/(resolve|config-file)\\.ts$' } },
    { name: 'training-reports-events', severity: 'error', comment: 'train/ and report/ return rows and events (train/events.ts); only commands/ draw progress (commands/progress.ts)', from: { path: '^src/(train|report)/' }, to: { path: 'cli-progress' } },
    { name: 'events-are-plain-data', severity: 'error', comment: 'train/events.ts is the types of what training reports: it imports nothing but the epoch row type', from: { path: '^src/train/events\\.ts$' }, to: { pathNot: '^src/rundir/epochs\\.ts$' } },
    { name: 'cluster-is-a-leaf', severity: 'error', comment: 'cluster/ writes and reads SLURM and Kubernetes artefacts; it knows nothing of training, reports or backends', from: { path: '^src/cluster/' }, to: { path: '^src/(commands|train|report|backend|model|data|options)/' } },
    { name: 'cluster-used-by-commands', severity: 'error', comment: 'only commands/ submit to or read from a cluster', from: { path: '^src/', pathNot: '^src/(commands|cluster)/' }, to: { path: '^src/cluster/' } },
    { name: 'options-below-commands', severity: 'error', comment: 'src/options/ reads flags and files into values; it knows nothing of training, runs, reports or backends', from: { path: '^src/options/' }, to: { path: '^src/(commands|train|report|rundir|backend|data|inference|cluster)/' } },
    { name: 'no-config-module', severity: 'error', comment: 'src/config.ts is gone: types in src/options/types.ts, resolution in src/options/resolve.ts', from: {}, to: { path: '^src/config\\.ts$' } },
    { name: 'in-process-tests-run-no-cli', severity: 'error', comment: 'test/*.ts run in process (npm test): the CLI subprocess harness is for test/e2e/ and test-slurm/ only', from: { path: '^test/', pathNot: '^test/(e2e|harness)/' }, to: { path: '^test/harness/cli\\.ts$' } },
    { name: 'in-process-tests-import-no-e2e', severity: 'error', comment: 'in-process tests and their helpers do not reach into test/e2e/', from: { path: '^(test|test-slurm)/', pathNot: '^test/e2e/' }, to: { path: '^test/e2e/' } },
    { name: 'harness-below-tests', severity: 'error', comment: 'test/harness/ is imported by tests; it imports no test file', from: { path: '^test/harness/' }, to: { path: '^test/', pathNot: '^test/harness/' } },
    { name: 'no-circular', severity: 'error', comment: 'modules import one way', from: { path: '^src/' }, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^dist/' },
    // node_modules are recorded (rules may name a package) but not followed
    doNotFollow: { path: '^node_modules/' },
  },
};

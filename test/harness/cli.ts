/**
 * The one way the end-to-end tests (test/e2e/) run the real `lenet` command in a subprocess, as a
 * user would (stdout is a pipe, not a TTY). In-process tests (test/*.test.ts) may not import this
 * module: dependency-cruiser and test/boundary.test.ts enforce it.
 */
import { ChildProcessWithoutNullStreams, spawn, spawnSync, SpawnOptions } from 'node:child_process';
import * as path from 'node:path';

/** The repository root (tests run from dist/test/harness/). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const BIN = path.join(ROOT, 'bin', 'lenet.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  signal: NodeJS.Signals | null;
}

export interface CliOptions {
  cwd?: string;
  /** Added to this process's environment (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Extra arguments for node before bin/lenet.js (e.g. ['--require', preload]). */
  nodeArgs?: string[];
}

const envOf = (env?: Record<string, string | undefined>): NodeJS.ProcessEnv => ({ ...process.env, ...env });

/** Runs `lenet ARGS` to completion and returns its exit code and output. */
export function runCli(args: string[], options: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    env: envOf(options.env),
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 1 << 26,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** Runs the real CLI with extra environment variables. */
export function lenetWithEnv(args: string[], env: Record<string, string | undefined>, cwd = ROOT): CliResult {
  return runCli(args, { env, cwd });
}

/**
 * Starts `lenet ARGS` without waiting (to signal or race it). `done` resolves with its exit code and
 * output once it has exited ('exit') or once its output is closed too ('close', the default: the
 * output is then complete even if workers it started still held it).
 */
export function startCli(
  args: string[],
  options: CliOptions & Pick<SpawnOptions, 'detached'> & { waitFor?: 'exit' | 'close' } = {},
): { child: ChildProcessWithoutNullStreams; done: Promise<CliResult>; output: () => { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: envOf(options.env),
    detached: options.detached,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) =>
    child.on(options.waitFor ?? 'close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** A shell function `lenet` that runs this checkout's CLI, for pasting printed commands back into sh or bash. */
export const LENET_SHELL_FUNCTION = `lenet() { "${process.execPath}" "${BIN}" "$@"; }`;

/** A one-line error on stderr, with no stack trace. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.trim().split('\n');
  return lines.length === 1 && lines[0].startsWith('lenet: ') && !/\n\s+at /.test(stderr);
}

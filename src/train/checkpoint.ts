import * as fs from 'node:fs';
import { temporaryPath, writeFileAtomic } from '../rundir/atomic';
import { runtimeError } from '../errors';
import { readBytes } from '../rundir/atomic';
import { Arch } from '../options/types';
import { Schedule } from '../model/activations';
import { lenetLayout } from '../model/lenet';

/** Where training stands between two epochs: enough to continue exactly. */
export interface TrainerState {
  /** Epochs completed. */
  epoch: number;
  /** The shuffle generator's state after those epochs. */
  rngState: number;
}

/** One tensor of a checkpoint, as plain values (either engine writes and reads the same). */
export interface PlainTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/** File magic of a checkpoint: "LNCK" then a format version. */
const MAGIC = 0x4b434e4c;
const VERSION = 1;

interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}
interface CheckpointHeader {
  state: TrainerState;
  model: TensorEntry[];
  optimizer: TensorEntry[];
  /** Adam's running β powers, stored as they are: recomputing them with pow() would differ in the last bit. */
  extra: TensorEntry[];
}

/**
 * A checkpoint's contents. The layout is tfjs': model = the layers model's getWeights() (named
 * w0, w1, …), optimizer = the optimizer's getWeights() (its iteration count `iter`, then its slots
 * in variable order), extra = Adam's running β powers (accBeta1, accBeta2), which getWeights()
 * leaves out. Either engine (src/train/engine.ts) writes this layout and resumes from it.
 */
export interface Checkpoint {
  state: TrainerState;
  model: PlainTensor[];
  optimizer: PlainTensor[];
  extra: PlainTensor[];
}

/**
 * Weights, optimizer state and trainer state in one file, written atomically: the previous good
 * checkpoint stays in place until the new one is complete on disk.
 */
export function saveCheckpoint(file: string, contents: Omit<Checkpoint, 'state'>, state: TrainerState): void {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const entry = (t: PlainTensor): TensorEntry => {
    const values = t.values;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    parts.push(bytes);
    const e: TensorEntry = { name: t.name, shape: t.shape, dtype: t.dtype, offset, length: values.length };
    offset += bytes.byteLength;
    return e;
  };
  const header: CheckpointHeader = {
    state,
    model: contents.model.map(entry),
    optimizer: contents.optimizer.map(entry),
    extra: contents.extra.map(entry),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(12);
  prefix.writeUInt32LE(MAGIC, 0);
  prefix.writeUInt32LE(VERSION, 4);
  prefix.writeUInt32LE(json.byteLength, 8);
  const bytes = Buffer.concat([prefix, json, ...parts]);
  injectCrashDuringWrite(file, bytes, state.epoch);
  writeFileAtomic(file, bytes);
}

/**
 * Fault injection for the kill-and-resume tests: with LENET_TEST_KILL_IN_CHECKPOINT=N the process
 * writes half of epoch N's checkpoint to its temporary file and kills itself with SIGKILL, as a
 * power cut mid-write would.
 */
function injectCrashDuringWrite(file: string, bytes: Buffer, epoch: number): void {
  if (process.env.LENET_TEST_KILL_IN_CHECKPOINT !== String(epoch)) return;
  const tmp = temporaryPath(file);
  fs.writeFileSync(tmp, bytes.subarray(0, bytes.byteLength >> 1));
  process.kill(process.pid, 'SIGKILL');
}

function parseHeader(file: string, bytes: Buffer): CheckpointHeader {
  let header: CheckpointHeader;
  try {
    header = JSON.parse(bytes.toString('utf8')) as CheckpointHeader;
  } catch (err) {
    throw runtimeError(`${file} is corrupt: its header is not valid JSON (${(err as Error).message})`);
  }
  const entriesOk = (list: unknown) =>
    Array.isArray(list) && list.every((e) => typeof e?.offset === 'number' && typeof e?.length === 'number' && Array.isArray(e?.shape));
  if (
    typeof header?.state?.epoch !== 'number' ||
    typeof header.state.rngState !== 'number' ||
    !entriesOk(header.model) ||
    !entriesOk(header.optimizer) ||
    !entriesOk(header.extra)
  ) {
    throw runtimeError(`${file} is corrupt: its header lacks the trainer state or the tensor list`);
  }
  return header;
}

/**
 * The most a checkpoint of this model can hold: its weights three times (the model's, and the two
 * moments Adam keeps of each; momentum keeps one, sgd none) and a megabyte for the header.
 */
export function checkpointLimit(model: { arch: Arch; schedule: Schedule; imageSize: number }): number {
  const params = lenetLayout(model.arch, model.schedule, model.imageSize)
    .flatMap((l) => l.weights)
    .reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  return 3 * 4 * params + 1024 * 1024;
}

/** The limit of a checkpoint read without its model at hand (tests): 1 GiB. */
const ANY_CHECKPOINT_LIMIT = 1024 ** 3;

/**
 * Reads a checkpoint of the model `config` describes (at most checkpointLimit of it; without a
 * config, 1 GiB); a file that is not a valid one is one runtime-error line naming it.
 */
export function readCheckpoint(file: string, config?: { arch: Arch; schedule: Schedule; imageSize: number }): Checkpoint {
  const limit = config ? checkpointLimit(config) : ANY_CHECKPOINT_LIMIT;
  const buf = readBytes(file, limit, {
    tooLarge: (size) => `holds ${size} bytes, more than a checkpoint of this run's model can (${limit}): not its checkpoint`,
  });
  if (buf.byteLength < 12 || buf.readUInt32LE(0) !== MAGIC) throw runtimeError(`${file} is not a lenet checkpoint`);
  if (buf.readUInt32LE(4) !== VERSION) throw runtimeError(`${file} has checkpoint version ${buf.readUInt32LE(4)}, expected ${VERSION}`);
  const jsonLength = buf.readUInt32LE(8);
  if (12 + jsonLength > buf.byteLength) throw runtimeError(`${file} is truncated`);
  const header = parseHeader(file, buf.subarray(12, 12 + jsonLength));
  const dataStart = 12 + jsonLength;
  const tensor = (e: TensorEntry): PlainTensor => {
    const start = dataStart + e.offset;
    const end = start + e.length * 4;
    if (end > buf.byteLength) throw runtimeError(`${file} is truncated`);
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (count !== e.length) throw runtimeError(`${file} is corrupt: tensor ${e.name} has shape [${e.shape}] but ${e.length} values`);
    const bytes = buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + end);
    const dtype = e.dtype === 'int32' ? 'int32' : 'float32';
    return { name: e.name, shape: e.shape, dtype, values: dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes) };
  };
  return {
    state: header.state,
    model: header.model.map(tensor),
    optimizer: header.optimizer.map(tensor),
    extra: header.extra.map(tensor),
  };
}

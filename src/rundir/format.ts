/**
 * The format version of the JSON files a run or campaign folder holds (config.json, summary.json,
 * comparison.json): written as `"format": N` by every writer, checked by every reader.
 *
 * 1 — everything written before the field existed (no `format`): several layouts, told apart by
 *     what they hold (config.json without data.dataset/dir; summary.json without dataset or
 *     diverged_epoch; comparison.json without a shard's grid). test/fixtures/ keeps one of each.
 * 2 — `format` written; a data file's sha256 is that of its contents after gunzip (storedSha256
 *     beside it for a gzipped file). config.json records the training engine that ran (`engine`,
 *     and config.engine the one asked for); a file without them, of either format, ran tfjs.
 */
import { LenetError } from '../errors';
import { shownValue } from './atomic';

export const FORMAT = 2;

/**
 * A file whose `format` this lenet does not read (not a whole number from 1, or newer than FORMAT):
 * readers refuse it, and no writer rewrites such a file (it would pass for this format).
 */
export class FormatError extends LenetError {}

/** A file written by a newer lenet than this one: the only format problem a reader cannot work around. */
export class NewerFormatError extends FormatError {}

/** The format a file declares: 1 when it has no `format` field; a newer one than FORMAT is one error line. */
export function readFormat(file: string, data: Record<string, unknown>): number {
  const f = data.format;
  if (f === undefined) return 1;
  if (typeof f !== 'number' || !Number.isInteger(f) || f < 1) {
    throw new FormatError(`${file}: "format" must be a whole number from 1, got ${shownValue(f, data, 'format')}`);
  }
  if (f > FORMAT) {
    throw new NewerFormatError(
      `${file} is format ${f}, written by a newer lenet; this one reads formats 1 to ${FORMAT}: update lenet to read it`,
    );
  }
  return f;
}

/** The file's fields without its `format` (readers hand on the contents, normalised to this version). */
export function withoutFormat<T extends Record<string, unknown>>(data: T): Omit<T, 'format'> {
  const copy: Record<string, unknown> = { ...data };
  delete copy.format;
  return copy as Omit<T, 'format'>;
}

/** The object as written: `format` first, always this version's. */
export function stamped(data: object): Record<string, unknown> {
  const out: Record<string, unknown> = { format: FORMAT, ...data };
  out.format = FORMAT;
  return out;
}

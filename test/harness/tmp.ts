/** Temporary folders for tests: every test makes its own, so test files can run side by side. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A new empty folder under the system's temporary folder. */
export function tempDir(prefix = 'lenet-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

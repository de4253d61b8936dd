// Golden files of the kubectl plugin's output, in test/golden/kubectl-rss/. A test compares its output
// with the file; `UPDATE_GOLDEN=1` (re)writes the files from the output instead — review the diff.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GOLDEN_DIR = fileURLToPath(new URL('../../golden/kubectl-rss/', import.meta.url));

export const updating = (): boolean => process.env.UPDATE_GOLDEN === '1';

/** Asserts that `actual` equals the golden file `name` (or writes it when UPDATE_GOLDEN=1). */
export function assertGolden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, name);
  const shown = relative(process.cwd(), file);
  if (updating()) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `golden file ${shown} is missing: run the test with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, readFileSync(file, 'utf8'), `output differs from ${shown} (if the change is intended, run the test with UPDATE_GOLDEN=1 and review the diff)`);
}

/** The golden file's text, or a failed assertion naming how to create it. */
export function readGolden(name: string): string {
  const file = join(GOLDEN_DIR, name);
  assert.ok(existsSync(file), `golden file ${relative(process.cwd(), file)} is missing: run the test with UPDATE_GOLDEN=1 to create it`);
  return readFileSync(file, 'utf8');
}

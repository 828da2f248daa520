// Where the committed stream fixtures are (test/fixtures/streams, made by make-streams.ts), and a
// scratch folder per test file, found from the compiled test's place under dist/.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../helpers/weft.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export const fixturesDir = join(repo, 'test', 'fixtures');

export function session(name: string): string {
  return join(fixturesDir, 'streams', name);
}

/** A temporary folder, removed when the test process exits. */
export function scratchDir(): string {
  return tempDir();
}

/** The absolute start of every fixture session, above 2^53 ns. */
export const FIXTURE_T0 = 12_345_678_901_234_567n;

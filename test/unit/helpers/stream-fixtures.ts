// Where the committed stream fixtures are (test/fixtures/streams, made by make-streams.ts), and a
// scratch folder per test file, found from the compiled test's place under dist/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export const fixturesDir = join(repo, 'test', 'fixtures');

export function session(name: string): string {
  return join(fixturesDir, 'streams', name);
}

const scratch: string[] = [];
process.on('exit', () => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder, removed when the test process exits. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-test-'));
  scratch.push(dir);
  return dir;
}

/** The absolute start of every fixture session, above 2^53 ns. */
export const FIXTURE_T0 = 12_345_678_901_234_567n;

// The interpreters the integration tests run on: every CPython 3.9+ under the pyenv versions
// folder (WEFT_TEST_PYTHONS="a b" overrides, for a quick local run), or python3 alone.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface TestPython {
  /** "3.11" */
  version: string;
  executable: string;
}

let cached: TestPython[] | undefined;

export function testPythons(): TestPython[] {
  if (cached) return cached;
  const override = process.env.WEFT_TEST_PYTHONS?.split(/\s+/).filter(Boolean);
  const candidates = override ?? pyenvPythons();
  const found: TestPython[] = [];
  for (const exe of candidates.length ? candidates : ['python3']) {
    const probe = spawnSync(exe, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (probe.status !== 0) continue;
    const version = probe.stdout.trim();
    const [major, minor] = version.split('.').map(Number) as [number, number];
    if (major === 3 && minor >= 9 && !found.some((p) => p.version === version)) found.push({ version, executable: exe });
  }
  found.sort((a, b) => Number(a.version.split('.')[1]) - Number(b.version.split('.')[1]));
  cached = found;
  return found;
}

function pyenvPythons(): string[] {
  const root = process.env.PYENV_ROOT ?? join(homedir(), '.pyenv');
  const versions = join(root, 'versions');
  if (!existsSync(versions)) return [];
  return readdirSync(versions)
    .filter((v) => /^3\.\d+\.\d+$/.test(v))
    .map((v) => join(versions, v, 'bin', 'python3'))
    .filter((p) => existsSync(p));
}

/** The newest of them, for tests that need one interpreter only. */
export function defaultPython(): TestPython {
  const all = testPythons();
  return all.find((p) => p.version === '3.11') ?? all[all.length - 1]!;
}

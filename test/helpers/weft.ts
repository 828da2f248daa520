// Running the real weft command line, as a user would.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/paths.js';

export const ROOT = packageRoot();
export const WEFT = join(ROOT, 'bin', 'weft.js');
export const PROGRAMS = join(ROOT, 'test', 'integration', 'programs');
export const EXAMPLES = join(ROOT, 'examples');

export interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

export function weft(args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Result {
  const r = spawnSync(process.execPath, [WEFT, ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input ?? '',
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, error: r.error };
}

/** Everything about a run, for a failing assertion's message. */
export function explain(r: Result): string {
  return `status ${r.status}, signal ${r.signal}${r.error ? `, error ${r.error.message}` : ''}\n--- stderr\n${r.stderr}\n--- stdout\n${r.stdout.slice(-2000)}`;
}

/** Starts weft in its own process group (as a shell job would be), for signal tests. */
export function weftJob(args: string[], cwd: string = ROOT) {
  const child = spawn(process.execPath, [WEFT, ...args], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<Result>((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
  return { child, done, output: () => stdout };
}

const madeDirs: string[] = [];
// node --test runs each file in its own process, so its folders go when that process ends
process.on('exit', () => {
  for (const d of madeDirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'weft-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

/** A weft error is one line that starts with "weft:", never a stack trace. */
export function isOneLineError(r: Result): boolean {
  const lines = r.stderr.trim().split('\n');
  return r.status !== 0 && lines.length === 1 && lines[0]!.startsWith('weft: ') && !/\n\s+at /.test(r.stderr);
}

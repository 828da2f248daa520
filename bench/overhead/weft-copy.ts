// The weft measured: a copy of the checkout taken at the start, and whether its build is current.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './definitions.js';
import { fail } from './options.js';

export interface WeftCopy {
  /** bin/weft.js of the copy. */
  cli: string;
  /** sha256 of the copied files (paths and contents), to tell runs of the same weft. */
  fingerprint: string;
  agentOption: boolean;
  git: { head: string | null; changed: string[] };
}

/**
 * Copies what `weft run` needs (bin/, dist/src/, python/, package.json) into the work folder, so
 * that a run measures one weft from its first command to its last, even while others edit and
 * rebuild the checkout (the agent's Python and C sources are read at every start).
 */
export function copyWeft(work: string): WeftCopy {
  const dest = join(work, 'weft');
  const skip = (src: string) => !/(^|\/)__pycache__(\/|$)/.test(src) && !src.endsWith('.map');
  cpSync(join(ROOT, 'package.json'), join(dest, 'package.json'));
  cpSync(join(ROOT, 'bin'), join(dest, 'bin'), { recursive: true, filter: skip });
  cpSync(join(ROOT, 'dist', 'src'), join(dest, 'dist', 'src'), { recursive: true, filter: skip });
  cpSync(join(ROOT, 'python'), join(dest, 'python'), { recursive: true, filter: skip });
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        hash.update(p.slice(dest.length));
        hash.update(readFileSync(p));
      }
    }
  };
  walk(dest);
  const cli = join(dest, 'bin', 'weft.js');
  const help = spawnSync(process.execPath, [cli, 'run', '--help'], { encoding: 'utf8' });
  const git = (args: string[]) => spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' });
  const head = git(['rev-parse', '--short', 'HEAD']);
  const status = git(['status', '--porcelain', '--', 'src', 'python', 'bin']);
  return {
    cli,
    fingerprint: hash.digest('hex').slice(0, 16),
    agentOption: help.status === 0 && help.stdout.includes('--agent'),
    git: {
      head: head.status === 0 ? head.stdout.trim() : null,
      changed: status.status === 0 ? status.stdout.split('\n').filter((l) => l.trim()).map((l) => l.trim()) : [],
    },
  };
}

/** A warning when dist/ is older than src/: the copy runs without ./weft's rebuild check. Exits when weft is not built. */
export function checkBuild(): string | null {
  const built = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(built)) fail(`weft is not built: run npx tsc -p tsconfig.json in ${ROOT}`);
  const builtAt = statSync(built).mtimeMs;
  const newer: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && statSync(p).mtimeMs > builtAt) newer.push(p);
    }
  };
  walk(join(ROOT, 'src'));
  return newer.length > 0 ? `dist/ is older than ${newer.length} file(s) in src/ (e.g. ${newer[0]!.slice(ROOT.length + 1)}): the weft measured is the built one` : null;
}

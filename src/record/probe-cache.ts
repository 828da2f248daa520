// `weft run` starts the interpreter once before the program, to learn its real executable and
// version and to have the C agent built (python.ts). For an interpreter binary that has not
// changed since, with the same agent sources and cache folder, the answer is the same; kept
// here, it saves that start, ~25 ms of every run. A command that is a script (a pyenv shim, a
// wrapper) is always asked again: what it runs depends on the environment and the folder.

import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { packageRoot } from '../util/paths.js';

export interface ProbeAnswer {
  executable: string;
  version: [number, number, number];
  builderOutput?: { stdout: string; stderr: string };
}

/** The kept answer for running `command` with these builder arguments, if still valid. */
export function cachedProbe(command: string, builderArgs: string[]): ProbeAnswer | null {
  const file = entryFile(command, builderArgs);
  if (!file || !existsSync(file)) return null;
  try {
    const { agentPath, ...answer } = JSON.parse(readFileSync(file, 'utf8')) as ProbeAnswer & { agentPath?: string };
    // the built agent it names must still be there
    if (agentPath !== undefined && !existsSync(agentPath)) return null;
    return answer;
  } catch {
    return null;
  }
}

/** Keeps an answer; `agentPath`, the built C agent it relies on. Only a probe that succeeded,
 *  and a build that succeeded, are worth keeping: a failure is asked again next time. */
export function rememberProbe(command: string, builderArgs: string[], answer: ProbeAnswer, agentPath: string | undefined): void {
  if (builderArgs.length > 0 && agentPath === undefined) return;
  const file = entryFile(command, builderArgs);
  if (!file) return;
  try {
    mkdirSync(join(cacheDir(), 'probes'), { recursive: true });
    writeFileAtomic(file, [JSON.stringify({ ...answer, agentPath })]);
  } catch {
    // a read-only cache only costs the probe
  }
}

function entryFile(command: string, builderArgs: string[]): string | null {
  const path = resolveCommand(command);
  if (!path || isScript(path)) return null;
  let st;
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  const key = createHash('sha256')
    .update(JSON.stringify([path, st.dev, st.ino, st.size, st.mtimeMs, builderArgs, agentSourcesHash()]))
    .digest('hex')
    .slice(0, 32);
  return join(cacheDir(), 'probes', `${key}.json`);
}

// What the builder's answer depends on besides the interpreter: the agent's sources.
let sourcesHash: string | undefined;
function agentSourcesHash(): string {
  if (sourcesHash === undefined) {
    const h = createHash('sha256');
    const weft = join(packageRoot(), 'python', 'weft');
    // _fast.c includes the files of _fast/: they are as much the agent's source as it is
    const parts = readdirSync(join(weft, '_fast'), { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join('_fast', entry.name))
      .sort();
    for (const name of ['_fast.c', '_build.py', ...parts]) {
      h.update(name);
      h.update(readFileSync(join(weft, name)));
    }
    sourcesHash = h.digest('hex');
  }
  return sourcesHash;
}

/** The folder the builder caches in (python/weft/_build.py's cache_dir). */
function cacheDir(): string {
  if (process.env.WEFT_CACHE_DIR) return process.env.WEFT_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'weft');
}

/** The file a command runs: a path as given, else the first match on PATH. */
function resolveCommand(command: string): string | null {
  if (command.includes('/')) return isAbsolute(command) ? command : resolve(command);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function isScript(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head.toString('latin1') === '#!';
  } catch {
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

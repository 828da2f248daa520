// Finding the interpreter to trace: a name on PATH or a path, probed once for its real
// executable and version, so a wrong --python fails here with one line, not inside the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';

export interface PythonInfo {
  /** What the user gave (or the default). */
  requested: string;
  /** sys.executable of that interpreter. */
  executable: string;
  version: [number, number, number];
}

const MIN_VERSION: [number, number] = [3, 9];

const PROBE = 'import sys; print(sys.executable); print("%d %d %d" % sys.version_info[:3])';

export function findPython(requested = 'python3'): PythonInfo {
  try {
    return probePython(requested, requested);
  } catch (e) {
    // "python3.9" may be installed but not active: pyenv's shim then refuses to run it.
    const installed = pyenvInterpreter(requested);
    if (installed) return probePython(requested, installed);
    throw e;
  }
}

/** python3.X (or 3.X) from the pyenv versions folder, newest patch release first. */
function pyenvInterpreter(requested: string): string | undefined {
  const m = /^(?:python)?(3\.\d+)$/.exec(requested);
  if (!m) return undefined;
  const versions = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  if (!existsSync(versions)) return undefined;
  const matching = readdirSync(versions)
    .filter((v) => v.startsWith(`${m[1]}.`) && /^\d+\.\d+\.\d+$/.test(v))
    .sort((a, b) => Number(b.split('.')[2]) - Number(a.split('.')[2]));
  return matching.map((v) => join(versions, v, 'bin', `python${m[1]}`)).find((p) => existsSync(p));
}

function probePython(requested: string, command: string): PythonInfo {
  const probe = spawnSync(command, ['-c', PROBE], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error) {
    const code = (probe.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`no Python interpreter '${requested}' (give --python a name on PATH or a path)`);
    }
    if (code === 'EACCES') throw new UserError(`'${requested}' is not executable`);
    throw new UserError(`cannot run '${requested}': ${probe.error.message}`);
  }
  const lines = probe.stdout.trim().split('\n');
  const version = (lines[1] ?? '').split(' ').map(Number);
  if (probe.status !== 0 || lines.length < 2 || version.length !== 3 || version.some(Number.isNaN)) {
    const why = probe.stderr.trim().split('\n').pop() ?? '';
    throw new UserError(`'${requested}' does not work as a Python interpreter${why ? `: ${why}` : ''}`);
  }
  const [major, minor] = version as [number, number, number];
  if (major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1])) {
    throw new UserError(`'${requested}' is Python ${version.join('.')}; weft traces Python ${MIN_VERSION.join('.')} or newer`);
  }
  return { requested, executable: lines[0]!, version: version as [number, number, number] };
}

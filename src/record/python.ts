// Finding the interpreter to trace: a name on PATH or a path, probed once for its real
// executable and version, so a wrong --python fails here with one line, not inside the run.
import { spawnSync } from 'node:child_process';
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
  const probe = spawnSync(requested, ['-c', PROBE], { encoding: 'utf8', timeout: 20_000 });
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

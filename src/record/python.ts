// Finding the interpreter to trace: a name on PATH or a path, probed once for its real
// executable and version, so a wrong --python fails here with one line, not inside the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { builderAnswer } from './fast-agent.js';
import { cachedProbe, rememberProbe } from './probe-cache.js';

export interface PythonInfo {
  /** What the user gave (or the default). */
  requested: string;
  /** sys.executable of that interpreter. */
  executable: string;
  version: [number, number, number];
  /** What the builder printed, when it was asked to run (`findPython(name, builderArgs)`). */
  builderOutput?: { stdout: string; stderr: string };
}

const MIN_VERSION: [number, number] = [3, 9];

// -E -s -S (-I but for Python 2 too, so that it can be told it is too old): a faster start, and
// nothing from the user's environment changes what the C agent's builder does. Given arguments (the builder's folder and command), the same start runs the
// builder too: one interpreter start before the program instead of two.
const PROBE = [
  'import sys',
  'print(sys.executable); print("%d %d %d" % sys.version_info[:3])',
  'if len(sys.argv) > 1 and sys.version_info >= (3, 9):',
  '    sys.stdout.flush(); sys.path.insert(0, sys.argv[1]); import _build; _build.main(sys.argv[2:])',
].join('\n');

/** `builderArgs`: also run python/weft/_build.py with these arguments (its folder first). */
export function findPython(requested = 'python3', builderArgs: string[] = []): PythonInfo {
  try {
    return probePython(requested, requested, builderArgs);
  } catch (e) {
    // "python3.9" may be installed but not active: pyenv's shim then refuses to run it.
    const installed = pyenvInterpreter(requested);
    if (installed) return probePython(requested, installed, builderArgs);
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

function probePython(requested: string, command: string, builderArgs: string[]): PythonInfo {
  const kept = cachedProbe(command, builderArgs);
  if (kept) return { requested, ...kept };
  // the builder may compile the C agent (a few seconds, once per interpreter)
  const timeout = builderArgs.length ? 180_000 : 20_000;
  const probe = spawnSync(command, ['-E', '-s', '-S', '-c', PROBE, ...builderArgs], { encoding: 'utf8', timeout });
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
  const info: PythonInfo = { requested, executable: lines[0]!, version: version as [number, number, number] };
  if (builderArgs.length === 0) {
    rememberProbe(command, builderArgs, info, undefined);
    return info;
  }
  info.builderOutput = { stdout: lines.slice(2).join('\n'), stderr: probe.stderr };
  const answer = builderAnswer(info.builderOutput.stdout, info.builderOutput.stderr);
  if (answer.ok === true && typeof answer.path === 'string') {
    // kept as an agent already built: a later run has nothing to say about building it
    const later = { stdout: JSON.stringify({ ...answer, built: false }), stderr: '' };
    rememberProbe(command, builderArgs, { ...info, builderOutput: later }, answer.path);
  }
  return info;
}

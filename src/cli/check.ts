// weft check [--python PY]... [--build]: for every interpreter found, which agent `weft run`
// would use (the C fast path or the pure-Python one) and why. Parsing and printing only; the
// answers come from python/weft/_build.py run by each interpreter.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { ensureBuilt, runBuilder } from '../record/fast-agent.js';
import { renderTable } from '../report/table.js';
import { hasFlag, parseArgs, type OptionSpec } from './args.js';

const SPECS: OptionSpec[] = [
  { name: 'python', value: true, repeat: true },
  { name: 'build' },
  { name: 'json' },
  { name: 'help', short: 'h' },
];

export const CHECK_HELP = `usage: weft check [--python PY]... [--build] [--json]

For each Python interpreter found (python3 and python3.X on PATH, every version under the pyenv
versions folder, and each --python given), tells which agent weft run would use and why:
  C   the fast path, compiled once per interpreter version and ABI with that interpreter's own
      compiler settings and headers, and cached (${'$'}XDG_CACHE_HOME/weft, default ~/.cache/weft)
  py  the pure-Python agent: no C compiler, no Python headers, or the build failed

options:
  --python PY   check this interpreter (a name on PATH or a path); repeatable
  --build       build the C agent now where it is missing, instead of at the first run
  --json        one JSON object per interpreter
  -h, --help    show this help
`;

const MIN_MINOR = 9;

interface Found {
  /** What the user would type, or the path found. */
  name: string;
  /** Resolved file, for telling duplicates apart. */
  real: string;
}

export async function checkCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, SPECS, 'check', false);
  if (hasFlag(parsed, 'help')) {
    process.stdout.write(CHECK_HELP);
    return 0;
  }
  const given = parsed.options.get('python') ?? [];
  const found = given.length > 0 ? given.map((p) => ({ name: p, real: p })) : discover();
  const build = hasFlag(parsed, 'build');
  const rows: string[][] = [];
  const notes: string[] = [];
  const jsonOut: unknown[] = [];
  let clock: string | null = null;
  let cacheDir: string | null = null;
  for (const py of found) {
    const version = probeVersion(py.name);
    if (!version) {
      rows.push([py.name, '-', '-', '-', 'does not run']);
      continue;
    }
    const [major, minor] = version.split('.').map(Number) as [number, number];
    if (major !== 3 || minor < MIN_MINOR) {
      rows.push([py.name, version, '-', '-', `not traced (weft traces Python 3.${MIN_MINOR} or newer)`]);
      continue;
    }
    let status = runBuilder(py.name, ['status'], 60_000);
    if (build && status.agent === 'c' && !status.cached) {
      const result = ensureBuilt(py.name);
      status = result.ok ? { ...runBuilder(py.name, ['status'], 60_000), built: result.seconds } : { ...status, agent: 'py', why: result.reason };
    }
    jsonOut.push({ name: py.name, ...status });
    if (typeof status.python !== 'string') {
      rows.push([py.name, version, 'py', '-', String(status.reason ?? 'the check failed')]);
      continue;
    }
    let why = String(status.why ?? '');
    if (status.built !== undefined) why = `built now in ${String(status.built)} s, and cached`;
    if (typeof status.cache_path === 'string') cacheDir = shortPath(dirname(status.cache_path));
    rows.push([py.name, String(status.python), status.agent === 'c' ? 'C' : 'py', String(status.hooks ?? ''), why]);
    if (typeof status.clock === 'string') clock = `${status.clock} (kernel clocksource: ${String(status.clocksource)})`;
  }
  if (hasFlag(parsed, 'json')) {
    for (const j of jsonOut) process.stdout.write(`${JSON.stringify(j)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write('no Python interpreter found (give one with --python)\n');
    return 1;
  }
  const lines = renderTable(
    [
      { title: 'interpreter', align: 'left' },
      { title: 'version', align: 'left' },
      { title: 'agent', align: 'left' },
      { title: 'hooks', align: 'left' },
      { title: 'why', align: 'left' },
    ],
    rows,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  if (clock) notes.push(`event times: ${clock}`);
  if (cacheDir) notes.push(`built agents are cached in ${cacheDir}`);
  if (rows.some((r) => r[2] === 'C' && !r[4]!.includes('cached'))) {
    notes.push('the C agent is built at the first weft run of an interpreter (a few seconds, once); weft check --build builds it now');
  }
  notes.push('weft run --agent py uses the pure-Python agent anyway; --agent c fails instead of falling back');
  for (const n of notes) process.stdout.write(`${n}\n`);
  return 0;
}

/** python3 and python3.X on PATH, then the pyenv versions (newest patch release per minor). */
function discover(): Found[] {
  const out: Found[] = [];
  const seen = new Set<string>();
  const add = (name: string, path: string) => {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    out.push({ name, real });
  };
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.includes('.pyenv/shims')) continue; // shims: the versions folder is read below
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names.filter((n) => /^python3(\.\d+)?$/.test(n)).sort()) add(join(dir, n), join(dir, n));
  }
  const versions = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  if (existsSync(versions)) {
    const byMinor = new Map<string, string>();
    for (const v of readdirSync(versions).filter((v) => /^\d+\.\d+\.\d+$/.test(v))) {
      const minor = v.split('.').slice(0, 2).join('.');
      const best = byMinor.get(minor);
      if (!best || Number(v.split('.')[2]) > Number(best.split('.')[2])) byMinor.set(minor, v);
    }
    const key = (v: string) => Number(v.split('.')[0]) * 1000 + Number(v.split('.')[1]);
    const sorted = [...byMinor.entries()].sort((a, b) => key(a[0]) - key(b[0]));
    for (const [minor, v] of sorted) {
      const exe = join(versions, v, 'bin', `python${minor}`);
      if (existsSync(exe)) add(exe, exe);
    }
  }
  return out;
}

function probeVersion(python: string): string | null {
  const r = spawnSync(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) return null;
  return r.stdout.trim() || null;
}

function shortPath(path: string): string {
  const home = homedir();
  return path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

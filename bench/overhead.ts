// bench/overhead: weft's tracing overhead against its peers, side by side, on the same programs
// and interpreters in one run. Not part of the test suite. See bench/README.md.
//
//   npx tsc -p tsconfig.json && node dist/bench/overhead.js [--quick] [--rounds N] [--python PY]...
//
// Every measurement is the wall time of one command, from spawn to exit, taken here with
// process.hrtime (CLOCK_MONOTONIC). The programs also print the time of their work part and the
// CLOCK_MONOTONIC time at which it ended (Python's time.monotonic_ns is the same clock), so
// in-process cost and the time a tool needs after the program's work (saving, decoding,
// writing) are told apart without touching weft's sources.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countSession, type SessionCounts } from './weft-streams.js';

// ---------------------------------------------------------------------------------------------
// configuration

const HERE = dirname(fileURLToPath(import.meta.url));
/** The checkout: this file runs as dist/bench/overhead.js. */
const ROOT = resolve(HERE, '..', '..');
const BENCH = join(ROOT, 'bench');
const PROGRAMS = join(BENCH, 'programs');

interface Workload {
  id: string;
  label: string;
  program: string;
  /** Size argument: full run, --quick run. */
  size: number;
  quickSize: number;
  extraArgs: string[];
  about: string;
}

const WORKLOADS: Workload[] = [
  {
    id: 'fib',
    label: 'call-heavy (fib)',
    program: 'fib.py',
    size: 35,
    quickSize: 27,
    extraArgs: [],
    about: 'recursive fib(N): Python calls only, ~1 s untraced on CPython 3.11 at N=35 on this machine',
  },
  {
    id: 'mixed',
    label: 'mixed realistic',
    program: 'mixed.py',
    size: 2000,
    quickSize: 200,
    extraArgs: [],
    about: 'json dumps/loads, regex, small classes, comprehensions, f-strings, dict/list work',
  },
  {
    id: 'threaded',
    label: 'threaded (4 threads)',
    program: 'threaded.py',
    size: 800,
    quickSize: 100,
    extraArgs: ['4'],
    about: '4 CPU-bound threads calling small functions (and a little recursion)',
  },
];

type ToolId = 'untraced' | 'cprofile' | 'weft' | 'weft-py' | 'weft-noop' | 'viztracer' | 'viztracer-full' | 'pyinstrument' | 'yappi';
const TOOL_IDS: ToolId[] = ['untraced', 'cprofile', 'weft', 'weft-py', 'weft-noop', 'viztracer', 'viztracer-full', 'pyinstrument', 'yappi'];
/** Run only when asked for with --tools: weft's other agents, for its own developers. */
const OPT_IN: ToolId[] = ['weft-py', 'weft-noop'];
/** `weft run --agent` of the opt-in weft variants. */
const WEFT_AGENT: Partial<Record<ToolId, string>> = { 'weft-py': 'py', 'weft-noop': 'c-noop' };
const TOOL_LABEL: Record<ToolId, string> = {
  untraced: 'untraced',
  cprofile: 'cProfile',
  weft: 'weft',
  'weft-py': 'weft --agent py',
  'weft-noop': 'weft --agent c-noop',
  viztracer: 'VizTracer',
  'viztracer-full': 'VizTracer full',
  pyinstrument: 'pyinstrument',
  yappi: 'yappi',
};
/** The Python module a tool needs in the interpreter under test. */
const TOOL_MODULE: Partial<Record<ToolId, string>> = { viztracer: 'viztracer', 'viztracer-full': 'viztracer', pyinstrument: 'pyinstrument', yappi: 'yappi' };

/** VizTracer's default ring buffer (--tracer_entries). */
const VIZ_DEFAULT_ENTRIES = 1_000_000;
/**
 * Peak RSS per entry of VizTracer when it keeps everything, measured on this machine (3.46 GB for
 * fib(30)'s 2.7M calls with a 4M-entry buffer: the buffer plus the Python objects built to save
 * the JSON). A run whose estimate exceeds MEM_SHARE of the available memory is skipped.
 */
const VIZ_BYTES_PER_ENTRY = 1300;
const MEM_SHARE = 0.6;

interface Options {
  pythons: string[];
  rounds: number;
  quick: boolean;
  workloads: Workload[];
  tools: Set<ToolId>;
  sizes: Map<string, number>;
  timeoutS: number;
  out: string | null;
  dryRun: boolean;
}

const USAGE = `usage: node dist/bench/overhead.js [options]

Measures weft's overhead against untraced runs, cProfile, VizTracer (and pyinstrument, yappi
when importable), on three workloads, for each interpreter; prints one table per interpreter
and writes bench/results/overhead-<date>.json.

options:
  --python PY        interpreter (a name on PATH or a path); repeatable (default: python3)
  --rounds N         rounds per measurement, the median is reported (default 5; --quick: 2)
  --quick            smoke run: 2 rounds and small inputs
  --workloads LIST   comma-separated subset of: ${WORKLOADS.map((w) => w.id).join(', ')}
  --tools LIST       comma-separated list of: ${TOOL_IDS.filter((t) => t !== 'untraced').join(', ')}
                     (default: all but ${OPT_IN.join(', ')}; untraced always runs)
  --size W=N         input size of workload W (fib: N of fib(N); mixed, threaded: units); repeatable
  --timeout S        give up on one command after S seconds (default 900)
  --out FILE         where to write the JSON (default bench/results/overhead-<date>[-quick].json)
  --dry-run          print the commands of one round and exit
  -h, --help         this help
`;

function parseOptions(argv: string[]): Options {
  const opts: Options = {
    pythons: [],
    rounds: 0,
    quick: false,
    workloads: WORKLOADS,
    tools: new Set(TOOL_IDS.filter((t) => !OPT_IN.includes(t))),
    sizes: new Map(),
    timeoutS: 900,
    out: null,
    dryRun: false,
  };
  const value = (i: number, name: string): string => {
    const v = argv[i + 1];
    if (v === undefined) fail(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (a === '--python') opts.pythons.push(value(i++, a));
    else if (a === '--rounds') opts.rounds = positiveInt(value(i++, a), a);
    else if (a === '--quick') opts.quick = true;
    else if (a === '--timeout') opts.timeoutS = positiveInt(value(i++, a), a);
    else if (a === '--out') opts.out = resolve(value(i++, a));
    else if (a === '--dry-run') opts.dryRun = true;
    else if (a === '--workloads') {
      const ids = value(i++, a).split(',');
      opts.workloads = ids.map((id) => WORKLOADS.find((w) => w.id === id) ?? fail(`unknown workload '${id}'`));
    } else if (a === '--tools') {
      const ids = value(i++, a).split(',');
      for (const id of ids) if (!TOOL_IDS.includes(id as ToolId)) fail(`unknown tool '${id}'`);
      opts.tools = new Set(['untraced', ...(ids as ToolId[])]);
    } else if (a === '--size') {
      const m = /^(\w+)=(\d+)$/.exec(value(i++, a));
      if (!m || !WORKLOADS.some((w) => w.id === m[1])) fail(`--size takes WORKLOAD=N, e.g. fib=30`);
      opts.sizes.set(m[1]!, positiveInt(m[2]!, a));
    } else fail(`unknown option '${a}'`);
  }
  if (opts.pythons.length === 0) opts.pythons.push('python3');
  if (opts.rounds === 0) opts.rounds = opts.quick ? 2 : 5;
  return opts;
}

function positiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`${name} takes a positive integer, not '${text}'`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`overhead: ${message}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// interpreters

interface Interpreter {
  requested: string;
  executable: string;
  version: string;
  /** Version of each optional tool module, or null when it is not importable. */
  modules: Record<string, string | null>;
}

const PROBE = `
import json, sys, importlib.util
try:
    from importlib.metadata import version
except ImportError:
    version = None
mods = {}
for m in ("viztracer", "pyinstrument", "yappi"):
    if importlib.util.find_spec(m) is None:
        mods[m] = None
    else:
        try:
            mods[m] = version(m) if version else "?"
        except Exception:
            mods[m] = "?"
print(json.dumps({"executable": sys.executable, "version": "%d.%d.%d" % sys.version_info[:3], "modules": mods}))
`;

function probeInterpreter(requested: string): Interpreter {
  const r = spawnSync(requested, ['-c', PROBE], { encoding: 'utf8', env: cleanEnv() });
  if (r.error || r.status !== 0) {
    fail(`cannot run '${requested}': ${r.error?.message ?? r.stderr.trim()}`);
  }
  const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<Interpreter, 'requested'>;
  // The real executable, not a pyenv shim (a shell script that costs ~50 ms a start).
  return { requested, ...info };
}

function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.WEFT_OPTIONS; // never trace a run by inheritance
  delete env.PYTHONPROFILEIMPORTTIME;
  return env;
}

// ---------------------------------------------------------------------------------------------
// one run

interface Sample {
  ok: boolean;
  error?: string;
  wallNs: number;
  /** Work part as the program measured it. */
  workNs: number | null;
  /** From the end of the work part to the exit of the command (saving, decoding, writing). */
  afterWorkNs: number | null;
  /** Peak RSS of the program's process at the end of its work (getrusage), kB. */
  maxRssKb: number | null;
}

interface Report {
  work_ns: number;
  work_end_ns: number;
  calls?: number;
  checksum?: number;
  result?: number;
  maxrss_kb?: number;
}

interface Invocation {
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Output files to remove afterwards. */
  outputs: string[];
}

function runOnce(inv: Invocation, cwd: string, timeoutS: number): { sample: Sample; report: Report | null; endHr: bigint } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(inv.cmd, inv.args, {
    cwd,
    env: inv.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutS * 1000,
    killSignal: 'SIGKILL',
  });
  const t1 = process.hrtime.bigint();
  const wallNs = Number(t1 - t0);
  const stdout = r.stdout?.toString('utf8') ?? '';
  const stderr = r.stderr?.toString('utf8') ?? '';
  const line = stdout.split('\n').filter((l) => l.startsWith('WEFT_BENCH ')).pop();
  const report = line ? (JSON.parse(line.slice('WEFT_BENCH '.length)) as Report) : null;
  let error: string | undefined;
  if (r.error) error = (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `timed out after ${timeoutS} s` : r.error.message;
  else if (r.signal) error = `killed by ${r.signal}`;
  else if (r.status !== 0) error = `exit status ${r.status}: ${lastLines(stderr)}`;
  else if (!report) error = `no WEFT_BENCH line on stdout: ${lastLines(stderr)}`;
  const sample: Sample = {
    ok: error === undefined,
    wallNs,
    workNs: report ? report.work_ns : null,
    afterWorkNs: report ? Number(t1 - BigInt(report.work_end_ns)) : null,
    maxRssKb: report?.maxrss_kb ?? null,
  };
  if (error !== undefined) sample.error = error;
  return { sample, report, endHr: t1 };
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 400);
}

// ---------------------------------------------------------------------------------------------
// the plan of one interpreter

interface Cell {
  samples: Sample[];
  skipped?: string;
}

interface WeftSizes {
  session: Omit<SessionCounts, 'endNs'>;
  weftFileBytes: number;
  /** Round 1: from the end of the work to the agent closing its stream (final flush, exit). */
  workEndToAgentEndNs: number | null;
  /** Round 1: from the agent closing its stream to weft's exit (decode, build, write). */
  agentEndToExitNs: number | null;
}

interface VizSizes {
  fileBytes: number;
  keptEvents: number;
  entries: number;
}

interface WorkloadResult {
  workload: Workload;
  size: number;
  args: string[];
  programCalls: number | null;
  checksum: number | null;
  cells: Map<ToolId, Cell>;
  weft: WeftSizes | null;
  viz: Partial<Record<'viztracer' | 'viztracer-full', VizSizes>>;
  notes: string[];
}

interface Context {
  opts: Options;
  py: Interpreter;
  work: string;
  weft: WeftCopy;
  round: number;
}

function programArgs(w: Workload, size: number): string[] {
  return [join(PROGRAMS, w.program), String(size), ...w.extraArgs];
}

function vizEntriesNeeded(res: WorkloadResult): number | null {
  const calls = res.weft ? res.weft.session.pythonCalls + res.weft.session.cCalls : null;
  if (calls !== null) return Math.ceil(calls * 1.1) + 100_000;
  if (res.programCalls !== null) return Math.ceil(res.programCalls * 1.5) + 100_000;
  return null;
}

function invocation(tool: ToolId, ctx: Context, res: WorkloadResult, keepSession: boolean): Invocation | string {
  const exe = ctx.py.executable;
  const prog = programArgs(res.workload, res.size);
  const out = (name: string) => join(ctx.work, name);
  const mod = TOOL_MODULE[tool];
  if (mod && ctx.py.modules[mod] === null) return `${mod} is not importable in ${ctx.py.requested}`;
  switch (tool) {
    case 'untraced':
      return { cmd: exe, args: prog, env: cleanEnv(), outputs: [] };
    case 'cprofile':
      return { cmd: exe, args: ['-m', 'cProfile', '-o', out('x.prof'), ...prog], env: cleanEnv(), outputs: [out('x.prof')] };
    case 'weft':
    case 'weft-py':
    case 'weft-noop': {
      const agent = WEFT_AGENT[tool];
      if (agent && !ctx.weft.agentOption) return 'this weft has no --agent option';
      // TMPDIR: weft makes its session folder in os.tmpdir(); a folder of our own lets us find it.
      const args = [ctx.weft.cli, 'run', '-q', ...(agent ? ['--agent', agent] : []), ...(keepSession && tool === 'weft' ? ['--keep-session'] : [])];
      args.push('--python', exe, '-o', out('x.weft'), ...prog);
      return { cmd: process.execPath, args, env: cleanEnv({ TMPDIR: join(ctx.work, 'tmp') }), outputs: [out('x.weft')] };
    }
    case 'viztracer':
      return { cmd: exe, args: ['-m', 'viztracer', '--quiet', '-o', out('v.json'), ...prog], env: cleanEnv(), outputs: [out('v.json')] };
    case 'viztracer-full': {
      const entries = vizEntriesNeeded(res);
      if (entries === null) return ctx.opts.dryRun ? 'run or not, and --tracer_entries, are decided from weft\'s first run' : 'the number of calls is unknown (run weft too)';
      const need = entries * VIZ_BYTES_PER_ENTRY;
      const avail = availableMemory();
      if (need > avail * MEM_SHARE) {
        return `would need ~${fmtBytes(need)} of memory for ${fmtCount(entries)} entries (${fmtBytes(avail)} available)`;
      }
      const args = ['-m', 'viztracer', '--quiet', '--tracer_entries', String(entries), '-o', out('vf.json'), ...prog];
      return { cmd: exe, args, env: cleanEnv(), outputs: [out('vf.json')] };
    }
    case 'pyinstrument':
      return { cmd: exe, args: ['-m', 'pyinstrument', '-o', out('p.txt'), ...prog], env: cleanEnv(), outputs: [out('p.txt')] };
    case 'yappi':
      // Wall clock, all threads, builtins too (as cProfile and weft), pstat output like cProfile's.
      return { cmd: exe, args: ['-m', 'yappi', '-b', '-c', 'wall', '-f', 'pstat', '-o', out('y.pstat'), ...prog], env: cleanEnv(), outputs: [out('y.pstat')] };
  }
}

function availableMemory(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return freemem();
}

function measure(ctx: Context, res: WorkloadResult, tool: ToolId, log: (s: string) => void): void {
  const cell = res.cells.get(tool)!;
  if (cell.skipped) return;
  const first = ctx.round === 0;
  const inv = invocation(tool, ctx, res, first);
  if (typeof inv === 'string') {
    cell.skipped = inv;
    log(`${TOOL_LABEL[tool]}: skipped: ${inv}`);
    return;
  }
  const tmp = join(ctx.work, 'tmp');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const { sample, report } = runOnce(inv, ctx.work, ctx.opts.timeoutS);
  cell.samples.push(sample);
  if (report && res.checksum === null) {
    res.checksum = report.checksum ?? report.result ?? null;
    res.programCalls = report.calls ?? null;
  }
  let extra = '';
  if (sample.ok && first && tool === 'weft') {
    res.weft = weftSizes(tmp, join(ctx.work, 'x.weft'), report!);
    extra = `  ${fmtCount(res.weft.session.events)} events`;
  }
  if (sample.ok && first && (tool === 'viztracer' || tool === 'viztracer-full')) {
    const file = inv.outputs[0]!;
    const entries = tool === 'viztracer' ? VIZ_DEFAULT_ENTRIES : Number(inv.args[inv.args.indexOf('--tracer_entries') + 1]);
    // VizTracer writes `"ph":"X"` (its C writer) or `"ph": "X"` (Python's json, seen on 3.12).
    const kept = countOccurrences(file, '"ph":"X"') + countOccurrences(file, '"ph": "X"');
    res.viz[tool] = { fileBytes: statSync(file).size, keptEvents: kept, entries };
    extra = `  ${fmtCount(res.viz[tool].keptEvents)} events kept`;
  }
  for (const f of inv.outputs) rmSync(f, { force: true });
  rmSync(tmp, { recursive: true, force: true });
  const work = sample.workNs !== null ? `  work ${fmtTime(sample.workNs)}` : '';
  log(`${TOOL_LABEL[tool]}: ${sample.ok ? fmtTime(sample.wallNs) : `FAILED (${sample.error})`}${work}${extra}`);
}

function weftSizes(tmp: string, weftFile: string, report: Report): WeftSizes {
  const sessions = readdirSync(tmp).filter((n) => n.startsWith('weft-session-'));
  const counts = sessions.length === 1 ? countSession(join(tmp, sessions[0]!)) : null;
  const { endNs, ...session } = counts ?? { endNs: [], files: 0, processes: 0, bytes: 0, events: 0, pythonCalls: 0, cCalls: 0, dropped: 0, agents: [] };
  const rootEnd = endNs.length > 0 ? endNs.reduce((a, b) => (a > b ? a : b)) : null;
  return {
    session,
    weftFileBytes: existsSync(weftFile) ? statSync(weftFile).size : 0,
    workEndToAgentEndNs: rootEnd !== null ? Number(rootEnd - BigInt(report.work_end_ns)) : null,
    agentEndToExitNs: null, // filled in by the caller, which knows the exit time
  };
}

/** Occurrences of an ASCII needle in a (possibly multi-GB) file, read in chunks. */
function countOccurrences(path: string, needle: string): number {
  const pattern = Buffer.from(needle, 'latin1');
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  const fd = openSync(path, 'r');
  let count = 0;
  let carry = 0; // bytes kept from the previous chunk so a match across the boundary is found
  try {
    for (;;) {
      const n = readSync(fd, chunk, carry, chunk.length - carry, null);
      const end = carry + n;
      let i = chunk.indexOf(pattern, 0);
      while (i !== -1 && i + pattern.length <= end) {
        count++;
        i = chunk.indexOf(pattern, i + pattern.length);
      }
      if (n === 0) break;
      carry = Math.min(pattern.length - 1, end);
      chunk.copy(chunk, 0, end - carry, end);
      chunk.fill(0, carry);
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// statistics

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function okSamples(cell: Cell | undefined): Sample[] {
  return cell ? cell.samples.filter((s) => s.ok) : [];
}

function medianOf(cell: Cell | undefined, key: 'wallNs' | 'workNs' | 'afterWorkNs' | 'maxRssKb'): number | null {
  return median(okSamples(cell).map((s) => s[key]).filter((v): v is number => v !== null));
}

/** (max - min) / median of a cell's wall times. */
function spread(cell: Cell | undefined): number | null {
  const v = okSamples(cell).map((s) => s.wallNs);
  const m = median(v);
  if (m === null || v.length < 2) return null;
  return (Math.max(...v) - Math.min(...v)) / m;
}

// ---------------------------------------------------------------------------------------------
// formatting

function fmtTime(ns: number): string {
  const s = ns / 1e9;
  if (s >= 100) return `${s.toFixed(0)} s`;
  if (s >= 10) return `${s.toFixed(1)} s`;
  if (s >= 1) return `${s.toFixed(2)} s`;
  const ms = ns / 1e6;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function fmtRatio(r: number): string {
  if (r >= 100) return `${r.toFixed(0)}x`;
  if (r >= 10) return `${r.toFixed(1)}x`;
  return `${r.toFixed(2)}x`;
}

function fmtCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

function fmtBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${n} B`;
}

function fmtRate(perSecond: number): string {
  return `${fmtCount(perSecond)}/s`;
}

function renderTable(header: string[], rows: string[][], leftColumns = 1): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

// ---------------------------------------------------------------------------------------------
// results of one interpreter: tables and JSON

interface InterpreterResult {
  py: Interpreter;
  workloads: WorkloadResult[];
  elapsedNs: number;
}

function cellText(ns: number | null, base: number | null, cell: Cell | undefined): string {
  if (cell?.skipped) return 'skipped';
  if (ns === null) return cell && cell.samples.length > 0 ? 'failed' : '-';
  if (base === null || base === 0) return fmtTime(ns);
  return `${fmtTime(ns)} ${fmtRatio(ns / base)}`;
}

function activeTools(result: InterpreterResult, opts: Options): ToolId[] {
  return TOOL_IDS.filter((t) => {
    if (!opts.tools.has(t)) return false;
    const mod = TOOL_MODULE[t];
    // optional tools that are not installed get no column; VizTracer always has one
    if (mod && (t === 'pyinstrument' || t === 'yappi')) return result.py.modules[mod] !== null;
    return true;
  });
}

function renderInterpreter(result: InterpreterResult, opts: Options): string[] {
  const tools = activeTools(result, opts);
  const peers = tools.filter((t) => t !== 'untraced' && t !== 'weft' && t !== 'cprofile');
  const out: string[] = [];
  const { py } = result;
  const mods = Object.entries(py.modules)
    .map(([m, v]) => `${m} ${v ?? 'not installed'}`)
    .join(', ');
  out.push(`== ${py.requested}: CPython ${py.version} (${py.executable}); ${mods}`);
  const agents = [...new Set(result.workloads.flatMap((r) => r.weft?.session.agents ?? []))];
  if (agents.length > 0) out.push(`   weft's agent (from its streams): ${agents.join(', ')}`);
  out.push('');

  // 1. wall time of each command, ratio to untraced; weft in-process as the program measured it.
  const header1 = ['workload', 'untraced'];
  if (tools.includes('cprofile')) header1.push('cProfile');
  if (tools.includes('weft')) header1.push('weft in-process', 'weft end-to-end');
  for (const t of peers) header1.push(TOOL_LABEL[t]);
  const rows1: string[][] = [];
  for (const r of result.workloads) {
    const base = medianOf(r.cells.get('untraced'), 'wallNs');
    const baseWork = medianOf(r.cells.get('untraced'), 'workNs');
    const row = [r.workload.id, cellText(base, null, r.cells.get('untraced'))];
    if (tools.includes('cprofile')) row.push(cellText(medianOf(r.cells.get('cprofile'), 'wallNs'), base, r.cells.get('cprofile')));
    if (tools.includes('weft')) {
      const c = r.cells.get('weft');
      row.push(cellText(medianOf(c, 'workNs'), baseWork, c), cellText(medianOf(c, 'wallNs'), base, c));
    }
    for (const t of peers) row.push(cellText(medianOf(r.cells.get(t), 'wallNs'), base, r.cells.get(t)));
    rows1.push(row);
  }
  out.push(`end to end: wall time of the whole command (start to trace written), median of ${opts.rounds}, and ratio to untraced`);
  out.push(...renderTable(header1, rows1));
  out.push(`  weft in-process = the work part timed inside the program, ratio to the untraced work part (table 2)`);
  out.push('');

  // 2. the work part only, every tool.
  const traced = tools.filter((t) => t !== 'untraced');
  const header2 = ['workload', 'untraced', ...traced.map((t) => TOOL_LABEL[t])];
  const rows2: string[][] = [];
  for (const r of result.workloads) {
    const base = medianOf(r.cells.get('untraced'), 'workNs');
    rows2.push([
      r.workload.id,
      cellText(base, null, r.cells.get('untraced')),
      ...traced.map((t) => cellText(medianOf(r.cells.get(t), 'workNs'), base, r.cells.get(t))),
    ]);
  }
  out.push('in-process: the work part only, timed by the program itself (no start-up, no saving), ratio to untraced');
  out.push(...renderTable(header2, rows2));
  out.push('');

  // 3. after the work: what each tool spends once the program's work is done.
  const header3 = ['workload', ...tools.map((t) => TOOL_LABEL[t])];
  const rows3 = result.workloads.map((r) => [r.workload.id, ...tools.map((t) => cellText(medianOf(r.cells.get(t), 'afterWorkNs'), null, r.cells.get(t)))]);
  out.push('after the work: from the end of the work part to the command\'s exit (interpreter exit, saving, decoding, writing)');
  out.push(...renderTable(header3, rows3));
  out.push('');

  // 3b. the cost of one recorded call, and weft's C agent above the floor of hooking.
  out.push(...renderPerCall(result, tools));

  // 4. sizes and post-processing throughput.
  if (tools.includes('weft')) {
    const header4 = ['workload', 'calls (py+C)', 'untraced calls/s', 'weft events', 'raw streams', '.weft file', 'weft post-processing', 'of which after agent end'];
    const rows4: string[][] = [];
    for (const r of result.workloads) {
      const w = r.weft;
      if (!w) {
        rows4.push([r.workload.id, '-', '-', '-', '-', '-', '-', '-']);
        continue;
      }
      const s = w.session;
      const calls = s.pythonCalls + s.cCalls;
      const baseWork = medianOf(r.cells.get('untraced'), 'workNs');
      const post = medianOf(r.cells.get('weft'), 'afterWorkNs');
      const perEvent = (bytes: number) => `${fmtBytes(bytes)} (${(bytes / Math.max(1, s.events)).toFixed(1)} B/ev)`;
      rows4.push([
        r.workload.id,
        `${fmtCount(s.pythonCalls)}+${fmtCount(s.cCalls)}`,
        baseWork ? fmtRate(calls / (baseWork / 1e9)) : '-',
        fmtCount(s.events),
        perEvent(s.bytes),
        perEvent(w.weftFileBytes),
        post !== null ? `${fmtTime(post)} ${fmtRate(s.events / (post / 1e9))}` : '-',
        w.agentEndToExitNs !== null ? `${fmtTime(w.agentEndToExitNs)} ${fmtRate(s.events / (w.agentEndToExitNs / 1e9))}` : '-',
      ]);
    }
    out.push('weft sizes (round 1) and post-processing throughput (events per second from the end of the work, resp. from the');
    out.push('agent closing its stream, to the trace written; the first is the median of all rounds, the second is round 1)');
    out.push(...renderTable(header4, rows4));
    out.push('');
  }
  const vizRows: string[][] = [];
  for (const r of result.workloads) {
    for (const t of ['viztracer', 'viztracer-full'] as const) {
      const v = r.viz[t];
      if (!v) continue;
      const calls = r.weft ? r.weft.session.pythonCalls + r.weft.session.cCalls : null;
      vizRows.push([
        r.workload.id,
        TOOL_LABEL[t],
        fmtCount(v.entries),
        fmtCount(v.keptEvents),
        calls !== null ? fmtCount(calls) : '-',
        v.keptEvents > 0 ? `${fmtBytes(v.fileBytes)} (${(v.fileBytes / v.keptEvents).toFixed(0)} B/call)` : fmtBytes(v.fileBytes),
      ]);
    }
  }
  if (vizRows.length > 0) {
    out.push('VizTracer output (round 1): calls in its JSON ("X" events), calls weft recorded, JSON size');
    out.push(...renderTable(['workload', 'run', 'tracer_entries', 'calls kept', 'weft calls', 'JSON'], vizRows, 2));
    out.push('');
  }

  // notes
  const notes: string[] = [];
  const skips: [ToolId, string, string][] = [];
  for (const r of result.workloads) {
    notes.push(`${r.workload.id}: ${r.workload.program} ${[String(r.size), ...r.workload.extraArgs].join(' ')}` +
      (r.programCalls !== null ? ` (${fmtCount(r.programCalls)} Python calls by the program's count)` : '') + ` - ${r.workload.about}`);
    for (const [t, c] of r.cells) {
      if (c.skipped && tools.includes(t)) skips.push([t, r.workload.id, c.skipped]);
      for (const s of c.samples) if (!s.ok) notes.push(`${r.workload.id}: ${TOOL_LABEL[t]} failed once: ${s.error}`);
    }
    if (r.weft && r.weft.session.dropped > 0) notes.push(`${r.workload.id}: weft dropped ${fmtCount(r.weft.session.dropped)} events`);
    for (const n of r.notes) notes.push(`${r.workload.id}: ${n}`);
  }
  // one line per tool and reason
  const byReason = new Map<string, string[]>();
  for (const [t, w, why] of skips) {
    const key = `${TOOL_LABEL[t]} skipped: ${why}`;
    byReason.set(key, [...(byReason.get(key) ?? []), w]);
  }
  for (const [why, ws] of byReason) notes.push(`${ws.join(', ')}: ${why}`);
  const [major, minor] = py.version.split('.').map(Number) as [number, number];
  if (result.workloads.some((r) => r.workload.id === 'threaded') && tools.includes('cprofile') && (major < 3 || (major === 3 && minor < 12))) {
    // From 3.12 cProfile uses sys.monitoring, which covers every thread.
    notes.push('threaded: `python -m cProfile` before 3.12 profiles only the main thread, so its threaded number is not a like-for-like cost');
  }
  let worst: [number, string] | null = null;
  for (const r of result.workloads) {
    for (const [t, c] of r.cells) {
      const s = spread(c);
      if (s !== null && (worst === null || s > worst[0])) worst = [s, `${r.workload.id} / ${TOOL_LABEL[t]}`];
    }
  }
  if (worst) notes.push(`noise: the widest spread of wall times over the rounds, (max-min)/median, is ${(worst[0] * 100).toFixed(0)}% (${worst[1]})`);
  notes.push(`this interpreter took ${fmtTime(result.elapsedNs)}`);
  out.push('notes:');
  for (const n of notes) out.push(`  ${n}`);
  return out;
}

/**
 * In-process cost per recorded call: (work part traced - untraced) / calls, medians. The floor is
 * weft --agent c-noop: the interpreter calling the same C hooks that return at once, so weft's C
 * agent "above the floor" is what its own work (timestamps, ids, buffers) costs per call. Calls
 * are the Python and C calls weft recorded (round 1). Also bytes per call of the raw streams,
 * and peak RSS growth over the untraced run, as the program measured it at the end of its work.
 */
function renderPerCall(result: InterpreterResult, tools: ToolId[]): string[] {
  const rows: string[][] = [];
  const perCall = (ns: number | null, base: number | null, calls: number) =>
    ns !== null && base !== null ? (ns - base) / calls : null;
  const fmtNs = (v: number | null) => (v === null ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} us` : `${v.toFixed(1)} ns`);
  const peers = (['cprofile', 'viztracer'] as ToolId[]).filter((t) => tools.includes(t));
  for (const r of result.workloads) {
    if (!r.weft) continue;
    const calls = r.weft.session.pythonCalls + r.weft.session.cCalls;
    if (calls === 0) continue;
    const base = medianOf(r.cells.get('untraced'), 'workNs');
    const work = (t: ToolId) => medianOf(r.cells.get(t), 'workNs');
    const floor = tools.includes('weft-noop') ? perCall(work('weft-noop'), base, calls) : null;
    const weft = perCall(work('weft'), base, calls);
    const rss = (t: ToolId) => {
      const a = medianOf(r.cells.get(t), 'maxRssKb');
      const b = medianOf(r.cells.get('untraced'), 'maxRssKb');
      return a !== null && b !== null ? fmtBytes(Math.max(0, a - b) * 1024) : '-';
    };
    rows.push([
      r.workload.id,
      fmtCount(calls),
      fmtNs(floor),
      fmtNs(weft),
      floor !== null && weft !== null ? fmtNs(weft - floor) : '-',
      ...(tools.includes('weft-py') ? [fmtNs(perCall(work('weft-py'), base, calls))] : []),
      ...peers.map((t) => fmtNs(perCall(work(t), base, calls))),
      (r.weft.session.bytes / calls).toFixed(1),
      rss('weft'),
      ...(tools.includes('viztracer') ? [rss('viztracer')] : []),
    ]);
  }
  if (rows.length === 0) return [];
  const header = [
    'workload', 'calls', 'floor (no-op hooks)', 'weft', 'weft above floor',
    ...(tools.includes('weft-py') ? ['weft --agent py'] : []),
    ...peers.map((t) => TOOL_LABEL[t]),
    'bytes/call on disk', 'RSS growth weft',
    ...(tools.includes('viztracer') ? ['RSS growth VizTracer'] : []),
  ];
  return [
    'per recorded call: in-process cost ((traced - untraced work) / calls weft recorded), medians; floor = weft --agent c-noop',
    '(the same C hooks, returning at once); bytes/call of weft\'s raw streams; peak RSS (VmHWM) over the untraced run at the end of the work',
    ...renderTable(header, rows),
    ...(tools.includes('weft-noop') ? [] : ['  (no floor: add weft-noop to --tools)']),
    '',
  ];
}

function jsonOfInterpreter(result: InterpreterResult): unknown {
  return {
    requested: result.py.requested,
    executable: result.py.executable,
    version: result.py.version,
    modules: result.py.modules,
    elapsedNs: result.elapsedNs,
    workloads: result.workloads.map((r) => {
      const baseWall = medianOf(r.cells.get('untraced'), 'wallNs');
      const baseWork = medianOf(r.cells.get('untraced'), 'workNs');
      const tools: Record<string, unknown> = {};
      for (const [t, c] of r.cells) {
        const wall = medianOf(c, 'wallNs');
        const work = medianOf(c, 'workNs');
        tools[t] = {
          skipped: c.skipped ?? null,
          median: { wallNs: wall, workNs: work, afterWorkNs: medianOf(c, 'afterWorkNs') },
          ratio: {
            wall: wall !== null && baseWall ? wall / baseWall : null,
            work: work !== null && baseWork ? work / baseWork : null,
          },
          spread: spread(c),
          samples: c.samples,
        };
      }
      const post = medianOf(r.cells.get('weft'), 'afterWorkNs');
      return {
        id: r.workload.id,
        program: `bench/programs/${r.workload.program}`,
        args: r.args,
        about: r.workload.about,
        programCalls: r.programCalls,
        checksum: r.checksum,
        tools,
        weft: r.weft && {
          ...r.weft,
          rawBytesPerEvent: r.weft.session.bytes / Math.max(1, r.weft.session.events),
          weftFileBytesPerEvent: r.weft.weftFileBytes / Math.max(1, r.weft.session.events),
          postProcessing: {
            afterWorkNs: post,
            eventsPerSecondAfterWork: post ? r.weft.session.events / (post / 1e9) : null,
            eventsPerSecondAfterAgentEnd: r.weft.agentEndToExitNs ? r.weft.session.events / (r.weft.agentEndToExitNs / 1e9) : null,
          },
        },
        viztracer: r.viz,
        notes: r.notes,
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// the weft measured: a copy taken at the start

interface WeftCopy {
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
function copyWeft(work: string): WeftCopy {
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

/** One small weft run per agent used: builds the C agent for the interpreter if needed. */
function warmUpWeft(ctx: Context, workloads: WorkloadResult[], log: (s: string) => void): void {
  const fib = workloads.find((r) => r.workload.id === 'fib') ?? workloads[0];
  if (!fib) return;
  const tiny: WorkloadResult = { ...fib, workload: WORKLOADS[0]!, size: 5, cells: new Map() };
  for (const tool of ['weft', 'weft-py', 'weft-noop'] as const) {
    if (!ctx.opts.tools.has(tool)) continue;
    const inv = invocation(tool, ctx, tiny, false);
    if (typeof inv === 'string') continue;
    mkdirSync(join(ctx.work, 'tmp'), { recursive: true });
    const { sample } = runOnce(inv, ctx.work, ctx.opts.timeoutS);
    if (!sample.ok) log(`[${ctx.py.version}] warning: ${TOOL_LABEL[tool]} does not work: ${sample.error}`);
    for (const f of inv.outputs) rmSync(f, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// main

function checkBuild(): string | null {
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

function defaultOut(quick: boolean): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const dir = join(BENCH, 'results');
  const base = `overhead-${date}${quick ? '-quick' : ''}`;
  let path = join(dir, `${base}.json`);
  if (existsSync(path)) path = join(dir, `${base}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}.json`);
  return path;
}

function main(): void {
  const opts = parseOptions(process.argv.slice(2));
  const stale = checkBuild();
  const started = process.hrtime.bigint();
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  const interpreters = opts.pythons.map(probeInterpreter);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  if (stale) log(`overhead: warning: ${stale}`);

  const work = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  const results: InterpreterResult[] = [];
  let weft: WeftCopy | null = null;
  try {
    weft = copyWeft(work);
    log(`overhead: measuring a copy of weft (${weft.fingerprint}; git ${weft.git.head ?? '?'}` +
      `${weft.git.changed.length ? ` + ${weft.git.changed.length} changed file(s) in src/, python/, bin/` : ''})`);
    for (const py of interpreters) {
      const t0 = process.hrtime.bigint();
      const workloads: WorkloadResult[] = opts.workloads.map((w) => {
        const size = opts.sizes.get(w.id) ?? (opts.quick ? w.quickSize : w.size);
        return {
          workload: w,
          size,
          args: [String(size), ...w.extraArgs],
          programCalls: null,
          checksum: null,
          cells: new Map(TOOL_IDS.filter((t) => opts.tools.has(t)).map((t) => [t, { samples: [] }] as [ToolId, Cell])),
          weft: null,
          viz: {},
          notes: [],
        };
      });
      if (opts.dryRun) {
        for (const r of workloads) {
          for (const t of r.cells.keys()) {
            const inv = invocation(t, { opts, py, work, weft, round: 0 }, r, true);
            log(typeof inv === 'string' ? `${py.requested} ${r.workload.id} ${t}: skipped: ${inv}` : `${py.requested} ${r.workload.id} ${t}: ${inv.cmd} ${inv.args.join(' ')}`);
          }
        }
        continue;
      }
      // One untraced run of each program first: byte-compiles it and warms the caches.
      warmUpWeft({ opts, py, work, weft, round: 0 }, workloads, log);
      for (const r of workloads) runOnce(invocation('untraced', { opts, py, work, weft, round: 0 }, r, false) as Invocation, work, opts.timeoutS);
      for (let round = 0; round < opts.rounds; round++) {
        const ctx: Context = { opts, py, work, weft, round };
        for (const r of workloads) {
          for (const tool of r.cells.keys()) {
            const prefix = `[${py.version} round ${round + 1}/${opts.rounds}] ${r.workload.id}`;
            measure(ctx, r, tool, (s) => log(`${prefix} ${s}`));
            if (tool === 'weft' && round === 0 && r.weft) {
              const c = r.cells.get('weft')!;
              const last = c.samples[c.samples.length - 1]!;
              // agent end -> exit = after-work time minus (agent end - work end)
              if (r.weft.workEndToAgentEndNs !== null && last.afterWorkNs !== null) {
                r.weft.agentEndToExitNs = last.afterWorkNs - r.weft.workEndToAgentEndNs;
              }
            }
          }
        }
      }
      for (const r of workloads) {
        const calls = r.weft ? r.weft.session.pythonCalls + r.weft.session.cCalls : null;
        const kept = r.viz.viztracer?.keptEvents;
        if (calls !== null && kept !== undefined && kept < calls) {
          r.notes.push(`VizTracer (default ring of ${fmtCount(VIZ_DEFAULT_ENTRIES)} entries) kept ${fmtCount(kept)} of ${fmtCount(calls)} calls; the rest was overwritten`);
        }
      }
      results.push({ py, workloads, elapsedNs: Number(process.hrtime.bigint() - t0) });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (opts.dryRun) return;

  const elapsedNs = Number(process.hrtime.bigint() - started);
  const loadAfter = loadavg();
  const lines: string[] = [];
  lines.push(`weft overhead benchmark, ${startedAt}; ${opts.rounds} rounds${opts.quick ? ' (quick)' : ''}; medians`);
  lines.push(
    `machine: ${cpus().length} x ${cpus()[0]?.model.trim() ?? '?'}, ${fmtBytes(totalmem())}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ` +
      `${loadAfter.map((l) => l.toFixed(2)).join(' ')} after; node ${process.version}`,
  );
  if (weft) {
    lines.push(`weft measured: a copy taken at the start, ${weft.fingerprint} (git ${weft.git.head ?? '?'}` +
      `${weft.git.changed.length ? `, with ${weft.git.changed.length} uncommitted change(s) in src/, python/, bin/: see the JSON` : ''})`);
  }
  if (stale) lines.push(`warning: ${stale}`);
  lines.push('');
  for (const r of results) {
    lines.push(...renderInterpreter(r, opts));
    lines.push('');
  }
  lines.push(`total ${fmtTime(elapsedNs)}`);
  process.stdout.write(lines.join('\n') + '\n');

  const outPath = opts.out ?? defaultOut(opts.quick);
  mkdirSync(dirname(outPath), { recursive: true });
  const json = {
    benchmark: 'weft bench/overhead',
    startedAt,
    argv: process.argv.slice(2),
    rounds: opts.rounds,
    quick: opts.quick,
    timeoutS: opts.timeoutS,
    machine: { cpus: cpus().length, model: cpus()[0]?.model.trim() ?? null, memoryBytes: totalmem(), loadBefore, loadAfter },
    node: process.version,
    weftBuildWarning: stale,
    weft: weft && { fingerprint: weft.fingerprint, git: weft.git, agentOption: weft.agentOption },
    elapsedNs,
    interpreters: results.map(jsonOfInterpreter),
    table: lines.join('\n'),
  };
  writeFileSync(outPath, JSON.stringify(json, null, 1) + '\n');
  process.stderr.write(`overhead: results written to ${outPath}\n`);
}

main();

// The command line: options, their defaults and the help text.
import { resolve } from 'node:path';
import { OPT_IN, TOOL_IDS, WORKLOADS, type ToolId, type Workload } from './definitions.js';

export interface Options {
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

export function parseOptions(argv: string[]): Options {
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

export function fail(message: string): never {
  process.stderr.write(`overhead: ${message}\n`);
  process.exit(2);
}

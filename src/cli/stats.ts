// `weft stats`: the function table of a recorded trace. Parsing and printing only; the numbers
// come from analysis/function-stats, the layout from report/stats-table, the option reading
// from ./args like every other command's.

import { computeFunctionStats, SORT_KEYS, type SortKey, type StatsGrouping } from '../analysis/function-stats.js';
import { readTrace } from '../model/build.js';
import { DEFAULT_LIMIT, DEFAULT_SORT, renderStats, statsJson } from '../report/stats-table.js';
import { outputWidth } from '../report/table.js';
import { UserError } from '../util/errors.js';
import { hasFlag, intOption, optionValue, parseArgs, type OptionSpec } from './args.js';

export const STATS_USAGE = `usage: weft stats FILE [--sort KEY] [--limit N] [--by thread|process] [--no-c-calls] [--json]

Function statistics of a recorded trace, with cProfile's columns:
  ncalls   calls, shown as total/primitive when some were recursive (primitive = the function
           was not already running on that thread); every generator/coroutine resume is a call
  tottime  time in the function itself, without the functions it called
  percall  tottime / ncalls
  cumtime  time in the function and everything it called (recursion counted once)
  percall  cumtime / primitive calls
  function file:line(name); C functions as {name}

options:
  --sort KEY     order by tottime (default: where the time is actually burnt), cumtime,
                 ncalls, percall (tottime per call), name or file
  --limit N      rows per table (default ${DEFAULT_LIMIT}; 0 = all)
  --by GROUP     one table per thread or per process instead of one for the whole trace
  --no-c-calls   leave C functions out; their time then counts in their caller's tottime,
                 as with cProfile(builtins=False)
  --json         print the rows as JSON (times in ns), same sort and limit
  -h, --help     show this help
`;

export interface StatsArgs {
  file: string;
  sort: SortKey;
  limit: number;
  by: StatsGrouping;
  includeC: boolean;
  json: boolean;
}

const OPTIONS: OptionSpec[] = [
  { name: 'sort', value: true },
  { name: 'limit', value: true },
  { name: 'by', value: true },
  { name: 'no-c-calls' },
  { name: 'json' },
  { name: 'help', short: 'h' },
];

/** The parsed command line, or null when help was asked for. Throws UserError on a bad one. */
export function parseStatsArgs(args: string[]): StatsArgs | null {
  const parsed = parseArgs(args, OPTIONS, 'stats', false);
  if (hasFlag(parsed, 'help')) return null;
  const [file, extra] = parsed.rest;
  if (file === undefined) throw new UserError('weft stats needs a trace file (usage: weft stats FILE [options])');
  if (extra !== undefined) throw new UserError(`unexpected argument '${extra}' (weft stats reads one trace file)`);
  const sort = optionValue(parsed, 'sort');
  const by = optionValue(parsed, 'by');
  return {
    file,
    sort: sort === undefined ? DEFAULT_SORT : sortKey(sort),
    limit: intOption(parsed, 'limit') ?? DEFAULT_LIMIT,
    by: by === undefined ? 'all' : grouping(by),
    includeC: !hasFlag(parsed, 'no-c-calls'),
    json: hasFlag(parsed, 'json'),
  };
}

function sortKey(text: string): SortKey {
  if ((SORT_KEYS as readonly string[]).includes(text)) return text as SortKey;
  throw new UserError(`unknown sort key '${text}' (choose from ${SORT_KEYS.join(', ')})`);
}

function grouping(text: string): StatsGrouping {
  if (text === 'thread' || text === 'process' || text === 'all') return text;
  throw new UserError(`unknown grouping '${text}' for --by (choose from thread, process)`);
}

export async function statsCommand(args: string[]): Promise<number> {
  const options = parseStatsArgs(args);
  if (!options) {
    process.stdout.write(STATS_USAGE);
    return 0;
  }
  const trace = await readTrace(options.file);
  const stats = computeFunctionStats(trace, { by: options.by, includeC: options.includeC });
  const render = { sort: options.sort, limit: options.limit };
  if (options.json) {
    process.stdout.write(JSON.stringify(statsJson(trace, stats, render), null, 2) + '\n');
  } else {
    process.stdout.write(renderStats(trace, stats, { ...render, width: outputWidth(), baseDir: process.cwd() }));
  }
  return 0;
}

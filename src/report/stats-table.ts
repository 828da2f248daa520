// cProfile's table, made readable at a glance: times carry their unit, counts their separators,
// and a summary line says what the numbers cover before any row does.

import { orderRows, wallSpan, type FunctionStats, type FunctionStatsGroup, type SortKey } from '../analysis/function-stats.js';
import { FuncKind, type Trace } from '../model/trace.js';
import { formatCount, formatDuration } from '../util/units.js';
import { printable, renderTable, type Column } from './table.js';

export interface StatsRenderOptions {
  /** Default 'tottime': the functions that themselves burn the time, what people look for first. */
  sort?: SortKey;
  /** Rows per table; default 30, 0 = all. */
  limit?: number;
  /** Cut the function column to fit this width (see outputWidth()). */
  width?: number;
  /** Files under this folder are shown relative to it. */
  baseDir?: string;
}

export const DEFAULT_SORT: SortKey = 'tottime';
export const DEFAULT_LIMIT = 30;

const COLUMNS: Column[] = [
  { title: 'ncalls', align: 'right' },
  { title: 'tottime', align: 'right' },
  { title: 'percall', align: 'right' },
  { title: 'cumtime', align: 'right' },
  { title: 'percall', align: 'right' },
  { title: 'function', align: 'left' },
];

/** The whole report: summary line, then one table (or one titled table per group). */
export function renderStats(trace: Trace, stats: FunctionStats, options: StatsRenderOptions = {}): string {
  const out: string[] = [summaryLine(trace, stats)];
  if (stats.by === 'all') {
    const group = stats.groups[0];
    if (group && group.rows > 0) out.push('', ...groupTable(trace, group, options));
    return out.join('\n') + '\n';
  }
  let empty = 0;
  for (const group of stats.groups) {
    if (group.rows === 0) {
      empty++;
      continue;
    }
    out.push('', `${groupTitle(trace, group)} — ${callsText(group.totalCalls, group.primitiveCalls)} in ${formatDuration(group.wallNs)}`);
    out.push(...groupTable(trace, group, options));
  }
  if (empty > 0) {
    const what = stats.by === 'thread' ? plural(empty, 'thread') : plural(empty, 'process', 'processes');
    out.push('', `(${what} without calls not shown)`);
  }
  return out.join('\n') + '\n';
}

/** "1,234 calls (1,200 primitive) in 3.21 s across 2 processes, 5 threads" for the whole trace. */
export function summaryLine(trace: Trace, stats: FunctionStats): string {
  let calls = 0;
  let primitive = 0;
  for (const g of stats.groups) {
    calls += g.totalCalls;
    primitive += g.primitiveCalls;
  }
  const wall = wallSpan(trace, trace.threads.map((t) => t.index));
  const where = `${plural(trace.processes.length, 'process', 'processes')}, ${plural(trace.threads.length, 'thread')}`;
  const note = stats.includeC ? '' : '; C functions not counted';
  return `${callsText(calls, primitive)} in ${formatDuration(wall)} across ${where}${note}`;
}

/** "process 1234 worker-1 · thread MainThread" (names escaped for the terminal). */
export function groupTitle(trace: Trace, group: FunctionStatsGroup): string {
  const parts: string[] = [];
  const p = trace.processes[group.process];
  if (p) parts.push(`process ${p.pid}${p.name ? ' ' + printable(p.name) : ''}`);
  const t = trace.threads[group.thread];
  if (t) parts.push(`thread ${t.name ? printable(t.name) : t.native}`);
  return parts.length > 0 ? parts.join(' · ') : 'all threads';
}

function groupTable(trace: Trace, group: FunctionStatsGroup, options: StatsRenderOptions): string[] {
  const order = orderRows(trace, group, options.sort ?? DEFAULT_SORT);
  const shown = limitOf(options.limit, order.length);
  const rows: string[][] = [];
  for (let i = 0; i < shown; i++) {
    const r = order[i]!;
    rows.push([
      ncallsText(group.ncalls[r]!, group.primitive[r]!),
      formatDuration(group.tottime[r]!),
      formatDuration(group.tottimePerCall[r]!),
      formatDuration(group.cumtime[r]!),
      formatDuration(group.cumtimePerCall[r]!),
      functionLabel(trace, group.func[r]!, options.baseDir),
    ]);
  }
  // Cut paths from the left so the function's name, at the end, stays visible.
  const lines = renderTable(COLUMNS, rows, { width: options.width, cut: 'start' });
  const rest = order.length - shown;
  if (rest > 0) lines.push(`… ${plural(rest, 'more function')} (--limit 0 shows all)`);
  return lines;
}

/** `file:line(name)` for Python functions, `{name}` for C ones, as cProfile prints them. */
export function functionLabel(trace: Trace, func: number, baseDir?: string): string {
  const { funcs, strings } = trace;
  const name = strings[funcs.name[func]!] ?? '?';
  if (funcs.kind[func] === FuncKind.C) return `{${name}}`;
  const file = strings[funcs.file[func]!] ?? '';
  if (!file) return name;
  return `${relativeTo(file, baseDir)}:${funcs.line[func]}(${name})`;
}

/** The rows as plain data, for scripts and tests: same order and limit as the table; times in ns. */
export function statsJson(trace: Trace, stats: FunctionStats, options: StatsRenderOptions = {}): StatsJson {
  const sort = options.sort ?? DEFAULT_SORT;
  return {
    by: stats.by,
    includeC: stats.includeC,
    sort,
    groups: stats.groups.map((g) => {
      const order = orderRows(trace, g, sort);
      const p = trace.processes[g.process];
      const t = trace.threads[g.thread];
      const rows: StatsJsonRow[] = [];
      for (let i = 0; i < limitOf(options.limit, order.length); i++) {
        const r = order[i]!;
        const f = g.func[r]!;
        rows.push({
          name: trace.strings[trace.funcs.name[f]!] ?? '',
          file: trace.strings[trace.funcs.file[f]!] ?? '',
          line: trace.funcs.line[f]!,
          kind: trace.funcs.kind[f] === FuncKind.C ? 'c' : 'python',
          ncalls: g.ncalls[r]!,
          primitive: g.primitive[r]!,
          tottimeNs: g.tottime[r]!,
          tottimePerCallNs: g.tottimePerCall[r]!,
          cumtimeNs: g.cumtime[r]!,
          cumtimePerCallNs: g.cumtimePerCall[r]!,
        });
      }
      return {
        process: p ? { pid: p.pid, name: p.name } : null,
        thread: t ? { name: t.name, ident: t.ident, native: t.native } : null,
        calls: g.totalCalls,
        primitiveCalls: g.primitiveCalls,
        wallNs: g.wallNs,
        functions: g.rows,
        rows,
      };
    }),
  };
}

export interface StatsJsonRow {
  name: string;
  file: string;
  line: number;
  kind: 'python' | 'c';
  ncalls: number;
  primitive: number;
  tottimeNs: number;
  tottimePerCallNs: number;
  cumtimeNs: number;
  cumtimePerCallNs: number;
}

export interface StatsJson {
  by: FunctionStats['by'];
  includeC: boolean;
  sort: SortKey;
  groups: {
    process: { pid: number; name: string } | null;
    thread: { name: string; ident: number; native: number } | null;
    calls: number;
    primitiveCalls: number;
    wallNs: number;
    /** Functions in the group, before the limit. */
    functions: number;
    rows: StatsJsonRow[];
  }[];
}

function limitOf(limit: number | undefined, rows: number): number {
  const n = limit ?? DEFAULT_LIMIT;
  return n > 0 ? Math.min(n, rows) : rows;
}

function ncallsText(ncalls: number, primitive: number): string {
  return ncalls === primitive ? formatCount(ncalls) : `${formatCount(ncalls)}/${formatCount(primitive)}`;
}

function callsText(calls: number, primitive: number): string {
  const text = plural(calls, 'call');
  return calls === primitive ? text : `${text} (${formatCount(primitive)} primitive)`;
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Paths as a person reads them: below the current folder relative to it, the standard
 *  library and installed packages from their own root ("threading.py", "numpy/core/x.py"). */
export function relativeTo(file: string, baseDir: string | undefined): string {
  if (baseDir) {
    const base = baseDir.endsWith('/') ? baseDir : baseDir + '/';
    if (file.startsWith(base)) return file.slice(base.length);
  }
  const packages = file.lastIndexOf('/site-packages/');
  if (packages >= 0) return file.slice(packages + '/site-packages/'.length);
  const stdlib = /\/lib\/python3\.\d+t?\//.exec(file);
  if (stdlib) return file.slice(stdlib.index + stdlib[0].length);
  return file;
}

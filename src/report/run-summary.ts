// What `weft run` prints when the program ends (on stderr): how it ended, the process tree
// with its threads, the functions that took the most time, and where the trace went.
import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { computeFunctionStats, orderRows } from '../analysis/function-stats.js';
import type { Trace } from '../model/trace.js';
import { describeExit, type TargetExit } from '../record/launch.js';
import { formatBytes, formatCount, formatDuration } from '../util/units.js';
import { functionLabel } from './stats-table.js';
import { outputWidth, printable, renderTable, type Column } from './table.js';

const TOP_FUNCTIONS = 5;

export function printRunSummary(trace: Trace, exit: TargetExit, output: string, out: NodeJS.WriteStream): void {
  const lines: string[] = [];
  const program = trace.meta.command.slice(1).join(' ');
  lines.push(`weft: ${printable(program)} ${describeExit(exit)} after ${formatDuration(exit.wallNs)}`);
  lines.push('');
  lines.push(...processTable(trace, out));
  lines.push('');
  lines.push(...topFunctions(trace, out));
  lines.push('');
  for (const warning of trace.meta.warnings) lines.push(`weft: warning: ${warning}`);
  const shown = relative(process.cwd(), output) || output;
  const size = statSync(output).size;
  const next = output.endsWith('.weft') ? `; next: weft stats ${shown}` : '';
  lines.push(`weft: trace written to ${shown} (${formatBytes(size)})${next}`);
  out.write(lines.join('\n') + '\n');
}

function processTable(trace: Trace, out: NodeJS.WriteStream): string[] {
  const columns: Column[] = [
    { title: 'process / thread', align: 'left' },
    { title: 'pid', align: 'right' },
    { title: 'calls', align: 'right' },
    { title: 'wall', align: 'right' },
    { title: 'end', align: 'left' },
  ];
  const rows: string[][] = [];
  const children = new Map<number, number[]>();
  for (const p of trace.processes) {
    const list = children.get(p.parent) ?? [];
    list.push(p.index);
    children.set(p.parent, list);
  }
  const visit = (index: number, depth: number) => {
    const p = trace.processes[index]!;
    const calls = p.threads.reduce((n, t) => n + trace.threads[t]!.slices.count, 0);
    const indent = '  '.repeat(depth);
    rows.push([`${indent}${p.name}`, String(p.pid), formatCount(calls), formatDuration(p.endNs - p.startNs), p.end.text]);
    for (const t of p.threads) {
      const lane = trace.threads[t]!;
      rows.push([`${indent}  ${lane.name}`, '', formatCount(lane.slices.count), formatDuration(lane.endNs - lane.startNs), '']);
    }
    for (const c of children.get(index) ?? []) visit(c, depth + 1);
  };
  for (const root of children.get(-1) ?? []) visit(root, 0);
  return renderTable(columns, rows, { width: outputWidth(out), indent: '  ' });
}

function topFunctions(trace: Trace, out: NodeJS.WriteStream): string[] {
  const stats = computeFunctionStats(trace);
  const group = stats.groups[0];
  if (!group || group.rows === 0) return ['  no function calls were recorded'];
  const order = orderRows(trace, group, 'tottime');
  const rows: string[][] = [];
  for (let i = 0; i < Math.min(TOP_FUNCTIONS, order.length); i++) {
    const r = order[i]!;
    rows.push([formatDuration(group.tottime[r]!), formatCount(group.ncalls[r]!), functionLabel(trace, group.func[r]!, process.cwd())]);
  }
  const columns: Column[] = [
    { title: 'self time', align: 'right' },
    { title: 'calls', align: 'right' },
    { title: `top functions by self time, of ${formatCount(group.totalCalls)} calls`, align: 'left' },
  ];
  return renderTable(columns, rows, { width: outputWidth(out), indent: '  ', cut: 'start' });
}

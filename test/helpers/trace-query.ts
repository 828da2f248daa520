// Questions tests ask of a Trace: call counts per function name, per thread or per process.
import { computeFunctionStats } from '../../src/analysis/function-stats.js';
import type { Trace } from '../../src/model/trace.js';

/** name -> ncalls over the given threads (all threads when omitted); Python and C functions. */
export function callCounts(trace: Trace, threads?: number[]): Map<string, number> {
  const wanted = new Set(threads ?? trace.threads.map((t) => t.index));
  const counts = new Map<string, number>();
  for (const lane of trace.threads) {
    if (!wanted.has(lane.index)) continue;
    const { func, count } = lane.slices;
    for (let i = 0; i < count; i++) {
      const name = trace.strings[trace.funcs.name[func[i]!]!]!;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return counts;
}

export function threadByName(trace: Trace, name: string, processIndex?: number) {
  const lane = trace.threads.find((t) => t.name === name && (processIndex === undefined || t.process === processIndex));
  if (!lane) throw new Error(`no thread named ${name}; threads: ${trace.threads.map((t) => t.name).join(', ')}`);
  return lane;
}

export function processCalls(trace: Trace, processIndex: number, name: string): number {
  return callCounts(trace, trace.processes[processIndex]!.threads).get(name) ?? 0;
}

/** "file:line(name)" -> [ncalls, primitive] for Python functions whose file ends with `fileSuffix`. */
export function pythonCallTable(trace: Trace, fileSuffix: string): Map<string, [number, number]> {
  const stats = computeFunctionStats(trace);
  const group = stats.groups[0]!;
  const table = new Map<string, [number, number]>();
  for (let r = 0; r < group.rows; r++) {
    const f = group.func[r]!;
    const file = trace.strings[trace.funcs.file[f]!]!;
    if (!file.endsWith(fileSuffix)) continue;
    const key = `${trace.funcs.line[f]}:${trace.strings[trace.funcs.name[f]!]!.split('.').pop()}`;
    table.set(key, [group.ncalls[r]!, group.primitive[r]!]);
  }
  return table;
}

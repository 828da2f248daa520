// What the viewer derives from a Trace once, at load: the lanes to draw (threads, then async
// tracks) with their row indices, per-lane instants, the trace's time bounds, and per-function
// call counts. Everything else is computed per frame from these.

import type { SliceTable, Trace } from '../../src/model/trace.js';
import { buildRowIndex, type RowIndex } from './rows.js';

export interface Lane {
  kind: 'thread' | 'async';
  /** Position in Trace.threads or Trace.asyncTracks. */
  ref: number;
  process: number;
  name: string;
  slices: SliceTable;
  rows: RowIndex;
  /** Positions in Trace.instants of this thread's instants, by time. */
  instants: Int32Array;
}

export interface ViewModel {
  trace: Trace;
  lanes: Lane[];
  /** Lane index of each thread (Trace.threads position -> lanes position). */
  threadLane: Int32Array;
  start: number;
  end: number;
  /** Slices per function over the whole trace. */
  funcCalls: Float64Array;
  totalSlices: number;
  /** Instants that are not a thread's, by process (-1: global), positions in Trace.instants. */
  processInstants: Map<number, Int32Array>;
}

export function buildViewModel(trace: Trace): ViewModel {
  const lanes: Lane[] = [];
  const threadLane = new Int32Array(trace.threads.length);
  const inst = trace.instants;
  const byThread = new Map<number, number[]>();
  const byProcess = new Map<number, number[]>();
  if (inst) {
    for (let i = 0; i < inst.count; i++) {
      const th = inst.thread[i]!;
      const map = th >= 0 ? byThread : byProcess;
      const key = th >= 0 ? th : inst.process[i]!;
      let list = map.get(key);
      if (!list) map.set(key, (list = []));
      list.push(i);
    }
  }
  for (const t of trace.threads) {
    threadLane[t.index] = lanes.length;
    lanes.push({
      kind: 'thread',
      ref: t.index,
      process: t.process,
      name: t.name,
      slices: t.slices,
      rows: buildRowIndex(t.slices),
      instants: Int32Array.from(byThread.get(t.index) ?? []),
    });
  }
  (trace.asyncTracks ?? []).forEach((a, i) => {
    lanes.push({ kind: 'async', ref: i, process: a.process, name: a.name, slices: a.slices, rows: buildRowIndex(a.slices), instants: new Int32Array(0) });
  });

  let start = Infinity;
  let end = -Infinity;
  const funcCalls = new Float64Array(trace.funcs.count);
  let totalSlices = 0;
  for (const lane of lanes) {
    const s = lane.slices;
    totalSlices += s.count;
    for (let i = 0; i < s.count; i++) {
      funcCalls[s.func[i]!]!++;
      const e = s.start[i]! + s.dur[i]!;
      if (e > end) end = e;
    }
    if (s.count > 0 && s.start[0]! < start) start = s.start[0]!;
  }
  for (const t of trace.threads) {
    if (t.startNs < start) start = t.startNs;
    if (t.endNs > end) end = t.endNs;
  }
  const c = trace.counters;
  if (c && c.count > 0) {
    for (let i = 0; i < c.count; i++) {
      if (c.ts[i]! < start) start = c.ts[i]!;
      if (c.ts[i]! > end) end = c.ts[i]!;
    }
  }
  if (inst && inst.count > 0) {
    start = Math.min(start, inst.ts[0]!);
    end = Math.max(end, inst.ts[inst.count - 1]!);
  }
  if (!(start <= end)) {
    start = 0;
    end = 1000;
  }
  const processInstants = new Map<number, Int32Array>();
  for (const [p, list] of byProcess) processInstants.set(p, Int32Array.from(list));
  return { trace, lanes, threadLane, start, end, funcCalls, totalSlices, processInstants };
}

export function funcName(trace: Trace, f: number): string {
  return trace.strings[trace.funcs.name[f]!] ?? '?';
}

/** "file:line", or "" for C functions and marks. */
export function funcPlace(trace: Trace, f: number): string {
  const file = trace.strings[trace.funcs.file[f]!] ?? '';
  return file === '' ? '' : `${file}:${trace.funcs.line[f]}`;
}

// The parts of a Chrome trace that are not call stacks: counters (C), instants (i/I/R/n), flows
// (s/t/f, and flow_in/flow_out with bind_id on slices) and async slices (b/e, legacy S/F),
// gathered while scanning and turned into the Trace's optional tables at the end.

import { f64, i32, u8 } from '../model/columns.js';
import type { TraceTables } from '../model/tables.js';
import {
  FuncKind,
  InstantScope,
  SliceFlag,
  type AsyncTrack,
  type CounterSeries,
  type CounterTable,
  type FlowTable,
  type InstantTable,
} from '../model/trace.js';
import { sortOrder } from './chrome-read-slices.js';

interface SeriesAcc {
  process: number;
  name: string;
  ts: number[];
  value: number[];
}

interface AsyncAcc {
  process: number;
  ts: number[];
  /** +1 begin, -1 end */
  step: number[];
  func: number[];
  names: string[];
}

interface FlowPoint {
  ts: number;
  thread: number;
  /** 0 start, 1 step, 2 end: orders points of equal time. */
  phase: number;
  name: number;
}

export interface ExtraTables {
  counters?: CounterTable;
  instants?: InstantTable;
  flows?: FlowTable;
  asyncTracks?: AsyncTrack[];
  warnings: string[];
}

export class ExtrasAcc {
  private readonly series = new Map<string, SeriesAcc>();
  private readonly inst = { ts: f64(), name: i32(), process: i32(), thread: i32(), scope: u8() };
  private readonly flowPoints = new Map<string, FlowPoint[]>();
  private readonly asyncs = new Map<string, AsyncAcc>();

  constructor(private readonly tables: TraceTables) {}

  counter(process: number, name: string, id: unknown, ts: number, args: unknown): void {
    if (typeof args !== 'object' || args === null) return;
    const base = id === undefined ? name : `${name} ${String(id)}`;
    for (const [key, raw] of Object.entries(args)) {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
      if (!Number.isFinite(value)) continue;
      const label = key === 'value' ? base : `${base} ${key}`;
      const k = `${process}\u0000${label}`;
      let s = this.series.get(k);
      if (!s) this.series.set(k, (s = { process, name: label, ts: [], value: [] }));
      s.ts.push(ts);
      s.value.push(value);
    }
  }

  instant(process: number, thread: number, scope: InstantScope, ts: number, name: string): void {
    const a = this.inst;
    a.ts.push(ts);
    a.name.push(this.tables.intern(name));
    a.process.push(scope === InstantScope.Global ? -1 : process);
    a.thread.push(scope === InstantScope.Thread ? thread : -1);
    a.scope.push(scope);
  }

  /** phase: 0 = s (or flow_out), 1 = t, 2 = f (or flow_in). */
  flow(key: string, phase: number, thread: number, ts: number, name: string): void {
    let points = this.flowPoints.get(key);
    if (!points) this.flowPoints.set(key, (points = []));
    points.push({ ts, thread, phase, name: this.tables.intern(name) });
  }

  async(key: string, process: number, begin: boolean, ts: number, name: string): void {
    let a = this.asyncs.get(key);
    if (!a) this.asyncs.set(key, (a = { process, ts: [], step: [], func: [], names: [] }));
    a.ts.push(ts);
    a.step.push(begin ? 1 : -1);
    a.func.push(begin ? this.tables.func(FuncKind.Mark, name, '', 0) : 0);
    a.names.push(name);
  }

  /** `procMap`/`threadMap`: accumulator index -> final index in the Trace. */
  finish(originUs: number, endUs: number, procMap: Int32Array, threadMap: Int32Array): ExtraTables {
    const toNs = (us: number) => Math.round((us - originUs) * 1000);
    const out: ExtraTables = { warnings: [] };

    if (this.series.size > 0) {
      const all = [...this.series.values()].sort((a, b) => procMap[a.process]! - procMap[b.process]! || (a.name < b.name ? -1 : 1));
      const total = all.reduce((s, a) => s + a.ts.length, 0);
      const table: CounterTable = { series: [], count: total, ts: new Float64Array(total), value: new Float64Array(total) };
      let at = 0;
      for (const s of all) {
        const ts = Float64Array.from(s.ts);
        const order = sortOrder(ts.length, ts);
        const entry: CounterSeries = { process: procMap[s.process]!, name: s.name, offset: at, count: ts.length };
        for (let k = 0; k < ts.length; k++) {
          const i = order ? order[k]! : k;
          table.ts[at] = toNs(ts[i]!);
          table.value[at++] = s.value[i]!;
        }
        table.series.push(entry);
      }
      out.counters = table;
    }

    const a = this.inst;
    if (a.ts.length > 0) {
      const n = a.ts.length;
      const order = sortOrder(n, a.ts.data.subarray(0, n));
      const t: InstantTable = {
        count: n,
        ts: new Float64Array(n),
        name: new Int32Array(n),
        process: new Int32Array(n),
        thread: new Int32Array(n),
        scope: new Uint8Array(n),
      };
      for (let k = 0; k < n; k++) {
        const i = order ? order[k]! : k;
        t.ts[k] = toNs(a.ts.data[i]!);
        t.name[k] = a.name.data[i]!;
        const p = a.process.data[i]!;
        const th = a.thread.data[i]!;
        t.process[k] = p < 0 ? -1 : procMap[p]!;
        t.thread[k] = th < 0 ? -1 : threadMap[th]!;
        t.scope[k] = a.scope.data[i]!;
      }
      out.instants = t;
    }

    if (this.flowPoints.size > 0) {
      const name = i32();
      const fromThread = i32();
      const fromTs = f64();
      const toThread = i32();
      const toTs = f64();
      let lonely = 0;
      for (const points of this.flowPoints.values()) {
        points.sort((p, q) => p.ts - q.ts || p.phase - q.phase);
        if (points.length < 2) lonely++;
        for (let k = 1; k < points.length; k++) {
          const p = points[k - 1]!;
          const q = points[k]!;
          name.push(p.name);
          fromThread.push(threadMap[p.thread]!);
          fromTs.push(toNs(p.ts));
          toThread.push(threadMap[q.thread]!);
          toTs.push(toNs(q.ts));
        }
      }
      const n = name.length;
      const order = sortOrder(n, fromTs.data.subarray(0, n));
      const pick = <T extends Float64Array | Int32Array>(c: T): T => {
        const o = c.slice(0, n) as T;
        if (order) for (let k = 0; k < n; k++) o[k] = c[order[k]!]!;
        return o;
      };
      out.flows = { count: n, name: pick(name.data), fromThread: pick(fromThread.data), fromTs: pick(fromTs.data), toThread: pick(toThread.data), toTs: pick(toTs.data) };
      if (lonely > 0) out.warnings.push(`${lonely} flow${lonely === 1 ? '' : 's'} had only one end and ${lonely === 1 ? 'is' : 'are'} not shown`);
    }

    if (this.asyncs.size > 0) {
      const { tracks, unmatched } = packAsync([...this.asyncs.values()], toNs, toNs(endUs), procMap);
      out.asyncTracks = tracks;
      if (unmatched > 0) out.warnings.push(`${unmatched} async end event${unmatched === 1 ? '' : 's'} (e) had no begin and were ignored`);
    }
    return out;
  }
}

interface AsyncTree {
  process: number;
  name: string;
  start: number[];
  end: number[];
  func: number[];
  depth: number[];
  flags: number[];
}

/** Each async id's events become a tree; trees of the same process and name share lanes, first fit. */
function packAsync(accs: AsyncAcc[], toNs: (us: number) => number, endNs: number, procMap: Int32Array): { tracks: AsyncTrack[]; unmatched: number } {
  let unmatched = 0;
  const groups = new Map<string, AsyncTree[]>();
  for (const a of accs) {
    const ts = Float64Array.from(a.ts);
    const order = sortOrder(ts.length, ts);
    const tree: AsyncTree = { process: procMap[a.process]!, name: '', start: [], end: [], func: [], depth: [], flags: [] };
    const open: number[] = [];
    for (let k = 0; k < ts.length; k++) {
      const i = order ? order[k]! : k;
      if (a.step[i]! > 0) {
        open.push(tree.start.length);
        tree.start.push(toNs(ts[i]!));
        tree.end.push(NaN);
        tree.func.push(a.func[i]!);
        tree.depth.push(open.length - 1);
        tree.flags.push(0);
        if (tree.name === '') tree.name = a.names[i]!;
      } else {
        const s = open.pop();
        if (s === undefined) unmatched++;
        else tree.end[s] = toNs(ts[i]!);
      }
    }
    for (const s of open) {
      tree.end[s] = endNs;
      tree.flags[s] = SliceFlag.Unfinished;
    }
    if (tree.start.length === 0) continue;
    const key = `${tree.process}\u0000${tree.name}`;
    const list = groups.get(key);
    if (list) list.push(tree);
    else groups.set(key, [tree]);
  }
  const tracks: AsyncTrack[] = [];
  const keys = [...groups.keys()].sort();
  for (const key of keys) {
    const trees = groups.get(key)!.sort((p, q) => p.start[0]! - q.start[0]!);
    const lanes: { until: number; trees: AsyncTree[] }[] = [];
    for (const t of trees) {
      const until = Math.max(...t.end);
      const lane = lanes.find((l) => l.until <= t.start[0]!);
      if (lane) {
        lane.trees.push(t);
        lane.until = until;
      } else lanes.push({ until, trees: [t] });
    }
    for (const lane of lanes) {
      const n = lane.trees.reduce((s, t) => s + t.start.length, 0);
      const slices = { count: n, start: new Float64Array(n), dur: new Float64Array(n), func: new Int32Array(n), depth: new Uint16Array(n), flags: new Uint8Array(n) };
      let k = 0;
      for (const t of lane.trees) {
        for (let j = 0; j < t.start.length; j++, k++) {
          slices.start[k] = t.start[j]!;
          slices.dur[k] = Math.max(0, t.end[j]! - t.start[j]!);
          slices.func[k] = t.func[j]!;
          slices.depth[k] = Math.min(t.depth[j]!, 0xffff);
          slices.flags[k] = t.flags[j]!;
        }
      }
      tracks.push({ process: lane.trees[0]!.process, name: lane.trees[0]!.name, slices });
    }
  }
  return { tracks, unmatched };
}

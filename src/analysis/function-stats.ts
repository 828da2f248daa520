// Function statistics with cProfile's meaning (Modules/_lsprof.c), computed from a Trace's slices.
//
// Everything is kept as columns: one row per function that was called in a group, never an object
// per call. Rows are compact (only functions seen in the group) rather than indexed by func
// directly, because per-thread grouping times a trace-wide FuncTable would cost
// threads x funcs x columns of memory for mostly-zero rows.
//
// cProfile's rules, reproduced here:
// - every slice is a call; a generator/coroutine resume is its own slice, so its own call;
// - a call is primitive when no call of the same function is open on that thread's stack;
// - tottime is a call's duration minus its direct children's durations;
// - cumtime adds a call's duration only for primitive calls, so recursion never counts twice;
// - caller->callee edges follow the same rules with "the same edge open" in place of "the same
//   function open" (pstats' callers/callees).
// - a call still running when the trace ended counts with the time it had, as cProfile counts
//   the frames still open when profiling stops.
// With C functions excluded (cProfile's builtins=False) a C slice is transparent: its time stays
// in its Python caller's tottime and the Python functions it calls back count their nearest Python
// ancestor as caller.

import { FuncKind, type Trace } from '../model/trace.js';

export type StatsGrouping = 'all' | 'process' | 'thread';

export interface FunctionStatsOptions {
  /** One group for the whole trace (default), one per process, or one per thread. */
  by?: StatsGrouping;
  /** Count C functions (builtins, methods of C types). Default true. */
  includeC?: boolean;
  /** Also compute caller->callee edges. Default false: it costs a hash lookup per call. */
  edges?: boolean;
}

/** Caller -> callee pairs of one group, as columns (pstats' callers/callees). */
export interface CallEdges {
  count: number;
  /** Canonical func indices (see FunctionStats.canonical). */
  caller: Int32Array;
  callee: Int32Array;
  /** Calls of callee made directly by caller. */
  ncalls: Float64Array;
  /** Of those, the calls made while this same caller->callee pair was not already open. */
  primitive: Float64Array;
  /** Callee's self time in those calls. */
  tottime: Float64Array;
  /** Callee's total time in the primitive ones. */
  cumtime: Float64Array;
}

/** The functions called in one group: row r describes function func[r]. */
export interface FunctionStatsGroup {
  /** Position in Trace.processes, or -1 when the group spans the whole trace. */
  process: number;
  /** Position in Trace.threads, or -1 unless grouped by thread. */
  thread: number;
  /** Threads counted in this group, and the distinct processes they belong to. */
  threads: number[];
  processes: number[];
  rows: number;
  /** Canonical func index of each row, ascending. */
  func: Int32Array;
  ncalls: Float64Array;
  primitive: Float64Array;
  /** ns */
  tottime: Float64Array;
  cumtime: Float64Array;
  /** tottime / ncalls */
  tottimePerCall: Float64Array;
  /** cumtime / primitive */
  cumtimePerCall: Float64Array;
  totalCalls: number;
  primitiveCalls: number;
  /** Sum of tottime: time inside counted functions, summed over threads. */
  totalNs: number;
  /** From the earliest start to the latest end of the group's threads. */
  wallNs: number;
  edges: CallEdges | null;
}

export interface FunctionStats {
  by: StatsGrouping;
  includeC: boolean;
  groups: FunctionStatsGroup[];
  /** func index -> the first func index with the same kind, name, file and line. Rows are keyed
   *  by the canonical one so that a function is one row even when the trace builder gave it one
   *  FuncTable entry per process (func ids are per process in the agent's streams). */
  canonical: Int32Array;
}

export function computeFunctionStats(trace: Trace, options: FunctionStatsOptions = {}): FunctionStats {
  const by = options.by ?? 'all';
  const includeC = options.includeC ?? true;
  const canonical = canonicalFuncs(trace);
  const counted = new Uint8Array(trace.funcs.count);
  for (let f = 0; f < trace.funcs.count; f++) {
    const kind = trace.funcs.kind[f];
    counted[f] = kind === FuncKind.Mark || (!includeC && kind === FuncKind.C) ? 0 : 1;
  }
  const acc = new Accumulator(trace, canonical, counted, options.edges ?? false);
  const groups: FunctionStatsGroup[] = [];
  const add = (process: number, thread: number, threads: number[]) => {
    for (const t of threads) acc.addThread(t);
    groups.push(acc.finish(process, thread, threads));
  };
  if (by === 'all') add(-1, -1, trace.threads.map((t) => t.index));
  else if (by === 'process') for (const p of trace.processes) add(p.index, -1, p.threads.slice());
  else for (const t of trace.threads) add(t.process, t.index, [t.index]);
  return { by, includeC, groups, canonical };
}

function canonicalFuncs(trace: Trace): Int32Array {
  const { funcs, strings } = trace;
  const canonical = new Int32Array(funcs.count);
  const first = new Map<string, number>();
  for (let f = 0; f < funcs.count; f++) {
    const key = `${funcs.kind[f]}\0${strings[funcs.name[f]]}\0${strings[funcs.file[f]]}\0${funcs.line[f]}`;
    const seen = first.get(key);
    if (seen === undefined) first.set(key, f);
    canonical[f] = seen ?? f;
  }
  return canonical;
}

/** Sums one group's threads into func-indexed scratch columns, reused from group to group. */
class Accumulator {
  private readonly ncalls: Float64Array;
  private readonly primitive: Float64Array;
  private readonly tottime: Float64Array;
  private readonly cumtime: Float64Array;
  /** Open calls per function on the current thread's stack: > 0 means a call is recursive. */
  private readonly open: Int32Array;
  private readonly seen: Uint8Array;
  private touched: number[] = [];
  private edges: EdgeBuilder | null;

  // The current thread's stack, one entry per open slice (counted or not).
  private stackFunc = new Int32Array(256);
  /** Stack position of the nearest counted entry at or below this one, -1 if none. */
  private stackOwner = new Int32Array(256);
  /** Edge index of a counted entry's incoming call, -1 if none. */
  private stackEdge = new Int32Array(256);

  constructor(
    private readonly trace: Trace,
    private readonly canonical: Int32Array,
    private readonly counted: Uint8Array,
    withEdges: boolean,
  ) {
    const n = trace.funcs.count;
    this.ncalls = new Float64Array(n);
    this.primitive = new Float64Array(n);
    this.tottime = new Float64Array(n);
    this.cumtime = new Float64Array(n);
    this.open = new Int32Array(n);
    this.seen = new Uint8Array(n);
    this.edges = withEdges ? new EdgeBuilder() : null;
  }

  addThread(thread: number): void {
    const s = this.trace.threads[thread]!.slices;
    const { canonical, counted, ncalls, primitive, tottime, cumtime, open, edges } = this;
    let top = 0;
    for (let i = 0; i < s.count; i++) {
      // A depth that skips levels (a lost event) attaches to the innermost open call.
      const depth = Math.min(s.depth[i]!, top);
      while (top > depth) this.pop(--top);
      if (top === this.stackFunc.length) this.grow();
      const raw = s.func[i]!;
      const f = canonical[raw]!;
      const dur = s.dur[i]!;
      const owner = top > 0 ? this.stackOwner[top - 1]! : -1;
      this.stackEdge[top] = -1;
      if (!counted[raw]) {
        this.stackFunc[top] = -1;
        this.stackOwner[top] = owner;
        top++;
        continue;
      }
      this.stackFunc[top] = f;
      this.stackOwner[top] = top;
      if (!this.seen[f]) {
        this.seen[f] = 1;
        this.touched.push(f);
      }
      ncalls[f]!++;
      tottime[f]! += dur;
      if (open[f] === 0) {
        primitive[f]!++;
        cumtime[f]! += dur;
      }
      open[f]!++;
      if (owner >= 0) {
        tottime[this.stackFunc[owner]!]! -= dur;
        if (edges) {
          const ownerEdge = this.stackEdge[owner]!;
          if (ownerEdge >= 0) edges.tottime[ownerEdge]! -= dur;
          this.stackEdge[top] = edges.call(this.stackFunc[owner]!, f, dur);
        }
      }
      top++;
    }
    while (top > 0) this.pop(--top);
  }

  private pop(at: number): void {
    const f = this.stackFunc[at]!;
    if (f < 0) return;
    this.open[f]!--;
    const e = this.stackEdge[at]!;
    if (e >= 0) this.edges!.open[e]!--;
  }

  private grow(): void {
    const size = this.stackFunc.length * 2;
    const widen = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.stackFunc = widen(this.stackFunc);
    this.stackOwner = widen(this.stackOwner);
    this.stackEdge = widen(this.stackEdge);
  }

  /** Moves the sums into a compact group and clears the scratch columns it used. */
  finish(process: number, thread: number, threads: number[]): FunctionStatsGroup {
    const funcs = Int32Array.from(this.touched).sort();
    const rows = funcs.length;
    const g: FunctionStatsGroup = {
      process,
      thread,
      threads,
      processes: [...new Set(threads.map((t) => this.trace.threads[t]!.process))],
      rows,
      func: funcs,
      ncalls: new Float64Array(rows),
      primitive: new Float64Array(rows),
      tottime: new Float64Array(rows),
      cumtime: new Float64Array(rows),
      tottimePerCall: new Float64Array(rows),
      cumtimePerCall: new Float64Array(rows),
      totalCalls: 0,
      primitiveCalls: 0,
      totalNs: 0,
      wallNs: wallSpan(this.trace, threads),
      edges: this.edges ? this.edges.finish() : null,
    };
    for (let r = 0; r < rows; r++) {
      const f = funcs[r]!;
      g.ncalls[r] = this.ncalls[f]!;
      g.primitive[r] = this.primitive[f]!;
      g.tottime[r] = this.tottime[f]!;
      g.cumtime[r] = this.cumtime[f]!;
      g.tottimePerCall[r] = this.tottime[f]! / this.ncalls[f]!;
      g.cumtimePerCall[r] = this.primitive[f]! > 0 ? this.cumtime[f]! / this.primitive[f]! : 0;
      g.totalCalls += this.ncalls[f]!;
      g.primitiveCalls += this.primitive[f]!;
      g.totalNs += this.tottime[f]!;
      this.ncalls[f] = this.primitive[f] = this.tottime[f] = this.cumtime[f] = 0;
      this.seen[f] = 0;
    }
    this.touched = [];
    if (this.edges) this.edges = new EdgeBuilder();
    return g;
  }
}

/** From the earliest start to the latest end of the given threads, ns. */
export function wallSpan(trace: Trace, threads: readonly number[]): number {
  let start = Infinity;
  let end = -Infinity;
  for (const t of threads) {
    const lane = trace.threads[t]!;
    start = Math.min(start, lane.startNs);
    end = Math.max(end, lane.endNs);
  }
  return end > start ? end - start : 0;
}

/** Growable edge columns keyed by (caller, callee). The key lookup is an open-addressing table
 *  over typed arrays: a Map holding millions of pairs costs seconds, this costs a fraction. */
class EdgeBuilder {
  /** Edge index + 1 per slot, 0 = empty; kept at most half full. */
  private slots = new Int32Array(128);
  count = 0;
  caller = new Int32Array(64);
  callee = new Int32Array(64);
  ncalls = new Float64Array(64);
  primitive = new Float64Array(64);
  tottime = new Float64Array(64);
  cumtime = new Float64Array(64);
  /** Open calls along this edge on the current stack. */
  open = new Int32Array(64);

  /** Records one call and returns its edge; tottime starts as the full duration, and the
   *  caller of this method subtracts children as they come. */
  call(caller: number, callee: number, dur: number): number {
    const e = this.find(caller, callee);
    this.ncalls[e]!++;
    this.tottime[e]! += dur;
    if (this.open[e] === 0) {
      this.primitive[e]!++;
      this.cumtime[e]! += dur;
    }
    this.open[e]!++;
    return e;
  }

  private find(caller: number, callee: number): number {
    const mask = this.slots.length - 1;
    let slot = slotHash(caller, callee) & mask;
    for (let v = this.slots[slot]!; v !== 0; v = this.slots[slot]!) {
      if (this.caller[v - 1] === caller && this.callee[v - 1] === callee) return v - 1;
      slot = (slot + 1) & mask;
    }
    const e = this.count++;
    if (e === this.caller.length) this.grow();
    this.caller[e] = caller;
    this.callee[e] = callee;
    this.slots[slot] = e + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return e;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let e = 0; e < this.count; e++) {
      let slot = slotHash(this.caller[e]!, this.callee[e]!) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = e + 1;
    }
  }

  private grow(): void {
    const size = this.caller.length * 2;
    const wider = <A extends Int32Array | Float64Array>(a: A): A => {
      const b = new (a.constructor as new (n: number) => A)(size);
      b.set(a);
      return b;
    };
    this.caller = wider(this.caller);
    this.callee = wider(this.callee);
    this.ncalls = wider(this.ncalls);
    this.primitive = wider(this.primitive);
    this.tottime = wider(this.tottime);
    this.cumtime = wider(this.cumtime);
    this.open = wider(this.open);
  }

  finish(): CallEdges {
    const n = this.count;
    return {
      count: n,
      caller: this.caller.slice(0, n),
      callee: this.callee.slice(0, n),
      ncalls: this.ncalls.slice(0, n),
      primitive: this.primitive.slice(0, n),
      tottime: this.tottime.slice(0, n),
      cumtime: this.cumtime.slice(0, n),
    };
  }
}

function slotHash(a: number, b: number): number {
  const h = Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

export const SORT_KEYS = ['tottime', 'cumtime', 'ncalls', 'percall', 'name', 'file'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Row numbers of a group in display order: numbers largest first, names and files A-Z; ties
 *  broken by name, file, line so that output is stable from run to run. */
export function orderRows(trace: Trace, group: FunctionStatsGroup, key: SortKey): Int32Array {
  const { funcs, strings } = trace;
  const name = (r: number) => strings[funcs.name[group.func[r]!]!] ?? '';
  const file = (r: number) => strings[funcs.file[group.func[r]!]!] ?? '';
  const line = (r: number) => funcs.line[group.func[r]!]!;
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const byIdentity = (a: number, b: number) =>
    byText(name(a), name(b)) || byText(file(a), file(b)) || line(a) - line(b) || a - b;
  const desc = (col: Float64Array) => (a: number, b: number) => col[b]! - col[a]! || byIdentity(a, b);
  const compare: Record<SortKey, (a: number, b: number) => number> = {
    tottime: desc(group.tottime),
    cumtime: desc(group.cumtime),
    ncalls: desc(group.ncalls),
    percall: desc(group.tottimePerCall),
    name: byIdentity,
    file: (a, b) => byText(file(a), file(b)) || line(a) - line(b) || byIdentity(a, b),
  };
  const order = new Int32Array(group.rows);
  for (let r = 0; r < group.rows; r++) order[r] = r;
  return order.sort(compare[key]);
}

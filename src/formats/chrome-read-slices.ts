// One thread's complete (X) and begin/end (B/E) events of a Chrome trace, turned into the
// model's SliceTable: B/E paired (in time order, whatever the file order), everything sorted into
// pre-order, depths assigned, and what does not nest cut to fit, so that the columns keep the
// model's promise (no overlap within a depth) that the viewer and the analyses rely on.

import { f64, i32, u8 } from '../model/columns.js';
import { SliceFlag, type SliceTable } from '../model/trace.js';

export const enum RawKind {
  Complete = 0,
  Begin = 1,
  End = 2,
}

/** Raw events of one thread, in file order; times in the file's microseconds. */
export class ThreadEvents {
  readonly ts = f64();
  readonly dur = f64();
  readonly kind = u8();
  readonly func = i32();
  readonly flags = u8();
  minTs = Infinity;
  maxTs = -Infinity;

  add(kind: RawKind, ts: number, dur: number, func: number, flags: number): void {
    this.ts.push(ts);
    this.dur.push(dur);
    this.kind.push(kind);
    this.func.push(func);
    this.flags.push(flags);
    this.see(ts);
    if (kind === RawKind.Complete) this.see(ts + dur);
  }

  /** A moment of this thread that is not a slice (an instant, a flow end). */
  see(ts: number): void {
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
  }
}

export interface BuiltSlices {
  slices: SliceTable;
  /** E events with no open B. */
  unmatchedEnds: number;
  /** B events never closed: they run to the thread's last event. */
  unclosedBegins: number;
  /** Slices that ended after their parent and were cut at the parent's end. */
  clipped: number;
}

/** Ascending order of `key` (ties: `tie`, descending, then position); null when already in it. */
export function sortOrder(n: number, key: Float64Array, tie?: Float64Array): Uint32Array | null {
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    const d = key[i]! - key[i - 1]!;
    if (d < 0 || (d === 0 && tie && tie[i]! > tie[i - 1]!)) sorted = false;
  }
  if (sorted) return null;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => key[a]! - key[b]! || (tie ? tie[b]! - tie[a]! : 0) || a - b);
  return order;
}

/** `originUs`: time 0 of the trace in the file's microseconds. */
export function buildSlices(ev: ThreadEvents, originUs: number): BuiltSlices {
  const n = ev.kind.length;
  const ts = ev.ts.data;
  const kind = ev.kind.data;
  const toNs = (us: number) => Math.round((us - originUs) * 1000);

  const start = f64(n);
  const end = f64(n);
  const func = i32(n);
  const flags = u8(n);
  let unmatchedEnds = 0;
  let unclosedBegins = 0;

  // Begin/end pairs, matched in time order (file order among equal times).
  const be: number[] = [];
  for (let i = 0; i < n; i++) {
    if (kind[i] === RawKind.Complete) {
      start.push(toNs(ts[i]!));
      end.push(toNs(ts[i]! + Math.max(0, ev.dur.data[i]!)));
      func.push(ev.func.data[i]!);
      flags.push(ev.flags.data[i]!);
    } else be.push(i);
  }
  if (be.length > 0) {
    const beTs = Float64Array.from(be, (i) => ts[i]!);
    const order = sortOrder(be.length, beTs);
    const open: number[] = [];
    for (let k = 0; k < be.length; k++) {
      const i = be[order ? order[k]! : k]!;
      if (kind[i] === RawKind.Begin) {
        open.push(i);
        continue;
      }
      const b = open.pop();
      if (b === undefined) {
        unmatchedEnds++;
        continue;
      }
      start.push(toNs(ts[b]!));
      end.push(toNs(ts[i]!));
      func.push(ev.func.data[b]!);
      flags.push(ev.flags.data[b]! | ev.flags.data[i]!);
    }
    for (const b of open) {
      unclosedBegins++;
      start.push(toNs(ts[b]!));
      end.push(toNs(ev.maxTs));
      func.push(ev.func.data[b]!);
      flags.push(ev.flags.data[b]! | SliceFlag.Unfinished);
    }
  }

  // Pre-order: by start, the longer (the parent) first among equal starts.
  const m = start.length;
  const s0 = start.data;
  const e0 = end.data;
  const len = new Float64Array(m);
  for (let i = 0; i < m; i++) len[i] = e0[i]! - s0[i]!;
  const order = sortOrder(m, s0.subarray(0, m), len);
  const slices: SliceTable = {
    count: m,
    start: new Float64Array(m),
    dur: new Float64Array(m),
    func: new Int32Array(m),
    depth: new Uint16Array(m),
    flags: new Uint8Array(m),
  };
  const stackEnd: number[] = [];
  let clipped = 0;
  for (let k = 0; k < m; k++) {
    const i = order ? order[k]! : k;
    const s = s0[i]!;
    let e = e0[i]!;
    while (stackEnd.length > 0 && stackEnd[stackEnd.length - 1]! <= s) stackEnd.pop();
    const parentEnd = stackEnd.length > 0 ? stackEnd[stackEnd.length - 1]! : Infinity;
    if (e > parentEnd) {
      e = parentEnd;
      clipped++;
    }
    slices.start[k] = s;
    slices.dur[k] = e - s;
    slices.func[k] = func.data[i]!;
    slices.depth[k] = Math.min(stackEnd.length, 0xffff);
    slices.flags[k] = flags.data[i]!;
    stackEnd.push(e);
  }
  return { slices, unmatchedEnds, unclosedBegins, clipped };
}

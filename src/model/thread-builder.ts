// Turns one thread's enter/exit events into call slices by stack matching (the nesting rules of
// docs/stream-format.md). Slices are allocated at entry, so the columns come out in pre-order
// without sorting. Func ids stay process-local here; the session builder maps them to the
// trace-wide FuncTable once every `funcs` record of the process has been read.

import { EventKind, type ThreadEvents } from '../stream/decode.js';
import { f64, i32, u16, u8 } from './columns.js';
import { SliceFlag } from './trace.js';

/** Build-time flag: the frame was entered by C_ENTER. Removed before slices leave the builder. */
export const C_FRAME = 0x80;
const MAX_DEPTH = 0xffff;

export class ThreadBuilder {
  ident = 0;
  native = 0;
  name = '';
  isMain: boolean;
  /** ns since origin from the thread record, when one was seen. */
  metaStartNs: number | null = null;
  firstNs = NaN;
  lastNs = NaN;
  readonly start = f64();
  readonly dur = f64();
  readonly func = i32();
  readonly depth = u16();
  readonly flags = u8();
  private readonly stack = i32(64);
  /** Exits with no open frame, plus exits naming a function that is not open. */
  unmatchedExits = 0;

  constructor(readonly serial: number) {
    this.isMain = serial === 0;
  }

  get sliceCount(): number {
    return this.start.length;
  }

  /** Feeds events [from, to) of `ev`, which must follow every event fed before. */
  addEvents(ev: ThreadEvents, from = 0, to = ev.count): void {
    if (to <= from) return;
    const kinds = ev.kind;
    const times = ev.time;
    const args = ev.arg;
    let enters = 0;
    for (let i = from; i < to; i++) {
      const k = kinds[i]!;
      if (k === EventKind.Enter || k === EventKind.CEnter) enters++;
    }
    let count = this.start.length;
    let sp = this.stack.length;
    this.start.reserve(count + enters);
    this.dur.reserve(count + enters);
    this.func.reserve(count + enters);
    this.depth.reserve(count + enters);
    this.flags.reserve(count + enters);
    this.stack.reserve(sp + enters);
    const start = this.start.data;
    const dur = this.dur.data;
    const func = this.func.data;
    const depth = this.depth.data;
    const flags = this.flags.data;
    const stack = this.stack.data;
    let unmatched = 0;

    for (let i = from; i < to; i++) {
      const k = kinds[i]!;
      const t = times[i]!;
      if (k === EventKind.Enter || k === EventKind.CEnter) {
        start[count] = t;
        dur[count] = 0;
        func[count] = args[i]!;
        depth[count] = sp < MAX_DEPTH ? sp : MAX_DEPTH;
        flags[count] = k === EventKind.CEnter ? C_FRAME : 0;
        stack[sp++] = count++;
      } else if (k === EventKind.Exit || k === EventKind.Unwind || k === EventKind.CExit) {
        if (sp === 0) {
          unmatched++;
          continue;
        }
        // The innermost open frame of the same class (Python or C) and, when the exit names
        // one, the same function. Normally the top; deeper only after a lost exit.
        const cls = k === EventKind.CExit ? C_FRAME : 0;
        const id = args[i]!;
        let j = sp - 1;
        for (; j >= 0; j--) {
          const s = stack[j]!;
          if ((flags[s]! & C_FRAME) === cls && (id === 0 || func[s] === id)) break;
        }
        if (j < 0) {
          unmatched++;
          continue;
        }
        for (let q = sp - 1; q >= j; q--) {
          const s = stack[q]!;
          dur[s] = t - start[s]!;
        }
        if (k === EventKind.Unwind) flags[stack[j]!] |= SliceFlag.Unwound;
        sp = j;
      }
    }

    this.start.length = this.dur.length = this.func.length = count;
    this.depth.length = this.flags.length = count;
    this.stack.length = sp;
    this.unmatchedExits += unmatched;
    if (Number.isNaN(this.firstNs)) this.firstNs = times[from]!;
    this.lastNs = times[to - 1]!;
  }

  /** True while some slice has not ended. */
  get open(): boolean {
    return this.stack.length > 0;
  }

  /** Ends the slices still open at `endNs` and marks them Unfinished. */
  closeOpen(endNs: number): void {
    const stack = this.stack.data;
    const start = this.start.data;
    const dur = this.dur.data;
    const flags = this.flags.data;
    for (let q = 0; q < this.stack.length; q++) {
      const s = stack[q]!;
      dur[s] = Math.max(0, endNs - start[s]!);
      flags[s] |= SliceFlag.Unfinished;
    }
    this.stack.length = 0;
  }
}

// Hand-made Traces for unit tests, from a compact text that reads like the call tree:
//
//   main 0 100          name start dur (ns); two spaces of indent per nesting level
//     f 10 50
//       {len} 20 5      {name}: a C function
//     g@lib.py:7 70 20  name@file:line; without it the file is app.py and the line is the
//                       function's order of first appearance in the trace (1, 2, ...)
//
// The text is checked (children inside their parent, in start order) so a typo in a test fails
// loudly instead of testing a trace the model would never hold.

import { FuncKind, type FuncTable, type ProcessInfo, type SliceTable, type ThreadLane, type Trace } from '../../../src/model/trace.js';

export interface ThreadSpec {
  name?: string;
  calls: string;
  /** Default: first slice's start and last slice's end. */
  startNs?: number;
  endNs?: number;
}

export interface ProcessSpec {
  pid?: number;
  name?: string;
  /** A bare string is a thread's calls. The first thread is the main thread. */
  threads: (ThreadSpec | string)[];
  /** Give this process FuncTable entries of its own even for functions seen elsewhere, as a
   *  trace builder keeping the agent's per-process func ids would. */
  ownFuncs?: boolean;
}

export function traceOf(...processes: ProcessSpec[]): Trace {
  const b = new Builder();
  const trace: Trace = {
    originNs: '0',
    strings: b.strings,
    funcs: b.funcs,
    processes: [],
    threads: [],
    meta: { command: ['python', 'app.py'], recordedAt: 0, warnings: [] },
  };
  processes.forEach((spec, p) => {
    const info: ProcessInfo = {
      index: p,
      pid: spec.pid ?? 100 + p,
      ppid: 1,
      parent: -1,
      name: spec.name ?? '',
      argv: ['python', 'app.py'],
      exe: '/usr/bin/python3',
      python: '3.11.7',
      forkOf: null,
      startNs: 0,
      endNs: 0,
      end: { how: 'exit', code: 0, signal: null, text: 'exited with status 0' },
      threads: [],
      droppedEvents: 0,
      truncatedBytes: 0,
    };
    spec.threads.forEach((t, serial) => {
      const ts: ThreadSpec = typeof t === 'string' ? { calls: t } : t;
      const lane = b.thread(ts, trace.threads.length, p, serial, spec.ownFuncs ? `${p}:` : '');
      info.threads.push(lane.index);
      trace.threads.push(lane);
    });
    const lanes = info.threads.map((i) => trace.threads[i]!);
    info.startNs = Math.min(...lanes.map((l) => l.startNs));
    info.endNs = Math.max(...lanes.map((l) => l.endNs));
    trace.processes.push(info);
  });
  b.seal();
  return trace;
}

/** One process with one thread. */
export function singleThread(calls: string): Trace {
  return traceOf({ threads: [calls] });
}

class Builder {
  strings: string[] = ['', '<unknown>'];
  private stringIds = new Map<string, number>([['', 0], ['<unknown>', 1]]);
  private funcIds = new Map<string, number>();
  private names: number[] = [1];
  private files: number[] = [0];
  private lines: number[] = [0];
  private kinds: number[] = [0];
  funcs: FuncTable = { count: 0, name: new Int32Array(), file: new Int32Array(), line: new Int32Array(), kind: new Uint8Array() };

  thread(spec: ThreadSpec, index: number, process: number, serial: number, scope: string): ThreadLane {
    const rows = spec.calls.split('\n').filter((l) => l.trim() !== '');
    const margin = Math.min(...rows.map((l) => l.length - l.trimStart().length));
    const slices: SliceTable = {
      count: rows.length,
      start: new Float64Array(rows.length),
      dur: new Float64Array(rows.length),
      func: new Int32Array(rows.length),
      depth: new Uint16Array(rows.length),
      flags: new Uint8Array(rows.length),
    };
    const open: number[] = []; // slice indices of the current ancestors
    rows.forEach((row, i) => {
      const indent = row.length - row.trimStart().length - margin;
      const [spec_, start, dur, extra] = row.trim().split(/\s+/);
      if (indent % 2 !== 0 || extra !== undefined || spec_ === undefined || dur === undefined) throw new Error(`bad call line: '${row}'`);
      const depth = indent / 2;
      if (depth > open.length) throw new Error(`'${row}' is indented deeper than its parent's child`);
      open.length = depth;
      slices.start[i] = Number(start);
      slices.dur[i] = Number(dur);
      slices.func[i] = this.func(spec_, scope);
      slices.depth[i] = depth;
      const parent = open[depth - 1];
      const prev = i > 0 ? slices.start[i - 1]! : -Infinity;
      if (!(slices.start[i]! >= prev) || slices.dur[i]! < 0) throw new Error(`'${row}' starts before the line above it`);
      if (parent !== undefined && slices.start[i]! + slices.dur[i]! > slices.start[parent]! + slices.dur[parent]!) {
        throw new Error(`'${row}' ends after its parent`);
      }
      open.push(i);
    });
    let first = Infinity;
    let last = -Infinity;
    for (let i = 0; i < slices.count; i++) {
      first = Math.min(first, slices.start[i]!);
      last = Math.max(last, slices.start[i]! + slices.dur[i]!);
    }
    return {
      index,
      process,
      serial,
      ident: 1000 + index,
      native: 2000 + index,
      name: spec.name ?? (serial === 0 ? 'MainThread' : `Thread-${serial}`),
      isMain: serial === 0,
      startNs: spec.startNs ?? (slices.count > 0 ? first : 0),
      endNs: spec.endNs ?? (slices.count > 0 ? last : 0),
      slices,
      unmatchedExits: 0,
    };
  }

  private func(spec: string, scope: string): number {
    const known = this.funcIds.get(scope + spec);
    if (known !== undefined) return known;
    let kind = FuncKind.Python;
    let name = spec;
    let file = 'app.py';
    let line = this.names.length;
    const c = /^\{(.+)\}$/.exec(spec);
    const at = /^(.+)@(.+):(\d+)$/.exec(spec);
    if (c) {
      kind = FuncKind.C;
      name = c[1]!;
      file = '';
      line = 0;
    } else if (at) {
      [name, file, line] = [at[1]!, at[2]!, Number(at[3])];
    }
    const id = this.names.length;
    this.names.push(this.string(name));
    this.files.push(this.string(file));
    this.lines.push(line);
    this.kinds.push(kind);
    this.funcIds.set(scope + spec, id);
    return id;
  }

  private string(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  /** Fills the FuncTable columns once every thread is built. */
  seal(): void {
    Object.assign(this.funcs, {
      count: this.names.length,
      name: Int32Array.from(this.names),
      file: Int32Array.from(this.files),
      line: Int32Array.from(this.lines),
      kind: Uint8Array.from(this.kinds),
    });
  }
}

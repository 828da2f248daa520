// Reads a .weft file held in memory into a Trace whose raw columns are views into that memory (no
// copy) and whose compact columns are decoded into arrays of their own. Everything is checked
// before use, because a damaged or hand-made file must end in one clear line for the user, never
// in an exception deep inside an analysis or the viewer.

import { UserError } from '../util/errors.js';
import type {
  AsyncTrack,
  CounterSeries,
  FuncTable,
  ProcessEnd,
  ProcessInfo,
  ThreadLane,
  Trace,
  TraceMeta,
} from '../model/trace.js';
import {
  ASYNC_SECTIONS,
  COUNTER_SECTIONS,
  FLOW_SECTIONS,
  FUNC_SECTIONS,
  INSTANT_SECTIONS,
  LITTLE_ENDIAN,
  PREAMBLE_BYTES,
  SLICE_SECTIONS,
  type SectionType,
  TYPE_BYTES,
  WEFT_MAGIC,
  WEFT_VERSION,
  WEFT_VERSIONS_READ,
  align8,
} from './weft-layout.js';
import { CODECS, type Codec, decodeColumn } from './weft-codecs.js';

type Typed = Float64Array | Int32Array | Uint16Array | Uint8Array;
type Obj = Record<string, unknown>;

class Corrupt extends Error {}

function need(ok: boolean, why: string): asserts ok {
  if (!ok) throw new Corrupt(why);
}

/** `bytes` must start at an 8-byte aligned offset of its buffer (copy it first otherwise). */
export function decodeWeftFile(bytes: Uint8Array, name: string): Trace {
  const n = Math.min(bytes.length, WEFT_MAGIC.length);
  for (let i = 0; i < n; i++) {
    if (bytes[i] !== WEFT_MAGIC.charCodeAt(i)) throw new UserError(`${name} is not a weft trace file`);
  }
  if (!LITTLE_ENDIAN) throw new UserError('weft reads .weft files on little-endian machines only');
  try {
    return decode(bytes, name);
  } catch (err) {
    if (err instanceof Corrupt) throw new UserError(`${name} is corrupt: ${err.message}`);
    throw err;
  }
}

function decode(bytes: Uint8Array, name: string): Trace {
  need(bytes.length >= PREAMBLE_BYTES, 'the file is truncated');
  need(bytes.byteOffset % 8 === 0, 'internal: buffer not aligned');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (!WEFT_VERSIONS_READ.includes(version)) {
    throw new UserError(`${name} is a .weft file of version ${version}; this weft reads versions up to ${WEFT_VERSION}`);
  }
  const headerBytes = dv.getUint32(12, true);
  need(PREAMBLE_BYTES + headerBytes <= bytes.length, 'the file is truncated (header)');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerBytes)));
  } catch {
    throw new Corrupt('the header is not valid JSON');
  }
  need(isObj(header), 'the header is not an object');
  const dataStart = align8(PREAMBLE_BYTES + headerBytes);

  const strings = header.strings;
  need(Array.isArray(strings) && strings.every((s) => typeof s === 'string'), 'bad string table');
  const funcCount = count(header.funcCount, 'funcCount');
  const sliceCount = count(header.sliceCount, 'sliceCount');
  const originNs = header.originNs;
  need(typeof originNs === 'string' && /^-?\d+$/.test(originNs), 'bad originNs');

  const sections = readSections(header.sections, bytes, dataStart);
  const col = (sec: string, type: SectionType, length: number): Typed => {
    const s = sections.get(sec);
    need(s !== undefined, `section ${sec} is missing`);
    need(s.type === type, `section ${sec} has type ${s.type}, expected ${type}`);
    need(s.length === length, `section ${sec} holds ${s.length} values, expected ${length}`);
    return s.view;
  };
  const fc = FUNC_SECTIONS.map(([sec, type]) => col(sec, type, funcCount));
  const funcs: FuncTable = {
    count: funcCount,
    name: fc[0] as Int32Array,
    file: fc[1] as Int32Array,
    line: fc[2] as Int32Array,
    kind: fc[3] as Uint8Array,
  };
  // Messages are built only on failure: these loops run once per func and per slice.
  for (let i = 0; i < funcCount; i++) {
    if (!inRange(funcs.name[i]!, strings.length) || !inRange(funcs.file[i]!, strings.length)) {
      throw new Corrupt(`func ${i} names a missing string`);
    }
  }
  const sc = SLICE_SECTIONS.map(([sec, type]) => col(sec, type, sliceCount));
  const sliceFunc = sc[2] as Int32Array;
  for (let i = 0; i < sliceCount; i++) {
    const f = sliceFunc[i]!;
    if (f < 0 || f >= funcCount) throw new Corrupt(`slice ${i} names a missing func`);
  }

  need(Array.isArray(header.processes), 'bad process list');
  need(Array.isArray(header.threads), 'bad thread list');
  const processes = header.processes.map((p, i) => readProcess(p, i));
  const threads = header.threads.map((t, i): ThreadLane => {
    need(isObj(t), `thread ${i} is not an object`);
    const off = count(t.sliceOffset, `thread ${i} sliceOffset`);
    const cnt = count(t.sliceCount, `thread ${i} sliceCount`);
    need(off + cnt <= sliceCount, `thread ${i} slices run past the slice columns`);
    const process = count(t.process, `thread ${i} process`);
    need(process < processes.length, `thread ${i} belongs to a missing process`);
    need(t.index === i, `thread ${i} has index ${String(t.index)}`);
    const view = <T extends Typed>(c: Typed) => c.subarray(off, off + cnt) as T;
    return {
      index: i,
      process,
      serial: num(t.serial, 'serial'),
      ident: num(t.ident, 'ident'),
      native: num(t.native, 'native'),
      name: str(t.name, 'thread name'),
      isMain: bool(t.isMain, 'isMain'),
      startNs: num(t.startNs, 'startNs'),
      endNs: num(t.endNs, 'endNs'),
      unmatchedExits: num(t.unmatchedExits, 'unmatchedExits'),
      slices: {
        count: cnt,
        start: view(sc[0]!),
        dur: view(sc[1]!),
        func: view(sc[2]!),
        depth: view(sc[3]!),
        flags: view(sc[4]!),
      },
    };
  });
  for (const p of processes) {
    need(p.parent >= -1 && p.parent < processes.length, `process ${p.index} has a missing parent`);
    for (const t of p.threads) need(inRange(t, threads.length), `process ${p.index} lists a missing thread`);
  }
  const trace: Trace = { originNs, strings, funcs, processes, threads, meta: readMeta(header.meta) };
  readOptional(header, trace, col);
  return trace;
}

type ColumnOf = (sec: string, type: SectionType, length: number) => Typed;

// Counters, instants, flows and async tracks: present only when the header says so.
function readOptional(header: Obj, trace: Trace, col: ColumnOf): void {
  const nStrings = trace.strings.length;
  const nProcs = trace.processes.length;
  const nThreads = trace.threads.length;
  const columns = (names: [string, SectionType][], length: number) => names.map(([n, t]) => col(n, t, length));

  if (header.counters !== undefined) {
    const h = header.counters;
    need(isObj(h) && Array.isArray(h.series), 'bad counters entry');
    const n = count(h.count, 'counter count');
    const [ts, value] = columns(COUNTER_SECTIONS, n) as Float64Array[];
    const series = h.series.map((s, i): CounterSeries => {
      need(isObj(s), `bad counter series ${i}`);
      const offset = count(s.offset, 'counter offset');
      const cnt = count(s.count, 'counter count');
      const process = count(s.process, 'counter process');
      need(offset + cnt <= n && process < nProcs, `counter series ${i} points outside the trace`);
      return { process, name: str(s.name, 'counter name'), offset, count: cnt };
    });
    trace.counters = { series, count: n, ts: ts!, value: value! };
  }

  if (header.instants !== undefined) {
    need(isObj(header.instants), 'bad instants entry');
    const n = count(header.instants.count, 'instant count');
    const [ts, name, process, thread, scope] = columns(INSTANT_SECTIONS, n);
    for (let i = 0; i < n; i++) {
      const ok = inRange(name![i]!, nStrings) && inRange(process![i]! + 1, nProcs + 1) && inRange(thread![i]! + 1, nThreads + 1) && scope![i]! <= 2;
      if (!ok) throw new Corrupt(`instant ${i} points outside the trace`);
    }
    trace.instants = {
      count: n,
      ts: ts as Float64Array,
      name: name as Int32Array,
      process: process as Int32Array,
      thread: thread as Int32Array,
      scope: scope as Uint8Array,
    };
  }

  if (header.flows !== undefined) {
    need(isObj(header.flows), 'bad flows entry');
    const n = count(header.flows.count, 'flow count');
    const [name, fromThread, fromTs, toThread, toTs] = columns(FLOW_SECTIONS, n);
    for (let i = 0; i < n; i++) {
      const ok = inRange(name![i]!, nStrings) && inRange(fromThread![i]!, nThreads) && inRange(toThread![i]!, nThreads);
      if (!ok) throw new Corrupt(`flow ${i} points outside the trace`);
    }
    trace.flows = {
      count: n,
      name: name as Int32Array,
      fromThread: fromThread as Int32Array,
      fromTs: fromTs as Float64Array,
      toThread: toThread as Int32Array,
      toTs: toTs as Float64Array,
    };
  }

  if (header.asyncTracks !== undefined) {
    const h = header.asyncTracks;
    need(isObj(h) && Array.isArray(h.tracks), 'bad asyncTracks entry');
    const n = count(h.sliceCount, 'async slice count');
    const sc = columns(ASYNC_SECTIONS, n);
    const func = sc[2] as Int32Array;
    for (let i = 0; i < n; i++) {
      if (!inRange(func[i]!, trace.funcs.count)) throw new Corrupt(`async slice ${i} names a missing func`);
    }
    trace.asyncTracks = h.tracks.map((t, i): AsyncTrack => {
      need(isObj(t), `bad async track ${i}`);
      const off = count(t.sliceOffset, 'async sliceOffset');
      const cnt = count(t.sliceCount, 'async sliceCount');
      const process = count(t.process, 'async process');
      need(off + cnt <= n && process < nProcs, `async track ${i} points outside the trace`);
      const view = <T extends Typed>(c: Typed) => c.subarray(off, off + cnt) as T;
      return {
        process,
        name: str(t.name, 'async track name'),
        slices: { count: cnt, start: view(sc[0]!), dur: view(sc[1]!), func: view(sc[2]!), depth: view(sc[3]!), flags: view(sc[4]!) },
      };
    });
  }
}

interface Section {
  type: SectionType;
  length: number;
  view: Typed;
}

function readSections(list: unknown, bytes: Uint8Array, dataStart: number): Map<string, Section> {
  need(Array.isArray(list), 'bad section table');
  const out = new Map<string, Section>();
  for (const s of list) {
    need(isObj(s) && typeof s.name === 'string', 'bad section entry');
    const where = `section ${s.name}`;
    const type = s.type;
    need(type === 'f64' || type === 'i32' || type === 'u16' || type === 'u8', `${where} has an unknown type`);
    const offset = count(s.byteOffset, `${where} offset`);
    const length = count(s.length, `${where} length`);
    need(offset % 8 === 0 && offset >= dataStart, `${where} is misplaced`);
    const codec = s.codec as Codec | undefined;
    need(codec === undefined || CODECS.includes(codec), `${where} has an unknown codec`);
    const stored = codec === undefined ? length * TYPE_BYTES[type] : count(s.byteLength, `${where} byteLength`);
    need(offset + stored <= bytes.length, `${where} runs past the end of the file (truncated?)`);
    let view: Typed;
    if (codec === undefined) {
      view = typedArray(type, length, bytes.buffer, bytes.byteOffset + offset);
    } else {
      view = typedArray(type, length);
      need(decodeColumn(bytes.subarray(offset, offset + stored), codec, view), `${where} does not hold ${length} ${codec} values`);
    }
    out.set(s.name, { type, length, view });
  }
  return out;
}

/** `length` values of `type`: a view of `buffer` at `at`, or new when no buffer is given. */
function typedArray(type: SectionType, length: number, buffer?: ArrayBufferLike, at = 0): Typed {
  if (!buffer) buffer = new ArrayBuffer(length * TYPE_BYTES[type]);
  if (type === 'f64') return new Float64Array(buffer, at, length);
  if (type === 'i32') return new Int32Array(buffer, at, length);
  if (type === 'u16') return new Uint16Array(buffer, at, length);
  return new Uint8Array(buffer, at, length);
}

const HOWS = new Set(['exit', 'os._exit', 'signal', 'crash', 'unknown']);

function readProcess(p: unknown, i: number): ProcessInfo {
  need(isObj(p), `process ${i} is not an object`);
  need(p.index === i, `process ${i} has index ${String(p.index)}`);
  const e = p.end;
  need(isObj(e) && typeof e.how === 'string' && HOWS.has(e.how), `process ${i} has a bad end`);
  const end: ProcessEnd = {
    how: e.how as ProcessEnd['how'],
    code: numOrNull(e.code, 'end code'),
    signal: numOrNull(e.signal, 'end signal'),
    text: str(e.text, 'end text'),
  };
  if (e.fault !== undefined) end.fault = str(e.fault, 'fault');
  need(Array.isArray(p.threads) && p.threads.every(isInt), `process ${i} has a bad thread list`);
  return {
    index: i,
    pid: num(p.pid, 'pid'),
    ppid: num(p.ppid, 'ppid'),
    parent: num(p.parent, 'parent'),
    name: str(p.name, 'process name'),
    argv: strList(p.argv, 'argv'),
    exe: str(p.exe, 'exe'),
    python: str(p.python, 'python'),
    forkOf: numOrNull(p.forkOf, 'forkOf'),
    startNs: num(p.startNs, 'startNs'),
    endNs: num(p.endNs, 'endNs'),
    end,
    threads: p.threads as number[],
    droppedEvents: num(p.droppedEvents, 'droppedEvents'),
    truncatedBytes: num(p.truncatedBytes, 'truncatedBytes'),
  };
}

function readMeta(m: unknown): TraceMeta {
  need(isObj(m), 'bad meta');
  return {
    command: strList(m.command, 'command'),
    recordedAt: num(m.recordedAt, 'recordedAt'),
    warnings: strList(m.warnings, 'warnings'),
  };
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isInt(v: unknown): v is number {
  return Number.isSafeInteger(v);
}
function inRange(v: number, n: number): boolean {
  return v >= 0 && v < n;
}
function count(v: unknown, what: string): number {
  need(isInt(v) && v >= 0, `bad ${what}`);
  return v;
}
function num(v: unknown, what: string): number {
  need(typeof v === 'number' && Number.isFinite(v), `bad ${what}`);
  return v;
}
function numOrNull(v: unknown, what: string): number | null {
  return v === null ? null : num(v, what);
}
function str(v: unknown, what: string): string {
  need(typeof v === 'string', `bad ${what}`);
  return v;
}
function bool(v: unknown, what: string): boolean {
  need(typeof v === 'boolean', `bad ${what}`);
  return v;
}
function strList(v: unknown, what: string): string[] {
  need(Array.isArray(v) && v.every((s) => typeof s === 'string'), `bad ${what}`);
  return v as string[];
}

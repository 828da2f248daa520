// weft's own trace file (docs/weft-format.md): a JSON header and columns at 8-byte aligned
// offsets: raw little-endian values, which a reader maps typed arrays straight onto, or, for the
// slice columns that make up most of a trace, compact codecs (weft-codecs.ts). The slice columns
// of all threads are stored end to end, one section per column, so the number of sections does
// not grow with the number of threads.

import { readFileSync } from 'node:fs';
import type { SliceTable, Trace } from '../model/trace.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { concatBytes } from '../util/bytes.js';
import { UserError } from '../util/errors.js';
import { decodeWeftFile } from './weft-decode.js';
import { type Codec, type Encoded, encodeColumn } from './weft-codecs.js';
import {
  ASYNC_SECTIONS,
  type AsyncTrackHeader,
  COUNTER_SECTIONS,
  FLOW_SECTIONS,
  FUNC_SECTIONS,
  INSTANT_SECTIONS,
  LITTLE_ENDIAN,
  PREAMBLE_BYTES,
  SLICE_CODECS,
  SLICE_SECTIONS,
  type SectionEntry,
  type SectionType,
  type ThreadHeader,
  TYPE_BYTES,
  WEFT_MAGIC,
  WEFT_VERSION,
  align8,
} from './weft-layout.js';

export { decodeWeftFile } from './weft-decode.js';

type Typed = Float64Array | Int32Array | Uint16Array | Uint8Array;

const SLICE_KEYS = ['start', 'dur', 'func', 'depth', 'flags'] as const;

interface Planned {
  name: string;
  type: SectionType;
  length: number;
  /** Written end to end, e.g. one column of every thread. */
  parts: Typed[];
  /** The parts in a compact codec, when that applies. */
  encoded?: Encoded & { codec: Codec };
}

/** Writes `trace` to `path` (through a temporary file, so a crash never leaves half a file). */
export function writeWeftFile(trace: Trace, path: string): void {
  writeFileAtomic(path, weftFileParts(trace));
}

/** The bytes of a .weft file in memory: what `weft view` serves and the HTML report embeds. */
export function encodeWeftFile(trace: Trace): Uint8Array {
  return concatBytes(weftFileParts(trace));
}

/** The file as byte ranges in order (padding included); the columns are views, not copies. */
function weftFileParts(trace: Trace): Uint8Array[] {
  if (!LITTLE_ENDIAN) throw new UserError('weft writes .weft files on little-endian machines only');
  const planned: Planned[] = [];
  const plan = (names: [string, SectionType][], length: number, columns: Typed[][]) => {
    names.forEach(([name, type], i) => planned.push({ name, type, length, parts: columns[i]! }));
  };
  const f = trace.funcs;
  plan(FUNC_SECTIONS, f.count, [f.name, f.file, f.line, f.kind].map((c) => [c.subarray(0, f.count)]));
  const sliceParts = (tables: SliceTable[]) =>
    SLICE_KEYS.map((key) => tables.map((s) => s[key].subarray(0, s.count)));
  const planSlices = (names: [string, SectionType][], length: number, tables: SliceTable[]) => {
    plan(names, length, sliceParts(tables));
    for (const [i, key] of SLICE_KEYS.entries()) {
      const p = planned[planned.length - names.length + i]!;
      for (const codec of SLICE_CODECS[key] ?? []) {
        const encoded = encodeColumn(p.parts, codec);
        if (encoded) {
          p.encoded = { ...encoded, codec };
          break;
        }
      }
    }
  };

  const threads: ThreadHeader[] = [];
  let sliceCount = 0;
  for (const t of trace.threads) {
    const { slices, ...rest } = t;
    threads.push({ ...rest, sliceOffset: sliceCount, sliceCount: slices.count });
    sliceCount += slices.count;
  }
  planSlices(SLICE_SECTIONS, sliceCount, trace.threads.map((t) => t.slices));

  const optional: Record<string, unknown> = {};
  const c = trace.counters;
  if (c) {
    optional.counters = { count: c.count, series: c.series };
    plan(COUNTER_SECTIONS, c.count, [[c.ts.subarray(0, c.count)], [c.value.subarray(0, c.count)]]);
  }
  const ins = trace.instants;
  if (ins) {
    optional.instants = { count: ins.count };
    plan(INSTANT_SECTIONS, ins.count, [ins.ts, ins.name, ins.process, ins.thread, ins.scope].map((col) => [col.subarray(0, ins.count)]));
  }
  const fl = trace.flows;
  if (fl) {
    optional.flows = { count: fl.count };
    plan(FLOW_SECTIONS, fl.count, [fl.name, fl.fromThread, fl.fromTs, fl.toThread, fl.toTs].map((col) => [col.subarray(0, fl.count)]));
  }
  if (trace.asyncTracks) {
    const tracks: AsyncTrackHeader[] = [];
    let n = 0;
    for (const t of trace.asyncTracks) {
      tracks.push({ process: t.process, name: t.name, sliceOffset: n, sliceCount: t.slices.count });
      n += t.slices.count;
    }
    optional.asyncTracks = { sliceCount: n, tracks };
    planSlices(ASYNC_SECTIONS, n, trace.asyncTracks.map((t) => t.slices));
  }

  const headerOf = (dataStart: number) => {
    let at = dataStart;
    const sections: SectionEntry[] = planned.map(({ name, type, length, encoded }) => {
      const entry: SectionEntry = { name, type, byteOffset: at, length };
      if (encoded) {
        entry.codec = encoded.codec;
        entry.byteLength = encoded.byteLength;
      }
      at = align8(at + (encoded ? encoded.byteLength : length * TYPE_BYTES[type]));
      return entry;
    });
    return {
      format: 'weft',
      version: WEFT_VERSION,
      originNs: trace.originNs,
      funcCount: f.count,
      sliceCount,
      sections,
      meta: trace.meta,
      processes: trace.processes,
      threads,
      ...optional,
      strings: trace.strings,
    };
  };
  // Section offsets are written in the header, whose length depends on them: settle by iteration
  // (two rounds at most in practice, as offsets only grow by a few digits).
  let headerBytes = new Uint8Array(0);
  let dataStart = align8(PREAMBLE_BYTES);
  for (let round = 0; round < 8; round++) {
    headerBytes = new TextEncoder().encode(JSON.stringify(headerOf(dataStart), finiteOnly));
    const next = align8(PREAMBLE_BYTES + headerBytes.length);
    if (next === dataStart) break;
    dataStart = next;
  }

  const preamble = new Uint8Array(PREAMBLE_BYTES);
  for (let i = 0; i < WEFT_MAGIC.length; i++) preamble[i] = WEFT_MAGIC.charCodeAt(i);
  const dv = new DataView(preamble.buffer);
  dv.setUint32(8, WEFT_VERSION, true);
  dv.setUint32(12, headerBytes.length, true);

  const parts: Uint8Array[] = [preamble, headerBytes];
  let pos = preamble.length + headerBytes.length;
  const pad = () => {
    const n = align8(pos) - pos;
    if (n > 0) parts.push(new Uint8Array(n));
    pos += n;
  };
  pad();
  for (const section of planned) {
    const bytes = section.encoded ? section.encoded.chunks : section.parts;
    for (const part of bytes) {
      parts.push(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
      pos += part.byteLength;
    }
    pad();
  }
  return parts;
}

/** Reads a .weft file; its raw columns are views into one buffer holding the file. */
export function readWeftFile(path: string): Trace {
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such file or directory`);
    if (code === 'EISDIR') throw new UserError(`${path} is a directory, not a .weft file`);
    if (code === 'EACCES' || code === 'EPERM') throw new UserError(`${path}: permission denied`);
    throw err;
  }
  // Float64Array views need 8-byte alignment; small files may come from Node's shared pool.
  if (buf.byteOffset % 8 !== 0) buf = new Uint8Array(buf);
  return decodeWeftFile(buf, path);
}

// NaN or Infinity would become null and make the file unreadable: a bug upstream, caught here.
function finiteOnly(key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Error(`writeWeftFile: ${key} is ${value}`);
  }
  return value;
}

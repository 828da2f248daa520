// The Trace as the bytes of a .weft file (docs/weft-format.md), built in memory for the viewer:
// the server sends them and the HTML report embeds them, and the browser decodes them with weft's
// own .weft decoder. Same layout and header as writeWeftFile (a unit test holds them byte-equal);
// columns are copied once into the result, nothing per event.

import {
  ASYNC_SECTIONS,
  type AsyncTrackHeader,
  COUNTER_SECTIONS,
  FLOW_SECTIONS,
  FUNC_SECTIONS,
  INSTANT_SECTIONS,
  PREAMBLE_BYTES,
  SLICE_SECTIONS,
  type SectionEntry,
  type SectionType,
  type ThreadHeader,
  TYPE_BYTES,
  WEFT_MAGIC,
  WEFT_VERSION,
  align8,
} from '../formats/weft-layout.js';
import type { SliceTable, Trace } from '../model/trace.js';

type Typed = Float64Array | Int32Array | Uint16Array | Uint8Array;

const SLICE_KEYS = ['start', 'dur', 'func', 'depth', 'flags'] as const;

interface Planned {
  name: string;
  type: SectionType;
  length: number;
  parts: Typed[];
}

export function encodePayload(trace: Trace): Uint8Array {
  const planned: Planned[] = [];
  const plan = (names: [string, SectionType][], length: number, columns: Typed[][]) => {
    names.forEach(([name, type], i) => planned.push({ name, type, length, parts: columns[i]! }));
  };
  const f = trace.funcs;
  plan(FUNC_SECTIONS, f.count, [f.name, f.file, f.line, f.kind].map((c) => [c.subarray(0, f.count)]));
  const sliceParts = (tables: SliceTable[]) => SLICE_KEYS.map((key) => tables.map((s) => s[key].subarray(0, s.count)));
  const threads: ThreadHeader[] = [];
  let sliceCount = 0;
  for (const t of trace.threads) {
    const { slices, ...rest } = t;
    threads.push({ ...rest, sliceOffset: sliceCount, sliceCount: slices.count });
    sliceCount += slices.count;
  }
  plan(SLICE_SECTIONS, sliceCount, sliceParts(trace.threads.map((t) => t.slices)));

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
    plan(ASYNC_SECTIONS, n, sliceParts(trace.asyncTracks.map((t) => t.slices)));
  }

  const headerOf = (dataStart: number) => {
    let at = dataStart;
    const sections: SectionEntry[] = planned.map(({ name, type, length }) => {
      const entry = { name, type, byteOffset: at, length };
      at = align8(at + length * TYPE_BYTES[type]);
      return entry;
    });
    const header = {
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
    return { bytes: new TextEncoder().encode(JSON.stringify(header)), end: at };
  };
  let dataStart = align8(PREAMBLE_BYTES);
  let header = headerOf(dataStart);
  for (let round = 0; round < 8; round++) {
    const next = align8(PREAMBLE_BYTES + header.bytes.length);
    if (next === dataStart) break;
    dataStart = next;
    header = headerOf(dataStart);
  }

  const out = new Uint8Array(header.end);
  for (let k = 0; k < WEFT_MAGIC.length; k++) out[k] = WEFT_MAGIC.charCodeAt(k);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, WEFT_VERSION, true);
  dv.setUint32(12, header.bytes.length, true);
  out.set(header.bytes, PREAMBLE_BYTES);
  let pos = dataStart;
  for (const s of planned) {
    for (const part of s.parts) {
      out.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), pos);
      pos += part.byteLength;
    }
    pos = align8(pos);
  }
  return out;
}

// The layout of a .weft file (docs/weft-format.md), shared by its writer and its reader. No Node
// imports: the viewer reads the same files in the browser.

import type { ThreadLane } from '../model/trace.js';
import type { Codec } from './weft-codecs.js';

export const WEFT_MAGIC = 'WEFTFILE';
/** Version 2 added section codecs; version-1 files (all sections raw) are still read. */
export const WEFT_VERSION = 2;
export const WEFT_VERSIONS_READ = [1, 2];
/** magic (8) + u32 version + u32 header byte length */
export const PREAMBLE_BYTES = 16;

export type SectionType = 'f64' | 'i32' | 'u16' | 'u8';

export const TYPE_BYTES: Record<SectionType, number> = { f64: 8, i32: 4, u16: 2, u8: 1 };

export interface SectionEntry {
  name: string;
  type: SectionType;
  /** From the start of the file; a multiple of 8. */
  byteOffset: number;
  /** Number of values (not bytes). */
  length: number;
  /** Absent: raw little-endian values. Otherwise the values are stored in `byteLength` bytes. */
  codec?: Codec;
  byteLength?: number;
}

/** How the writer stores the slice columns (flags stay raw): the first codec that holds every
 *  value of the column, else raw. */
export const SLICE_CODECS: Record<string, Codec[]> = {
  start: ['varint-delta'],
  dur: ['varint'],
  func: ['u16', 'varint'],
  depth: ['u8', 'varint-delta'],
};

/** A thread as stored in the header: the lane without its columns, plus where its slices are. */
export type ThreadHeader = Omit<ThreadLane, 'slices'> & {
  /** First slice of this thread in the slices.* sections. */
  sliceOffset: number;
  sliceCount: number;
};

/** The sections every file has, with their types; other names are ignored on read. */
export const FUNC_SECTIONS: [string, SectionType][] = [
  ['funcs.name', 'i32'],
  ['funcs.file', 'i32'],
  ['funcs.line', 'i32'],
  ['funcs.kind', 'u8'],
];
export const SLICE_SECTIONS: [string, SectionType][] = [
  ['slices.start', 'f64'],
  ['slices.dur', 'f64'],
  ['slices.func', 'i32'],
  ['slices.depth', 'u16'],
  ['slices.flags', 'u8'],
];

// Optional tables (Trace.counters, instants, flows, asyncTracks): present when the header has
// the matching entry.
export const COUNTER_SECTIONS: [string, SectionType][] = [
  ['counters.ts', 'f64'],
  ['counters.value', 'f64'],
];
export const INSTANT_SECTIONS: [string, SectionType][] = [
  ['instants.ts', 'f64'],
  ['instants.name', 'i32'],
  ['instants.process', 'i32'],
  ['instants.thread', 'i32'],
  ['instants.scope', 'u8'],
];
export const FLOW_SECTIONS: [string, SectionType][] = [
  ['flows.name', 'i32'],
  ['flows.fromThread', 'i32'],
  ['flows.fromTs', 'f64'],
  ['flows.toThread', 'i32'],
  ['flows.toTs', 'f64'],
];
export const ASYNC_SECTIONS: [string, SectionType][] = [
  ['async.start', 'f64'],
  ['async.dur', 'f64'],
  ['async.func', 'i32'],
  ['async.depth', 'u16'],
  ['async.flags', 'u8'],
];

/** An async track as stored in the header; its slices are in the async.* sections. */
export interface AsyncTrackHeader {
  process: number;
  name: string;
  sliceOffset: number;
  sliceCount: number;
}

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function align8(n: number): number {
  return n + ((8 - (n % 8)) % 8);
}

// Decoder for the agent's binary stream (docs/stream-format.md). Events stay in columns per
// thread; nothing is allocated per event. The file is read through 32-bit word views, because a
// DataView call per value is several times slower than indexed typed-array loads; records start
// at 8-byte offsets, so every field of interest is word aligned.
//
// Two passes: the first walks the record headers (cheap: a record holds many events) to count
// events per thread and find the earliest time, the second fills columns sized from those counts.
//
// EVENTS (type 2, the Python agent) holds (i64 t, i64 op) pairs; EVENTS_PACKED (type 3, the C
// agent) holds varint ops and varint time deltas after a header that gives the event count and
// the base time, so both passes treat the two alike.

import { UserError } from '../util/errors.js';
import { type MetaRecord, metaNs, parseMetaJson } from './meta-json.js';

export type { MetaRecord } from './meta-json.js';

export const enum EventKind {
  Exit = 0,
  Enter = 1,
  CEnter = 2,
  CExit = 3,
  Unwind = 4,
  Instant = 5,
  Ext = 15,
}

export const enum RecordType {
  Meta = 1,
  Events = 2,
  EventsPacked = 3,
}

/** One thread's events from one stream, in time order. Only kinds 0-5 are kept; the columns
 *  hold exactly `count` values. */
export interface ThreadEvents {
  serial: number;
  count: number;
  /** ns relative to DecodedStream.originNs, exact while |t - origin| < 2^53. */
  time: Float64Array;
  kind: Uint8Array;
  /** op >> 4: a func id for kinds 0-5. */
  arg: Int32Array;
}

export interface DecodedStream {
  version: number;
  /** Absolute ns that event times are relative to. */
  originNs: bigint;
  /** META records in file order. */
  metas: MetaRecord[];
  /** By ascending serial. */
  threads: ThreadEvents[];
  eventCount: number;
  /** Events of reserved kinds (6-14), skipped. */
  unknownEvents: number;
  /** EXT events, skipped with their words (no sub-kind is used yet). */
  extEvents: number;
  /** Records of types this reader does not know, skipped by their length. */
  unknownRecords: number;
  /** EVENTS_PACKED records too short to hold their header (16 bytes), skipped. Records that are
   *  read are not counted here. */
  packedRecords: number;
  /** META records whose payload is not a JSON object with a `k`. */
  badMetas: number;
  /** Bytes at the end of the stream that could not be decoded (a record cut short). */
  truncatedBytes: number;
}

export interface DecodeOptions {
  /** Names the input in error messages (usually the file name). */
  name?: string;
  /** Make times relative to this absolute ns. Default: the earliest event of the stream, or the
   *  process start_ns when there are no events. */
  originNs?: bigint;
}

const MAGIC = 'WEFTSTRM';
const HEADER_BYTES = 16;
const SUPPORTED_VERSION = 1;
const TWO_POW_32 = 4294967296;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextDecoder('utf-8', { fatal: true });

interface Words {
  u32: Uint32Array;
  i32: Int32Array;
}

/** Decodes a whole stream file held in memory. Throws UserError when it is not a weft stream. */
export function decodeStream(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedStream {
  const name = opts.name ?? 'input';
  const out: DecodedStream = {
    version: SUPPORTED_VERSION,
    originNs: opts.originNs ?? 0n,
    metas: [],
    threads: [],
    eventCount: 0,
    unknownEvents: 0,
    extEvents: 0,
    unknownRecords: 0,
    packedRecords: 0,
    badMetas: 0,
    truncatedBytes: 0,
  };
  if (!checkHeader(bytes, name, out)) return out;

  const { u32, i32 } = wordsOf(bytes);
  const len = bytes.length;

  // Pass 1: record headers.
  const evOffset: number[] = [];
  /** EVENTS: whole pairs present; EVENTS_PACKED: the event count its header gives. */
  const evPairs: number[] = [];
  const perThread = new Map<number, number>();
  let minHi = 0;
  let minLo = 0;
  let haveMin = false;
  /** The earliest time seen so far: an i64 at 32-bit word w (low word first). */
  const noteTime = (w: number) => {
    const hi = i32[w + 1]!;
    const lo = u32[w]!;
    if (!haveMin || hi < minHi || (hi === minHi && lo < minLo)) {
      minHi = hi;
      minLo = lo;
      haveMin = true;
    }
  };
  let cutAt = -1; // offset of a record that runs past the end
  let off = HEADER_BYTES;
  while (off < len) {
    if (off + 8 > len) {
      cutAt = off;
      break;
    }
    const type = bytes[off]!;
    const length = u32[(off >>> 2) + 1]!;
    const end = off + 8 + length;
    const cut = end > len;
    if (type === RecordType.Events) {
      const avail = (cut ? len : end) - off - 16;
      const pairs = avail > 0 ? Math.floor(avail / 16) : 0;
      if (avail >= 0) {
        const w = (off >>> 2) + 4;
        const serial = u32[(off >>> 2) + 2]!;
        evOffset.push(off);
        evPairs.push(pairs);
        perThread.set(serial, (perThread.get(serial) ?? 0) + pairs);
        if (pairs > 0) noteTime(w);
      }
    } else if (type === RecordType.EventsPacked) {
      const avail = (cut ? len : end) - off - 8;
      if (avail >= 16 && length >= 16) {
        const w = (off >>> 2) + 4;
        const serial = u32[w - 2]!;
        const count = u32[w - 1]!;
        evOffset.push(off);
        evPairs.push(count);
        perThread.set(serial, (perThread.get(serial) ?? 0) + count);
        // The base time is at most the first event's time: a fine origin.
        if (count > 0) noteTime(w);
      } else if (!cut) {
        out.packedRecords++;
      }
    } else if (!cut) {
      if (type === RecordType.Meta) readMeta(bytes.subarray(off + 8, end), out);
      else out.unknownRecords++;
    }
    if (cut) {
      cutAt = off;
      break;
    }
    off = end + ((8 - (end & 7)) & 7);
  }

  if (opts.originNs === undefined) {
    if (haveMin) out.originNs = (BigInt(minHi) << 32n) + BigInt(minLo);
    else out.originNs = processStart(out.metas) ?? 0n;
  }

  // Pass 2: events into columns sized by pass 1 (trimmed at the end if EXT events were skipped).
  const threads = new Map<number, ThreadEvents>();
  for (const serial of [...perThread.keys()].sort((a, b) => a - b)) {
    const n = perThread.get(serial)!;
    const th: ThreadEvents = {
      serial,
      count: 0,
      time: new Float64Array(n),
      kind: new Uint8Array(n),
      arg: new Int32Array(n),
    };
    threads.set(serial, th);
    out.threads.push(th);
  }
  const origin = BigInt.asIntN(64, out.originNs);
  const oHi = Number(origin >> 32n);
  const oLo = Number(origin & 0xffffffffn);
  let stoppedAt = -1;
  for (let r = 0; r < evOffset.length; r++) {
    const start = evOffset[r]!;
    const th = threads.get(u32[(start >>> 2) + 2]!)!;
    const w0 = (start >>> 2) + 4;
    if (bytes[start] === RecordType.EventsPacked) {
      const payloadEnd = Math.min(len, start + 8 + u32[(start >>> 2) + 1]!);
      const baseRel = (i32[w0 + 1]! - oHi) * TWO_POW_32 + (u32[w0]! - oLo);
      const p = decodePacked(bytes, start + 24, payloadEnd, evPairs[r]!, baseRel, th, out);
      if (start === cutAt) stoppedAt = p;
      continue;
    }
    const wEnd = w0 + evPairs[r]! * 4;
    const w = decodeEvents(u32, i32, w0, wEnd, th, oHi, oLo, out);
    if (start === cutAt) stoppedAt = w * 4;
  }
  if (cutAt >= 0) out.truncatedBytes = len - (stoppedAt >= 0 ? stoppedAt : cutAt);
  for (const th of out.threads) {
    // Skipped EXT and reserved-kind events leave unused room at the end.
    if (th.count < th.time.length) {
      th.time = th.time.subarray(0, th.count);
      th.kind = th.kind.subarray(0, th.count);
      th.arg = th.arg.subarray(0, th.count);
    }
    out.eventCount += th.count;
  }
  return out;
}

// Returns false for an empty stream (a process that died before its header was written, or a
// file cut inside the header): nothing to decode, not an error.
function checkHeader(bytes: Uint8Array, name: string, out: DecodedStream): boolean {
  const n = Math.min(bytes.length, MAGIC.length);
  for (let i = 0; i < n; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new UserError(`${name} is not a weft stream`);
  }
  if (bytes.length < HEADER_BYTES) {
    out.truncatedBytes = bytes.length;
    return false;
  }
  const version = bytes[8]! | (bytes[9]! << 8);
  if (version !== SUPPORTED_VERSION) {
    throw new UserError(
      `${name} is a weft stream of version ${version}; this weft reads version ${SUPPORTED_VERSION}`,
    );
  }
  out.version = version;
  return true;
}

function wordsOf(bytes: Uint8Array): Words {
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
    const n = bytes.byteLength >>> 2;
    return {
      u32: new Uint32Array(bytes.buffer, bytes.byteOffset, n),
      i32: new Int32Array(bytes.buffer, bytes.byteOffset, n),
    };
  }
  // Misaligned input (a slice of a pooled Buffer) or a big-endian host: one copy, words in order.
  const copy = new Uint8Array(bytes.byteLength & ~3);
  copy.set(bytes.subarray(0, copy.length));
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < copy.length; i += 4) {
      const a = copy[i]!;
      const b = copy[i + 1]!;
      copy[i] = copy[i + 3]!;
      copy[i + 1] = copy[i + 2]!;
      copy[i + 2] = b;
      copy[i + 3] = a;
    }
  }
  return { u32: new Uint32Array(copy.buffer), i32: new Int32Array(copy.buffer) };
}

// The hot loop: one event is four 32-bit words (t lo, t hi, op lo, op hi). Returns the word index
// where decoding stopped, which is wEnd unless an EXT event's words run past the record.
function decodeEvents(
  u32: Uint32Array,
  i32: Int32Array,
  w: number,
  wEnd: number,
  th: ThreadEvents,
  oHi: number,
  oLo: number,
  out: DecodedStream,
): number {
  const time = th.time;
  const kind = th.kind;
  const arg = th.arg;
  let k = th.count;
  let unknown = 0;
  let ext = 0;
  while (w < wEnd) {
    const op = u32[w + 2]!;
    const kd = op & 15;
    if (kd <= EventKind.Instant) {
      // Exact: both terms are integers and the sum is below 2^53 for any trace under 104 days.
      time[k] = (i32[w + 1]! - oHi) * TWO_POW_32 + (u32[w]! - oLo);
      kind[k] = kd;
      arg[k] = (op >>> 4) | (i32[w + 3]! << 28);
      k++;
      w += 4;
    } else if (kd === EventKind.Ext) {
      const words = (op >>> 4) | (i32[w + 3]! << 28);
      const next = w + 4 + Math.ceil(words / 2) * 4;
      if (words < 0 || next > wEnd) break;
      ext++;
      w = next;
    } else {
      unknown++;
      w += 4;
    }
  }
  th.count = k;
  out.unknownEvents += unknown;
  out.extEvents += ext;
  return w;
}

// Varints of EVENTS_PACKED: 7 bits a byte, least significant first. Values past 2^53 (never
// written by the agent) lose precision, nothing else. The value read last is left here, so that
// reading one allocates nothing; the function returns the offset after it, or -1 when the bytes
// end first (a truncated record).
let varintValue = 0;

function readVarint(bytes: Uint8Array, p: number, end: number): number {
  let value = 0;
  let scale = 1;
  while (p < end) {
    const b = bytes[p++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      varintValue = value;
      return p;
    }
    scale *= 128;
  }
  return -1;
}

// The hot loop of EVENTS_PACKED: at most `count` events from bytes [p, end), each `varint op,
// varint delta_t` (an EXT event is followed by its words, one varint each). Returns the byte
// offset after the last complete event. One and two byte varints, nearly every op and delta, are
// read inline.
function decodePacked(
  bytes: Uint8Array,
  p: number,
  end: number,
  count: number,
  baseRel: number,
  th: ThreadEvents,
  out: DecodedStream,
): number {
  const time = th.time;
  const kind = th.kind;
  const arg = th.arg;
  let k = th.count;
  let t = baseRel;
  let unknown = 0;
  let ext = 0;
  let done = p;
  // The columns were sized from the headers' counts: never write past them.
  const room = time.length - k;
  for (let i = 0; i < count && i < room + ext + unknown; i++) {
    // op: one byte holds func ids below 8, two below 1024 (nearly every op)
    let op: number;
    let b = p < end ? bytes[p]! : 0x100;
    if (b < 0x80) {
      op = b;
      p++;
    } else if (p + 1 < end && bytes[p + 1]! < 0x80) {
      op = (b & 0x7f) | (bytes[p + 1]! << 7);
      p += 2;
    } else {
      p = readVarint(bytes, p, end);
      if (p < 0) break;
      op = varintValue;
    }
    // delta_t
    b = p < end ? bytes[p]! : 0x100;
    if (b < 0x80) {
      t += b;
      p++;
    } else if (p + 1 < end && bytes[p + 1]! < 0x80) {
      t += (b & 0x7f) | (bytes[p + 1]! << 7);
      p += 2;
    } else {
      p = readVarint(bytes, p, end);
      if (p < 0) break;
      t += varintValue;
    }
    const small = op < 0x80000000;
    const kd = small ? op & 15 : op % 16;
    if (kd <= EventKind.Instant) {
      time[k] = t;
      kind[k] = kd;
      arg[k] = small ? op >>> 4 : Math.floor(op / 16) | 0;
      k++;
    } else if (kd === EventKind.Ext) {
      let words = Math.floor(op / 16);
      while (words > 0 && p >= 0) {
        p = readVarint(bytes, p, end);
        words--;
      }
      if (p < 0) break;
      ext++;
    } else {
      unknown++;
    }
    done = p;
  }
  th.count = k;
  out.unknownEvents += unknown;
  out.extEvents += ext;
  return done;
}

function readMeta(payload: Uint8Array, out: DecodedStream): void {
  try {
    const value = parseMetaJson(utf8.decode(payload));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const rec = value as MetaRecord;
      if (typeof rec.k === 'string') {
        out.metas.push(rec);
        return;
      }
    }
  } catch {
    // counted below
  }
  out.badMetas++;
}

function processStart(metas: MetaRecord[]): bigint | null {
  for (const m of metas) if (m.k === 'process') return metaNs(m.start_ns);
  return null;
}

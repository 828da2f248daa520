// Counts what a weft session folder holds (docs/stream-format.md), independently of src/:
// the benchmark must measure weft, not use it to measure itself.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface SessionCounts {
  /** .wstream files (one per process and segment). */
  files: number;
  /** Distinct processes (by <pid>-<start_ns>). */
  processes: number;
  bytes: number;
  /** Every (t, op) event: ENTER, EXIT, C_ENTER, C_EXIT, UNWIND, INSTANT, EXT (one each). */
  events: number;
  pythonCalls: number;
  cCalls: number;
  /** The `t` of the last `end` META record of each process: when its agent closed the stream. */
  endNs: bigint[];
  /** Events the agent said it dropped (`dropped` META records). */
  dropped: number;
  /** The `agent` of the process records ("py", "c", ...), as they came. */
  agents: string[];
}

const HEADER = 16;
const META = 1;
const EVENTS = 2;
const EVENTS_PACKED = 3;
const STREAM_FILE = /^(\d+)-(\d+)-(\d+)\.wstream$/;

export function countSession(dir: string): SessionCounts {
  const counts: SessionCounts = { files: 0, processes: 0, bytes: 0, events: 0, pythonCalls: 0, cCalls: 0, endNs: [], dropped: 0, agents: [] };
  const processes = new Set<string>();
  for (const name of readdirSync(dir).sort()) {
    const m = STREAM_FILE.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    counts.files++;
    counts.bytes += statSync(path).size;
    processes.add(`${m[1]}-${m[2]}`);
    countStream(readFileSync(path), counts);
  }
  counts.processes = processes.size;
  return counts;
}

function countStream(buf: Buffer, counts: SessionCounts): void {
  if (buf.length < HEADER || buf.toString('latin1', 0, 8) !== 'WEFTSTRM') return;
  let off = HEADER;
  let endNs: bigint | null = null;
  while (off + 8 <= buf.length) {
    const type = buf.readUInt8(off);
    const length = buf.readUInt32LE(off + 4);
    const start = off + 8;
    const stop = Math.min(start + length, buf.length); // a truncated last record: count what is whole
    if (type === EVENTS) countEvents(buf, start + 8, stop, counts);
    else if (type === EVENTS_PACKED && stop - start >= 16) countPacked(buf, start + 16, stop, buf.readUInt32LE(start + 4), counts);
    else if (type === META && stop === start + length) {
      const meta = parseMeta(buf.toString('utf8', start, stop));
      if (meta?.k === 'end' && (typeof meta.t === 'number' || typeof meta.t === 'string')) endNs = BigInt(meta.t);
      if (meta?.k === 'dropped' && typeof meta.events === 'number') counts.dropped = Math.max(counts.dropped, meta.events);
      if (meta?.k === 'process' && typeof meta.agent === 'string' && !counts.agents.includes(meta.agent)) counts.agents.push(meta.agent);
    }
    off = start + length + ((8 - (length % 8)) % 8);
  }
  if (endNs !== null) counts.endNs.push(endNs);
}

function parseMeta(text: string): Record<string, unknown> | null {
  // `process`, `end` and `dropped` records are small; the big `funcs` records need not be parsed.
  if (text.length > 65536 || text.startsWith('{"k":"funcs"')) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function countEvents(buf: Buffer, from: number, to: number, counts: SessionCounts): void {
  // Pairs of i64 (t, op); kind = op & 15 lies in the low byte, EXT's word count in the low 32 bits.
  let off = from;
  while (off + 16 <= to) {
    const opLow = buf.readUInt32LE(off + 8);
    const kind = opLow & 15;
    counts.events++;
    off += 16;
    if (kind === 1) counts.pythonCalls++;
    else if (kind === 2) counts.cCalls++;
    else if (kind === 15) off += Math.ceil((opLow >>> 4) / 2) * 16;
  }
}

function countPacked(buf: Buffer, from: number, to: number, count: number, counts: SessionCounts): void {
  // The C agent's records: after u32 thread, u32 count, u64 base_t come `count` events of
  // varint op, varint delta_t; an EXT event's words follow it, one varint each.
  let off = from;
  const varint = (): number | null => {
    let value = 0;
    let scale = 1;
    while (off < to) {
      const b = buf[off++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    return null;
  };
  for (let i = 0; i < count; i++) {
    const op = varint();
    if (op === null || varint() === null) return;
    const kind = op % 16;
    counts.events++;
    if (kind === 1) counts.pythonCalls++;
    else if (kind === 2) counts.cCalls++;
    else if (kind === 15) {
      for (let w = Math.floor(op / 16); w > 0; w--) if (varint() === null) return;
    }
  }
}

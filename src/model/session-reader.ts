// Reads a session folder (one stream per traced process, see docs/stream-format.md) into a Trace,
// either once the run is over or while it goes on: `weft run` polls the streams as the agents
// append to them, so that decoding and building overlap the program, and after it exits only the
// last flush is left to read. Every poll takes whole records only; the partial record at the end
// of a file waits for the next poll, or, in the final one, counts as a stream cut short.

import { closeSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeStream } from '../stream/decode.js';
import { formatBytes, formatCount, formatDuration } from '../util/units.js';
import { ProcessBuilder } from './process-builder.js';
import { TraceTables } from './tables.js';
import type { ProcessInfo, ThreadLane, Trace } from './trace.js';

export interface LoadOptions {
  /** Leave out slices shorter than this (ns). Their children are shorter still, so they go too. */
  minDurationNs?: number;
  /** Told every ~1M events; done and total count events (total is estimated from file sizes). */
  onProgress?: (label: string, done: number, total: number) => void;
}

/** `<pid>-<start_ns>-<segment>.wstream` */
export const STREAM_FILE = /^(\d+)-(\d+)-(\d+)\.wstream$/;
const FAULT_FILE = /^(\d+)-(\d+)\.fault$/;
const HEADER_BYTES = 16;
const BYTES_PER_EVENT = 16;
const PROGRESS_EVERY = 1_000_000;
/** Bytes decoded per poll while following: ~1M events, some tens of ms. */
const FOLLOW_BUDGET = 8 << 20;
const FOLLOW_IDLE_MS = 40;

interface Segment {
  seg: number;
  path: string;
  /** Bytes of the file read so far. */
  offset: number;
  header: Uint8Array | null;
  /** A record begun but not yet whole at the last poll. */
  pending: Uint8Array;
  done: boolean;
}

interface ProcessFiles {
  key: string;
  pid: number;
  startNs: bigint;
  segments: Segment[];
  fault: string | null;
  builder: ProcessBuilder | null;
}

export class SessionReader {
  private readonly groups = new Map<string, ProcessFiles>();
  private origin: bigint | null = null;
  private recordedAt = Infinity;
  private done = 0;
  private told = 0;
  private onProgress: LoadOptions['onProgress'];

  /** `only`: read just this `<pid>-<start_ns>` process (a single .wstream file opened). */
  constructor(
    readonly dir: string,
    private readonly opts: LoadOptions = {},
    private readonly only?: string,
  ) {
    this.onProgress = opts.onProgress;
  }

  /** Reads what the streams hold now, at most about `budget` bytes (then returns true: more is
   *  waiting). `final`: the run is over, so a record cut short stays so. */
  poll(final: boolean, budget = Infinity): boolean {
    this.discover();
    if (this.origin === null) {
      const starts = [...this.groups.values()].filter((g) => g.segments.length > 0).map((g) => g.startNs);
      if (starts.length === 0) return false;
      this.origin = starts.reduce((a, b) => (b < a ? b : a));
    }
    let left = budget;
    for (const g of this.sortedGroups()) {
      for (const s of g.segments) {
        if (s.done) continue;
        left -= this.readSegment(g, s, final, left);
        if (left <= 0) return true;
      }
    }
    return false;
  }

  /** Polls while the program runs, in slices of work short enough to keep weft responsive to
   *  signals and to the program's exit; `stop` waits for the poll under way. */
  follow(): { stop(): Promise<void> } {
    let stopped = false;
    let wake: (() => void) | null = null;
    const loop = (async () => {
      while (!stopped) {
        let more = false;
        try {
          more = this.poll(false, FOLLOW_BUDGET);
        } catch {
          return; // a bad stream: the final read reports it
        }
        await new Promise<void>((resolve) => {
          const timer = more ? null : setTimeout(resolve, FOLLOW_IDLE_MS);
          if (more) setImmediate(resolve);
          wake = () => {
            if (timer) clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        wake?.();
        await loop;
      },
    };
  }

  /** The Trace of everything read, after reading what is left (with progress, when given, from
   *  here on: while following, the program's own output has the terminal). */
  finish(onProgress = this.onProgress): Trace {
    this.onProgress = onProgress;
    this.poll(true);
    const groups = this.sortedGroups().filter((g) => g.builder);
    for (const g of groups) {
      if (g.fault) {
        try {
          g.builder!.fault = readFileSync(g.fault, 'utf8');
        } catch {
          g.builder!.fault = '';
        }
      }
    }
    const builders = groups.map((g) => g.builder!);
    const minDurationNs = this.opts.minDurationNs ?? 0;
    const tables = new TraceTables();
    const processes: ProcessInfo[] = [];
    const threads: ThreadLane[] = [];
    let filtered = 0;
    for (const pb of builders) {
      const f = pb.finish(tables, processes.length, threads.length, minDurationNs);
      processes.push(f.info);
      threads.push(...f.lanes);
      filtered += f.filtered;
    }
    linkParents(processes);
    const originNs = shiftToOrigin(this.origin ?? 0n, processes, threads);
    this.onProgress?.('reading trace', this.done, this.done);

    const root = processes.find((p) => p.parent < 0) ?? processes[0]!;
    return {
      originNs: originNs.toString(),
      strings: tables.strings,
      funcs: tables.funcTable(),
      processes,
      threads,
      meta: {
        command: root.argv,
        recordedAt: Number.isFinite(this.recordedAt) ? Math.round(this.recordedAt) : 0,
        warnings: warnings(builders, processes, filtered, minDurationNs),
      },
    };
  }

  private discover(): void {
    for (const name of readdirSync(this.dir)) {
      const s = STREAM_FILE.exec(name);
      const f = s ? null : FAULT_FILE.exec(name);
      const m = s ?? f;
      if (!m) continue;
      const key = `${m[1]}-${m[2]}`;
      if (this.only !== undefined && key !== this.only) continue;
      let g = this.groups.get(key);
      if (!g) {
        g = { key, pid: Number(m[1]), startNs: BigInt(m[2]!), segments: [], fault: null, builder: null };
        this.groups.set(key, g);
      }
      if (f) {
        g.fault = join(this.dir, name);
        continue;
      }
      const seg = Number(s![3]);
      if (g.segments.some((x) => x.seg === seg)) continue;
      const path = join(this.dir, name);
      let st;
      try {
        st = statSync(path);
      } catch {
        continue; // a ring segment deleted since readdir
      }
      if (!st.isFile()) continue;
      this.recordedAt = Math.min(this.recordedAt, st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs);
      g.segments.push({ seg, path, offset: 0, header: null, pending: new Uint8Array(0), done: false });
      g.segments.sort((a, b) => a.seg - b.seg);
    }
  }

  private sortedGroups(): ProcessFiles[] {
    return [...this.groups.values()]
      .filter((g) => g.segments.length > 0)
      .sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.pid - b.pid));
  }

  // Reads up to `budget` new bytes of one segment and decodes its whole records: the stream
  // header, then what was pending, then the new bytes, in one buffer, as a stream of its own.
  // Files are opened only to read and closed at once: a program may start thousands of
  // processes, more than a process may hold open files.
  private readSegment(g: ProcessFiles, s: Segment, final: boolean, budget: number): number {
    let size: number;
    try {
      size = statSync(s.path).size;
    } catch {
      size = s.offset; // deleted (a ring segment): what was read is all there is
    }
    const want = Math.max(0, Math.min(size - s.offset, budget));
    if (want === 0 && !final) return 0;
    const head = s.header ? HEADER_BYTES : 0;
    const buf = new Uint8Array(head + s.pending.length + want);
    if (s.header) buf.set(s.header);
    buf.set(s.pending, head);
    const got = want > 0 ? readAt(s.path, buf, head + s.pending.length, want, s.offset) : 0;
    s.offset += got;
    const bytes = buf.subarray(0, head + s.pending.length + got);
    const caughtUp = s.offset >= size;
    if (!s.header) {
      if (bytes.length < HEADER_BYTES && !(final && caughtUp)) {
        s.pending = bytes.slice();
        return got;
      }
      s.header = bytes.slice(0, Math.min(HEADER_BYTES, bytes.length));
    }
    const end = final && caughtUp ? bytes.length : wholeRecords(bytes);
    s.pending = bytes.slice(end);
    if (end > HEADER_BYTES || (final && caughtUp)) this.feed(g, s, bytes.subarray(0, end));
    // After its end record a process writes nothing more.
    if ((final && caughtUp) || (g.builder?.endMeta && s.pending.length === 0 && caughtUp)) s.done = true;
    return got;
  }

  private feed(g: ProcessFiles, s: Segment, bytes: Uint8Array): void {
    const origin = this.origin!;
    if (!g.builder) g.builder = new ProcessBuilder(g.pid, Number(g.startNs - origin), origin);
    const progress = this.onProgress;
    const onEvents = progress
      ? (n: number) => {
          this.done += n;
          if (this.done - this.told < PROGRESS_EVERY) return;
          this.told = this.done;
          progress('reading trace', this.done, Math.max(this.done, this.estimate()));
        }
      : (n: number) => {
          this.done += n;
        };
    g.builder.addStream(decodeStream(bytes, { name: s.path, originNs: origin }), onEvents);
  }

  // Events read plus those the unread bytes will hold.
  private estimate(): number {
    let bytes = 0;
    for (const g of this.groups.values()) {
      for (const s of g.segments) {
        if (s.done) continue;
        try {
          bytes += Math.max(0, statSync(s.path).size - s.offset);
        } catch {
          // deleted meanwhile
        }
      }
    }
    return this.done + Math.ceil(bytes / BYTES_PER_EVENT);
  }

}

/** Reads `n` bytes at `position` of a file into `buf` at `offset`; fewer if the file is shorter. */
function readAt(path: string, buf: Uint8Array, offset: number, n: number, position: number): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0; // a ring segment deleted since it was seen
  }
  try {
    let got = 0;
    while (got < n) {
      const r = readSync(fd, buf, offset + got, n - got, position + got);
      if (r === 0) break;
      got += r;
    }
    return got;
  } finally {
    closeSync(fd);
  }
}

/** The end of the last whole record in a buffer that starts with the 16-byte stream header. */
function wholeRecords(bytes: Uint8Array): number {
  let off = HEADER_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (off + 8 <= bytes.length) {
    const end = off + 8 + view.getUint32(off + 4, true);
    const next = end + ((8 - (end & 7)) & 7); // with its padding: the next record is aligned
    if (next > bytes.length) break;
    off = next;
  }
  return off;
}

/** True when the folder holds at least one stream file. */
export function hasStreams(dir: string): boolean {
  return readdirSync(dir).some((n) => STREAM_FILE.test(n) && statSync(join(dir, n)).isFile());
}

// The parent is the process with that pid that was alive when the child started: pids are
// reused, so a long session can hold two processes with the same pid.
function linkParents(processes: ProcessInfo[]): void {
  for (const p of processes) {
    let best: ProcessInfo | null = null;
    let bestAlive = false;
    for (const q of processes) {
      if (q === p || q.pid !== p.ppid || q.startNs > p.startNs) continue;
      const alive = q.endNs >= p.startNs || q.end.how === 'unknown';
      if (!best || (alive && !bestAlive) || (alive === bestAlive && q.startNs > best.startNs)) {
        best = q;
        bestAlive = alive;
      }
    }
    p.parent = best ? best.index : -1;
  }
}

// The origin is the earliest stream start; an event earlier than that (a clock read before the
// start_ns was taken) moves the origin back so that no time is negative.
function shiftToOrigin(origin: bigint, processes: ProcessInfo[], threads: ThreadLane[]): bigint {
  let min = 0;
  for (const p of processes) min = Math.min(min, p.startNs);
  for (const t of threads) {
    min = Math.min(min, t.startNs);
    if (t.slices.count > 0) min = Math.min(min, t.slices.start[0]!);
  }
  if (min >= 0) return origin;
  const d = -Math.round(min);
  for (const p of processes) {
    p.startNs += d;
    p.endNs += d;
  }
  for (const t of threads) {
    t.startNs += d;
    t.endNs += d;
    const start = t.slices.start;
    for (let i = 0; i < start.length; i++) start[i]! += d;
  }
  return origin - BigInt(d);
}

function warnings(
  builders: ProcessBuilder[],
  processes: ProcessInfo[],
  filtered: number,
  minDurationNs: number,
): string[] {
  const out: string[] = [];
  builders.forEach((pb, i) => {
    const p = processes[i]!;
    const who = `process ${p.pid} (${p.name})`;
    for (const [reason, n] of pb.dropped) {
      if (n <= 0) continue;
      const why = reason === 'ring' ? 'ring buffer: only the most recent events were kept' : reason;
      out.push(`${who}: ${formatCount(n)} events dropped by the agent (${why})`);
    }
    if (p.truncatedBytes > 0) {
      out.push(`${who}: stream cut short, the last ${formatBytes(p.truncatedBytes)} could not be read`);
    }
    if (pb.packedRecords > 0) {
      out.push(`${who}: ${formatCount(pb.packedRecords)} malformed packed event records skipped`);
    }
    if (pb.badMetas > 0) out.push(`${who}: ${formatCount(pb.badMetas)} unreadable metadata records skipped`);
  });
  if (filtered > 0) {
    out.push(`${formatCount(filtered)} calls shorter than ${formatDuration(minDurationNs)} left out`);
  }
  return out;
}

// From a session folder (one stream per traced process, see docs/stream-format.md) to a Trace,
// and `readTrace`, the one entry point for "open whatever trace the user named".

import { open, readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { looksLikeChromeJson, readChromeTraceFile } from '../formats/chrome-read.js';
import { readWeftFile } from '../formats/weft-file.js';
import { decodeStream } from '../stream/decode.js';
import { UserError } from '../util/errors.js';
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

const STREAM_FILE = /^(\d+)-(\d+)-(\d+)\.wstream$/;
const FAULT_FILE = /^(\d+)-(\d+)\.fault$/;
const BYTES_PER_EVENT = 16;
const PROGRESS_EVERY = 1_000_000;

interface Segment {
  seg: number;
  path: string;
  size: number;
  createdMs: number;
}

interface ProcessFiles {
  key: string;
  pid: number;
  startNs: bigint;
  segments: Segment[];
  fault: string | null;
}

/** Reads every process stream of a session folder into one Trace. */
export async function loadSession(dir: string, opts: LoadOptions = {}): Promise<Trace> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw fsError(err, dir);
  }
  const groups = await groupFiles(dir, names);
  if (groups.length === 0) {
    throw new UserError(`${dir} is not a weft session (it holds no .wstream files)`);
  }
  return buildTrace(groups, opts);
}

/** Opens a .weft file, a session folder, one .wstream file (its process only), or Chrome trace
 *  JSON (.json, .json.gz) from weft or any other tool. */
export async function readTrace(path: string, opts: LoadOptions = {}): Promise<Trace> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw fsError(err, path);
  }
  if (isDir) return loadSession(path, opts);
  const head = await readHead(path, 16);
  const magic = String.fromCharCode(...head.subarray(0, 8));
  if (head.length === 0) throw new UserError(`${path} is empty, not a weft trace`);
  if ('WEFTFILE'.startsWith(magic)) return readWeftFile(path);
  if (magic === 'WEFTSTRM') {
    const m = STREAM_FILE.exec(basename(path));
    if (!m) throw new UserError(`${path}: a stream file must keep its <pid>-<start_ns>-<segment>.wstream name`);
    const dir = dirname(path);
    const groups = (await groupFiles(dir, await readdir(dir))).filter((g) => g.key === `${m[1]}-${m[2]}`);
    return buildTrace(groups, opts);
  }
  if (looksLikeChromeJson(head)) return readChromeTraceFile(path);
  throw new UserError(`${path} is not a weft trace (expected a .weft file, a session folder or Chrome trace JSON)`);
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw fsError(err, path);
  }
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function fsError(err: unknown, path: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UserError(`${path}: no such file or directory`);
  if (code === 'ENOTDIR') return new UserError(`${path} is not a directory`);
  if (code === 'EACCES' || code === 'EPERM') return new UserError(`${path}: permission denied`);
  if (code === 'EISDIR') return new UserError(`${path} is a directory`);
  return err as Error;
}

async function groupFiles(dir: string, names: string[]): Promise<ProcessFiles[]> {
  const groups = new Map<string, ProcessFiles>();
  const group = (pid: string, start: string): ProcessFiles => {
    const key = `${pid}-${start}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, pid: Number(pid), startNs: BigInt(start), segments: [], fault: null };
      groups.set(key, g);
    }
    return g;
  };
  for (const name of names) {
    const s = STREAM_FILE.exec(name);
    if (s) {
      const path = join(dir, name);
      const st = await stat(path);
      if (!st.isFile()) continue;
      const createdMs = st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs;
      group(s[1]!, s[2]!).segments.push({ seg: Number(s[3]), path, size: st.size, createdMs });
      continue;
    }
    const f = FAULT_FILE.exec(name);
    if (f) group(f[1]!, f[2]!).fault = join(dir, name);
  }
  const list = [...groups.values()].filter((g) => g.segments.length > 0);
  for (const g of list) g.segments.sort((a, b) => a.seg - b.seg);
  return list.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.pid - b.pid));
}

async function buildTrace(groups: ProcessFiles[], opts: LoadOptions): Promise<Trace> {
  const minDurationNs = opts.minDurationNs ?? 0;
  let origin = groups[0]!.startNs;
  for (const g of groups) if (g.startNs < origin) origin = g.startNs;
  let totalBytes = 0;
  let recordedAt = Infinity;
  for (const g of groups) {
    for (const s of g.segments) {
      totalBytes += s.size;
      recordedAt = Math.min(recordedAt, s.createdMs);
    }
  }

  const progress = opts.onProgress;
  let done = 0;
  let told = 0;
  let estimate = Math.ceil(totalBytes / BYTES_PER_EVENT);
  const onEvents = progress
    ? (n: number) => {
        done += n;
        if (done - told < PROGRESS_EVERY) return;
        told = done;
        estimate = Math.max(estimate, done);
        progress('reading trace', done, estimate);
      }
    : undefined;

  const builders: ProcessBuilder[] = [];
  for (const g of groups) {
    const pb = new ProcessBuilder(g.pid, Number(g.startNs - origin), origin);
    for (const s of g.segments) {
      const bytes = await readFile(s.path);
      pb.addStream(decodeStream(bytes, { name: s.path, originNs: origin }), onEvents);
    }
    if (g.fault) pb.fault = await readFile(g.fault, 'utf8').catch(() => '');
    builders.push(pb);
  }

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
  const originNs = shiftToOrigin(origin, processes, threads);
  estimate = Math.max(estimate, done);
  progress?.('reading trace', estimate, estimate);

  const root = processes.find((p) => p.parent < 0) ?? processes[0]!;
  return {
    originNs: originNs.toString(),
    strings: tables.strings,
    funcs: tables.funcTable(),
    processes,
    threads,
    meta: {
      command: root.argv,
      recordedAt: Number.isFinite(recordedAt) ? Math.round(recordedAt) : 0,
      warnings: warnings(builders, processes, filtered, minDurationNs),
    },
  };
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

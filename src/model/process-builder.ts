// Everything read for one traced process (all segments of its stream), and its conversion into
// the Trace's ProcessInfo and ThreadLanes once the whole process has been read.

import type { DecodedStream, ThreadEvents } from '../stream/decode.js';
import { type MetaRecord, metaInt, metaNs, metaString } from '../stream/meta-json.js';
import { processEnd, processName } from './process-info.js';
import type { TraceTables } from './tables.js';
import { C_FRAME, ThreadBuilder } from './thread-builder.js';
import type { ProcessInfo, SliceTable, ThreadLane } from './trace.js';

interface LocalFunc {
  kind: number;
  name: string;
  file: string;
  line: number;
}

/** Events handed to ThreadBuilder at a time, so progress can be told during a big stream. */
const CHUNK = 1 << 20;

export interface FinishedProcess {
  info: ProcessInfo;
  lanes: ThreadLane[];
  /** Slices left out by the minimum duration. */
  filtered: number;
}

export class ProcessBuilder {
  processMeta: MetaRecord | null = null;
  mpName: string | null = null;
  endMeta: MetaRecord | null = null;
  /** Running totals per reason: the latest `dropped` record of a reason wins, because with
   *  --ring the segments holding earlier records are deleted. */
  readonly dropped = new Map<string, number>();
  readonly funcs = new Map<number, LocalFunc>();
  readonly threads = new Map<number, ThreadBuilder>();
  truncatedBytes = 0;
  packedRecords = 0;
  badMetas = 0;
  events = 0;
  /** faulthandler's report ('' when there is none). */
  fault = '';

  constructor(
    readonly pid: number,
    /** ns since origin, from the file name. */
    readonly fileStartNs: number,
    readonly originNs: bigint,
  ) {}

  /** Adds one decoded segment; `onEvents` is told of progress every ~1M events. */
  addStream(ds: DecodedStream, onEvents?: (n: number) => void): void {
    for (const m of ds.metas) this.addMeta(m);
    this.truncatedBytes += ds.truncatedBytes;
    this.packedRecords += ds.packedRecords;
    this.badMetas += ds.badMetas;
    this.events += ds.eventCount;
    for (const ev of ds.threads) this.addEvents(ev, onEvents);
  }

  private addEvents(ev: ThreadEvents, onEvents?: (n: number) => void): void {
    const tb = this.thread(ev.serial);
    for (let from = 0; from < ev.count; from += CHUNK) {
      const to = Math.min(ev.count, from + CHUNK);
      tb.addEvents(ev, from, to);
      onEvents?.(to - from);
    }
  }

  private thread(serial: number): ThreadBuilder {
    let tb = this.threads.get(serial);
    if (!tb) {
      tb = new ThreadBuilder(serial);
      this.threads.set(serial, tb);
    }
    return tb;
  }

  private addMeta(m: MetaRecord): void {
    switch (m.k) {
      case 'process':
        this.processMeta = m;
        break;
      case 'process_name':
        this.mpName = metaString(m.name) ?? this.mpName;
        break;
      case 'thread': {
        const serial = metaInt(m.tid);
        if (serial === null) break;
        const tb = this.thread(serial);
        tb.ident = metaInt(m.ident) ?? tb.ident;
        tb.native = metaInt(m.native) ?? tb.native;
        tb.name = metaString(m.name) ?? tb.name;
        if (typeof m.main === 'boolean') tb.isMain = m.main;
        tb.metaStartNs = this.rel(m.start_ns) ?? tb.metaStartNs;
        break;
      }
      case 'funcs':
        if (!Array.isArray(m.items)) break;
        for (const item of m.items) {
          if (!Array.isArray(item)) continue;
          const [id, kind, name, file, line] = item as unknown[];
          if (typeof id !== 'number' || typeof kind !== 'number' || typeof name !== 'string') continue;
          this.funcs.set(id, {
            kind,
            name,
            file: typeof file === 'string' ? file : '',
            line: typeof line === 'number' ? line : 0,
          });
        }
        break;
      case 'dropped': {
        const n = metaInt(m.events);
        if (n !== null) this.dropped.set(metaString(m.reason) ?? 'unknown', n);
        break;
      }
      case 'end':
        this.endMeta = m;
        break;
    }
  }

  /** A META time as ns since origin. */
  rel(value: unknown): number | null {
    const ns = metaNs(value);
    return ns === null ? null : Number(ns - this.originNs);
  }

  /** Converts to trace rows; call once, after every segment has been added. */
  finish(
    tables: TraceTables,
    processIndex: number,
    firstThreadIndex: number,
    minDurationNs: number,
  ): FinishedProcess {
    const pm = this.processMeta;
    const argv = Array.isArray(pm?.argv) ? (pm.argv as unknown[]).map(String) : [];
    const startNs = this.rel(pm?.start_ns) ?? this.fileStartNs;
    const endT = this.rel(this.endMeta?.t);
    let lastEvent = -Infinity;
    for (const tb of this.threads.values()) if (tb.lastNs > lastEvent) lastEvent = tb.lastNs;
    const endNs = endT ?? (lastEvent > -Infinity ? Math.max(lastEvent, startNs) : startNs);

    const funcMap = this.funcMap(tables);
    const ordered = [...this.threads.values()].sort(
      (a, b) => Number(b.isMain) - Number(a.isMain) || a.serial - b.serial,
    );
    let filtered = 0;
    const lanes: ThreadLane[] = ordered.map((tb, i) => {
      let closeNs = tb.lastNs;
      if (tb.open) {
        closeNs = endT !== null ? Math.max(endT, tb.lastNs) : tb.lastNs;
        tb.closeOpen(closeNs);
      }
      const { slices, dropped } = finishSlices(tb, funcMap, minDurationNs);
      filtered += dropped;
      const first = Number.isNaN(tb.firstNs) ? (tb.metaStartNs ?? startNs) : tb.firstNs;
      return {
        index: firstThreadIndex + i,
        process: processIndex,
        serial: tb.serial,
        ident: tb.ident,
        native: tb.native,
        name: tb.name || (tb.isMain ? 'MainThread' : `Thread ${tb.serial}`),
        isMain: tb.isMain,
        startNs: first,
        endNs: Number.isNaN(closeNs) ? first : closeNs,
        slices,
        unmatchedExits: tb.unmatchedExits,
      };
    });

    let droppedEvents = 0;
    for (const n of this.dropped.values()) droppedEvents += n;
    const info: ProcessInfo = {
      index: processIndex,
      pid: this.pid,
      ppid: metaInt(pm?.ppid) ?? 0,
      parent: -1,
      name: processName(argv, this.mpName, this.pid),
      argv,
      exe: metaString(pm?.exe) ?? '',
      python: metaString(pm?.python) ?? '',
      forkOf: metaInt(pm?.fork_of),
      startNs,
      endNs,
      end: processEnd(this.endMeta, this.fault),
      threads: lanes.map((l) => l.index),
      droppedEvents,
      truncatedBytes: this.truncatedBytes,
    };
    return { info, lanes, filtered };
  }

  // Local func id -> FuncTable row. Ids are small and dense (they count up from 1), so an array
  // lookup per slice; ids never described map to row 0, "<unknown>".
  private funcMap(tables: TraceTables): Int32Array {
    let max = 0;
    for (const id of this.funcs.keys()) if (id > max && id < 1 << 24) max = id;
    const map = new Int32Array(max + 1);
    for (const [id, f] of this.funcs) {
      if (id >= 0 && id <= max) map[id] = tables.func(f.kind, f.name, f.file, f.line);
    }
    return map;
  }
}

function finishSlices(
  tb: ThreadBuilder,
  funcMap: Int32Array,
  minDurationNs: number,
): { slices: SliceTable; dropped: number } {
  const n = tb.sliceCount;
  const start = tb.start.data;
  const dur = tb.dur.data;
  const func = tb.func.data;
  const depth = tb.depth.data;
  const flags = tb.flags.data;
  const mapped = (local: number) => (local >= 0 && local < funcMap.length ? funcMap[local]! : 0);
  if (minDurationNs <= 0) {
    for (let r = 0; r < n; r++) {
      func[r] = mapped(func[r]!);
      flags[r] = flags[r]! & ~C_FRAME;
    }
    return { slices: sliceViews(tb, n), dropped: 0 };
  }
  let w = 0;
  for (let r = 0; r < n; r++) {
    if (dur[r]! < minDurationNs) continue;
    start[w] = start[r]!;
    dur[w] = dur[r]!;
    func[w] = mapped(func[r]!);
    depth[w] = depth[r]!;
    flags[w] = flags[r]! & ~C_FRAME;
    w++;
  }
  return { slices: sliceViews(tb, w), dropped: n - w };
}

// Views, not copies: the columns' spare room (under half, from doubling) is cheaper to keep than
// copying a big trace once more.
function sliceViews(tb: ThreadBuilder, count: number): SliceTable {
  return {
    count,
    start: tb.start.data.subarray(0, count),
    dur: tb.dur.data.subarray(0, count),
    func: tb.func.data.subarray(0, count),
    depth: tb.depth.data.subarray(0, count),
    flags: tb.flags.data.subarray(0, count),
  };
}

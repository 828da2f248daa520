// Reads a Chrome Trace Event file (from weft, VizTracer, Perfetto, Chrome, or any other tool) into
// the Trace model: slices from X and B/E, process and thread names from M, and counters, instants,
// flows and async slices into the Trace's optional tables. Broken traces read as far as they go,
// and what was wrong becomes a warning in trace.meta.warnings; only a file that is not a trace at
// all is an error.

import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { TraceTables } from '../model/tables.js';
import { FuncKind, InstantScope, SliceFlag, type ProcessInfo, type ThreadLane, type Trace } from '../model/trace.js';
import { UserError } from '../util/errors.js';
import { ExtrasAcc } from './chrome-read-extras.js';
import { scanChromeEvents } from './chrome-read-scan.js';
import { buildSlices, RawKind, ThreadEvents } from './chrome-read-slices.js';

/** True when the first bytes of a file look like Chrome-trace JSON (or gzip, which may hold it). */
export function looksLikeChromeJson(head: Uint8Array): boolean {
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  for (const c of head) {
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xef || c === 0xbb || c === 0xbf) continue;
    return c === 0x7b || c === 0x5b;
  }
  return false;
}

export async function readChromeTraceFile(path: string): Promise<Trace> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such file or directory`);
    if (code === 'EISDIR') throw new UserError(`${path} is a directory, not a trace file`);
    throw new UserError(`${path}: ${(err as Error).message}`);
  }
  return readChromeTrace(bytes, path);
}

interface ProcAcc {
  key: string;
  pid: number;
  name: string;
  sortIndex: number;
  threads: ThreadAcc[];
}

interface ThreadAcc {
  id: number;
  proc: number;
  tid: number;
  name: string;
  sortIndex: number;
  events: ThreadEvents;
}

const PY_NAME = /^(.*) \((.+):(\d+)\)$/;

/** `bytes`: the file's content, gzip or not; `name` is used in messages. */
export function readChromeTrace(bytes: Uint8Array, name: string): Trace {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new UserError(`${name} is a damaged gzip file`);
    }
  }
  const tables = new TraceTables();
  const extras = new ExtrasAcc(tables);
  const procs: ProcAcc[] = [];
  const procByKey = new Map<string, number>();
  const threads: ThreadAcc[] = [];
  const threadByKey = new Map<string, ThreadAcc>();
  const funcByName = new Map<string, number>();
  let minTs = Infinity;
  let maxTs = -Infinity;
  let badEvents = 0;
  let unknownPhases = 0;

  const proc = (pid: unknown): number => {
    const key = typeof pid === 'number' || typeof pid === 'string' ? `${typeof pid}:${pid}` : 'number:0';
    let p = procByKey.get(key);
    if (p === undefined) {
      p = procs.length;
      const numeric = typeof pid === 'number' && Number.isFinite(pid) ? pid : 0;
      procs.push({ key, pid: numeric, name: typeof pid === 'string' ? pid : '', sortIndex: 0, threads: [] });
      procByKey.set(key, p);
    }
    return p;
  };
  const thread = (p: number, tid: unknown): ThreadAcc => {
    const key = `${p}\u0000${typeof tid}:${String(tid ?? 0)}`;
    let t = threadByKey.get(key);
    if (!t) {
      const numeric = typeof tid === 'number' && Number.isFinite(tid) ? tid : 0;
      t = { id: threads.length, proc: p, tid: numeric, name: typeof tid === 'string' ? tid : '', sortIndex: 0, events: new ThreadEvents() };
      threads.push(t);
      threadByKey.set(key, t);
      procs[p]!.threads.push(t);
    }
    return t;
  };
  const func = (name: string, cat: string): number => {
    const key = `${cat}\u0000${name}`;
    let f = funcByName.get(key);
    if (f === undefined) {
      const m = PY_NAME.exec(name);
      if (cat === 'c') f = tables.func(FuncKind.C, name, '', 0);
      else if (m) f = tables.func(FuncKind.Python, m[1]!, m[2]!, Number(m[3]));
      else f = tables.func(FuncKind.Python, name, '', 0);
      funcByName.set(key, f);
    }
    return f;
  };

  const report = scanChromeEvents(bytes, name, (ev) => {
    const ph = ev.ph;
    if (typeof ph !== 'string') {
      badEvents++;
      return;
    }
    const evName = typeof ev.name === 'string' ? ev.name : ev.name === undefined ? '' : String(ev.name);
    if (ph === 'M') {
      meta(ev, evName);
      return;
    }
    const ts = typeof ev.ts === 'number' ? ev.ts : typeof ev.ts === 'string' ? Number(ev.ts) : NaN;
    if (!Number.isFinite(ts)) {
      badEvents++;
      return;
    }
    const p = proc(ev.pid);
    const cat = typeof ev.cat === 'string' ? ev.cat : '';
    const seen = (t: number) => {
      if (t < minTs) minTs = t;
      if (t > maxTs) maxTs = t;
    };
    seen(ts);
    switch (ph) {
      case 'X': {
        const t = thread(p, ev.tid);
        const dur = typeof ev.dur === 'number' && ev.dur > 0 ? ev.dur : 0;
        seen(ts + dur);
        t.events.add(RawKind.Complete, ts, dur, func(evName, cat), argFlags(ev.args));
        bindFlow(ev, t.id, ts);
        return;
      }
      case 'B':
      case 'E': {
        const t = thread(p, ev.tid);
        const kind = ph === 'B' ? RawKind.Begin : RawKind.End;
        t.events.add(kind, ts, 0, ph === 'B' ? func(evName, cat) : 0, argFlags(ev.args));
        if (ph === 'B') bindFlow(ev, t.id, ts);
        return;
      }
      case 'C':
        extras.counter(p, evName, ev.id, ts, ev.args);
        return;
      case 'i':
      case 'I':
      case 'R':
      case 'n': {
        const s = ev.s;
        const scope = ph === 'n' || s === 'p' ? InstantScope.Process : s === 'g' ? InstantScope.Global : InstantScope.Thread;
        const t = thread(p, ev.tid);
        if (scope === InstantScope.Thread) t.events.see(ts);
        extras.instant(p, t.id, scope, ts, evName);
        return;
      }
      case 's':
      case 't':
      case 'f': {
        const t = thread(p, ev.tid);
        t.events.see(ts);
        const id = idOf(ev);
        extras.flow(`${cat}\u0000${id}`, ph === 's' ? 0 : ph === 't' ? 1 : 2, t.id, ts, evName);
        return;
      }
      case 'b':
      case 'e':
      case 'S':
      case 'F':
        extras.async(`${p}\u0000${cat}\u0000${idOf(ev)}`, p, ph === 'b' || ph === 'S', ts, evName);
        return;
      default:
        unknownPhases++;
    }
  });

  function meta(ev: Record<string, unknown>, what: string): void {
    const args = (typeof ev.args === 'object' && ev.args !== null ? ev.args : {}) as Record<string, unknown>;
    const p = proc(ev.pid);
    const label = typeof args.name === 'string' ? args.name : null;
    const sort = typeof args.sort_index === 'number' ? args.sort_index : null;
    if (what === 'process_name' && label !== null) procs[p]!.name = label;
    else if (what === 'process_sort_index' && sort !== null) procs[p]!.sortIndex = sort;
    else if (what === 'thread_name' && label !== null) thread(p, ev.tid).name = label;
    else if (what === 'thread_sort_index' && sort !== null) thread(p, ev.tid).sortIndex = sort;
  }
  function bindFlow(ev: Record<string, unknown>, t: number, ts: number): void {
    if (ev.bind_id === undefined) return;
    const key = `bind\u0000${String(ev.bind_id)}`;
    if (ev.flow_out === true) extras.flow(key, 0, t, ts, 'flow');
    if (ev.flow_in === true) extras.flow(key, 2, t, ts, 'flow');
  }

  if (minTs === Infinity) throw new UserError(`${name} holds no trace events`);
  return assemble();

  function assemble(): Trace {
    // Processes by sort index, then as first seen; threads by sort index, the main thread first.
    const pOrder = procs.map((_, i) => i).sort((a, b) => procs[a]!.sortIndex - procs[b]!.sortIndex || a - b);
    const procMap = new Int32Array(procs.length);
    pOrder.forEach((p, i) => (procMap[p] = i));
    const threadMap = new Int32Array(threads.length);
    const processes: ProcessInfo[] = [];
    const lanes: ThreadLane[] = [];
    const warnings: string[] = [];
    let unmatched = 0;
    let unclosed = 0;
    let clipped = 0;
    for (const pi of pOrder) {
      const p = procs[pi]!;
      const isMain = (t: ThreadAcc) => (p.pid !== 0 && t.tid === p.pid) || t.name === 'MainThread';
      const ordered = [...p.threads].sort((a, b) => a.sortIndex - b.sortIndex || Number(isMain(b)) - Number(isMain(a)) || a.tid - b.tid || a.id - b.id);
      const info: ProcessInfo = {
        index: processes.length,
        pid: p.pid,
        ppid: 0,
        parent: -1,
        name: p.name.replace(new RegExp(` \\(pid ${p.pid}\\)$`), '') || 'process',
        argv: [],
        exe: '',
        python: '',
        forkOf: null,
        startNs: Infinity,
        endNs: -Infinity,
        end: { how: 'unknown', code: null, signal: null, text: 'not recorded in this trace' },
        threads: [],
        droppedEvents: 0,
        truncatedBytes: 0,
      };
      ordered.forEach((t, serial) => {
        const built = buildSlices(t.events, minTs);
        unmatched += built.unmatchedEnds;
        unclosed += built.unclosedBegins;
        clipped += built.clipped;
        const has = t.events.minTs !== Infinity;
        const lane: ThreadLane = {
          index: lanes.length,
          process: info.index,
          serial,
          ident: t.tid,
          native: t.tid,
          name: t.name || (t.tid ? `thread ${t.tid}` : 'thread'),
          isMain: serial === 0 && isMain(t),
          startNs: has ? Math.round((t.events.minTs - minTs) * 1000) : 0,
          endNs: has ? Math.round((t.events.maxTs - minTs) * 1000) : 0,
          slices: built.slices,
          unmatchedExits: built.unmatchedEnds,
        };
        threadMap[t.id] = lane.index;
        info.threads.push(lane.index);
        if (has) {
          info.startNs = Math.min(info.startNs, lane.startNs);
          info.endNs = Math.max(info.endNs, lane.endNs);
        }
        lanes.push(lane);
      });
      if (info.startNs === Infinity) info.startNs = info.endNs = 0;
      processes.push(info);
    }
    const ext = extras.finish(minTs, maxTs, procMap, threadMap);

    if (report.unclosed) warnings.push(`${name} ends without closing its event list (a program that was stopped?): read as far as it goes`);
    if (report.truncatedEvent) warnings.push('the last event was cut off and is not shown');
    if (report.badEntries + badEvents > 0) warnings.push(`${report.badEntries + badEvents} entries were not valid trace events and were skipped`);
    if (unknownPhases > 0) warnings.push(`${unknownPhases} events of kinds weft does not show were skipped`);
    if (unmatched > 0) warnings.push(`${unmatched} end events (E) had no begin and were ignored`);
    if (unclosed > 0) warnings.push(`${unclosed} begin events (B) never ended: shown up to their thread's last event`);
    if (clipped > 0) warnings.push(`${clipped} slices ended after their parent and are cut at the parent's end`);
    warnings.push(...ext.warnings);

    const other = report.other.otherData as Record<string, unknown> | undefined;
    const trace: Trace = {
      originNs: originString(minTs),
      strings: tables.strings,
      funcs: tables.funcTable(),
      processes,
      threads: lanes,
      meta: {
        command: typeof other?.command === 'string' && other.command ? other.command.split(' ') : [],
        recordedAt: typeof other?.recordedAt === 'string' ? Date.parse(other.recordedAt) || 0 : 0,
        warnings,
      },
    };
    if (ext.counters) trace.counters = ext.counters;
    if (ext.instants) trace.instants = ext.instants;
    if (ext.flows) trace.flows = ext.flows;
    if (ext.asyncTracks) trace.asyncTracks = ext.asyncTracks;
    return trace;
  }
}

function argFlags(args: unknown): number {
  if (typeof args !== 'object' || args === null) return 0;
  const a = args as Record<string, unknown>;
  return (a.unfinished === true ? SliceFlag.Unfinished : 0) | (a.exception === true ? SliceFlag.Unwound : 0);
}

function idOf(ev: Record<string, unknown>): string {
  if (ev.id !== undefined) return String(ev.id);
  const id2 = ev.id2;
  if (typeof id2 === 'object' && id2 !== null) {
    const o = id2 as Record<string, unknown>;
    if (o.local !== undefined) return `local:${String(o.local)}`;
    if (o.global !== undefined) return `global:${String(o.global)}`;
  }
  return '';
}

/** The file's microseconds as absolute ns, in decimal (exact for integer microseconds). */
function originString(us: number): string {
  const whole = Math.floor(us);
  const frac = Math.round((us - whole) * 1000);
  return (BigInt(whole) * 1000n + BigInt(frac)).toString();
}

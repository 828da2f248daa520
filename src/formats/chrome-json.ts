// Chrome Trace Event format (object form) for Perfetto, chrome://tracing and VizTracer's viewer.
// Written as a stream of ~64 KB chunks: a trace of ten million slices is over a gigabyte of JSON,
// more than one JS string may hold. Names are VizTracer's, `qualname (file:line)`, so traces from
// both tools read alike.

import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { FuncKind, SliceFlag, type Trace } from '../model/trace.js';

export interface ChromeJsonOptions {
  /** Compress with gzip; default: when the path ends with .gz. */
  gzip?: boolean;
  /** Slices written so far, of all. */
  onProgress?: (done: number, total: number) => void;
}

const CHUNK_CHARS = 1 << 16;

/** Writes `trace` as Chrome trace JSON (through a temporary file, renamed when complete). */
export async function writeChromeJson(trace: Trace, path: string, opts: ChromeJsonOptions = {}): Promise<void> {
  const gzip = opts.gzip ?? path.endsWith('.gz');
  const tmp = `${path}.tmp-${process.pid}`;
  const source = Readable.from(chromeJsonChunks(trace, opts.onProgress), { objectMode: false });
  try {
    if (gzip) await pipeline(source, createGzip({ level: 4 }), createWriteStream(tmp));
    else await pipeline(source, createWriteStream(tmp));
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The JSON text in chunks; joined they form one document. */
export function* chromeJsonChunks(trace: Trace, onProgress?: (done: number, total: number) => void): Generator<string> {
  const total = trace.threads.reduce((n, t) => n + t.slices.count, 0);
  let done = 0;
  let buf = '{"traceEvents":[\n';
  let sep = '';
  const fragments = funcFragments(trace);

  for (const p of trace.processes) {
    buf += `${sep}${meta('process_name', p.pid, 0, `"name":${jsonString(p.name)}`)}`;
    sep = ',\n';
    buf += `${sep}${meta('process_sort_index', p.pid, 0, `"sort_index":${p.index}`)}`;
    p.threads.forEach((ti, order) => {
      const t = trace.threads[ti]!;
      const tid = t.native || t.serial;
      buf += `${sep}${meta('thread_name', p.pid, tid, `"name":${jsonString(t.name)}`)}`;
      buf += `${sep}${meta('thread_sort_index', p.pid, tid, `"sort_index":${order}`)}`;
    });
  }

  for (const t of trace.threads) {
    const p = trace.processes[t.process]!;
    const head = `${sep}{"ph":"X","pid":${p.pid},"tid":${t.native || t.serial},"ts":`;
    const s = t.slices;
    for (let i = 0; i < s.count; i++) {
      const flags = s.flags[i]!;
      buf += `${head}${micros(s.start[i]!)},"dur":${micros(s.dur[i]!)},${fragments(s.func[i]!)}`;
      buf += flags === 0 ? '}' : `,"args":${flagArgs(flags)}}`;
      if (buf.length >= CHUNK_CHARS) {
        onProgress?.(done + i, total);
        yield buf;
        buf = '';
      }
      sep = ',\n';
    }
    done += s.count;
  }

  const other = {
    producer: 'weft',
    originNs: trace.originNs,
    command: trace.meta.command.join(' '),
    recordedAt: trace.meta.recordedAt ? new Date(trace.meta.recordedAt).toISOString() : '',
    warnings: trace.meta.warnings,
  };
  buf += `\n],"displayTimeUnit":"ns","otherData":${safeJson(other)}}\n`;
  yield buf;
}

function meta(name: string, pid: number, tid: number, args: string): string {
  return `{"ph":"M","name":"${name}","pid":${pid},"tid":${tid},"args":{${args}}}`;
}

function flagArgs(flags: number): string {
  const parts: string[] = [];
  if (flags & SliceFlag.Unfinished) parts.push('"unfinished":true');
  if (flags & SliceFlag.Unwound) parts.push('"exception":true');
  return `{${parts.join(',')}}`;
}

// The name and category of each function, escaped once, not once per slice.
function funcFragments(trace: Trace): (func: number) => string {
  const f = trace.funcs;
  const cache: (string | undefined)[] = new Array(f.count);
  return (func) => {
    let frag = cache[func];
    if (frag === undefined) {
      const name = trace.strings[f.name[func]!] ?? '?';
      const file = trace.strings[f.file[func]!] ?? '';
      const isC = f.kind[func] === FuncKind.C;
      const label = isC || file === '' ? name : `${name} (${file}:${f.line[func]})`;
      frag = `"name":${jsonString(label)},"cat":"${isC ? 'c' : 'py'}"`;
      cache[func] = frag;
    }
    return frag;
  };
}

/** ns -> microseconds with up to 3 decimals, exact for integer ns (no float formatting). */
export function micros(ns: number): string {
  if (Number.isSafeInteger(ns) && ns >= 0) {
    const whole = Math.floor(ns / 1000);
    const frac = ns - whole * 1000;
    if (frac === 0) return `${whole}`;
    return `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
  }
  return (ns / 1000).toFixed(3);
}

// JSON.stringify escapes quotes, backslashes, control characters and lone surrogates; `<` is
// escaped too so the text stays inert if it ever ends up inside an HTML <script>.
function jsonString(s: string): string {
  return JSON.stringify(s).replace(/</g, '\\u003c');
}

function safeJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

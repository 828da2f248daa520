// The self-contained HTML report: one file holding the viewer and the trace, that opens from disk
// with no server and no network. The trace goes in as the viewer's payload: the .weft bytes
// (compact already), base64-encoded; or, when asked for (a report made to be shared), cut into
// a few parts, each gzip-compressed on its own, in parallel on libuv's threads, and base64-encoded,
// one part per line: gzip takes ~3x a small file's size in time. Traces too big for a page that
// opens quickly are refused with a pointer to `weft view`, which serves them instead.

import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Trace } from '../model/trace.js';
import { encodeWeftFile } from '../formats/weft-file.js';
import { pageParts } from '../server/page.js';
import { writeFileAtomicAsync } from '../util/atomic-write.js';
import { formatBytes, formatCount } from '../util/units.js';

/** Past this many slices a report is not written (see bench/viewer for the measurements). */
export const REPORT_MAX_SLICES = 3_000_000;

export interface HtmlReportOptions {
  maxSlices?: number;
  /** gzip the payload at this level (1-9); default: not compressed (`weft run` writes a report
   *  every time, and gzip -1 of a compact .weft costs more time than writing it 3x bigger). */
  gzipLevel?: number;
  /** The trace's .weft bytes when the caller has them already. */
  weftBytes?: Uint8Array;
  /** How many parts to gzip (default: one per core, each at least 4 MB). */
  parts?: number;
}

/** Parts below this size are not worth a thread of their own. */
const MIN_PART_BYTES = 4 << 20;
const gzipAsync = promisify(gzip);

export type HtmlReport = { written: true; path: string; bytes: number } | { written: false; path: string; reason: string };

export function sliceCount(trace: Trace): number {
  let n = 0;
  for (const t of trace.threads) n += t.slices.count;
  for (const a of trace.asyncTracks ?? []) n += a.slices.count;
  return n;
}

/** False when the trace is too big for a report (it would not be written). */
export function reportFits(trace: Trace, maxSlices = REPORT_MAX_SLICES): boolean {
  return sliceCount(trace) <= maxSlices;
}

/** Writes the report (through a temporary file), or says why not. */
export async function writeHtmlReport(trace: Trace, path: string, opts: HtmlReportOptions = {}): Promise<HtmlReport> {
  const max = opts.maxSlices ?? REPORT_MAX_SLICES;
  const n = sliceCount(trace);
  if (n > max) {
    return {
      written: false,
      path,
      reason: `the trace has ${formatCount(n)} slices, more than a single-file report opens quickly (${formatCount(max)}): view it with \`weft view\``,
    };
  }
  const weft = opts.weftBytes ?? encodeWeftFile(trace);
  const level = opts.gzipLevel;
  if (level === undefined) {
    const base64 = Buffer.from(weft.buffer, weft.byteOffset, weft.byteLength).toString('base64');
    return { written: true, path, bytes: await writeFileAtomicAsync(path, pageParts({ kind: 'inline', base64, gzip: false })) };
  }
  const parts = opts.parts ?? Math.max(1, Math.min(availableParallelism(), Math.floor(weft.length / MIN_PART_BYTES)));
  const size = Math.ceil(weft.length / parts);
  const members: Promise<Buffer>[] = [];
  for (let at = 0; at < weft.length || members.length === 0; at += size) {
    members.push(gzipAsync(weft.subarray(at, at + size), { level }));
  }
  const base64 = (await Promise.all(members)).map((m) => m.toString('base64')).join('\n');
  return { written: true, path, bytes: await writeFileAtomicAsync(path, pageParts({ kind: 'inline', base64, gzip: true })) };
}

export function describeReport(r: HtmlReport): string {
  const shown = relative(process.cwd(), r.path) || r.path;
  return r.written
    ? `timeline written to ${shown} (${formatBytes(r.bytes)}; opens offline in any browser)`
    : `no HTML report: ${r.reason}`;
}

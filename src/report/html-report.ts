// The self-contained HTML report: one file holding the viewer and the trace, that opens from disk
// with no server and no network. The trace goes in as the viewer's payload, gzip-compressed and
// base64-encoded; traces too big for a page that opens quickly are refused with a pointer to
// `weft view`, which serves them instead.

import { relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Trace } from '../model/trace.js';
import { encodeWeftFile } from '../formats/weft-file.js';
import { pageParts } from '../server/page.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { formatBytes, formatCount } from '../util/units.js';

/** Past this many slices a report is not written (see bench/viewer for the measurements). */
export const REPORT_MAX_SLICES = 3_000_000;

export interface HtmlReportOptions {
  maxSlices?: number;
  /** gzip level 1-9 (default 1: every `weft run` writes a report, and level 6 costs ~4x the
   *  time for ~15% less size). */
  level?: number;
}

export type HtmlReport = { written: true; path: string; bytes: number } | { written: false; path: string; reason: string };

export function sliceCount(trace: Trace): number {
  let n = 0;
  for (const t of trace.threads) n += t.slices.count;
  for (const a of trace.asyncTracks ?? []) n += a.slices.count;
  return n;
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
  const payload = gzipSync(encodeWeftFile(trace), { level: opts.level ?? 1 });
  const parts = pageParts({ kind: 'inline', base64: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64'), gzip: true });
  const bytes = writeFileAtomic(path, parts);
  return { written: true, path, bytes };
}

export function describeReport(r: HtmlReport): string {
  const shown = relative(process.cwd(), r.path) || r.path;
  return r.written
    ? `timeline written to ${shown} (${formatBytes(r.bytes)}; opens offline in any browser)`
    : `no HTML report: ${r.reason}`;
}

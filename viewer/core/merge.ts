// Pixel merging: what one row of a lane looks like at a zoom level, as a short list of rectangles.
// A slice at least `minPx` wide is its own rectangle; runs of narrower slices that touch the same
// or neighbouring pixel columns become one rectangle. Each step either emits a wide slice or jumps
// (binary search) past a whole pixel column, so a row costs O(min(slices on screen, pixels) x
// log n) whatever the number of slices: frame cost follows the screen, not the trace.

import { firstEndingAfter, firstStartingAt, type RowIndex } from './rows.js';

/** Rectangles of one row, reused from frame to frame (no allocation while drawing). */
export class RectBuffer {
  n = 0;
  x0 = new Float64Array(256);
  x1 = new Float64Array(256);
  /** The slice drawn (the first of a merged run). */
  slice = new Int32Array(256);
  /** How many slices the rectangle stands for (1: a slice of its own). */
  count = new Int32Array(256);

  clear(): void {
    this.n = 0;
  }

  push(x0: number, x1: number, slice: number, count: number): void {
    if (this.n === this.x0.length) this.grow();
    const k = this.n++;
    this.x0[k] = x0;
    this.x1[k] = x1;
    this.slice[k] = slice;
    this.count[k] = count;
  }

  private grow(): void {
    const cap = this.x0.length * 2;
    const f = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const g = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.x0 = f(this.x0);
    this.x1 = f(this.x1);
    this.slice = g(this.slice);
    this.count = g(this.count);
  }
}

export interface RowView {
  /** Time (ns) at pixel 0 and the ns one pixel spans. */
  t0: number;
  nsPerPx: number;
  width: number;
}

/**
 * What makes a run of narrow slices stop, per slice of a row: the larger of the gap before it and
 * its own duration (ns). At a zoom of z ns per pixel a run goes on while this stays below z. Block
 * maxima over 32 and 1024 slices let the scan for the end of a run skip whole blocks, so a row
 * costs O(runs x 64 + slices on screen / 1024) instead of a search per pixel column.
 */
export interface RowLod {
  breaker: Float32Array;
  max32: Float32Array;
  max1k: Float32Array;
}

export function buildRowLod(row: Int32Array, start: Float64Array, dur: Float64Array): RowLod {
  const n = row.length;
  const breaker = new Float32Array(n);
  const max32 = new Float32Array(Math.ceil(n / 32));
  const max1k = new Float32Array(Math.ceil(n / 1024));
  let prevEnd = -Infinity;
  for (let k = 0; k < n; k++) {
    const i = row[k]!;
    const s = start[i]!;
    const b = Math.max(s - prevEnd, dur[i]!);
    breaker[k] = b;
    prevEnd = s + dur[i]!;
    if (b > max32[k >> 5]!) max32[k >> 5] = b;
    if (b > max1k[k >> 10]!) max1k[k >> 10] = b;
  }
  return { breaker, max32, max1k };
}

/** The row's RowLod, built and kept on first use. */
export function rowLod(index: RowIndex, d: number, start: Float64Array, dur: Float64Array): RowLod {
  let lod = index.lods[d];
  if (!lod) index.lods[d] = lod = buildRowLod(index.rows[d]!, start, dur);
  return lod;
}

/** First position p in [from, to) whose breaker is at least `z`, or `to`. */
function nextBreaker(lod: RowLod, from: number, to: number, z: number): number {
  const { breaker, max32, max1k } = lod;
  let p = from;
  while (p < to) {
    if ((p & 1023) === 0 && p + 1024 <= to && max1k[p >> 10]! < z) {
      p += 1024;
      continue;
    }
    if ((p & 31) === 0 && p + 32 <= to && max32[p >> 5]! < z) {
      p += 32;
      continue;
    }
    if (breaker[p]! >= z) return p;
    p++;
  }
  return to;
}

/** Appends the rectangles of `row` within [0, width] pixels to `out` (x in pixels from t0). */
export function mergeRow(row: Int32Array, start: Float64Array, dur: Float64Array, v: RowView, out: RectBuffer, lod: RowLod, minPx = 1): void {
  const { t0, nsPerPx, width } = v;
  const t1 = t0 + width * nsPerPx;
  const xOf = (t: number) => (t - t0) / nsPerPx;
  const wide = nsPerPx * minPx;
  let k = firstEndingAfter(row, start, dur, t0);
  let kEnd = firstStartingAt(row, start, t1, k);
  // Slices starting exactly at t1 are on screen (at its right edge).
  while (kEnd < row.length && start[row[kEnd]!] === t1) kEnd++;
  while (k < kEnd) {
    const i = row[k]!;
    const x0 = xOf(start[i]!);
    if (dur[i]! >= wide) {
      out.push(x0, xOf(start[i]! + dur[i]!), i, 1);
      k++;
      continue;
    }
    // A run of narrow slices, each less than a pixel from the one before.
    const j = nextBreaker(lod, k + 1, kEnd, Math.min(wide, nsPerPx));
    const last = row[j - 1]!;
    out.push(x0, Math.max(xOf(start[last]! + dur[last]!), x0 + 1), i, j - k);
    k = j;
  }
}

/** The slice of `row` under time `t`, or the nearest within `tolNs`; -1 when none. */
export function hitRow(row: Int32Array, start: Float64Array, dur: Float64Array, t: number, tolNs: number): number {
  const k = firstEndingAfter(row, start, dur, t - tolNs);
  let best = -1;
  let bestDist = Infinity;
  for (let j = k; j < row.length && j < k + 3; j++) {
    const i = row[j]!;
    const s = start[i]!;
    if (s > t + tolNs) break;
    const e = s + dur[i]!;
    const dist = t < s ? s - t : t > e ? t - e : 0;
    if (dist < bestDist) {
      bestDist = dist;
      best = i;
    }
  }
  return bestDist <= tolNs ? best : -1;
}

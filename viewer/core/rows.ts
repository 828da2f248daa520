// Each lane's slices split by depth: row d lists the slices at depth d in start order. Within a
// row slices never overlap, so both their starts and their ends ascend, and a binary search finds
// what is on screen in O(log n). Built once per trace, 4 bytes per slice.

import type { SliceTable } from '../../src/model/trace.js';
import type { RowLod } from './merge.js';

export interface RowIndex {
  /** rows[d]: indices into the SliceTable of the slices at depth d, by start. */
  rows: Int32Array[];
  /** Per row, built on first draw (see merge.ts). */
  lods: (RowLod | undefined)[];
}

export function buildRowIndex(s: SliceTable): RowIndex {
  const counts: number[] = [];
  for (let i = 0; i < s.count; i++) {
    const d = s.depth[i]!;
    while (counts.length <= d) counts.push(0);
    counts[d]!++;
  }
  const rows = counts.map((c) => new Int32Array(c));
  const fill = new Int32Array(counts.length);
  for (let i = 0; i < s.count; i++) {
    const d = s.depth[i]!;
    rows[d]![fill[d]!++] = i;
  }
  return { rows, lods: new Array(rows.length) };
}

/** First position k in `row` whose slice ends at or after `t` (row.length when none). */
export function firstEndingAfter(row: Int32Array, start: Float64Array, dur: Float64Array, t: number): number {
  let lo = 0;
  let hi = row.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const i = row[mid]!;
    if (start[i]! + dur[i]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position k >= lo in `row` whose slice starts at or after `t`. */
export function firstStartingAt(row: Int32Array, start: Float64Array, t: number, lo = 0): number {
  let hi = row.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (start[row[mid]!]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i in a sorted column with col[i] >= t. */
export function lowerBound(col: Float64Array, t: number, lo = 0, hi = col.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (col[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

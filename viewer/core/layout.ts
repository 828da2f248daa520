// The vertical layout: a header per process (sorted as the trace lists them: main first), then
// its thread lanes (one row per call depth), async tracks and counter tracks. Collapsed processes
// show only their header; a collapsed lane shows only its outermost row.

import type { ViewModel } from './model.js';

export const ROW_H = 18;
export const PROCESS_H = 24;
export const COUNTER_H = 40;
export const LANE_PAD = 3;

export interface Item {
  kind: 'process' | 'lane' | 'counter';
  y: number;
  h: number;
  process: number;
  /** Position in ViewModel.lanes, or -1. */
  lane: number;
  /** Position in Trace.counters.series, or -1. */
  series: number;
  /** Rows of slices shown (lanes only). */
  depthRows: number;
}

export interface Layout {
  items: Item[];
  height: number;
}

export function buildLayout(vm: ViewModel, collapsedProcess: ReadonlySet<number>, collapsedLane: ReadonlySet<number>): Layout {
  const items: Item[] = [];
  let y = 0;
  const lanesOf = new Map<number, number[]>();
  vm.lanes.forEach((lane, i) => {
    const list = lanesOf.get(lane.process);
    if (list) list.push(i);
    else lanesOf.set(lane.process, [i]);
  });
  const series = vm.trace.counters?.series ?? [];
  vm.trace.processes.forEach((p, pi) => {
    items.push({ kind: 'process', y, h: PROCESS_H, process: pi, lane: -1, series: -1, depthRows: 0 });
    y += PROCESS_H;
    if (collapsedProcess.has(pi)) return;
    for (const li of lanesOf.get(pi) ?? []) {
      const lane = vm.lanes[li]!;
      const depth = Math.max(1, lane.rows.rows.length);
      const rows = collapsedLane.has(li) ? 1 : depth;
      const h = rows * ROW_H + 2 * LANE_PAD;
      items.push({ kind: 'lane', y, h, process: pi, lane: li, series: -1, depthRows: rows });
      y += h;
    }
    series.forEach((s, si) => {
      if (s.process !== pi) return;
      items.push({ kind: 'counter', y, h: COUNTER_H, process: pi, lane: -1, series: si, depthRows: 0 });
      y += COUNTER_H;
    });
  });
  return { items, height: y };
}

/** Index of the item covering content height `y`, or -1. */
export function itemAt(layout: Layout, y: number): number {
  const items = layout.items;
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.y + items[mid]!.h <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo < items.length && items[lo]!.y <= y ? lo : -1;
}

/** The depth row at content height `y` within a lane item, or -1 in its padding. */
export function depthAt(item: Item, y: number): number {
  const d = Math.floor((y - item.y - LANE_PAD) / ROW_H);
  return d >= 0 && d < item.depthRows ? d : -1;
}

// Draws the timeline on one canvas: the time axis, process headers, lanes (pixel-merged rows of
// slices with labels where they fit), instants, counters, flows, the selection, the hovered
// slice and the selected range. Only what is on screen is visited; text comes from the trace but
// is only ever painted (fillText), never parsed.

import { COUNTER_H, type Item, LANE_PAD, type Layout, ROW_H } from '../core/layout.js';
import { RectBuffer, mergeRow, rowLod } from '../core/merge.js';
import type { ViewModel } from '../core/model.js';
import { lowerBound } from '../core/rows.js';
import { timeTicks } from '../core/ticks.js';
import type { Viewport } from '../core/viewport.js';
import { drawCounter } from './counter.js';
import { DENSE, DIMMED, GRID, GUTTER_BG, HOVER, MUTED_TEXT, PROCESS_BG, Palette, RANGE_SHADE, SELECT, TEXT } from './colors.js';

export const GUTTER = 220;
export const AXIS_H = 26;

export interface SliceRef {
  lane: number;
  slice: number;
}

export interface Scene {
  vm: ViewModel;
  layout: Layout;
  vp: Viewport;
  scrollY: number;
  width: number;
  height: number;
  selected: SliceRef | null;
  hover: SliceRef | null;
  range: { a: number; b: number } | null;
  /** Search: 1 for matching functions; null when not searching. */
  mask: Uint8Array | null;
  collapsedProcess: ReadonlySet<number>;
  collapsedLane: ReadonlySet<number>;
}

export interface FrameStats {
  rects: number;
  rows: number;
  ms: number;
}

const FONT = '11px system-ui, -apple-system, "Segoe UI", sans-serif';
const BOLD = '600 11px system-ui, -apple-system, "Segoe UI", sans-serif';

export class TimelineRenderer {
  private readonly rects = new RectBuffer();
  private readonly palette: Palette;
  private charW = 6;

  constructor(
    private readonly ctx: CanvasRenderingContext2D,
    vm: ViewModel,
  ) {
    this.palette = new Palette(vm.trace);
  }

  draw(sc: Scene): FrameStats {
    const t = performance.now();
    const ctx = this.ctx;
    ctx.font = FONT;
    this.charW = ctx.measureText('abcdefghijklmnopqrstuvwxyz').width / 26 || 6;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, sc.width, sc.height);
    const stats = { rects: 0, rows: 0, ms: 0 };
    const ticks = timeTicks(sc.vp.t0, sc.vp.t0 + sc.vp.width * sc.vp.nsPerPx, sc.vp.width);

    // Tracks, clipped below the axis.
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS_H, sc.width, sc.height - AXIS_H);
    ctx.clip();
    const top = sc.scrollY;
    const bottom = sc.scrollY + sc.height - AXIS_H;
    for (const item of sc.layout.items) {
      if (item.y + item.h < top) continue;
      if (item.y > bottom) break;
      const y = AXIS_H + item.y - sc.scrollY;
      if (item.kind === 'process') this.processHeader(sc, item, y);
      else if (item.kind === 'lane') this.lane(sc, item, y, stats);
      else this.counter(sc, item, y);
    }
    this.gridLines(sc, ticks.times);
    this.flows(sc);
    if (sc.range) this.rangeShade(sc);
    ctx.restore();
    this.axis(sc, ticks);
    stats.ms = performance.now() - t;
    return stats;
  }

  private x(sc: Scene, t: number): number {
    return GUTTER + (t - sc.vp.t0) / sc.vp.nsPerPx;
  }

  private processHeader(sc: Scene, item: Item, y: number): void {
    const ctx = this.ctx;
    const p = sc.vm.trace.processes[item.process]!;
    ctx.fillStyle = PROCESS_BG;
    ctx.fillRect(0, y, sc.width, item.h);
    ctx.fillStyle = 'rgba(0,0,0,0.12)';
    ctx.fillRect(0, y + item.h - 1, sc.width, 1);
    ctx.fillStyle = TEXT;
    ctx.font = BOLD;
    const arrow = sc.collapsedProcess.has(item.process) ? '\u25b8' : '\u25be';
    const label = `${arrow} ${p.name || 'process'}${p.pid ? `  pid ${p.pid}` : ''}`;
    ctx.fillText(this.fit(label, sc.width - 12), 6, y + 16);
    ctx.font = FONT;
    const inst = sc.vm.processInstants.get(item.process);
    if (inst) this.instants(sc, inst, y + item.h - 8);
  }

  private lane(sc: Scene, item: Item, y: number, stats: { rects: number; rows: number }): void {
    const ctx = this.ctx;
    const lane = sc.vm.lanes[item.lane]!;
    const s = lane.slices;
    const trackW = sc.width - GUTTER;
    const view = { t0: sc.vp.t0, nsPerPx: sc.vp.nsPerPx, width: trackW };
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, y, trackW, item.h);
    ctx.clip();
    for (let d = 0; d < item.depthRows; d++) {
      const ry = y + LANE_PAD + d * ROW_H;
      if (ry + ROW_H < AXIS_H || ry > sc.height) continue;
      const row = lane.rows.rows[d];
      if (!row) break;
      const r = this.rects;
      r.clear();
      mergeRow(row, s.start, s.dur, view, r, rowLod(lane.rows, d, s.start, s.dur));
      stats.rows++;
      stats.rects += r.n;
      // Runs of slices narrower than a pixel share one colour (the colour of one arbitrary member
      // would only add noise), drawn first without a fill-style change per rectangle; then wide
      // slices in their function's colour, with labels.
      // Snapped to whole pixels and coalesced where they touch: fewer, un-antialiased rectangles.
      ctx.fillStyle = sc.mask ? DIMMED : DENSE;
      let spanA = 0;
      let spanB = -1;
      for (let k = 0; k < r.n; k++) {
        const x0 = GUTTER + Math.max(r.x0[k]!, -2);
        const x1 = GUTTER + Math.min(r.x1[k]!, trackW + 2);
        if (r.count[k]! === 1 && x1 - x0 >= 2) continue;
        const a = Math.floor(x0);
        const b = Math.max(Math.ceil(x1), a + 1);
        if (a <= spanB) spanB = Math.max(spanB, b);
        else {
          if (spanB > spanA) ctx.fillRect(spanA, ry, spanB - spanA, ROW_H - 1);
          spanA = a;
          spanB = b;
        }
      }
      if (spanB > spanA) ctx.fillRect(spanA, ry, spanB - spanA, ROW_H - 1);
      for (let k = 0; k < r.n; k++) {
        const i = r.slice[k]!;
        const x0 = GUTTER + Math.max(r.x0[k]!, -2);
        const x1 = GUTTER + Math.min(r.x1[k]!, trackW + 2);
        const w = x1 - x0;
        if (r.count[k]! > 1 || w < 2) {
          if (sc.mask !== null && sc.mask[s.func[i]!] === 1) {
            ctx.fillStyle = this.palette.of(s.func[i]!);
            ctx.fillRect(x0, ry, w < 1 ? 1 : w, ROW_H - 1);
          }
          continue;
        }
        const f = s.func[i]!;
        ctx.fillStyle = sc.mask && !sc.mask[f] ? DIMMED : this.palette.of(f);
        ctx.fillRect(x0, ry, w, ROW_H - 1);
        if (w > 24) {
          ctx.fillStyle = TEXT;
          const name = sc.vm.trace.strings[sc.vm.trace.funcs.name[f]!] ?? '';
          ctx.fillText(this.fit(name, w - 6), Math.max(x0, GUTTER) + 3, ry + 13);
        }
      }
    }
    this.outline(sc, item, y, sc.hover, HOVER, 1);
    this.outline(sc, item, y, sc.selected, SELECT, 2);
    if (lane.instants.length > 0) this.instants(sc, lane.instants, y + 1);
    ctx.restore();
    // Gutter label.
    ctx.fillStyle = GUTTER_BG;
    ctx.fillRect(0, y, GUTTER, item.h);
    ctx.fillStyle = 'rgba(0,0,0,0.08)';
    ctx.fillRect(0, y + item.h - 1, sc.width, 1);
    ctx.fillStyle = lane.kind === 'async' ? MUTED_TEXT : TEXT;
    const depth = lane.rows.rows.length;
    const arrow = depth > 1 ? (sc.collapsedLane.has(item.lane) ? '\u25b8 ' : '\u25be ') : '   ';
    const main = lane.kind === 'thread' && sc.vm.trace.threads[lane.ref]!.isMain ? ' (main)' : '';
    ctx.fillText(this.fit(`${arrow}${lane.name}${main}`, GUTTER - 24), 14, y + LANE_PAD + 13);
  }

  private outline(sc: Scene, item: Item, y: number, ref: { lane: number; slice: number } | null, color: string, width: number): void {
    if (!ref || ref.lane !== item.lane) return;
    const s = sc.vm.lanes[ref.lane]!.slices;
    const d = s.depth[ref.slice]!;
    if (d >= item.depthRows) return;
    const x0 = this.x(sc, s.start[ref.slice]!);
    const x1 = Math.max(this.x(sc, s.start[ref.slice]! + s.dur[ref.slice]!), x0 + 2);
    const ctx = this.ctx;
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.strokeRect(Math.max(x0, GUTTER - 2), y + LANE_PAD + d * ROW_H + 0.5, Math.min(x1, sc.width + 2) - Math.max(x0, GUTTER - 2), ROW_H - 2);
  }

  /** Instant markers, one per pixel column at most. */
  private instants(sc: Scene, list: Int32Array, y: number): void {
    const inst = sc.vm.trace.instants;
    if (!inst) return;
    const ctx = this.ctx;
    ctx.fillStyle = '#c2410c';
    let lastX = -Infinity;
    // `list` is in time order: binary search the first on screen.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inst.ts[list[mid]!]! < sc.vp.t0) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < list.length; k++) {
      const x = this.x(sc, inst.ts[list[k]!]!);
      if (x > sc.width) break;
      if (x - lastX < 3) {
        // Jump to the first instant past this pixel.
        const tNext = sc.vp.t0 + (Math.floor(x - GUTTER) + 3) * sc.vp.nsPerPx;
        let a = k;
        let b = list.length;
        while (a < b) {
          const mid = (a + b) >>> 1;
          if (inst.ts[list[mid]!]! < tNext) a = mid + 1;
          else b = mid;
        }
        k = a - 1;
        continue;
      }
      lastX = x;
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(x + 4, y + 7);
      ctx.lineTo(x - 4, y + 7);
      ctx.fill();
    }
  }

  private counter(sc: Scene, item: Item, y: number): void {
    const c = sc.vm.trace.counters!;
    const series = c.series[item.series]!;
    const ctx = this.ctx;
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, y, sc.width - GUTTER, item.h);
    ctx.clip();
    drawCounter(ctx, c.ts.subarray(series.offset, series.offset + series.count), c.value.subarray(series.offset, series.offset + series.count), {
      x: GUTTER,
      y: y + 3,
      w: sc.width - GUTTER,
      h: COUNTER_H - 6,
      t0: sc.vp.t0,
      nsPerPx: sc.vp.nsPerPx,
    });
    ctx.restore();
    ctx.fillStyle = GUTTER_BG;
    ctx.fillRect(0, y, GUTTER, item.h);
    ctx.fillStyle = 'rgba(0,0,0,0.08)';
    ctx.fillRect(0, y + item.h - 1, sc.width, 1);
    ctx.fillStyle = MUTED_TEXT;
    ctx.fillText(this.fit(series.name, GUTTER - 20), 14, y + 16);
  }

  private flows(sc: Scene): void {
    const f = sc.vm.trace.flows;
    if (!f || f.count === 0) return;
    const ctx = this.ctx;
    const yOf = new Map<number, number>();
    for (const item of sc.layout.items) {
      if (item.kind === 'lane' && sc.vm.lanes[item.lane]!.kind === 'thread') yOf.set(sc.vm.lanes[item.lane]!.ref, AXIS_H + item.y - sc.scrollY + LANE_PAD + ROW_H / 2);
    }
    const t1 = sc.vp.t0 + sc.vp.width * sc.vp.nsPerPx;
    const end = lowerBound(f.fromTs, t1, 0, f.count);
    ctx.strokeStyle = 'rgba(60,60,70,0.75)';
    ctx.fillStyle = 'rgba(60,60,70,0.75)';
    ctx.lineWidth = 1;
    let drawn = 0;
    for (let i = 0; i < end && drawn < 3000; i++) {
      if (f.toTs[i]! < sc.vp.t0) continue;
      const y0 = yOf.get(f.fromThread[i]!);
      const y1 = yOf.get(f.toThread[i]!);
      if (y0 === undefined || y1 === undefined) continue;
      const x0 = this.x(sc, f.fromTs[i]!);
      const x1 = this.x(sc, f.toTs[i]!);
      drawn++;
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.bezierCurveTo(x0 + 30, y0, x1 - 30, y1, x1, y1);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(x1, y1);
      ctx.lineTo(x1 - 6, y1 - 3);
      ctx.lineTo(x1 - 6, y1 + 3);
      ctx.fill();
    }
  }

  private gridLines(sc: Scene, times: number[]): void {
    const ctx = this.ctx;
    ctx.fillStyle = GRID;
    for (const t of times) ctx.fillRect(Math.round(this.x(sc, t)), AXIS_H, 1, sc.height - AXIS_H);
  }

  private rangeShade(sc: Scene): void {
    const r = sc.range!;
    const ctx = this.ctx;
    const xa = Math.max(GUTTER, this.x(sc, r.a));
    const xb = Math.min(sc.width, this.x(sc, r.b));
    ctx.fillStyle = RANGE_SHADE;
    if (xa > GUTTER) ctx.fillRect(GUTTER, AXIS_H, xa - GUTTER, sc.height - AXIS_H);
    if (xb < sc.width) ctx.fillRect(Math.max(xb, GUTTER), AXIS_H, sc.width - Math.max(xb, GUTTER), sc.height - AXIS_H);
    ctx.fillStyle = SELECT;
    if (xa > GUTTER) ctx.fillRect(xa, AXIS_H, 1, sc.height - AXIS_H);
    if (xb < sc.width && xb > GUTTER) ctx.fillRect(xb, AXIS_H, 1, sc.height - AXIS_H);
  }

  private axis(sc: Scene, ticks: ReturnType<typeof timeTicks>): void {
    const ctx = this.ctx;
    ctx.fillStyle = '#fafafc';
    ctx.fillRect(0, 0, sc.width, AXIS_H);
    ctx.fillStyle = 'rgba(0,0,0,0.2)';
    ctx.fillRect(0, AXIS_H - 1, sc.width, 1);
    ctx.fillStyle = MUTED_TEXT;
    ctx.font = FONT;
    ticks.times.forEach((t, i) => {
      const x = Math.round(this.x(sc, t));
      if (x < GUTTER) return;
      ctx.fillRect(x, AXIS_H - 7, 1, 6);
      ctx.fillText(ticks.labels[i]!, x + 3, 15);
    });
    if (sc.range) {
      const xa = Math.max(GUTTER, this.x(sc, sc.range.a));
      const xb = Math.min(sc.width, this.x(sc, sc.range.b));
      if (xb > xa) {
        ctx.fillStyle = 'rgba(31,95,214,0.25)';
        ctx.fillRect(xa, 0, xb - xa, AXIS_H - 1);
      }
    }
    const global = sc.vm.processInstants.get(-1);
    if (global) this.instants(sc, global, AXIS_H - 9);
    ctx.fillStyle = GUTTER_BG;
    ctx.fillRect(0, 0, GUTTER, AXIS_H - 1);
    ctx.fillStyle = MUTED_TEXT;
    ctx.fillText(ticks.base === null ? 'time' : `${ticks.baseLabel} +`, 8, 16);
  }

  /** `text` cut to fit `w` pixels (by average glyph width: no measuring per frame). */
  private fit(text: string, w: number): string {
    const max = Math.floor(w / this.charW);
    if (text.length <= max) return text;
    return max <= 1 ? '' : `${text.slice(0, max - 1)}\u2026`;
  }
}

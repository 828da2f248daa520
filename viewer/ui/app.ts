// The viewer's state and the actions on it (zoom, pan, select, range, search), with one
// requestAnimationFrame redraw whatever number of events asked for it.

import { formatCount, formatDuration } from '../../src/util/units.js';
import { buildLayout, depthAt, itemAt, type Layout } from '../core/layout.js';
import { hitRow } from '../core/merge.js';
import { funcName, funcPlace, type ViewModel } from '../core/model.js';
import { aggregateRange } from '../core/range.js';
import { countMatches, matchFuncs, nextMatch } from '../core/search.js';
import { clamp, fitAll, fitRange, panBy, timeAt, type Viewport, withWidth, zoomAt } from '../core/viewport.js';
import { AXIS_H, GUTTER, type SliceRef, TimelineRenderer } from '../render/timeline.js';
import { renderDetails } from './details.js';
import { RangePanel } from './range-panel.js';
import { type Shell, showTab } from './shell.js';
import { renderTracePanel } from './trace-panel.js';

export type Hit =
  | { kind: 'slice'; ref: SliceRef }
  | { kind: 'process'; process: number }
  | { kind: 'lane-label'; lane: number }
  | { kind: 'axis' }
  | { kind: 'none' };

export class App {
  vp: Viewport;
  scrollY = 0;
  selected: SliceRef | null = null;
  hover: SliceRef | null = null;
  range: { a: number; b: number } | null = null;
  mask: Uint8Array | null = null;
  searchCount = 0;
  readonly collapsedProcess = new Set<number>();
  readonly collapsedLane = new Set<number>();
  layout: Layout;
  width = 800;
  height = 400;
  /** Draw times (ms) of the recent frames, for benchmarks. */
  readonly frameTimes: number[] = [];
  firstDrawAt = 0;
  private readonly renderer: TimelineRenderer;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly rangePanel: RangePanel;
  private pending = false;
  private onFrame: (() => void) | null = null;

  constructor(
    readonly vm: ViewModel,
    readonly shell: Shell,
  ) {
    this.ctx = shell.canvas.getContext('2d', { alpha: false })!;
    this.renderer = new TimelineRenderer(this.ctx, vm);
    this.layout = buildLayout(vm, this.collapsedProcess, this.collapsedLane);
    this.vp = fitAll(vm, 800);
    this.rangePanel = new RangePanel(shell.tabs.get('range')!.body, vm, (lines, x, y) => this.tooltip(lines, x, y));
    renderTracePanel(shell.tabs.get('trace')!.body, vm);
    this.showDetails();
    showTab(shell, 'details');
    this.resize();
  }

  get bounds(): { start: number; end: number } {
    return { start: this.vm.start, end: this.vm.end };
  }

  resize(): void {
    const rect = this.shell.main.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.width = Math.max(300, Math.floor(rect.width));
    this.height = Math.max(100, Math.floor(rect.height));
    const c = this.shell.canvas;
    c.width = Math.floor(this.width * dpr);
    c.height = Math.floor(this.height * dpr);
    c.style.width = `${this.width}px`;
    c.style.height = `${this.height}px`;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const first = this.firstDrawAt === 0;
    this.vp = first ? fitAll(this.vm, this.width - GUTTER) : withWidth(this.vp, this.width - GUTTER, this.bounds);
    this.scrollBy(0);
    this.redraw();
  }

  redraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.drawNow();
    });
  }

  /** Draws at once; returns the draw time in ms. */
  drawNow(): number {
    const stats = this.renderer.draw({
      vm: this.vm,
      layout: this.layout,
      vp: this.vp,
      scrollY: this.scrollY,
      width: this.width,
      height: this.height,
      selected: this.selected,
      hover: this.hover,
      range: this.range,
      mask: this.mask,
      collapsedProcess: this.collapsedProcess,
      collapsedLane: this.collapsedLane,
    });
    if (this.firstDrawAt === 0) this.firstDrawAt = performance.now();
    this.frameTimes.push(stats.ms);
    if (this.frameTimes.length > 2000) this.frameTimes.splice(0, 1000);
    const cb = this.onFrame;
    this.onFrame = null;
    cb?.();
    return stats.ms;
  }

  /** Resolves after the next drawn frame. */
  nextFrame(): Promise<void> {
    return new Promise((resolve) => {
      const prev = this.onFrame;
      this.onFrame = () => {
        prev?.();
        resolve();
      };
      this.redraw();
    });
  }

  // ---- moves

  zoom(factor: number, x = (this.width - GUTTER) / 2): void {
    this.vp = zoomAt(this.vp, x, factor, this.bounds);
    this.redraw();
  }

  pan(dxPx: number): void {
    this.vp = panBy(this.vp, dxPx, this.bounds);
    this.redraw();
  }

  scrollBy(dy: number): void {
    const max = Math.max(0, this.layout.height - (this.height - AXIS_H) + 40);
    this.scrollY = Math.min(Math.max(0, this.scrollY + dy), max);
    this.redraw();
  }

  resetZoom(): void {
    this.vp = fitAll(this.vm, this.width - GUTTER);
    this.redraw();
  }

  zoomToSelection(): void {
    if (this.range) this.vp = fitRange(this.range.a, this.range.b, this.width - GUTTER, this.bounds);
    else if (this.selected) {
      const s = this.vm.lanes[this.selected.lane]!.slices;
      const i = this.selected.slice;
      this.vp = fitRange(s.start[i]!, s.start[i]! + s.dur[i]!, this.width - GUTTER, this.bounds);
    } else return;
    this.redraw();
  }

  // ---- picking

  hitAt(x: number, y: number): Hit {
    if (y < AXIS_H) return x >= GUTTER ? { kind: 'axis' } : { kind: 'none' };
    const idx = itemAt(this.layout, y - AXIS_H + this.scrollY);
    if (idx < 0) return { kind: 'none' };
    const item = this.layout.items[idx]!;
    if (item.kind === 'process') return { kind: 'process', process: item.process };
    if (item.kind !== 'lane') return { kind: 'none' };
    if (x < GUTTER) return { kind: 'lane-label', lane: item.lane };
    const d = depthAt(item, y - AXIS_H + this.scrollY);
    const lane = this.vm.lanes[item.lane]!;
    const row = d >= 0 ? lane.rows.rows[d] : undefined;
    if (!row) return { kind: 'none' };
    const t = timeAt(this.vp, x - GUTTER);
    const i = hitRow(row, lane.slices.start, lane.slices.dur, t, 2 * this.vp.nsPerPx);
    return i < 0 ? { kind: 'none' } : { kind: 'slice', ref: { lane: item.lane, slice: i } };
  }

  setHover(ref: SliceRef | null, clientX: number, clientY: number): void {
    const same = ref === this.hover || (ref && this.hover && ref.lane === this.hover.lane && ref.slice === this.hover.slice);
    if (!same) {
      this.hover = ref;
      this.redraw();
    }
    if (!ref) return this.tooltip(null, 0, 0);
    const lane = this.vm.lanes[ref.lane]!;
    const s = lane.slices;
    const f = s.func[ref.slice]!;
    const place = funcPlace(this.vm.trace, f);
    this.tooltip([funcName(this.vm.trace, f), formatDuration(s.dur[ref.slice]!), place, lane.name], clientX, clientY);
  }

  tooltip(lines: string[] | null, clientX: number, clientY: number): void {
    const tip = this.shell.tooltip;
    if (!lines) {
      tip.hidden = true;
      return;
    }
    while (tip.firstChild) tip.removeChild(tip.firstChild);
    lines.filter(Boolean).forEach((line, i) => {
      const div = document.createElement('div');
      div.className = i === 0 ? 'tip-title' : 'tip-line';
      div.textContent = line;
      tip.append(div);
    });
    tip.hidden = false;
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    const x = clientX + 14 + w > window.innerWidth ? clientX - w - 10 : clientX + 14;
    const y = clientY + 16 + h > window.innerHeight ? clientY - h - 10 : clientY + 16;
    tip.style.left = `${Math.max(0, x)}px`;
    tip.style.top = `${Math.max(0, y)}px`;
  }

  // ---- selection

  select(ref: SliceRef | null): void {
    this.selected = ref;
    this.showDetails();
    if (ref) showTab(this.shell, 'details');
    this.redraw();
  }

  private showDetails(): void {
    renderDetails(this.shell.tabs.get('details')!.body, this.vm, this.selected, () => {
      this.range = null;
      this.zoomToSelection();
    });
  }

  setRange(a: number, b: number, final: boolean): void {
    if (b < a) [a, b] = [b, a];
    this.range = b > a ? { a, b } : null;
    if (final) {
      this.rangePanel.show(this.range ? aggregateRange(this.vm.lanes, this.vm.trace.funcs.count, a, b) : null);
      if (this.range) showTab(this.shell, 'range');
    }
    this.redraw();
  }

  clearRange(): void {
    this.range = null;
    this.rangePanel.show(null);
    this.redraw();
  }

  rangeRows(): string[][] {
    return this.rangePanel.tableRows();
  }

  toggleProcess(p: number): void {
    if (this.collapsedProcess.has(p)) this.collapsedProcess.delete(p);
    else this.collapsedProcess.add(p);
    this.relayout();
  }

  toggleLane(l: number): void {
    if (this.collapsedLane.has(l)) this.collapsedLane.delete(l);
    else this.collapsedLane.add(l);
    this.relayout();
  }

  private relayout(): void {
    this.layout = buildLayout(this.vm, this.collapsedProcess, this.collapsedLane);
    this.scrollBy(0);
    this.redraw();
  }

  // ---- search

  search(query: string): void {
    const { mask, funcs } = matchFuncs(this.vm.trace, query);
    this.mask = funcs > 0 || query.trim() !== '' ? mask : null;
    this.searchCount = funcs > 0 ? countMatches(this.vm.lanes, mask) : 0;
    const c = this.shell.searchCount;
    c.textContent = this.mask ? `${formatCount(this.searchCount)} match${this.searchCount === 1 ? '' : 'es'}` : '';
    this.redraw();
  }

  /** Selects the next (1) or previous (-1) match and brings it into view. */
  findNext(dir: 1 | -1): boolean {
    if (!this.mask || this.searchCount === 0) return false;
    const from = this.selected
      ? { ...this.selected, t: this.vm.lanes[this.selected.lane]!.slices.start[this.selected.slice]! }
      : dir === 1
        ? { lane: -1, slice: -1, t: -Infinity }
        : { lane: Infinity, slice: Infinity, t: Infinity };
    const m = nextMatch(this.vm.lanes, this.mask, from, dir);
    if (!m) return false;
    this.select(m);
    this.reveal(m);
    return true;
  }

  /** Pans (and zooms in when needed) so the slice is visible, and scrolls to its lane. */
  reveal(ref: SliceRef): void {
    const s = this.vm.lanes[ref.lane]!.slices;
    const a = s.start[ref.slice]!;
    const b = a + s.dur[ref.slice]!;
    const span = this.vp.nsPerPx * this.vp.width;
    if (b - a > span * 0.8 || b - a < this.vp.nsPerPx * 4) this.vp = fitRange(a, b, this.vp.width, this.bounds);
    else if (a < this.vp.t0 || b > this.vp.t0 + span) this.vp = clamp({ ...this.vp, t0: (a + b) / 2 - span / 2 }, this.bounds);
    const item = this.layout.items.find((it) => it.kind === 'lane' && it.lane === ref.lane);
    if (this.collapsedProcess.has(this.vm.lanes[ref.lane]!.process)) this.toggleProcess(this.vm.lanes[ref.lane]!.process);
    if (item) {
      const y = item.y + 3 + s.depth[ref.slice]! * 18;
      const view = this.height - AXIS_H;
      if (y < this.scrollY || y > this.scrollY + view - 30) this.scrollBy(y - view / 3 - this.scrollY);
    }
    this.redraw();
  }
}

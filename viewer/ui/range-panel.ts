// The range panel: the functions of the selected time range (calls, total, self; click a header
// to sort) and the flame graph of the range's aggregated stacks (click a box to focus it).

import { formatCount, formatDuration } from '../../src/util/units.js';
import { funcName, funcPlace, type ViewModel } from '../core/model.js';
import { type RangeSortKey, type RangeStats, sortRows } from '../core/range.js';
import { FLAME_ROW, FlameGraph } from '../render/flame.js';
import { clear, h } from './dom.js';

const MAX_ROWS = 300;

export class RangePanel {
  private stats: RangeStats | null = null;
  private sort: RangeSortKey = 'self';
  private descending = true;
  private flameRoot = 0;
  private readonly flame: FlameGraph;
  private canvas: HTMLCanvasElement | null = null;

  constructor(
    private readonly body: HTMLElement,
    private readonly vm: ViewModel,
    private readonly tooltip: (text: string[] | null, x: number, y: number) => void,
  ) {
    this.flame = new FlameGraph(vm.trace);
    this.render();
  }

  show(stats: RangeStats | null): void {
    this.stats = stats;
    this.flameRoot = 0;
    this.render();
  }

  /** Rows of the function table as shown (for tests). */
  tableRows(): string[][] {
    return [...this.body.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''));
  }

  setSort(key: RangeSortKey): void {
    if (this.sort === key) this.descending = !this.descending;
    else {
      this.sort = key;
      this.descending = key !== 'name';
    }
    this.render();
  }

  private render(): void {
    clear(this.body);
    const r = this.stats;
    if (!r) {
      this.body.append(h('p', { class: 'hint' }, 'Drag across the time axis (or Shift+drag in the tracks) to select a range.'));
      return;
    }
    const trace = this.vm.trace;
    const order = sortRows(r, this.sort, (f) => funcName(trace, f), this.descending);
    const head = h('tr', {});
    const cols: [RangeSortKey | null, string][] = [
      ['name', 'Function'],
      ['calls', 'Calls'],
      ['total', 'Total'],
      ['self', 'Self'],
      [null, 'Location'],
    ];
    for (const [key, label] of cols) {
      const th = h('th', key ? { 'data-sort': key, class: key === this.sort ? 'sorted' : '' } : {}, label + (key === this.sort ? (this.descending ? ' \u25be' : ' \u25b4') : ''));
      if (key) th.addEventListener('click', () => this.setSort(key));
      head.append(th);
    }
    const tbody = h('tbody', {});
    for (let k = 0; k < Math.min(order.length, MAX_ROWS); k++) {
      const row = order[k]!;
      const f = r.func[row]!;
      tbody.append(
        h(
          'tr',
          {},
          h('td', { class: 'fn' }, funcName(trace, f)),
          h('td', { class: 'num' }, formatCount(r.calls[row]!)),
          h('td', { class: 'num' }, formatDuration(r.total[row]!)),
          h('td', { class: 'num' }, formatDuration(r.self[row]!)),
          h('td', { class: 'place' }, funcPlace(trace, f)),
        ),
      );
    }
    const summary = `${formatDuration(r.a)} \u2013 ${formatDuration(r.b)} (${formatDuration(r.b - r.a)}): ${formatCount(r.rows)} functions` + (r.rows > MAX_ROWS ? `, the first ${MAX_ROWS} shown` : '');
    const table = h('table', { class: 'functions' }, h('thead', {}, head), tbody);
    const canvas = h('canvas', { id: 'flame' });
    this.canvas = canvas;
    canvas.addEventListener('mousemove', (e) => this.hover(e));
    canvas.addEventListener('mouseleave', () => this.tooltip(null, 0, 0));
    canvas.addEventListener('click', (e) => this.click(e));
    this.body.append(
      h('p', { class: 'range-summary' }, summary),
      h('div', { class: 'range' }, h('div', { class: 'table-box' }, table), h('div', { class: 'flame-box' }, h('h4', {}, 'Flame graph (click to focus, click the top to go back)'), canvas)),
    );
    requestAnimationFrame(() => this.drawFlame());
  }

  drawFlame(): void {
    const canvas = this.canvas;
    const r = this.stats;
    if (!canvas || !r || !canvas.isConnected) return;
    const width = Math.max(100, canvas.parentElement!.clientWidth - 4);
    const depth = 60;
    const dpr = window.devicePixelRatio || 1;
    const ctx = canvas.getContext('2d')!;
    canvas.width = Math.floor(width * dpr);
    canvas.height = Math.floor((depth + 1) * FLAME_ROW * dpr);
    canvas.style.width = `${width}px`;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const used = this.flame.draw(ctx, r.tree, this.flameRoot, width, depth);
    canvas.style.height = `${(used + 1) * FLAME_ROW}px`;
    const h2 = Math.floor((used + 1) * FLAME_ROW * dpr);
    if (h2 !== canvas.height) {
      canvas.height = h2;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      this.flame.draw(ctx, r.tree, this.flameRoot, width, depth);
    }
  }

  private hover(e: MouseEvent): void {
    const r = this.stats;
    if (!r) return;
    const node = this.flame.hit(e.offsetX, e.offsetY);
    if (node < 0) return this.tooltip(null, 0, 0);
    const f = r.tree.func[node]!;
    const total = r.tree.total[this.flameRoot]!;
    const lines = [
      f < 0 ? 'all threads' : funcName(this.vm.trace, f),
      f < 0 ? '' : funcPlace(this.vm.trace, f),
      `total ${formatDuration(r.tree.total[node]!)} (${((100 * r.tree.total[node]!) / total).toFixed(1)}%)`,
      `self ${formatDuration(r.tree.self[node]!)}`,
    ].filter(Boolean);
    this.tooltip(lines, e.clientX, e.clientY);
  }

  private click(e: MouseEvent): void {
    const r = this.stats;
    if (!r) return;
    const node = this.flame.hit(e.offsetX, e.offsetY);
    if (node < 0) return;
    this.flameRoot = node === this.flameRoot ? Math.max(0, r.tree.parent[node]!) : node;
    this.drawFlame();
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildLayout, depthAt, itemAt } from '../../viewer/core/layout.js';
import { buildRowLod, hitRow, mergeRow as merge, RectBuffer, type RowView } from '../../viewer/core/merge.js';
import { buildViewModel } from '../../viewer/core/model.js';
import { buildRowIndex, firstEndingAfter } from '../../viewer/core/rows.js';
import { niceStep, timeTicks } from '../../viewer/core/ticks.js';
import { fitAll, panBy, zoomAt } from '../../viewer/core/viewport.js';
import { singleThread, traceOf } from './helpers/trace-builder.js';

/** One row of n slices: slice k covers [k*step, k*step + len). */
function row(n: number, step: number, len: number) {
  const start = new Float64Array(n);
  const dur = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    start[k] = k * step;
    dur[k] = len;
  }
  return { idx: Int32Array.from({ length: n }, (_, k) => k), start, dur };
}

function mergeRow(idx: Int32Array, start: Float64Array, dur: Float64Array, v: RowView, out: RectBuffer) {
  merge(idx, start, dur, v, out, buildRowLod(idx, start, dur));
}

function rects(buf: RectBuffer) {
  return Array.from({ length: buf.n }, (_, k) => [+buf.x0[k]!.toFixed(2), +buf.x1[k]!.toFixed(2), buf.slice[k], buf.count[k]]);
}

describe('pixel merging', () => {
  it('draws wide slices one by one', () => {
    const r = row(3, 100, 50);
    const out = new RectBuffer();
    mergeRow(r.idx, r.start, r.dur, { t0: 0, nsPerPx: 10, width: 100 }, out);
    assert.deepEqual(rects(out), [
      [0, 5, 0, 1],
      [10, 15, 1, 1],
      [20, 25, 2, 1],
    ]);
  });

  it('merges slices narrower than a pixel into runs, whatever their number', () => {
    // A million slices of 1 ns every 2 ns, seen at 1000 ns per pixel: one run over 2000 pixels.
    const r = row(1_000_000, 2, 1);
    const out = new RectBuffer();
    mergeRow(r.idx, r.start, r.dur, { t0: 0, nsPerPx: 1000, width: 3000 }, out);
    assert.equal(out.n, 1);
    assert.equal(out.count[0], 1_000_000);
    assert.ok(Math.abs(out.x1[0]! - 2000) < 1.01);
  });

  it('visits a bounded number of steps per pixel', () => {
    // Sparse narrow slices, one per 3 pixels: each becomes its own 1-pixel rectangle.
    const r = row(100, 3000, 10);
    const out = new RectBuffer();
    mergeRow(r.idx, r.start, r.dur, { t0: 0, nsPerPx: 1000, width: 150 }, out);
    assert.equal(out.n, 51); // 0, 3, ..., 150 pixels: both ends included
    assert.ok(rects(out).every(([x0, x1, , c]) => (x1 as number) - (x0 as number) === 1 && c === 1));
  });

  it('keeps a wide slice after a run of narrow ones as its own rectangle', () => {
    const start = Float64Array.from([0, 2, 4, 6, 100]);
    const dur = Float64Array.from([1, 1, 1, 90, 400]);
    const idx = Int32Array.from([0, 1, 2, 3, 4]);
    const out = new RectBuffer();
    mergeRow(idx, start, dur, { t0: 0, nsPerPx: 10, width: 100 }, out);
    assert.deepEqual(rects(out), [
      [0, 1, 0, 3],
      [0.6, 9.6, 3, 1],
      [10, 50, 4, 1],
    ]);
  });

  it('clips to the viewport', () => {
    const r = row(10, 100, 100);
    const out = new RectBuffer();
    mergeRow(r.idx, r.start, r.dur, { t0: 450, nsPerPx: 10, width: 20 }, out);
    assert.deepEqual(rects(out).map((x) => x[2]), [4, 5, 6]);
  });
});

describe('hit testing', () => {
  const r = row(5, 100, 50);
  it('finds the slice under a time', () => {
    assert.equal(hitRow(r.idx, r.start, r.dur, 120, 0), 1);
    assert.equal(hitRow(r.idx, r.start, r.dur, 0, 0), 0);
  });
  it('finds a near slice within the tolerance, nothing beyond it', () => {
    assert.equal(hitRow(r.idx, r.start, r.dur, 160, 15), 1);
    assert.equal(hitRow(r.idx, r.start, r.dur, 175, 15), -1);
    assert.equal(hitRow(r.idx, r.start, r.dur, 195, 10), 2);
    assert.equal(hitRow(r.idx, r.start, r.dur, 10_000, 10), -1);
  });
  it('binary searches ends', () => {
    assert.equal(firstEndingAfter(r.idx, r.start, r.dur, 149), 1);
    assert.equal(firstEndingAfter(r.idx, r.start, r.dur, 151), 2);
  });
});

describe('time axis ticks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceStep(0.8), 1);
    assert.equal(niceStep(13), 20);
    assert.equal(niceStep(3100), 5000);
    assert.equal(niceStep(7e6), 1e7);
  });
  it('labels in the unit of the step', () => {
    const t = timeTicks(0, 1e9, 1000);
    assert.equal(t.step, 1e8);
    assert.deepEqual(t.labels.slice(0, 3), ['0.0 s', '0.1 s', '0.2 s']);
    const u = timeTicks(0, 5000, 1000);
    assert.equal(u.step, 500);
    assert.deepEqual(u.labels.slice(0, 2), ['0.0 us', '0.5 us']);
    const m = timeTicks(0, 250e6, 1200);
    assert.deepEqual(m.labels.slice(0, 3), ['0 ms', '20 ms', '40 ms']);
  });
  it('shows offsets from a base deep into a long trace', () => {
    const t = timeTicks(3_600_000_001_000, 3_600_000_002_000, 1000);
    assert.notEqual(t.base, null);
    assert.match(t.labels[0]!, /^\+[\d.]+ (ns|us)$/);
    assert.match(t.baseLabel, /s$/);
    assert.ok(t.times.every((x) => x >= 3_600_000_001_000 && x <= 3_600_000_002_000));
  });
});

describe('viewport', () => {
  const b = { start: 0, end: 1_000_000 };
  it('fits the whole trace', () => {
    const v = fitAll(b, 1000);
    assert.ok(v.t0 < 0 && v.t0 + v.nsPerPx * 1000 > 1_000_000);
  });
  it('zooms keeping the time under the pointer', () => {
    const v = fitAll(b, 1000);
    const t = v.t0 + 300 * v.nsPerPx;
    const z = zoomAt(v, 300, 0.5, b);
    assert.ok(Math.abs(z.t0 + 300 * z.nsPerPx - t) < 1e-6);
    assert.ok(Math.abs(z.nsPerPx - v.nsPerPx / 2) < 1e-9);
  });
  it('does not pan or zoom out beyond the trace', () => {
    const v = fitAll(b, 1000);
    assert.ok(panBy(v, 1e9, b).t0 < b.end);
    assert.ok(zoomAt(v, 0, 1e6, b).nsPerPx <= (1_000_000 * 1.5) / 1000);
  });
});

describe('layout and view model', () => {
  const trace = traceOf(
    { threads: ['main 0 100\n  f 10 50\n    g 20 10', 'w 5 20'] },
    { threads: ['x 0 10'] },
  );
  const vm = buildViewModel(trace);
  it('indexes rows by depth', () => {
    const r = buildRowIndex(trace.threads[0]!.slices);
    assert.deepEqual(r.rows.map((x) => [...x]), [[0], [1], [2]]);
    assert.equal(vm.start, 0);
    assert.equal(vm.end, 100);
    assert.equal(vm.totalSlices, 5);
  });
  it('lists processes with their lanes, collapsing on demand', () => {
    const l = buildLayout(vm, new Set(), new Set());
    assert.deepEqual(l.items.map((i) => i.kind), ['process', 'lane', 'lane', 'process', 'lane']);
    assert.equal(l.items[1]!.depthRows, 3);
    const c = buildLayout(vm, new Set([0]), new Set());
    assert.deepEqual(c.items.map((i) => i.kind), ['process', 'process', 'lane']);
    const lc = buildLayout(vm, new Set(), new Set([0]));
    assert.equal(lc.items[1]!.depthRows, 1);
  });
  it('finds the item and depth under a height', () => {
    const l = buildLayout(vm, new Set(), new Set());
    const lane = l.items[1]!;
    assert.equal(itemAt(l, lane.y + 5), 1);
    assert.equal(depthAt(lane, lane.y + 3 + 18 * 2 + 1), 2);
    assert.equal(itemAt(l, l.height + 10), -1);
  });
  it('handles a trace of one thread', () => {
    const one = buildViewModel(singleThread('a 0 10'));
    assert.equal(one.lanes.length, 1);
  });
});

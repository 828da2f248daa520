// A counter track: the value as a step-wise filled area, one column of pixels at a time (the
// largest value seen in each column, so spikes stay visible at any zoom), scaled to the series'
// maximum. Costs O(columns x log samples).

import { lowerBound } from '../core/rows.js';

export interface CounterBox {
  x: number;
  y: number;
  w: number;
  h: number;
  t0: number;
  nsPerPx: number;
}

const maxCache = new WeakMap<Float64Array, { min: number; max: number }>();

function extent(values: Float64Array): { min: number; max: number } {
  let e = maxCache.get(values);
  if (!e) {
    let min = 0;
    let max = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    e = { min, max: max > min ? max : min + 1 };
    maxCache.set(values, e);
  }
  return e;
}

export function drawCounter(ctx: CanvasRenderingContext2D, ts: Float64Array, values: Float64Array, box: CounterBox): void {
  const n = ts.length;
  if (n === 0) return;
  const { min, max } = extent(values);
  const yOf = (v: number) => box.y + box.h - ((v - min) / (max - min)) * box.h;
  ctx.fillStyle = 'rgba(56,120,200,0.35)';
  ctx.strokeStyle = 'rgba(30,80,160,0.9)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(box.x, yOf(min));
  let k = Math.max(0, lowerBound(ts, box.t0) - 1);
  let current = ts[k]! <= box.t0 ? values[k]! : min;
  const cols = Math.ceil(box.w);
  for (let c = 0; c <= cols; c++) {
    const tEnd = box.t0 + (c + 1) * box.nsPerPx;
    let peak = current;
    while (k < n && ts[k]! < tEnd) {
      if (ts[k]! >= box.t0 + c * box.nsPerPx || c === 0) peak = Math.max(peak, values[k]!);
      current = values[k]!;
      k++;
      // Many samples in this column: jump to its end.
      if (k < n && ts[k]! < tEnd) {
        const j = lowerBound(ts, tEnd, k);
        for (let m = k; m < j && m < k + 64; m++) peak = Math.max(peak, values[m]!);
        k = j;
        current = values[j - 1]!;
      }
    }
    const x = box.x + c;
    ctx.lineTo(x, yOf(peak));
    ctx.lineTo(x + 1, yOf(peak));
    if (k >= n && ts[n - 1]! < tEnd) {
      ctx.lineTo(x + 1, yOf(min));
      break;
    }
  }
  ctx.lineTo(box.x + cols + 1, yOf(min));
  ctx.closePath();
  ctx.fill();
  ctx.fillStyle = 'rgba(0,0,0,0.5)';
  ctx.fillText(`${max.toPrecision(3)}`, box.x + 4, box.y + 10);
}

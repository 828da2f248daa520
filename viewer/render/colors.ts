// Colours: one per function, stable across runs (a hash of its name), from a palette that keeps
// dark text readable. C functions are paler, marks (async slices) bluer; search dims non-matches.

import { FuncKind, type Trace } from '../../src/model/trace.js';

const HUES = [12, 28, 45, 90, 130, 160, 185, 205, 225, 260, 285, 320, 340];

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export class Palette {
  private readonly cache: (string | undefined)[];

  constructor(private readonly trace: Trace) {
    this.cache = new Array(trace.funcs.count);
  }

  of(func: number): string {
    let c = this.cache[func];
    if (c === undefined) {
      const name = this.trace.strings[this.trace.funcs.name[func]!] ?? '';
      const h = hash(name);
      const hue = HUES[h % HUES.length]!;
      const kind = this.trace.funcs.kind[func];
      const light = 68 + ((h >>> 8) % 3) * 5;
      const sat = kind === FuncKind.C ? 22 : kind === FuncKind.Mark ? 45 : 55;
      c = `hsl(${kind === FuncKind.Mark ? 210 + (h % 40) : hue} ${sat}% ${light}%)`;
      this.cache[func] = c;
    }
    return c;
  }
}

export const DIMMED = '#e4e4e8';
/** Runs of slices narrower than a pixel. */
export const DENSE = '#9aa6bf';
export const TEXT = '#1d1d22';
export const MUTED_TEXT = '#6b6b76';
export const GRID = 'rgba(0,0,0,0.07)';
export const SELECT = '#1f5fd6';
export const HOVER = 'rgba(0,0,0,0.55)';
export const RANGE_SHADE = 'rgba(30,40,70,0.18)';
export const PROCESS_BG = '#eef0f5';
export const GUTTER_BG = '#f7f7f9';

// Search by function name: which functions match, how many slices that is, and the next or
// previous matching slice in time order (start, then lane, then position) across all lanes.

import type { SliceTable, Trace } from '../../src/model/trace.js';
import { lowerBound } from './rows.js';

/** 1 for each function whose name (or file) contains `query`, case-insensitive. */
export function matchFuncs(trace: Trace, query: string): { mask: Uint8Array; funcs: number } {
  const mask = new Uint8Array(trace.funcs.count);
  const q = query.trim().toLowerCase();
  let funcs = 0;
  if (q === '') return { mask, funcs };
  for (let f = 0; f < trace.funcs.count; f++) {
    const name = (trace.strings[trace.funcs.name[f]!] ?? '').toLowerCase();
    const file = (trace.strings[trace.funcs.file[f]!] ?? '').toLowerCase();
    if (name.includes(q) || (file !== '' && `${file}:${trace.funcs.line[f]}`.includes(q))) {
      mask[f] = 1;
      funcs++;
    }
  }
  return { mask, funcs };
}

export function countMatches(lanes: { slices: SliceTable }[], mask: Uint8Array): number {
  let n = 0;
  for (const { slices: s } of lanes) for (let i = 0; i < s.count; i++) n += mask[s.func[i]!]!;
  return n;
}

export interface Match {
  lane: number;
  slice: number;
}

function after(a: Match & { t: number }, t: number, lane: number, slice: number): boolean {
  return t > a.t || (t === a.t && (lane > a.lane || (lane === a.lane && slice > a.slice)));
}

/** The first match strictly after `from` in time order (dir 1), or strictly before it (dir -1). */
export function nextMatch(lanes: { slices: SliceTable }[], mask: Uint8Array, from: Match & { t: number }, dir: 1 | -1): Match | null {
  let best: (Match & { t: number }) | null = null;
  lanes.forEach((lane, li) => {
    const s = lane.slices;
    if (dir === 1) {
      let i = lowerBound(s.start, from.t, 0, s.count);
      for (; i < s.count; i++) {
        if (!mask[s.func[i]!]) continue;
        if (!after(from, s.start[i]!, li, i)) continue;
        if (!best || !after(best, s.start[i]!, li, i)) best = { lane: li, slice: i, t: s.start[i]! };
        break;
      }
    } else {
      let i = lowerBound(s.start, from.t, 0, s.count);
      while (i < s.count && s.start[i] === from.t) i++;
      i--;
      for (; i >= 0; i--) {
        if (!mask[s.func[i]!]) continue;
        const t = s.start[i]!;
        if (!(t < from.t || (t === from.t && (li < from.lane || (li === from.lane && i < from.slice))))) continue;
        if (!best || after(best, t, li, i)) best = { lane: li, slice: i, t };
        break;
      }
    }
  });
  return best ? { lane: (best as Match).lane, slice: (best as Match).slice } : null;
}
